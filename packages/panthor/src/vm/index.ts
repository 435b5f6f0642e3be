export type { PanthorVmBo } from "./bo.js";
export { kernelVaAlloc } from "./kernel-va.js";
export {
  cleanupOpCtx,
  PANTHOR_VM_BIND_OP_MAP_FLAGS,
  PanthorVmOpCtx,
  prepareMapOpCtx,
  prepareSyncOnlyOpCtx,
  prepareUnmapOpCtx,
} from "./op-ctx.js";
export { vmMapPages, vmUnmapPages } from "./pages.js";
export { PtCache } from "./pt-cache.js";
export { unmapHugepageAlign } from "./steps.js";
export { PanthorVm } from "./vm.js";
export { type VmHwState, vmAllocPt, vmFreePt, vmLockRegion, vmUnlockRegion } from "./vm-hw.js";
export {
  type BoLookup,
  MCU_VA_RANGE,
  PANTHOR_VM_KERNEL_AUTO_VA,
  type PanthorVmCreateParams,
  type PanthorVmHooks,
  type PtStats,
  type VmBindOp,
} from "./vm-types.js";
export { PANTHOR_VM_MAP_FLAGS, PanthorVma } from "./vma.js";
