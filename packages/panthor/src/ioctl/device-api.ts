/**
 * What the ioctl handlers need of the device (the device implements it), so the handlers do
 * not depend on the device class that builds their table.
 */
import type { DrmGemDevice } from "@panmmu/drm";
import type { PanthorDevQueryCtx } from "../device/dev-query.js";
import type { PanthorGroupEnv } from "../sched/group.js";
import type { PanthorScheduler } from "../sched/scheduler.js";
import type { PanthorVm } from "../vm/vm.js";

/** The device as the ioctl handlers see it. */
export interface PanthorIoctlDevice {
  /** The DRM device (GEM objects are created on it). */
  readonly drm: DrmGemDevice;
  /** The platform's coherency and warning sink. */
  readonly platform: {
    readonly coherent: boolean;
    readonly warnings: { warn(where: string, message: string): void };
  };
  /** The MMU block's environment (GPU_MMU_FEATURES for the VA size). */
  readonly mmu: { readonly env: { readonly mmuFeatures: number } };
  /** TASK_SIZE for VM_CREATE's default split. */
  readonly taskSize: bigint;
  /** Set once unplugged: ioctls entering the device fail with -ENODEV. */
  readonly unplugged: boolean;
  /** What DEV_QUERY reports. */
  readonly queryCtx: PanthorDevQueryCtx;
  /** The later kernel's refusal of user binds into the kernel VA range. */
  readonly rejectKernelRangeUserBinds: boolean;
  /** Whether new BOs get transparent huge folios. */
  readonly shmemHugeFolios: boolean;
  /** What group creation needs, or null on a device probed without firmware. */
  readonly groupEnv: PanthorGroupEnv | null;
  /** The CSG scheduler, or null without firmware. */
  readonly sched: PanthorScheduler | null;
  /** Job profiling flags new jobs take (`ptdev->profile_mask`). */
  readonly profileMask: number;
  /** Creates a VM. Mirrors panthor_vm_create(). */
  createVm(
    forMcu: boolean,
    kernelVaStart: number,
    kernelVaSize: number,
    autoStart: number,
    autoSize: number,
  ): PanthorVm | number;
}
