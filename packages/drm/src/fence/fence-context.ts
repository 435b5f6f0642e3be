/**
 * A fence timeline that hands out fences with increasing sequence numbers.
 */
import type { EventLoop } from "@panmmu/hw";
import { DmaFence, type DmaFenceTimeline, dmaFenceContextAlloc } from "./dma-fence.js";

/**
 * One fence context (timeline): an id from {@link dmaFenceContextAlloc}, names, the event loop
 * waits run on, and a seqno counter. Drivers keep one per hardware queue (panfrost: per job
 * slot) and emit one fence per submitted job.
 */
export class DmaFenceContext implements DmaFenceTimeline {
  /** Fence context id. */
  readonly context: number;
  /** Last seqno handed out (0 before the first fence). */
  private seq = 0;

  /**
   * @param loop - event loop that waits advance.
   * @param driverName - `get_driver_name` string.
   * @param timelineName - `get_timeline_name` string.
   * @param context - an existing context id (default: a new one).
   */
  constructor(
    readonly loop: EventLoop,
    readonly driverName: string,
    readonly timelineName: string,
    context?: number,
  ) {
    this.context = context ?? dmaFenceContextAlloc(1);
  }

  /** Last seqno handed out. */
  get lastSeqno(): number {
    return this.seq;
  }

  /** A new unsignalled fence with the next seqno. */
  createFence(): DmaFence {
    this.seq++;
    return new DmaFence(this, this.seq);
  }
}
