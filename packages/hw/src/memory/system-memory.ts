/**
 * Sparse physical memory in 4 KiB pages, shared by the simulated CPU and GPU, with a counting
 * page allocator and failure injection.
 */
import type { WarningSink } from "@panmmu/uapi";
import type { MemoryShrinker, PhysicalMemory } from "../platform/interfaces.js";
import { PAGE_SIZE } from "../platform/interfaces.js";
import { SimRng } from "../sim/rng.js";

// Local copy of PAGE_SIZE for the hot accessors (reads no import binding; see mmu/walker.ts).
const PAGE_BYTES: number = PAGE_SIZE;
const CHUNK_SHIFT = 10;
const CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;

/** Options of {@link SystemMemory}. */
export interface SystemMemoryOptions {
  /** First physical address of the allocatable range (page aligned; default 0x80000000). */
  base?: number;
  /** Size of the range in bytes (page multiple; default 1 GiB, at most 64 GiB). */
  size?: number;
  /** Seed of the probabilistic failure injection (default 1). */
  seed?: number;
  /** Where misuse (double free, freeing a foreign page) is reported; without it such misuse throws. */
  warnings?: WarningSink;
}

/** Allocation statistics of a {@link SystemMemory}. */
export interface MemoryStats {
  /** Pages currently allocated. */
  allocated: number;
  /** Highest number of pages allocated at once. */
  peak: number;
  /** Successful allocation calls (single pages and runs). */
  allocations: number;
  /** Failed allocation calls (exhaustion or injected). */
  failures: number;
  /** Failures that came from injection. */
  injectedFailures: number;
  /** Times the shrinkers were asked to free pages. */
  shrinkerCalls: number;
  /** Pages freed by shrinkers. */
  shrunkPages: number;
  /** Reads or writes of unallocated pages through the lenient accessors. */
  strayAccesses: number;
}

/**
 * Sparse physical memory with a page allocator. Satisfies `PhysicalMemory` and, structurally,
 * `@panmmu/iopgtable`'s `PageTableMemory`. Pages are zeroed when allocated and dropped when
 * freed, so a stale reference to a freed page reads zeros (counted as a stray access).
 */
export class SystemMemory implements PhysicalMemory {
  /** First physical address of the range. */
  readonly base: number;
  /** Size of the range in bytes. */
  readonly size: number;
  /** Number of pages in the range. */
  readonly pageCount: number;
  private readonly basePfn: number;
  private readonly chunks: ((Uint32Array | undefined)[] | undefined)[];
  private readonly used: Uint8Array;
  private readonly freeStack: number[] = [];
  private cursor = 0;
  private readonly shrinkers: MemoryShrinker[] = [];
  private readonly rng: SimRng;
  private readonly warnings: WarningSink | undefined;
  private released = 0;
  private failAt = 0;
  private failEvery = 0;
  private failProbability = 0;
  private allocCalls = 0;
  private shrinking = false;
  private readonly st: MemoryStats = {
    allocated: 0,
    peak: 0,
    allocations: 0,
    failures: 0,
    injectedFailures: 0,
    shrinkerCalls: 0,
    shrunkPages: 0,
    strayAccesses: 0,
  };

  /** Creates an empty memory covering `[base, base + size)`. */
  constructor(options: SystemMemoryOptions = {}) {
    const base = options.base ?? 0x8000_0000;
    const size = options.size ?? 0x4000_0000;
    if (!Number.isSafeInteger(base) || base < 0 || base % PAGE_SIZE !== 0) {
      throw new RangeError(`memory base must be a page-aligned address, got ${base}`);
    }
    if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE !== 0 || size > 2 ** 36) {
      throw new RangeError(`memory size must be a page multiple in (0, 64 GiB], got ${size}`);
    }
    if (base + size > 2 ** 48)
      throw new RangeError("memory range exceeds 48 physical address bits");
    this.base = base;
    this.size = size;
    this.pageCount = size / PAGE_SIZE;
    this.basePfn = base / PAGE_SIZE;
    this.used = new Uint8Array(this.pageCount);
    // Dense (never dictionary-mode) arrays keep page lookups fast on the walker's hot path.
    this.chunks = new Array<(Uint32Array | undefined)[] | undefined>(
      Math.ceil(this.pageCount / (1 << CHUNK_SHIFT)),
    ).fill(undefined);
    this.rng = new SimRng(options.seed ?? 1);
    this.warnings = options.warnings;
  }

  /** Changes whenever a page is freed (lets the MMU's walker keep page views between walks). */
  get releaseGeneration(): number {
    return this.released;
  }

  /** Pages currently allocated. */
  get allocatedPages(): number {
    return this.st.allocated;
  }

  /** Highest number of pages allocated at once. */
  get peakPages(): number {
    return this.st.peak;
  }

  /** Pages that can still be allocated. */
  get freePages(): number {
    return this.pageCount - this.st.allocated;
  }

  /** A snapshot of the allocation statistics. */
  get stats(): Readonly<MemoryStats> {
    return { ...this.st };
  }

  /** Makes the `n`-th allocation call from now fail (1 = the next one); 0 disables. */
  failNthAllocation(n: number): void {
    this.failAt = n > 0 ? this.allocCalls + n : 0;
  }

  /** Makes every `n`-th allocation call fail from now on (0 disables). */
  failEveryNth(n: number): void {
    this.failEvery = Math.max(0, Math.trunc(n));
  }

  /** Makes each allocation call fail with probability `p` (seeded; 0 disables). */
  setFailureProbability(p: number): void {
    this.failProbability = Math.min(1, Math.max(0, p));
  }

  /** Registers a shrinker asked to free pages when memory is exhausted; returns its unregister function. */
  registerShrinker(shrinker: MemoryShrinker): () => void {
    this.shrinkers.push(shrinker);
    return () => {
      const i = this.shrinkers.indexOf(shrinker);
      if (i >= 0) this.shrinkers.splice(i, 1);
    };
  }

  /** Allocates one zeroed page; its physical address, or null. */
  allocPage(): number | null {
    if (this.injectFailure()) return null;
    let idx = this.findFreePage();
    if (idx < 0 && this.shrink(1)) idx = this.findFreePage();
    if (idx < 0) {
      this.st.failures++;
      return null;
    }
    this.take(idx);
    this.st.allocations++;
    return (this.basePfn + idx) * PAGE_SIZE;
  }

  /**
   * Allocates `pages` contiguous zeroed pages aligned to `alignPages` pages (a power of two);
   * the first page's address, or null. The pages are freed one by one.
   */
  allocContiguous(pages: number, alignPages: number): number | null {
    if (!Number.isSafeInteger(pages) || pages <= 0 || pages > this.pageCount) return null;
    if (
      !Number.isSafeInteger(alignPages) ||
      alignPages <= 0 ||
      (alignPages & (alignPages - 1)) !== 0
    ) {
      return null;
    }
    if (this.injectFailure()) return null;
    let idx = this.findRun(pages, alignPages);
    if (idx < 0 && this.shrink(pages)) idx = this.findRun(pages, alignPages);
    if (idx < 0) {
      this.st.failures++;
      return null;
    }
    for (let i = 0; i < pages; i++) this.take(idx + i);
    this.st.allocations++;
    return (this.basePfn + idx) * PAGE_SIZE;
  }

  /**
   * Allocates the specific page at `pa` (for rebuilding a memory image at fixed addresses);
   * false when it lies outside the range or is already allocated.
   */
  allocPageAt(pa: number): boolean {
    const idx = this.indexOf(pa);
    if (idx < 0 || pa % PAGE_SIZE !== 0 || this.used[idx] === 1) return false;
    this.take(idx);
    this.st.allocations++;
    return true;
  }

  /** Frees one allocated page. */
  freePage(pa: number): void {
    const idx = this.indexOf(pa);
    if (idx < 0 || pa % PAGE_SIZE !== 0 || this.used[idx] !== 1) {
      const msg = `freePage(0x${pa.toString(16)}): not an allocated page`;
      if (this.warnings === undefined) throw new RangeError(msg);
      this.warnings.warn("SystemMemory.freePage", msg);
      return;
    }
    this.used[idx] = 0;
    this.released++;
    const chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk !== undefined) chunk[idx & CHUNK_MASK] = undefined;
    this.freeStack.push(idx);
    this.st.allocated--;
  }

  /** Whether `pa` lies inside the physical range (allocated or not). */
  contains(pa: number): boolean {
    return pa >= this.base && pa < this.base + this.size;
  }

  /** Whether `pa` lies in an allocated page. */
  isAllocated(pa: number): boolean {
    const idx = this.indexOf(pa);
    return idx >= 0 && this.used[idx] === 1;
  }

  /** The 1024-word view of the allocated page at `pa`; throws RangeError if not allocated. */
  pageU32(pa: number): Uint32Array {
    const words = this.words(pa);
    if (words === undefined) {
      throw new RangeError(`page 0x${pa.toString(16)} is not allocated`);
    }
    return words;
  }

  /** The 4096-byte view of the allocated page at `pa`; throws RangeError if not allocated. */
  pageU8(pa: number): Uint8Array {
    const w = this.pageU32(pa);
    return new Uint8Array(w.buffer, w.byteOffset, PAGE_SIZE);
  }

  /**
   * The word view of the page holding `pa` (any address inside it), or undefined when that page
   * is not allocated. This is the hot-path accessor used by the page-table walker.
   */
  words(pa: number): Uint32Array | undefined {
    const idx = Math.floor(pa / PAGE_BYTES) - this.basePfn;
    if (idx < 0 || idx >= this.pageCount) return undefined;
    return this.chunks[idx >>> CHUNK_SHIFT]?.[idx & CHUNK_MASK];
  }

  /** Reads the aligned 32-bit word at `pa`; 0 (and a stray access counted) if unallocated. */
  read32(pa: number): number {
    const w = this.words(pa);
    if (w === undefined) {
      this.st.strayAccesses++;
      return 0;
    }
    return w[(pa & 0xfff) >>> 2] as number;
  }

  /** Writes the aligned 32-bit word at `pa`; dropped (and counted) if unallocated. */
  write32(pa: number, value: number): void {
    const w = this.words(pa);
    if (w === undefined) {
      this.st.strayAccesses++;
      return;
    }
    w[(pa & 0xfff) >>> 2] = value;
  }

  /** Low half of the aligned 64-bit word at `pa`. */
  read64Lo(pa: number): number {
    return this.read32(pa);
  }

  /** High half of the aligned 64-bit word at `pa`. */
  read64Hi(pa: number): number {
    return this.read32(pa + 4);
  }

  /** Writes the aligned 64-bit word at `pa` as two halves. */
  write64(pa: number, lo: number, hi: number): void {
    this.write32(pa, lo);
    this.write32(pa + 4, hi);
  }

  /** Reads `length` bytes from `pa` (unallocated bytes read as 0). */
  readBytes(pa: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const w = this.words(addr);
      if (w === undefined) this.st.strayAccesses++;
      else out.set(new Uint8Array(w.buffer, w.byteOffset + off, n), done);
      done += n;
    }
    return out;
  }

  /** Writes `data` at `pa` (bytes landing in unallocated pages are dropped and counted). */
  writeBytes(pa: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const addr = pa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, data.length - done);
      const w = this.words(addr);
      if (w === undefined) this.st.strayAccesses++;
      else new Uint8Array(w.buffer, w.byteOffset + off, n).set(data.subarray(done, done + n));
      done += n;
    }
  }

  /** Copies `length` bytes from `src` to `dst` (regions may overlap). */
  copy(dst: number, src: number, length: number): void {
    this.writeBytes(dst, this.readBytes(src, length));
  }

  /** Fills `length` bytes at `pa` with `byte`. */
  fill(pa: number, length: number, byte: number): void {
    let done = 0;
    while (done < length) {
      const addr = pa + done;
      const off = addr % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      const w = this.words(addr);
      if (w === undefined) this.st.strayAccesses++;
      else new Uint8Array(w.buffer, w.byteOffset + off, n).fill(byte);
      done += n;
    }
  }

  private indexOf(pa: number): number {
    if (!Number.isSafeInteger(pa)) return -1;
    const idx = Math.floor(pa / PAGE_SIZE) - this.basePfn;
    return idx >= 0 && idx < this.pageCount ? idx : -1;
  }

  private injectFailure(): boolean {
    this.allocCalls++;
    let fail = false;
    if (this.failAt !== 0 && this.allocCalls === this.failAt) {
      this.failAt = 0;
      fail = true;
    }
    if (this.failEvery > 0 && this.allocCalls % this.failEvery === 0) fail = true;
    if (this.failProbability > 0 && this.rng.nextFloat() < this.failProbability) fail = true;
    if (fail) {
      this.st.failures++;
      this.st.injectedFailures++;
    }
    return fail;
  }

  private shrink(pages: number): boolean {
    if (this.shrinking || this.shrinkers.length === 0) return false;
    this.shrinking = true;
    let freed = 0;
    try {
      for (const s of [...this.shrinkers]) {
        if (freed >= pages) break;
        if (s.count() <= 0) continue;
        this.st.shrinkerCalls++;
        freed += Math.max(0, s.scan(pages - freed));
      }
    } finally {
      this.shrinking = false;
    }
    this.st.shrunkPages += freed;
    return freed > 0;
  }

  private findFreePage(): number {
    while (this.freeStack.length > 0) {
      const idx = this.freeStack.pop() as number;
      if (this.used[idx] === 0) return idx;
    }
    const n = this.pageCount;
    for (let k = 0; k < n; k++) {
      const idx = this.cursor;
      this.cursor = idx + 1 === n ? 0 : idx + 1;
      if (this.used[idx] === 0) return idx;
    }
    return -1;
  }

  private findRun(pages: number, align: number): number {
    const alignOff = (align - (this.basePfn % align)) % align;
    for (let start = alignOff; start + pages <= this.pageCount; start += align) {
      let ok = true;
      for (let i = 0; i < pages; i++) {
        if (this.used[start + i] === 1) {
          ok = false;
          break;
        }
      }
      if (ok) return start;
    }
    return -1;
  }

  private take(idx: number): void {
    this.used[idx] = 1;
    let chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk === undefined) {
      chunk = new Array<Uint32Array | undefined>(1 << CHUNK_SHIFT).fill(undefined);
      this.chunks[idx >>> CHUNK_SHIFT] = chunk;
    }
    chunk[idx & CHUNK_MASK] = new Uint32Array(PAGE_SIZE / 4);
    this.st.allocated++;
    if (this.st.allocated > this.st.peak) this.st.peak = this.st.allocated;
  }
}
