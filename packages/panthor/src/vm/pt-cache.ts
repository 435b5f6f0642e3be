/**
 * The page-table page cache (`pt_cache`): pages reserved by VM operations before they run and
 * given back when unused, on top of the page-table memory.
 */
import type { PageReservations } from "@panmmu/hw";
import type { PageTableMemory } from "@panmmu/iopgtable";

/** What the cache needs of memory: page-table pages and page reservations. */
export type PtCacheMemory = PageTableMemory & PageReservations;

/**
 * A kmem_cache of 4 KiB page-table pages. A bulk allocation is a reservation of the memory:
 * all or nothing, failing like the kernel's, but a physical page is only chosen when alloc_pt()
 * takes one (which is also when the kernel clears it), so the unused part of a worst-case
 * reservation costs nothing per page.
 */
export class PtCache {
  /** Pages reserved or handed out, and not given back or freed. */
  live = 0;

  /** @param memory - where the pages come from. */
  constructor(private readonly memory: PtCacheMemory) {}

  /**
   * Reserves `count` pages, all or nothing: true, or false with nothing kept.
   * Mirrors kmem_cache_alloc_bulk().
   */
  reserveBulk(count: number): boolean {
    if (!this.memory.reservePages(count)) return false;
    this.live += count;
    return true;
  }

  /** Takes one zeroed page out of a reservation; its address (null only on misuse). */
  takeReserved(): number | null {
    return this.memory.allocReservedPage();
  }

  /** Gives back `count` reserved pages never taken. Mirrors kmem_cache_free_bulk(). */
  unreserve(count: number): void {
    this.memory.unreservePages(count);
    this.live -= count;
  }

  /** Frees one page that was taken. Mirrors kmem_cache_free(). */
  free(pa: number): void {
    this.memory.freePage(pa);
    this.live--;
  }
}
