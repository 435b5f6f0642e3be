/**
 * The backing pages of a BO: one physical address per 4 KiB page, allocated from system memory
 * either all at once (regular BOs, with 2 MiB physically contiguous runs where the BO covers a
 * whole naturally aligned 2 MiB, like shmem's huge pages) or one 2 MiB chunk at a time (heap
 * BOs, on GPU fault). Absent pages are -1.
 */
import { PAGE_SIZE, type PhysicalMemory } from "@panmmu/hw";

/** Pages per 2 MiB chunk. */
export const PAGES_PER_2M = 512;

/** Per-page physical addresses of one BO. */
export class PageStore {
  /** Physical page number per BO page, or -1 when the page is absent. */
  readonly pfns: Int32Array;
  /** Pages present. */
  resident = 0;
  /** Number of 2 MiB physically contiguous, aligned runs allocated (huge pages). */
  hugeRuns = 0;

  /**
   * @param memory - system memory the pages come from.
   * @param pageCount - size of the BO in pages.
   */
  constructor(
    private readonly memory: PhysicalMemory,
    readonly pageCount: number,
  ) {
    this.pfns = new Int32Array(pageCount).fill(-1);
  }

  /** Physical address of page `i`, or -1. */
  pa(i: number): number {
    const pfn = this.pfns[i] ?? -1;
    return pfn < 0 ? -1 : pfn * PAGE_SIZE;
  }

  /** Whether page `i` is present. */
  has(i: number): boolean {
    return (this.pfns[i] ?? -1) >= 0;
  }

  /**
   * Makes pages `[first, first + count)` present, keeping pages already there (a half-filled
   * earlier attempt is completed, not redone). A whole aligned 2 MiB run that is entirely
   * absent is first tried as one contiguous block. Returns true, or false when memory ran out
   * (pages allocated so far stay, as shmem keeps them).
   */
  populate(first: number, count: number, tryHuge: boolean): boolean {
    const end = Math.min(first + count, this.pageCount);
    let i = first;
    while (i < end) {
      if (
        tryHuge &&
        i % PAGES_PER_2M === 0 &&
        i + PAGES_PER_2M <= end &&
        this.rangeAbsent(i, PAGES_PER_2M)
      ) {
        const base = this.memory.allocContiguous(PAGES_PER_2M, PAGES_PER_2M);
        if (base !== null) {
          const pfn0 = base / PAGE_SIZE;
          for (let k = 0; k < PAGES_PER_2M; k++) this.pfns[i + k] = pfn0 + k;
          this.resident += PAGES_PER_2M;
          this.hugeRuns++;
          i += PAGES_PER_2M;
          continue;
        }
      }
      if (!this.has(i)) {
        const pa = this.memory.allocPage();
        if (pa === null) return false;
        this.pfns[i] = pa / PAGE_SIZE;
        this.resident++;
      }
      i++;
    }
    return true;
  }

  private rangeAbsent(first: number, count: number): boolean {
    for (let k = first; k < first + count; k++) if (this.has(k)) return false;
    return true;
  }

  /** Frees every present page (purge or object free). Returns how many pages were freed. */
  releaseAll(): number {
    let n = 0;
    for (let i = 0; i < this.pageCount; i++) {
      const pfn = this.pfns[i] ?? -1;
      if (pfn >= 0) {
        this.memory.freePage(pfn * PAGE_SIZE);
        this.pfns[i] = -1;
        n++;
      }
    }
    this.resident = 0;
    this.hugeRuns = 0;
    return n;
  }

  /**
   * Physically contiguous segments of pages `[first, first + count)` (all present), as
   * `[pa, bytes]` pairs: the scatter-gather list of that range.
   */
  segments(first: number, count: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let runPa = -1;
    let runLen = 0;
    for (let i = first; i < first + count; i++) {
      const pa = this.pa(i);
      if (runPa >= 0 && pa === runPa + runLen) {
        runLen += PAGE_SIZE;
      } else {
        if (runPa >= 0) out.push([runPa, runLen]);
        runPa = pa;
        runLen = PAGE_SIZE;
      }
    }
    if (runPa >= 0) out.push([runPa, runLen]);
    return out;
  }
}
