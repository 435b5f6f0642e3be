/**
 * The panthor buffer object: a shmem GEM object with creation flags, an optional exclusive VM
 * (whose reservation object it shares) and a label.
 */
import {
  type DmaResv,
  type DrmGemDevice,
  DrmGemShmemObject,
  type GpuVmGemObject,
} from "@panmmu/drm";
import { DRM_PANTHOR_BO_NO_MMAP, DRM_PANTHOR_BO_WB_MMAP } from "@panmmu/uapi";
import type { PanthorVmBo } from "../vm/bo.js";

/** Flags BO_CREATE accepts. Mirrors PANTHOR_BO_FLAGS. */
export const PANTHOR_BO_FLAGS = DRM_PANTHOR_BO_NO_MMAP | DRM_PANTHOR_BO_WB_MMAP;

/** A BO. Mirrors `struct panthor_gem_object`. */
export class PanthorBo extends DrmGemShmemObject implements PanthorVmBo {
  /** BO_CREATE flags. */
  readonly flags: number;
  /** Root GEM object of the VM the BO is private to (`exclusive_vm_root_gem`), or null. */
  readonly exclusiveVmRootGem: GpuVmGemObject | null;
  /** Label (BO_SET_LABEL; kernel BOs get fixed ones). */
  label: string | null = null;
  /** CPU cache maintenance operations BO_SYNC carried out on the BO. */
  cacheSyncs = 0;

  /**
   * @param dev - DRM device.
   * @param size - page-rounded size.
   * @param flags - BO_CREATE flags.
   * @param exclusiveVm - the exclusive VM's root object and reservation, or null.
   */
  constructor(
    dev: DrmGemDevice,
    size: number,
    flags: number,
    exclusiveVm: { readonly root: GpuVmGemObject; readonly resv: DmaResv } | null,
  ) {
    super(dev, size, exclusiveVm?.resv);
    this.flags = flags;
    this.exclusiveVmRootGem = exclusiveVm?.root ?? null;
  }

  /** Imported from another device (pages borrowed). Mirrors drm_gem_is_imported(). */
  get imported(): boolean {
    return this.borrowsPages;
  }

  /** shmem pages are allocated one by one here: every folio is 4 KiB. */
  folioSizeAt(_offset: number): number {
    return 4096;
  }
}
