/**
 * @panmmu/panfrost — a panfrost-style DRM driver for Job Manager Mali GPUs: per-file GPU address
 * spaces, an LRU of hardware AS slots, heap BOs that grow on GPU fault, jobs on the hardware job
 * slots, madvise and a shrinker, GPU reset, and a fault log that names the file and BO.
 *
 * @packageDocumentation
 */
export { PanfrostClient, type SubmitArgs } from "./client/client.js";
export { type ProgramSubmission, submitProgram, waitSubmission } from "./client/program.js";
export {
  describeTarget,
  FaultLog,
  type FaultRecord,
  type FaultTarget,
  formatFault,
} from "./debug/fault-log.js";
export {
  type BoStats,
  boStats,
  type ContextDump,
  type DeviceDump,
  deviceDump,
  type FileStats,
  fileStats,
  formatDump,
} from "./debug/stats.js";
export {
  PANFROST_DRIVER_NAME,
  PanfrostDevice,
  type PanfrostFileHandle,
  type PanfrostProbeOptions,
} from "./device/device.js";
export { type GpuFeatures, type ModelFeatures, readGpuFeatures } from "./device/features.js";
export { PanfrostFilePriv } from "./file/file-priv.js";
export { PanfrostBo } from "./gem/bo.js";
export { BoMapping } from "./gem/mapping.js";
export { type JobState, PanfrostJob } from "./job/job.js";
export { JobManager } from "./job/job-manager.js";
export { JOB_TIMEOUT_NS, NUM_JOB_SLOTS } from "./job/slot.js";
export type { JobCounters } from "./job/types.js";
export {
  AS_HISTORY_LIMIT,
  type AsClient,
  type AsCounters,
  type AsEvent,
  AsSlotManager,
  type AsSlotSnapshot,
  type AsSlotState,
} from "./mmu/as-manager.js";
export { VA_SIZE_PFN, VA_START_PFN } from "./mmu/color-adjust.js";
export { MmuContext } from "./mmu/context.js";
export { accessTypeName, exceptionName, isTranslationFault } from "./mmu/exceptions.js";
export { type MmuCounters, MmuHw } from "./mmu/hw-ops.js";
export { PanfrostMmu } from "./mmu/mmu.js";
export type { PgtableFormat } from "./mmu/pgtable.js";
export { type AsConfig, mmuCfgInitAarch64_4k, type U64Pair } from "./mmu/pure/memattr.js";
