/**
 * A standalone {@link PageTableMemory}: zeroed 4 KiB pages in typed arrays, with page accounting
 * and fault injection, for users of this package alone and for tests and benchmarks.
 */
import type { PageTableMemory } from "./memory.js";

const PAGE_SIZE = 4096;
const PAGE_WORDS = 1024;
/** Pages carved from one ArrayBuffer at a time, so that allocation is cheap. */
const CHUNK_PAGES = 64;

/** Options of {@link ArrayPageTableMemory}. */
export interface ArrayPageTableMemoryOptions {
  /** Physical address of the first page handed out (4 KiB-aligned). Default `0x80000000`. */
  base?: number;
  /** Most pages that may be live at once; further allocations fail. Default 1,048,576 (4 GiB). */
  maxPages?: number;
}

/**
 * Array-backed page-table memory. Pages come from a bump allocator starting at `base`; freed
 * pages are reused last-in-first-out (like the allocator that produced the golden vectors), and
 * every allocation is zeroed. `pageU32` of a page that is not allocated throws, which catches
 * use-after-free in tests.
 */
export class ArrayPageTableMemory implements PageTableMemory {
  /** Physical address of page 0. */
  readonly base: number;
  /** Upper bound on live pages. */
  readonly maxPages: number;
  /** Pages currently allocated. */
  livePages = 0;
  /** Highest value `livePages` has reached. */
  peakPages = 0;
  /** Successful allocations so far. */
  allocCount = 0;
  /** Frees so far. */
  freeCount = 0;
  /** Allocation attempts so far, failed ones included (what fault injection counts). */
  allocAttempts = 0;
  /** Views of live pages by page number (`(pa - base) / 4096`); undefined when not live. */
  private readonly views: (Uint32Array | undefined)[] = [];
  /** Views of every page ever carved, live or not, by page number. */
  private readonly store: Uint32Array[] = [];
  /** Page numbers handed out at least once (the bump pointer). */
  private carved = 0;
  /** Freed page numbers, reused last-in-first-out. */
  private readonly freeList: number[] = [];
  /** Attempt numbers (1-based, as counted by `allocAttempts`) that must fail. */
  private readonly failAt = new Set<number>();

  /** Creates an empty memory. */
  constructor(options: ArrayPageTableMemoryOptions = {}) {
    const base = options.base ?? 0x80000000;
    if (!Number.isSafeInteger(base) || base < 0 || base % PAGE_SIZE !== 0) {
      throw new RangeError(`base ${base} is not a 4 KiB-aligned address`);
    }
    this.base = base;
    this.maxPages = options.maxPages ?? 1 << 20;
  }

  /**
   * Makes allocation attempt number `nth` (counting from the next one as 1) fail, and the
   * `count − 1` attempts after it too.
   */
  failAlloc(nth: number, count = 1): void {
    for (let i = 0; i < count; i++) this.failAt.add(this.allocAttempts + nth + i);
  }

  /** Cancels every pending injected failure. */
  clearFailures(): void {
    this.failAt.clear();
  }

  /** Allocates one zeroed page; its physical address, or null (limit reached or injected failure). */
  allocPage(): number | null {
    const attempt = ++this.allocAttempts;
    if (this.failAt.size !== 0 && this.failAt.delete(attempt)) return null;
    if (this.livePages >= this.maxPages) return null;
    if (this.freeList.length === 0 && this.carved * PAGE_SIZE >= 4294967296) return null;
    let n = this.freeList.pop();
    let view: Uint32Array;
    if (n !== undefined) {
      view = this.store[n]!;
      view.fill(0);
    } else {
      n = this.carved++;
      if (n === this.store.length) {
        const buf = new ArrayBuffer(CHUNK_PAGES * PAGE_SIZE);
        for (let i = 0; i < CHUNK_PAGES; i++) {
          this.store.push(new Uint32Array(buf, i * PAGE_SIZE, PAGE_WORDS));
        }
      }
      view = this.store[n]!;
    }
    this.views[n] = view;
    this.livePages++;
    if (this.livePages > this.peakPages) this.peakPages = this.livePages;
    this.allocCount++;
    return this.base + n * PAGE_SIZE;
  }

  /** Frees a live page. Throws on a page that is not live (double free, foreign address). */
  freePage(pa: number): void {
    const n = this.pageNumber(pa);
    if (this.views[n] === undefined) throw new Error(`freePage: 0x${pa.toString(16)} is not live`);
    this.views[n] = undefined;
    this.freeList.push(n);
    this.livePages--;
    this.freeCount++;
  }

  /** The 1024-word view of the live page at `pa`. Throws when `pa` is not a live page. */
  pageU32(pa: number): Uint32Array {
    const off = pa - this.base;
    // Integer page numbers keep the element load on V8's fast path.
    const v =
      off >= 0 && off < 4294967296 && (off & 0xfff) === 0 ? this.views[off >>> 12] : undefined;
    if (v === undefined) throw new Error(`pageU32: 0x${pa.toString(16)} is not a live page`);
    return v;
  }

  /** Whether `pa` is the address of a live page. */
  isLive(pa: number): boolean {
    const off = pa - this.base;
    return off >= 0 && off % PAGE_SIZE === 0 && this.views[off / PAGE_SIZE] !== undefined;
  }

  /** Physical addresses of every live page, ascending. */
  livePageAddresses(): number[] {
    const out: number[] = [];
    for (let n = 0; n < this.views.length; n++) {
      if (this.views[n] !== undefined) out.push(this.base + n * PAGE_SIZE);
    }
    return out;
  }

  private pageNumber(pa: number): number {
    const off = pa - this.base;
    if (!(off >= 0 && off % PAGE_SIZE === 0)) {
      throw new Error(`0x${pa.toString(16)} is not a page of this memory`);
    }
    return off / PAGE_SIZE;
  }
}
