/**
 * Sparse physical memory in 4 KiB pages, shared by the simulated CPU and GPU, with a counting
 * page allocator and failure injection.
 */
import type { WarningSink } from "@panmmu/uapi";
import type { MemoryShrinker, PhysicalMemory } from "../platform/interfaces.js";
import { PAGE_SIZE } from "../platform/interfaces.js";
import { AllocFaults } from "./alloc-faults.js";
import { PageAccessors } from "./page-accessors.js";
import { PageSlabs, POISON_WORD } from "./page-slabs.js";

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
  /**
   * Page poisoning (Linux's `page_poison`): freed pages are filled with `PAGE_POISON` (0xaa) and
   * checked when allocated again, so a write through a stale view of a freed page is counted
   * (`stats.poisonCorruptions`) and reported to `warnings`. Costs a fill and a scan per page;
   * default false.
   */
  poison?: boolean;
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
  /** Freed pages found written when allocated again (only with poisoning on). */
  poisonCorruptions: number;
}

/**
 * Sparse physical memory with a page allocator. Satisfies `PhysicalMemory` and, structurally,
 * `@panmmu/iopgtable`'s `PageTableMemory`.
 *
 * Host memory backs the range in slabs of 256 pages (1 MiB), created when a page of the slab is
 * first allocated and kept afterwards; each page has one word view for its whole life, so
 * allocating a page costs a zero fill, not a host allocation. Pages are zeroed when allocated.
 * The address-based accessors treat a freed page as absent (reads give zeros, writes are
 * dropped; both counted as stray accesses). A word view kept past {@link freePage} still aliases
 * the page, as a kernel pointer to a freed page does: whoever caches views checks
 * {@link releaseGeneration} or {@link pageGeneration} first (the MMU walker does), and the
 * `poison` option reports writes made through such a view before the page is reused.
 */
export class SystemMemory extends PageAccessors implements PhysicalMemory {
  /** First physical address of the range. */
  readonly base: number;
  /** Size of the range in bytes. */
  readonly size: number;
  /** Number of pages in the range. */
  readonly pageCount: number;
  private readonly basePfn: number;
  /** Word views of allocated pages (undefined while free), by page index, in chunks of 1024. */
  private readonly chunks: ((Uint32Array | undefined)[] | undefined)[];
  /** Every page's views. */
  private readonly pages: PageSlabs;
  /** Per-page generation: bumped when the page is freed. */
  private readonly gens: Uint32Array;
  private readonly poison: boolean;
  private readonly used: Uint8Array;
  private readonly freeStack: number[] = [];
  private cursor = 0;
  private readonly shrinkers: MemoryShrinker[] = [];
  private readonly faults: AllocFaults;
  private readonly warnings: WarningSink | undefined;
  private released = 0;
  /** Pages set aside by {@link reservePages} and not yet taken (counted in `allocated`). */
  private reserved = 0;
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
    poisonCorruptions: 0,
  };

  /** Creates an empty memory covering `[base, base + size)`. */
  constructor(options: SystemMemoryOptions = {}) {
    super();
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
    this.gens = new Uint32Array(this.pageCount);
    this.poison = options.poison === true;
    this.pages = new PageSlabs(this.pageCount, this.poison);
    // Dense (never dictionary-mode) arrays keep page lookups fast on the walker's hot path.
    this.chunks = new Array<(Uint32Array | undefined)[] | undefined>(
      Math.ceil(this.pageCount / (1 << CHUNK_SHIFT)),
    ).fill(undefined);
    this.faults = new AllocFaults(options.seed ?? 1);
    this.warnings = options.warnings;
  }

  /** Changes whenever a page is freed (lets the MMU's walker keep page views between walks). */
  get releaseGeneration(): number {
    return this.released;
  }

  /**
   * The generation of the page holding `pa`: changes each time the page is freed, so a view
   * cached with its generation is still the same allocation while the two agree. -1 outside
   * the range.
   */
  pageGeneration(pa: number): number {
    const idx = this.indexOf(pa);
    return idx < 0 ? -1 : (this.gens[idx] as number);
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
    this.faults.failNth(n);
  }

  /** Makes every `n`-th allocation call fail from now on (0 disables). */
  failEveryNth(n: number): void {
    this.faults.failEveryNth(n);
  }

  /** Makes each allocation call fail with probability `p` (seeded; 0 disables). */
  setFailureProbability(p: number): void {
    this.faults.setProbability(p);
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
    let idx = this.st.allocated < this.pageCount ? this.findFreePage() : -1;
    if (idx < 0 && this.shrink(1))
      idx = this.st.allocated < this.pageCount ? this.findFreePage() : -1;
    if (idx < 0) {
      this.st.failures++;
      return null;
    }
    this.take(idx);
    this.st.allocations++;
    return (this.basePfn + idx) * PAGE_SIZE;
  }

  /**
   * Sets aside `pages` pages, all or nothing, for later {@link allocReservedPage} calls that
   * cannot fail: true, or false with nothing set aside. Reserved pages count as allocated (in
   * {@link allocatedPages}, {@link freePages} and the peak) but take no physical page until
   * they are allocated, so a large worst-case reservation that ends up mostly unused costs
   * nothing per page. Failure injection sees `pages` allocation calls, one per page, and stops
   * at the first that fails, as a loop of {@link allocPage} calls would.
   */
  reservePages(pages: number): boolean {
    if (!Number.isSafeInteger(pages) || pages < 0) return false;
    if (pages === 0) return true;
    if (this.faults.nextMany(pages)) {
      this.countInjected();
      return false;
    }
    if (this.pageCount - this.st.allocated < pages) {
      this.shrink(pages - (this.pageCount - this.st.allocated));
      if (this.pageCount - this.st.allocated < pages) {
        this.st.failures++;
        return false;
      }
    }
    this.reserved += pages;
    this.st.allocated += pages;
    if (this.st.allocated > this.st.peak) this.st.peak = this.st.allocated;
    this.st.allocations += pages;
    return true;
  }

  /**
   * Allocates one zeroed page out of a reservation made by {@link reservePages}; its physical
   * address. Throws RangeError (or, with a warning sink, warns and returns null) when nothing
   * is reserved.
   */
  allocReservedPage(): number | null {
    if (this.reserved === 0) {
      const msg = "allocReservedPage(): no page reserved";
      if (this.warnings === undefined) throw new RangeError(msg);
      this.warnings.warn("SystemMemory.allocReservedPage", msg);
      return null;
    }
    // Reserved pages are counted in `allocated`, so a physical page is always free here.
    const idx = this.findFreePage();
    this.reserved--;
    this.st.allocated--;
    this.take(idx);
    return (this.basePfn + idx) * PAGE_SIZE;
  }

  /** Gives back `pages` reserved pages that were not allocated. */
  unreservePages(pages: number): void {
    if (!Number.isSafeInteger(pages) || pages < 0 || pages > this.reserved) {
      const msg = `unreservePages(${pages}): ${this.reserved} reserved`;
      if (this.warnings === undefined) throw new RangeError(msg);
      this.warnings.warn("SystemMemory.unreservePages", msg);
      return;
    }
    this.reserved -= pages;
    this.st.allocated -= pages;
  }

  /** Pages reserved by {@link reservePages} and not yet allocated or given back. */
  get reservedPages(): number {
    return this.reserved;
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
    const room = () => this.pageCount - this.st.allocated >= pages;
    let idx = room() ? this.findRun(pages, alignPages) : -1;
    if (idx < 0 && this.shrink(pages)) idx = room() ? this.findRun(pages, alignPages) : -1;
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
    if (this.st.allocated >= this.pageCount) return false;
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
    this.gens[idx] = ((this.gens[idx] as number) + 1) >>> 0;
    const chunk = this.chunks[idx >>> CHUNK_SHIFT] as (Uint32Array | undefined)[];
    if (this.poison) (chunk[idx & CHUNK_MASK] as Uint32Array).fill(POISON_WORD);
    chunk[idx & CHUNK_MASK] = undefined;
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
    this.pageU32(pa);
    return this.pages.bytesOf(Math.floor(pa / PAGE_BYTES) - this.basePfn);
  }

  /**
   * The word view of the page holding `pa` (any address inside it), or undefined when that page
   * is not allocated. This is the hot-path accessor used by the page-table walker.
   */
  override words(pa: number): Uint32Array | undefined {
    const idx = Math.floor(pa / PAGE_BYTES) - this.basePfn;
    if (idx < 0 || idx >= this.pageCount) return undefined;
    return this.chunks[idx >>> CHUNK_SHIFT]?.[idx & CHUNK_MASK];
  }

  protected override countStray(): void {
    this.st.strayAccesses++;
  }

  private indexOf(pa: number): number {
    if (!Number.isSafeInteger(pa)) return -1;
    const idx = Math.floor(pa / PAGE_SIZE) - this.basePfn;
    return idx >= 0 && idx < this.pageCount ? idx : -1;
  }

  /** Counts one allocation call for failure injection; whether it fails (counted if so). */
  private injectFailure(): boolean {
    if (!this.faults.next()) return false;
    this.countInjected();
    return true;
  }

  private countInjected(): void {
    this.st.failures++;
    this.st.injectedFailures++;
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
    const w = this.pages.words(idx);
    if (this.poison) this.checkPoison(idx, w);
    w.fill(0);
    this.used[idx] = 1;
    let chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk === undefined) {
      chunk = new Array<Uint32Array | undefined>(1 << CHUNK_SHIFT).fill(undefined);
      this.chunks[idx >>> CHUNK_SHIFT] = chunk;
    }
    chunk[idx & CHUNK_MASK] = w;
    this.st.allocated++;
    if (this.st.allocated > this.st.peak) this.st.peak = this.st.allocated;
  }

  /** Reports a freed page that was written before being allocated again (check_poison_mem()). */
  private checkPoison(idx: number, w: Uint32Array): void {
    const i = PageSlabs.firstUnpoisoned(w);
    if (i < 0) return;
    this.st.poisonCorruptions++;
    const pa = (this.basePfn + idx) * PAGE_SIZE;
    const word = (w[i] as number).toString(16);
    this.warnings?.warn(
      "SystemMemory.poison",
      `page 0x${pa.toString(16)} written after free (word ${i}: 0x${word})`,
    );
  }
}
