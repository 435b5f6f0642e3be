/**
 * A standalone {@link PageTableMemory}: zeroed 4 KiB pages and naturally aligned blocks of pages
 * in typed arrays, with page accounting and fault injection, for users of this package alone and
 * for tests and benchmarks.
 */
import type { PageTableMemory } from "./memory.js";

const PAGE_SIZE = 4096;
const PAGE_WORDS = 1024;
/**
 * Pages carved from one ArrayBuffer at a time, so that allocation is cheap. Buffers cover
 * physically aligned runs of this many pages, so a naturally aligned block of up to this many
 * pages always lies in one buffer and gets a single contiguous view.
 */
const CHUNK_PAGES = 64;
/** Largest block order {@link ArrayPageTableMemory.allocBlock} accepts (64 pages, 256 KiB). */
const MAX_ORDER = 6;

/** Options of {@link ArrayPageTableMemory}. */
export interface ArrayPageTableMemoryOptions {
  /** Physical address of the first page handed out (4 KiB-aligned). Default `0x80000000`. */
  base?: number;
  /** Most pages that may be live at once; further allocations fail. Default 1,048,576 (4 GiB). */
  maxPages?: number;
}

/**
 * Array-backed page-table memory. Pages come from a bump allocator starting at `base`; blocks of
 * 2^order pages (`allocBlock`) are aligned to their size in physical address terms, skipping
 * pages to get there. Freed pages and blocks are reused last-in-first-out per order (like the
 * allocator that produced the golden vectors), and every allocation is zeroed. `pageU32` of a
 * page that is not allocated throws, which catches use-after-free in tests.
 */
export class ArrayPageTableMemory implements PageTableMemory {
  /** Physical address of page 0. */
  readonly base: number;
  /** Upper bound on live pages. */
  readonly maxPages: number;
  /**
   * Pages currently allocated (a block of 2^order pages counts 2^order), reserved pages not yet
   * allocated included.
   */
  livePages = 0;
  /** Pages set aside by {@link reservePages} and not yet allocated or given back. */
  reservedPages = 0;
  /** Allocations currently live: single pages and blocks, one each. */
  liveAllocations = 0;
  /** Highest value `livePages` has reached. */
  peakPages = 0;
  /** Successful allocations so far (pages and blocks). */
  allocCount = 0;
  /** Frees so far (pages and blocks). */
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
  /** Freed block head page numbers by order (index 0 unused), reused last-in-first-out. */
  private readonly blockFreeLists: number[][] = Array.from({ length: MAX_ORDER + 1 }, () => []);
  /** Live blocks: head page number → [order, whole-block view]. */
  private readonly blocks = new Map<number, { order: number; view: Uint32Array }>();
  /** Page number → head page number, for every page inside a live block. */
  private readonly blockOf = new Map<number, number>();
  /** Physical page number of page 0, modulo {@link CHUNK_PAGES}. */
  private readonly chunkPhase: number;
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
    this.chunkPhase = (base / PAGE_SIZE) % CHUNK_PAGES;
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
    // On the table-allocation path of every map: plain fields, one small private helper.
    const attempt = ++this.allocAttempts;
    if (this.failAt.size !== 0 && this.failAt.delete(attempt)) return null;
    if (this.livePages >= this.maxPages) return null;
    const pa = this.takePage();
    if (pa === null) return null;
    this.livePages++;
    if (this.livePages > this.peakPages) this.peakPages = this.livePages;
    return pa;
  }

  /**
   * Sets aside `pages` pages for {@link allocReservedPage}, all or nothing: true, or false with
   * nothing set aside. They count in {@link livePages} from now on but take no page until
   * allocated. Fault injection sees one attempt per page and stops at the first that fails.
   */
  reservePages(pages: number): boolean {
    if (!Number.isSafeInteger(pages) || pages < 0) return false;
    if (this.failAt.size !== 0) {
      for (const at of [...this.failAt].sort((a, b) => a - b)) {
        if (at > this.allocAttempts && at <= this.allocAttempts + pages) {
          this.failAt.delete(at);
          this.allocAttempts = at;
          return false;
        }
      }
    }
    this.allocAttempts += pages;
    if (this.livePages + pages > this.maxPages) return false;
    this.reservedPages += pages;
    this.livePages += pages;
    if (this.livePages > this.peakPages) this.peakPages = this.livePages;
    return true;
  }

  /** Allocates one zeroed page out of a reservation; its address (throws when none is reserved). */
  allocReservedPage(): number | null {
    if (this.reservedPages === 0) throw new Error("allocReservedPage: no page reserved");
    const pa = this.takePage();
    if (pa !== null) this.reservedPages--;
    return pa;
  }

  /** Gives back `pages` reserved pages that were not allocated. */
  unreservePages(pages: number): void {
    if (!Number.isSafeInteger(pages) || pages < 0 || pages > this.reservedPages) {
      throw new Error(`unreservePages(${pages}): ${this.reservedPages} reserved`);
    }
    this.reservedPages -= pages;
    this.livePages -= pages;
  }

  /** Takes a zeroed page (no accounting of `livePages`); null past 4 GiB of pages. */
  private takePage(): number | null {
    let n = this.freeList.pop();
    let view: Uint32Array;
    if (n !== undefined) {
      view = this.store[n]!;
      view.fill(0);
    } else {
      if (this.carved * PAGE_SIZE >= 4294967296) return null;
      n = this.carved++;
      if (n === this.store.length) this.carveChunk();
      view = this.store[n]!;
    }
    this.views[n] = view;
    this.liveAllocations++;
    this.allocCount++;
    return this.base + n * PAGE_SIZE;
  }

  /**
   * Allocates 2^`order` contiguous zeroed pages aligned to their total size (order 0..6); the
   * first page's address, or null (limit reached, bad order or injected failure).
   */
  allocBlock(order: number): number | null {
    if (order === 0) return this.allocPage();
    if (!(Number.isInteger(order) && order > 0 && order <= MAX_ORDER)) return null;
    const count = 2 ** order;
    if (!this.admit(count)) return null;
    let head = this.blockFreeLists[order]!.pop();
    if (head === undefined) {
      // Bump to the next page number whose physical address is aligned to the block.
      const phys = this.base / PAGE_SIZE + this.carved;
      const start = this.carved + ((count - (phys % count)) % count);
      if ((start + count) * PAGE_SIZE > 4294967296) return null;
      while (this.store.length < start + count) this.carveChunk();
      this.carved = start + count;
      head = start;
    }
    const first = this.store[head]!;
    const view = new Uint32Array(first.buffer, first.byteOffset, count * PAGE_WORDS);
    view.fill(0);
    for (let i = 0; i < count; i++) {
      this.views[head + i] = this.store[head + i];
      this.blockOf.set(head + i, head);
    }
    this.blocks.set(head, { order, view });
    this.taken(count);
    return this.base + head * PAGE_SIZE;
  }

  /** Frees a live page. Throws on a page that is not live (double free, foreign address, block page). */
  freePage(pa: number): void {
    const n = this.pageNumber(pa);
    if (this.views[n] === undefined) throw new Error(`freePage: 0x${pa.toString(16)} is not live`);
    if (this.blocks.size !== 0 && this.blockOf.has(n)) {
      throw new Error(`freePage: 0x${pa.toString(16)} is part of a block`);
    }
    this.views[n] = undefined;
    this.freeList.push(n);
    this.livePages--;
    this.liveAllocations--;
    this.freeCount++;
  }

  /** Frees a block from {@link allocBlock}; throws unless `pa` heads a live block of `order`. */
  freeBlock(pa: number, order: number): void {
    if (order === 0) {
      this.freePage(pa);
      return;
    }
    const n = this.pageNumber(pa);
    const block = this.blocks.get(n);
    if (block === undefined || block.order !== order) {
      throw new Error(`freeBlock: 0x${pa.toString(16)} is not a live block of order ${order}`);
    }
    const count = 2 ** order;
    for (let i = 0; i < count; i++) {
      this.views[n + i] = undefined;
      this.blockOf.delete(n + i);
    }
    this.blocks.delete(n);
    this.blockFreeLists[order]!.push(n);
    this.released(count);
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

  /** The view of the whole live block of `order` at `pa`. Throws when there is no such block. */
  blockU32(pa: number, order: number): Uint32Array {
    if (order === 0) return this.pageU32(pa);
    const off = pa - this.base;
    const block = off >= 0 && off % PAGE_SIZE === 0 ? this.blocks.get(off / PAGE_SIZE) : undefined;
    if (block === undefined || block.order !== order) {
      throw new Error(`blockU32: 0x${pa.toString(16)} is not a live block of order ${order}`);
    }
    return block.view;
  }

  /** Whether `pa` is the address of a live page (alone or inside a block). */
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

  /** Counts an attempt; false when it must fail (injected failure or page limit). */
  private admit(pages: number): boolean {
    const attempt = ++this.allocAttempts;
    if (this.failAt.size !== 0 && this.failAt.delete(attempt)) return false;
    return this.livePages + pages <= this.maxPages;
  }

  private taken(pages: number): void {
    this.livePages += pages;
    if (this.livePages > this.peakPages) this.peakPages = this.livePages;
    this.liveAllocations++;
    this.allocCount++;
  }

  private released(pages: number): void {
    this.livePages -= pages;
    this.liveAllocations--;
    this.freeCount++;
  }

  /** Carves the next buffer of pages, ending on a physically aligned chunk boundary. */
  private carveChunk(): void {
    const n0 = this.store.length;
    const pages = CHUNK_PAGES - ((this.chunkPhase + n0) % CHUNK_PAGES);
    const buf = new ArrayBuffer(pages * PAGE_SIZE);
    for (let i = 0; i < pages; i++) {
      this.store.push(new Uint32Array(buf, i * PAGE_SIZE, PAGE_WORDS));
    }
  }

  private pageNumber(pa: number): number {
    const off = pa - this.base;
    if (!(off >= 0 && off % PAGE_SIZE === 0)) {
      throw new Error(`0x${pa.toString(16)} is not a page of this memory`);
    }
    return off / PAGE_SIZE;
  }
}
