/**
 * `struct drm_sched_fence`: the scheduled and finished fences of one job.
 */
import { DmaFence, type DmaFenceTimeline } from "../fence/dma-fence.js";

const byFence = new WeakMap<DmaFence, DrmSchedFence>();

/**
 * The scheduler fence a scheduled or finished fence belongs to, or null for any other fence.
 * Mirrors to_drm_sched_fence().
 */
export function toDrmSchedFence(fence: DmaFence): DrmSchedFence | null {
  return byFence.get(fence) ?? null;
}

/**
 * The two fences every armed job carries: `scheduled` signals when the job is handed to the
 * hardware, `finished` when it completed (with the hardware fence's error, or the scheduler's).
 * `finished` is what goes into syncobjs and reservation objects. Mirrors drm_sched_fence_init().
 */
export class DrmSchedFence {
  /** Signals when the job was handed to `runJob`. */
  readonly scheduled: DmaFence;
  /** Signals when the job completed; carries its error. */
  readonly finished: DmaFence;
  /** The hardware fence `runJob` returned, while the job runs. */
  parent: DmaFence | null = null;

  /**
   * Creates both fences at `seqno` on the entity's two timelines, for a job of scheduler
   * `sched` (its identity is what pipelining compares).
   */
  constructor(
    scheduledTimeline: DmaFenceTimeline,
    finishedTimeline: DmaFenceTimeline,
    seqno: number,
    readonly sched: object,
  ) {
    this.scheduled = new DmaFence(scheduledTimeline, seqno);
    this.finished = new DmaFence(finishedTimeline, seqno);
    byFence.set(this.scheduled, this);
    byFence.set(this.finished, this);
  }
}
