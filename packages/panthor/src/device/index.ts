export {
  devQueryStructSize,
  type PanthorDevQueryCtx,
  type PanthorDevQueryResult,
  type PanthorDevQueryUser,
  panthorDevQuery,
} from "./dev-query.js";
export {
  PANTHOR_DRIVER_NAME,
  PANTHOR_UAPI_MINOR,
  PanthorDevice,
  type PanthorFileHandle,
  type PanthorProbeOptions,
} from "./device.js";
export { panthorExceptionIsFault, panthorExceptionName } from "./exceptions.js";
export {
  csgSlotCount,
  MALI_G610_FW_PROFILE,
  MAX_CSG_PRIO,
  type PanthorFwProfile,
  panthorCsifInfo,
} from "./fw-profile.js";
export { FLUSH_TIMEOUT_NS, GPU_INTERRUPTS_MASK, type GpuCounters, PanthorGpu } from "./gpu.js";
export {
  ENOTSUPP,
  gpuCycleCount,
  gpuTimestamp,
  gpuTimestampOffset,
  readCounter64,
  readPanthorGpuInfo,
  selectGpuCoherency,
} from "./gpu-info.js";
export { allowedGroupPriorityMask, groupPriorityPermit } from "./group-priority.js";
export { type PanthorMmioDevice, panthorDeviceMmapIo, panthorMmap } from "./mmap.js";
export { platformMmuEnv } from "./mmu-env.js";
export { attachMmuIrq } from "./mmu-irq.js";
export {
  PANTHOR_AUTOSUSPEND_DELAY_MS,
  PANTHOR_DUMMY_LATEST_FLUSH,
  PanthorPm,
  type PanthorPmBlocks,
  type PanthorPmCounters,
  PanthorPmState,
} from "./pm.js";
export {
  DEFAULT_TIMESTAMP_QUERY_FLAGS,
  type PanthorPmRef,
  type PanthorTimestampSource,
  queryTimestampInfo,
  VALID_TIMESTAMP_QUERY_FLAGS,
} from "./timestamp-info.js";
