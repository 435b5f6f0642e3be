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
import { PAGE_SIZE } from "@panmmu/hw";
import { DRM_PANTHOR_BO_NO_MMAP, DRM_PANTHOR_BO_WB_MMAP } from "@panmmu/uapi";
import type { PanthorVmBo } from "../vm/bo.js";

/** Size of a transparent huge page folio. */
const HUGE_FOLIO_SIZE = 0x20_0000;

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
   * Who made it, as the GEM list prints it: `<file name>/<client id>` for BO_CREATE, "kernel"
   * for kernel BOs (the model does not track the process an ioctl that makes one runs in).
   * Mirrors `bo->debugfs.creator`.
   */
  creator = "kernel";
  /** Debug usage flags (PANTHOR_GEM_USAGE_FLAG_*: made by the kernel, mapped in the MCU's VM). Mirrors `bo->debugfs.flags`. */
  usageFlags = 0;

  /**
   * @param dev - DRM device.
   * @param size - page-rounded size.
   * @param flags - BO_CREATE flags.
   * @param exclusiveVm - the exclusive VM's root object and reservation, or null.
   * @param hugeFolios - shmem hands out 2 MiB folios (transparent huge pages) for the BO: each
   *   2 MiB-aligned, physically contiguous 2 MiB run of its pages is one folio. Else every folio
   *   is 4 KiB, even where the pages happen to be contiguous.
   */
  constructor(
    dev: DrmGemDevice,
    size: number,
    flags: number,
    exclusiveVm: { readonly root: GpuVmGemObject; readonly resv: DmaResv } | null,
    readonly hugeFolios = true,
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
   * Size of the folio holding the page at byte `offset`: 2 MiB when the BO has huge folios and
   * the page lies in a 2 MiB-aligned block of the BO whose pages are one 2 MiB-aligned
   * contiguous run (shmem's 2 MiB allocation), else 4 KiB.
   */
  folioSizeAt(offset: number): number {
    const pages = this.pages;
    if (!this.hugeFolios || pages === null) return PAGE_SIZE;
    const first = Math.floor(offset / HUGE_FOLIO_SIZE) * (HUGE_FOLIO_SIZE / PAGE_SIZE);
    const base = pages[first] ?? -1;
    if (base < 0 || base % HUGE_FOLIO_SIZE !== 0) return PAGE_SIZE;
    for (let i = 1; i < HUGE_FOLIO_SIZE / PAGE_SIZE; i++) {
      if (pages[first + i] !== base + i * PAGE_SIZE) return PAGE_SIZE;
    }
    return HUGE_FOLIO_SIZE;
  }
}
