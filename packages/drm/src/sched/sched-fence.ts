/**
 * `struct drm_sched_fence`: the scheduled and finished fences of one job.
 */
import { DmaFence, type DmaFenceTimeline } from "../fence/dma-fence.js";

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

  /** Creates both fences at `seqno` on the entity's two timelines. */
  constructor(
    scheduledTimeline: DmaFenceTimeline,
    finishedTimeline: DmaFenceTimeline,
    seqno: number,
  ) {
    this.scheduled = new DmaFence(scheduledTimeline, seqno);
    this.finished = new DmaFence(finishedTimeline, seqno);
  }
}
