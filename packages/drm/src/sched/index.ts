/**
 * The GPU scheduler: schedulers, entities, jobs and their fences.
 */
export { DrmSchedEntity } from "./entity.js";
export { DrmSchedJob } from "./job.js";
export { DrmSchedFence, toDrmSchedFence } from "./sched-fence.js";
export { DrmGpuScheduler } from "./scheduler.js";
export {
  DrmGpuSchedStat,
  type DrmGpuSchedulerOptions,
  type DrmSchedBackendOps,
  DrmSchedPriority,
} from "./types.js";
