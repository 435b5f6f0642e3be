/**
 * The page-table page cache (`pt_cache`): pages reserved by VM operations before they run and
 * given back when unused, on top of the page-table memory.
 */
import type { PageTableMemory } from "@panmmu/iopgtable";

/** A kmem_cache of 4 KiB page-table pages. */
export class PtCache {
  /** Pages handed out and not freed. */
  live = 0;

  /** @param memory - where the pages come from. */
  constructor(private readonly memory: PageTableMemory) {}

  /**
   * Allocates `count` zeroed pages, all or nothing: their addresses, or null (nothing kept).
   * Mirrors kmem_cache_alloc_bulk().
   */
  allocBulk(count: number): number[] | null {
    const pages: number[] = [];
    for (let i = 0; i < count; i++) {
      const pa = this.memory.allocPage();
      if (pa === null) {
        for (const p of pages) this.memory.freePage(p);
        return null;
      }
      pages.push(pa);
    }
    this.live += count;
    return pages;
  }

  /** Frees one page. Mirrors kmem_cache_free(). */
  free(pa: number): void {
    this.memory.freePage(pa);
    this.live--;
  }
}
