/**
 * The page side of `struct drm_gem_shmem_object`: the page array and its backing store, page
 * uses and pins, grow-on-fault population, the mapping table (sgt) and the pages an imported
 * object borrows. {@link DrmGemShmemObject} (shmem-object.ts) adds CPU mappings, madvise and
 * purge on top.
 */

import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL, ENOMEM } from "@panmmu/uapi";
import { DrmGemObject } from "./gem-object.js";
import { type DrmSgTable, sgTableFromPages } from "./sg-table.js";
import {
  shmemAllocPages,
  shmemFillPages,
  shmemFreePages,
  shmemPageSegments,
} from "./shmem-pages.js";

/** madvise value: the pages are needed (`madv == 0`). */
export const MADV_WILLNEED = 0;
/** madvise value: the pages may be purged under pressure (`madv > 0`). */
export const MADV_DONTNEED = 1;

/**
 * The page state of a shmem-backed GEM object; {@link DrmGemShmemObject} is the class to use.
 * Mirrors the page fields of struct drm_gem_shmem_object.
 */
export abstract class DrmGemShmemPages extends DrmGemObject {
  /** The page array, present while at least one page use is held (`shmem->pages`). */
  protected pageList: number[] | null = null;
  /** The backing store: every page the object owns, kept across page uses until free or purge. */
  private backing: number[] | null = null;
  /** `pages_use_count`. */
  protected useCount = 0;
  /** `pages_pin_count`. */
  protected pinCount = 0;
  /** The mapping table made by {@link getPagesSgt} (`shmem->sgt`). */
  protected sgt: DrmSgTable | null = null;
  /** The madvise state (`shmem->madv`): 0 WILLNEED, > 0 DONTNEED, < 0 purged. */
  protected madvState = MADV_WILLNEED;
  /** Whether the pages are an exporter's (an imported object). */
  protected borrowed = false;

  /**
   * Makes this new, page-less object an import of another device's buffer: its pages are the
   * exporter's (`sgt`, pinned by the attachment), held by the mapping table until the object is
   * freed, and never freed by it. Returns 0, or -EINVAL when the object already has pages or the
   * table does not cover it. For `gemPrimeImportSgTable` hooks of shmem-based drivers (their
   * BO constructor, then this). Mirrors the `shmem->sgt = sgt` step of
   * drm_gem_shmem_prime_import_sg_table().
   */
  adoptImportedSgTable(sgt: DrmSgTable): number {
    if (this.pageList !== null || this.useCount !== 0 || sgt.pages.length !== this.pageCount) {
      return -EINVAL;
    }
    this.borrowed = true;
    this.pageList = sgt.pages.slice();
    this.backing = this.pageList;
    this.useCount = 1;
    this.sgt = sgt;
    return 0;
  }

  /** Whether the pages are borrowed from an exporter (an imported object). */
  get borrowsPages(): boolean {
    return this.borrowed;
  }

  /** Number of pages of the object. */
  get pageCount(): number {
    return this.size / PAGE_SIZE;
  }

  /**
   * Physical address of every page in object order, or null while the object has no pages.
   * After {@link populateRange} (heap objects) pages not populated yet are -1.
   */
  get pages(): readonly number[] | null {
    return this.pageList;
  }

  /** Pages the object holds in its backing store, used or not (its resident memory). */
  get residentPages(): number {
    const b = this.backing;
    if (b === null) return 0;
    let n = 0;
    for (const pa of b) if (pa >= 0) n++;
    return n;
  }

  /** `pages_use_count`. */
  get pagesUseCount(): number {
    return this.useCount;
  }

  /** `pages_pin_count`. */
  get pagesPinCount(): number {
    return this.pinCount;
  }

  /** The madvise state: 0 WILLNEED, > 0 DONTNEED, < 0 purged. */
  get madv(): number {
    return this.madvState;
  }

  /** Whether the object was purged (`madv < 0`). */
  get purged(): boolean {
    return this.madvState < 0;
  }

  /** The mapping table if {@link getPagesSgt} made one and it was not purged. */
  get sgTable(): DrmSgTable | null {
    return this.sgt;
  }

  /**
   * Takes a use of the pages: the backing store's pages when the object has them, else pages
   * allocated now. 0, or -ENOMEM (allocation failure, or a purged object) with nothing changed.
   * Mirrors drm_gem_shmem_get_pages_locked().
   */
  getPages(): number {
    if (this.madvState < 0) return -ENOMEM;
    if (this.useCount > 0) {
      this.useCount++;
      return 0;
    }
    if (this.backing !== null) {
      // A grow-on-fault object may have holes: fill them, keeping the pages it has.
      if (this.backing.includes(-1)) return this.fillBackingHoles();
      this.pageList = this.backing;
      this.useCount = 1;
      return 0;
    }
    const pages = shmemAllocPages(this.dev.memory, this.pageCount);
    if (pages === null) return -ENOMEM;
    this.pageList = pages;
    this.backing = pages;
    this.useCount = 1;
    return 0;
  }

  /**
   * Grow-on-fault population (heap BOs): makes sure pages `[first, first + count)` exist. The
   * first call creates a sparse page array holding one page use (entries without a page are
   * -1 in {@link pages}); missing pages of the range are allocated, as one 2 MiB run when the
   * range is a whole 2 MiB-aligned block with no page yet and the allocator has one. Returns 0,
   * -EINVAL for a range outside the object or an imported object, or -ENOMEM: like the kernel,
   * the pages allocated before the failure stay in the array, so the next attempt only
   * allocates what is still missing (they are freed with the object). Mirrors the page-array
   * handling of panfrost_mmu_map_fault_addr().
   */
  populateRange(first: number, count: number): number {
    if (
      !Number.isSafeInteger(first) ||
      !Number.isSafeInteger(count) ||
      first < 0 ||
      count <= 0 ||
      first + count > this.pageCount
    ) {
      return -EINVAL;
    }
    if (this.borrowed) return -EINVAL;
    if (this.madvState < 0) return -ENOMEM;
    if (this.pageList === null) {
      this.pageList = this.backing ?? new Array<number>(this.pageCount).fill(-1);
      this.backing = this.pageList;
      this.useCount = 1;
    }
    return shmemFillPages(this.dev.memory, this.pageList, first, first + count);
  }

  /**
   * The physically contiguous runs of pages `[first, first + count)`, all of which must exist,
   * as `[pa, bytes]` pairs in object order (the scatter-gather list of that range); -EINVAL
   * when the range is outside the object or a page is missing.
   */
  rangeSegments(first: number, count: number): Array<[number, number]> | number {
    const list = this.pageList;
    if (list === null) return -EINVAL;
    return shmemPageSegments(list, this.pageCount, first, count);
  }

  /** Physical address of page `index`, or -1 when it has none (or the object has no pages). */
  pageAt(index: number): number {
    return this.pageList?.[index] ?? -1;
  }

  /**
   * getPages() of an unused object whose backing store has holes: allocates the missing pages
   * and takes the first use. On -ENOMEM the pages this call allocated are freed again and no use
   * is taken, so the object and the memory are as they were.
   */
  private fillBackingHoles(): number {
    const backing = this.backing as number[];
    const holes: number[] = [];
    for (let i = 0; i < backing.length; i++) if ((backing[i] as number) < 0) holes.push(i);
    const ret = this.populateRange(0, this.pageCount);
    if (ret === 0) return 0;
    const mem = this.dev.memory;
    for (const i of holes) {
      const pa = backing[i] as number;
      if (pa >= 0) {
        mem.freePage(pa);
        backing[i] = -1;
      }
    }
    this.pageList = null;
    this.useCount = 0;
    return ret;
  }

  /**
   * Drops a use of the pages; the last one releases the page array, while the pages stay in the
   * backing store. Mirrors drm_gem_shmem_put_pages_locked().
   */
  putPages(): void {
    if (this.useCount <= 0) {
      this.dev.warnings.warn("drm_gem_shmem_put_pages", `object ${this.id}: no page use to drop`);
      return;
    }
    if (--this.useCount === 0) this.pageList = null;
  }

  /**
   * Pins the pages (the first pin takes a page use); also the exporter-side pin a dma-buf
   * attachment takes. 0 or -ENOMEM. Mirrors drm_gem_shmem_pin().
   */
  override pin(): number {
    if (this.pinCount > 0) {
      this.pinCount++;
      return 0;
    }
    const ret = this.getPages();
    if (ret === 0) this.pinCount = 1;
    return ret;
  }

  /** Drops a pin (the last one drops its page use). Mirrors drm_gem_shmem_unpin(). */
  override unpin(): void {
    if (this.pinCount <= 0) {
      this.dev.warnings.warn("drm_gem_shmem_unpin", `object ${this.id}: not pinned`);
      return;
    }
    if (--this.pinCount === 0) this.putPages();
  }

  /**
   * The page table drivers map into the GPU: made on the first call (taking a page use it keeps
   * until the object is freed or purged), returned as-is afterwards. The table, or -ENOMEM.
   * Mirrors drm_gem_shmem_get_pages_sgt().
   */
  getPagesSgt(): DrmSgTable | number {
    if (this.sgt !== null) return this.sgt;
    const ret = this.getPages();
    if (ret < 0) return ret;
    const pages = this.pageList as number[];
    if (pages.includes(-1)) {
      this.putPages();
      this.dev.warnings.warn(
        "drm_gem_shmem_get_pages_sgt",
        `object ${this.id} is only partly populated`,
      );
      return -EINVAL;
    }
    this.sgt = sgTableFromPages(pages);
    return this.sgt;
  }

  /**
   * The exporter side of a dma-buf mapping: a table of the current pages, which the
   * attachment's pin holds. -EINVAL (warned) without pages or with holes (a heap object), or for
   * an imported object (re-exports go through the original dma-buf). Mirrors
   * drm_gem_shmem_get_sg_table().
   */
  override getSgTable(): DrmSgTable | number {
    const pages = this.pageList;
    if (this.borrowed || pages === null || pages.includes(-1)) {
      this.dev.warnings.warn(
        "drm_gem_shmem_get_sg_table",
        `object ${this.id} has no complete pages of its own to export`,
      );
      return -EINVAL;
    }
    return sgTableFromPages(pages);
  }

  /** Frees the backing store (unless borrowed) and drops the page array. */
  protected releasePages(): void {
    const pages = this.backing;
    this.pageList = null;
    this.backing = null;
    if (pages === null || this.borrowed) return;
    shmemFreePages(this.dev.memory, pages);
  }
}
