export {
  type AsVm,
  lowestClear,
  MAX_AS_SLOTS,
  MMU_FAULT_EVENTS,
  type MmuFaultRecord,
  PanthorMmu,
} from "./as-manager.js";
export {
  AS_WAIT_TIMEOUT_NS,
  type AsSetup,
  asDisable,
  asEnable,
  sendCmdAndWait,
  waitReady,
} from "./as-regs.js";
export type { PanthorMmuEnv } from "./env.js";
export { PanthorMmuIrq } from "./irq.js";
export { type LockedRegion, type LockStep, vmLockRegionStep } from "./lock-state.js";
export { OpLock } from "./op-lock.js";
export { flagsToProt } from "./prot.js";
export { mapOpPtCount, unmapOpPtCount } from "./pt-count.js";
export { type PackedRegion, packRegionRange } from "./region.js";
export { vmTranscfg } from "./transcfg.js";
export { alignDown, alignUp, U64_MAX, u64 } from "./u64.js";
export { type VmCreateLayout, vmCreateCheckArgs, vmCreateUserVaRange } from "./va-range.js";
