/**
 * The panfrost buffer object: a shmem GEM object with per-file GPU mappings, executable / heap
 * flags, a GPU use count (jobs in flight) and, for heap BOs, sparse pages grown on GPU fault.
 */
import { type DmaResv, type DrmDevice, type DrmFile, DrmGemShmemObject } from "@panmmu/drm";
import { EINVAL, PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import type { BoMapping, MappedBo } from "./mapping.js";

/** Device hooks a BO calls on GEM events. */
export interface BoHooks {
  /** A handle to `bo` was created in `file`: create its mapping there. 0 or -errno. */
  gemOpen(bo: PanfrostBo, file: DrmFile): number;
  /** A handle to `bo` in `file` was deleted: drop that file's mapping. */
  gemClose(bo: PanfrostBo, file: DrmFile): void;
  /** `bo` is being freed (last reference): forget it. */
  boFreed(bo: PanfrostBo): void;
}

/** Mirrors struct panfrost_gem_object. */
export class PanfrostBo extends DrmGemShmemObject implements MappedBo {
  /** Creation flags (PANFROST_BO_NOEXEC | PANFROST_BO_HEAP). */
  readonly flags: number;
  /** Not executable. */
  readonly noexec: boolean;
  /** Heap BO: pages come 2 MiB at a time on GPU fault. */
  readonly isHeap: boolean;
  /** One mapping per file holding a handle, in creation order. */
  readonly mappings: BoMapping[] = [];
  /** Jobs in flight using the BO (the shrinker skips it while > 0). */
  gpuUsecount = 0;
  /** Heap BOs: bytes made resident by faults. */
  heapRssSize = 0;
  /** Label (debugging). */
  label = "";
  /** Client id of the creating file (0 for imported/foreign objects). */
  creatorClient = 0;

  /**
   * @param dev - DRM device.
   * @param size - size in bytes (already rounded as the driver wants).
   * @param flags - creation flags.
   * @param hooks - device hooks.
   */
  constructor(
    dev: DrmDevice,
    size: number,
    flags: number,
    private readonly hooks: BoHooks,
    resv?: DmaResv,
  ) {
    super(dev, size, resv);
    this.flags = flags;
    this.noexec = (flags & PANFROST_BO_NOEXEC) !== 0;
    this.isHeap = (flags & PANFROST_BO_HEAP) !== 0;
  }

  /** Mirrors panfrost_gem_open(). */
  override open(file: DrmFile): number {
    return this.hooks.gemOpen(this, file);
  }

  /** Mirrors panfrost_gem_close(). */
  override close(file: DrmFile): void {
    this.hooks.gemClose(this, file);
  }

  /**
   * Pins the pages (what a dma-buf attachment of another device takes). A heap BO's pages come
   * and go with GPU faults and must never be pinned: -EINVAL, nothing allocated.
   *
   * Mirrors panfrost_gem_pin().
   */
  override pin(): number {
    if (this.isHeap) return -EINVAL;
    return super.pin();
  }

  /** Resident bytes: heap RSS for heap BOs, else the whole BO when it has pages. Mirrors panfrost_gem_rss(). */
  get residentBytes(): number {
    if (this.isHeap) return this.heapRssSize;
    return this.pages === null ? 0 : this.size;
  }

  /** Mirrors panfrost_gem_free_object(). */
  override free(): void {
    this.hooks.boFreed(this);
    this.heapRssSize = 0;
    super.free();
  }
}
