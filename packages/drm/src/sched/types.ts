/**
 * Scheduler constants and the backend operations a driver provides.
 */
import type { DmaFence } from "../fence/dma-fence.js";
import type { OrderedWorkqueue } from "../workqueue/workqueue.js";
import type { DrmSchedJob } from "./job.js";

/** Entity priorities, highest first in selection. Mirrors `enum drm_sched_priority`. */
export const DrmSchedPriority = {
  /** Kernel-internal work. */
  KERNEL: 0,
  /** High priority. */
  HIGH: 1,
  /** Normal priority (default). */
  NORMAL: 2,
  /** Low priority. */
  LOW: 3,
} as const;
/** One of the {@link DrmSchedPriority} values. */
export type DrmSchedPriority = (typeof DrmSchedPriority)[keyof typeof DrmSchedPriority];

/** What `timedoutJob` reports. Mirrors `enum drm_gpu_sched_stat`. */
export const DrmGpuSchedStat = {
  /** Reserved. */
  NONE: 0,
  /** The job was handled (reset done); the timeout restarts. */
  NOMINAL: 1,
  /** The device is gone; the timeout stays off. */
  ENODEV: 2,
  /** The job was not hung after all: it goes back on the pending list. */
  NO_HANG: 3,
} as const;
/** One of the {@link DrmGpuSchedStat} values. */
export type DrmGpuSchedStat = (typeof DrmGpuSchedStat)[keyof typeof DrmGpuSchedStat];

/**
 * The driver's half of the scheduler. Mirrors `struct drm_sched_backend_ops`.
 */
export interface DrmSchedBackendOps<J extends DrmSchedJob> {
  /**
   * Starts `job` on the hardware (its dependencies have signalled and its credits fit). Returns
   * the hardware fence that signals on completion (its error becomes the finished fence's
   * error), null when the job needs no hardware work (it completes at once), or a negative errno
   * (the job finishes with that error). Called from an event on the loop.
   */
  runJob(job: J): DmaFence | null | number;
  /**
   * Called when the oldest running job exceeded the timeout in virtual time. Typical drivers
   * `stop(job)` the scheduler, reset the GPU, then `start()` it. The job is off the pending list
   * during the call (`stop(job)` puts it back).
   */
  timedoutJob(job: J): DrmGpuSchedStat;
  /** Releases the job after its finished fence signalled and it left the pending list. */
  freeJob(job: J): void;
}

/** Options of a {@link DrmGpuScheduler}. */
export interface DrmGpuSchedulerOptions {
  /** Name (timeline name of the fences, event labels). */
  readonly name: string;
  /** Credits the hardware ring holds; a job runs only when its credits fit. */
  readonly creditLimit: number;
  /** Job timeout in virtual ns (default: none). */
  readonly timeoutNs?: number;
  /** Karma above which a job's entity is considered guilty on resubmission (default 0). */
  readonly hangLimit?: number;
  /**
   * Workqueue the timeout handler runs on (`timeout_wq`); a driver passes its ordered reset
   * workqueue so that timeouts and resets never run concurrently. Default: a private one.
   */
  readonly timeoutWq?: OrderedWorkqueue;
}
