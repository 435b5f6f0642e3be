export type { PanthorVmBo } from "./bo.js";
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
export {
  type BoLookup,
  PANTHOR_VM_KERNEL_AUTO_VA,
  PanthorVm,
  type PanthorVmCreateParams,
  type PanthorVmHooks,
  type PtStats,
  type VmBindOp,
} from "./vm.js";
export { PANTHOR_VM_MAP_FLAGS, PanthorVma } from "./vma.js";
