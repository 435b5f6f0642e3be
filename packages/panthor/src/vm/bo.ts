/**
 * What a VM needs of a buffer object it maps: its size, pinning, its pages as an sg table, the
 * folio size behind each page (for huge-page unmaps) and its exclusive VM.
 */
import type { DrmSgTable, GpuVmGemObject } from "@panmmu/drm";

/** A BO as the VM code sees it (`struct panthor_gem_object` through its shmem base). */
export interface PanthorVmBo extends GpuVmGemObject {
  /** Size in bytes (a multiple of 4 KiB). */
  readonly size: number;
  /** Imported from another device: never pinned here. Mirrors drm_gem_is_imported(). */
  readonly imported: boolean;
  /**
   * The root GEM object of the VM the BO is private to, or null for a shareable BO
   * (`exclusive_vm_root_gem`).
   */
  readonly exclusiveVmRootGem: GpuVmGemObject | null;
  /** Pins the pages: 0 or a negative errno. Mirrors drm_gem_shmem_pin(). */
  pin(): number;
  /** Drops a pin. Mirrors drm_gem_shmem_unpin(). */
  unpin(): void;
  /**
   * The pages as sg segments (consecutive contiguous pages merged), or a negative errno.
   * Mirrors drm_gem_shmem_get_pages_sgt().
   */
  getPagesSgt(): DrmSgTable | number;
  /** Size in bytes of the folio holding the BO's page at byte `offset` (4 KiB … 2 MiB). */
  folioSizeAt(offset: number): number;
}
