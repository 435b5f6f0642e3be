export { type LockedRegion, type LockStep, vmLockRegionStep } from "./lock-state.js";
export {
  MEMATTR_NON_CACHEABLE,
  MEMATTR_SH_CPU_INNER,
  MEMATTR_WRITE_BACK,
  mairByteToMemattr,
  mairToMemattr,
} from "./memattr.js";
export { getPgsize, type PgsizeChunk } from "./pgsize.js";
export { flagsToProt } from "./prot.js";
export { mapOpPtCount, unmapOpPtCount } from "./pt-count.js";
export {
  encodeLockRegion,
  LOCK_REGION_MIN_SIZE_LOG2,
  type LockRegion,
  type PackedRegion,
  packRegionRange,
} from "./region.js";
export {
  TRANSCFG_ADRMODE_AARCH64_4K,
  TRANSCFG_PTW_MEMATTR_WB,
  TRANSCFG_PTW_RA,
  TRANSCFG_PTW_SH_OS,
  transcfgInaBits,
  vmTranscfg,
} from "./transcfg.js";
export { alignDown, alignUp, fls64, U64_MAX, u64 } from "./u64.js";
export { type VmCreateLayout, vmCreateCheckArgs, vmCreateUserVaRange } from "./va-range.js";
