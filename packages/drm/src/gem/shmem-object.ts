/**
 * `struct drm_gem_shmem_object`: a GEM object backed by system-memory pages allocated lazily.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL, ENOMEM } from "@panmmu/uapi";
import type { DmaResv } from "../fence/dma-resv.js";
import { type DrmGemDevice, DrmGemObject } from "./gem-object.js";
import { type DrmSgTable, sgTableFromPages } from "./sg-table.js";
import { SHMEM_VM_OPS, ShmemCpuView } from "./shmem-cpu-view.js";
import {
  shmemAllocPages,
  shmemFillPages,
  shmemFreePages,
  shmemPageSegments,
} from "./shmem-pages.js";
import type { DrmVma } from "./vma.js";

export { SHMEM_HUGE_PAGES } from "./shmem-pages.js";

/** Where a purgeable object is tracked (a `DrmGemShmemShrinker`'s LRU). */
export interface DrmGemShmemLru {
  /** Forgets `obj` (it is being freed). */
  remove(obj: DrmGemShmemObject): void;
}

/** madvise value: the pages are needed (`madv == 0`). */
export const MADV_WILLNEED = 0;
/** madvise value: the pages may be purged under pressure (`madv > 0`). */
export const MADV_DONTNEED = 1;

/**
 * A shmem-backed GEM object. Pages come from the device's {@link PhysicalMemory} on first use
 * and are counted: {@link getPages}/{@link putPages} (use count), {@link pin}/{@link unpin} (pin
 * count, which holds one use), the mapping table {@link getPagesSgt} (holds one use until the
 * object is freed or purged), and CPU views (a userspace mapping made by {@link mmap}: one use;
 * {@link vmap}: one pin).
 *
 * For each 2 MiB-aligned, fully covered 2 MiB of the object the allocator is first asked for a
 * 2 MiB-aligned run of 512 pages (as shmem on a huge tmpfs mount hands out 2 MiB folios); when
 * it has none, single pages are used. Any failure frees what the call allocated: -ENOMEM with
 * the memory's page count unchanged.
 *
 * Like a shmem file, the object keeps its pages (and their contents) once allocated: dropping
 * the last use releases the page array ({@link pages} becomes null) but not the memory, so data
 * written through a CPU view survives an unmap and is found again by the next use. The pages
 * are freed when the object is freed or purged ({@link residentPages} counts them). Swapping
 * unused pages out under pressure is not modelled.
 *
 * madvise: {@link madvise}(DONTNEED) makes the object purgeable; {@link purge} frees its pages and
 * marks it purged for good (`madv < 0`): later page requests fail with -ENOMEM.
 *
 * Imported objects ({@link adoptImportedSgTable}, drm_gem_shmem_prime_import_sg_table) borrow
 * another device's pages: their page uses still count, but pages are never allocated, freed or
 * purged here — the exporter's attachment keeps them pinned until the import is freed.
 */
export class DrmGemShmemObject extends DrmGemObject {
  /** The page array, present while at least one page use is held (`shmem->pages`). */
  private pageList: number[] | null = null;
  /** The backing store: every page the object owns, kept across page uses until free or purge. */
  private backing: number[] | null = null;
  private useCount = 0;
  private pinCount = 0;
  private vmapCount = 0;
  private sgt: DrmSgTable | null = null;
  private madvState = MADV_WILLNEED;
  private borrowed = false;
  private readonly views = new Set<ShmemCpuView>();
  /** The shrinker tracking this object, if any (set by the shrinker's `madvise`). */
  shrinker: DrmGemShmemLru | null = null;

  /**
   * Creates an object of `size` bytes rounded up to the page size, without pages. Throws
   * RangeError for a size that is not a positive safe integer; use {@link create} for an errno.
   * `resv` shares another reservation object (a BO private to one VM). Mirrors
   * drm_gem_shmem_create().
   */
  constructor(dev: DrmGemDevice, size: number, resv?: DmaResv) {
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new RangeError(`shmem object size must be a positive integer, got ${size}`);
    }
    super(dev, Math.ceil(size / PAGE_SIZE) * PAGE_SIZE, resv);
  }

  /** Creates an object; -EINVAL for a size that is not a positive safe integer. */
  static create(dev: DrmGemDevice, size: number): DrmGemShmemObject | number {
    if (!Number.isSafeInteger(size) || size <= 0) return -EINVAL;
    return new DrmGemShmemObject(dev, size);
  }

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

  /** `vmap_use_count`. */
  get vmapUseCount(): number {
    return this.vmapCount;
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

  /**
   * The object's mmap function: the mapping gets a CPU view holding a page use (dropped at
   * munmap), or -ENOMEM. An imported object is mapped through its dma-buf: the mapping then
   * holds the dma-buf (instead of the DRM file) and the exporter's object and pages, and this
   * object's reference is dropped. Mirrors drm_gem_shmem_mmap().
   */
  override mmap(vma: DrmVma): number {
    const attach = this.importAttach;
    if (attach !== null) {
      vma.privateData = null;
      vma.vmOps = null;
      const ret = attach.dmabuf.mmap(vma);
      // The exporter's object holds the mapping now: drop the reference drm_gem_mmap_obj() took.
      if (ret === 0) this.put();
      return ret;
    }
    const ret = this.getPages();
    if (ret < 0) return ret;
    const view = new ShmemCpuView(this, "mmap");
    this.views.add(view);
    vma.access = view;
    vma.vmOps = SHMEM_VM_OPS;
    return 0;
  }

  /** A kernel-style CPU mapping holding a pin until unmapped; or -ENOMEM. Mirrors drm_gem_shmem_vmap_locked(). */
  vmap(): ShmemCpuView | number {
    const ret = this.pin();
    if (ret < 0) return ret;
    this.vmapCount++;
    const view = new ShmemCpuView(this, "vmap");
    this.views.add(view);
    return view;
  }

  /** Core use only: a CPU view was unmapped; drops what it held. */
  cpuViewUnmapped(view: ShmemCpuView): void {
    if (!this.views.delete(view)) return;
    if (view.kind === "vmap") {
      this.vmapCount--;
      this.unpin();
    } else if (!this.purged) {
      this.putPages();
    }
  }

  /**
   * Sets the madvise state unless the object is already purged; returns whether the pages are
   * retained (not purged). Mirrors drm_gem_shmem_madvise_locked().
   */
  madvise(madv: number): boolean {
    if (this.madvState >= 0) this.madvState = madv;
    return this.madvState >= 0;
  }

  /**
   * Whether {@link purge} may run: DONTNEED, not pinned or vmapped, with a mapping table, not
   * exported, not imported. Mirrors drm_gem_shmem_is_purgeable().
   */
  isPurgeable(): boolean {
    return (
      this.madvState > 0 &&
      this.pinCount === 0 &&
      this.vmapCount === 0 &&
      this.sgt !== null &&
      this.dmaBuf === null &&
      !this.borrowed
    );
  }

  /**
   * Frees the object's pages (all of them: the backing store is truncated, so other page users
   * lose them too) and marks it purged. Returns the number of pages freed (0 when not
   * purgeable, which is also warned about). Drivers unmap the object from the GPU first.
   * Mirrors drm_gem_shmem_purge_locked().
   */
  purge(): number {
    if (!this.isPurgeable()) {
      this.dev.warnings.warn("drm_gem_shmem_purge", `object ${this.id} is not purgeable`);
      return 0;
    }
    const freed = this.residentPages;
    this.sgt = null;
    this.releasePages();
    this.useCount = 0;
    this.madvState = -1;
    // The offset goes: a later mmap() of it fails (-EINVAL) instead of mapping nothing.
    this.dev.vmaOffsetManager.remove(this.vmaNode);
    return freed;
  }

  /** Frees pages and table; warns about uses still held. Mirrors drm_gem_shmem_free(). */
  override free(): void {
    this.shrinker?.remove(this);
    for (const v of [...this.views]) v.unmap();
    // The mapping table's (or the grow-on-fault array's) page use is the one dropped here.
    this.sgt = null;
    if (this.pageList !== null) this.putPages();
    if (this.useCount !== 0 || this.pinCount !== 0) {
      this.dev.warnings.warn(
        "drm_gem_shmem_free",
        `object ${this.id} freed with ${this.useCount} page uses and ${this.pinCount} pins`,
      );
      this.useCount = 0;
      this.pinCount = 0;
    }
    this.releasePages();
    super.free();
  }

  /** Frees the backing store (unless borrowed) and drops the page array. */
  private releasePages(): void {
    const pages = this.backing;
    this.pageList = null;
    this.backing = null;
    if (pages === null || this.borrowed) return;
    shmemFreePages(this.dev.memory, pages);
  }
}
