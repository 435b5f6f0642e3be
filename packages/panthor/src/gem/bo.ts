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

const PAGE_SIZE = 0x1000;
const SZ_2M = 0x20_0000;
/** Pages in a 2 MiB folio. */
const HUGE_PAGES = SZ_2M / PAGE_SIZE;

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

  /**
   * Size of the folio backing the BO page at byte `offset`: 2 MiB when that page lies in one of
   * the 2 MiB runs shmem allocates for every 2 MiB-aligned, fully covered 2 MiB of the object
   * (the huge tmpfs folios: 512 physically contiguous pages from a 2 MiB-aligned address), else
   * 4 KiB. Mirrors folio_size(page_folio(page)) as iova_mapped_as_huge_page() reads it.
   */
  folioSizeAt(offset: number): number {
    const pages = this.pages;
    const first = Math.floor(offset / SZ_2M) * HUGE_PAGES;
    if (pages === null || first + HUGE_PAGES > pages.length) return PAGE_SIZE;
    const base = pages[first] as number;
    if (base < 0 || base % SZ_2M !== 0) return PAGE_SIZE;
    for (let i = 1; i < HUGE_PAGES; i++) {
      if (pages[first + i] !== base + i * PAGE_SIZE) return PAGE_SIZE;
    }
    return SZ_2M;
  }
}
