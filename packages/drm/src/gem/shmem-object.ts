/**
 * `struct drm_gem_shmem_object`: a GEM object backed by system-memory pages allocated lazily.
 * Its page state lives in shmem-base.ts; this adds CPU mappings (mmap, vmap), madvise, purge
 * and free.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL } from "@panmmu/uapi";
import type { DmaResv } from "../fence/dma-resv.js";
import type { DrmGemDevice } from "./gem-object.js";
import { DrmGemShmemPages } from "./shmem-base.js";
import { SHMEM_VM_OPS, ShmemCpuView } from "./shmem-cpu-view.js";
import type { DrmVma } from "./vma.js";

export { MADV_DONTNEED, MADV_WILLNEED } from "./shmem-base.js";
export { SHMEM_HUGE_PAGES } from "./shmem-pages.js";

/** Where a purgeable object is tracked (a `DrmGemShmemShrinker`'s LRU). */
export interface DrmGemShmemLru {
  /** Forgets `obj` (it is being freed). */
  remove(obj: DrmGemShmemObject): void;
}

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
export class DrmGemShmemObject extends DrmGemShmemPages {
  private vmapCount = 0;
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

  /** `vmap_use_count`. */
  get vmapUseCount(): number {
    return this.vmapCount;
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
}
