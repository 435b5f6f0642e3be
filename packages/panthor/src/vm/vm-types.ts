/**
 * The types around a panthor VM: VM_BIND operations as the VM takes them, creation
 * parameters, page-table accounting and the hooks into the rest of the driver.
 */
import type { GpuVmGemObject } from "@panmmu/drm";
import type { PanthorVmBo } from "./bo.js";

/** `PANTHOR_VM_KERNEL_AUTO_VA`: let `PanthorVm.allocVa` pick the VA. */
export const PANTHOR_VM_KERNEL_AUTO_VA = -1;

/** The MCU addresses 4 GiB (a Cortex-M7): the MCU VM's VA range. */
export const MCU_VA_RANGE = 2 ** 32;

/** One VM_BIND operation as userspace wrote it (`struct drm_panthor_vm_bind_op`, decoded). */
export interface VmBindOp {
  /** Type (bits 31:28) and map flags. */
  readonly flags: number;
  /** BO handle (MAP). */
  readonly boHandle: number;
  /** Offset in the BO (u64). */
  readonly boOffset: bigint;
  /** Virtual address (u64). */
  readonly va: bigint;
  /** Size (u64). */
  readonly size: bigint;
  /** Number of sync operations attached (`syncs.count`). */
  readonly syncsCount: number;
}

/**
 * Looks a BO handle up in the calling file: the BO with a reference taken (dropped with its
 * `put`, when it has one), or null.
 */
export type BoLookup = (handle: number) => PanthorVmBo | null;

/** Creation parameters of `PanthorVm.create`. */
export interface PanthorVmCreateParams {
  /** The MCU's VM (4 GiB, always AS 0). */
  readonly forMcu: boolean;
  /** Start of the range kernel BOs are mapped in (the drm_mm's range). */
  readonly kernelVaStart: number;
  /** Size of that range. */
  readonly kernelVaSize: number;
  /** Start of the auto-VA range inside it. */
  readonly autoKernelVaStart: number;
  /** Size of the auto-VA range. */
  readonly autoKernelVaSize: number;
  /**
   * The GEM object whose reservation object the VM uses (`r_obj`; the kernel allocates a
   * dummy one with drm_gpuvm_resv_object_alloc()). The VM takes its own reference. Default: a
   * bare one.
   */
  readonly resvObj?: GpuVmGemObject;
  /**
   * Debug/test option, default true: see `PanthorVm.atomicUpdates`. Never false in a
   * real driver.
   */
  readonly atomicUpdates?: boolean;
}

/** Page-table page accounting of a VM (cumulative). */
export interface PtStats {
  /** Pages reserved by operations. */
  reserved: number;
  /** Reserved pages io-pgtable took through alloc_pt(). */
  used: number;
  /** Reserved pages given back unused. */
  returned: number;
  /** Non-root table pages io-pgtable released through free_pt(). */
  freed: number;
}

/** The VM's hooks into the rest of the driver (scheduler, bind queue); all optional. */
export interface PanthorVmHooks {
  /** The VM is being destroyed while active. Mirrors panthor_sched_prepare_for_vm_destruction(). */
  prepareForDestruction?(vm: unknown): void;
  /** The VM's last reference went (after the MMU teardown). */
  freed?(vm: unknown): void;
}
