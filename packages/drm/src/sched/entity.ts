/**
 * `struct drm_sched_entity`: a queue of jobs that run in order on one scheduler.
 */
import type { EventLoop } from "@panmmu/hw";
import { ESRCH, type WarningSink } from "@panmmu/uapi";
import { type DmaFence, type DmaFenceTimeline, dmaFenceContextAlloc } from "../fence/dma-fence.js";
import type { DrmSchedJob, DrmSchedJobEntity } from "./job.js";
import { DrmSchedFence } from "./sched-fence.js";
import { DrmSchedPriority } from "./types.js";

/** What an entity needs of its scheduler (a `DrmGpuScheduler`). */
export interface DrmSchedEntityScheduler<J extends DrmSchedJob> {
  /** Scheduler name (fence timeline name). */
  readonly name: string;
  /** Event loop the scheduler runs on. */
  readonly loop: EventLoop;
  /** WARN_ON sink. */
  readonly warnings: WarningSink;
  /** The driver's backend (`freeJob` of killed jobs). */
  readonly ops: { freeJob(job: J): void };
  /** Registers an entity. */
  addEntity(entity: DrmSchedEntity<J>): void;
  /** Unregisters an entity. */
  removeEntity(entity: DrmSchedEntity<J>): void;
  /** Queues the run work. */
  wakeup(): void;
}

let nextSubmitSeq = 1;

/**
 * A job queue feeding one scheduler (a file's context on one job slot, typically). Jobs of an
 * entity run in push order: the head job blocks the entity until its dependencies signal. The
 * entity owns two fence contexts (scheduled and finished). Mirrors drm_sched_entity_init().
 */
export class DrmSchedEntity<J extends DrmSchedJob = DrmSchedJob> implements DrmSchedJobEntity {
  /** The scheduler the entity feeds. */
  readonly sched: DrmSchedEntityScheduler<J>;
  /** Priority used in selection. */
  readonly priority: DrmSchedPriority;
  /** Context of the scheduled fences; the finished fences use `fenceContext + 1`. */
  readonly fenceContext: number;
  /** Jobs pushed and not yet run, in order. */
  readonly queue: J[] = [];
  private seq = 0;
  private stopped = false;
  private readonly scheduledTl: DmaFenceTimeline;
  private readonly finishedTl: DmaFenceTimeline;
  /** Scheduler-internal: the dependency the head job waits on, with a wake-up registered. */
  waitingOn: object | null = null;
  private lastFinished: DmaFence | null = null;

  /** Creates the entity and registers it with `sched`. */
  constructor(
    sched: DrmSchedEntityScheduler<J>,
    priority: DrmSchedPriority = DrmSchedPriority.NORMAL,
  ) {
    this.sched = sched;
    this.priority = priority;
    this.fenceContext = dmaFenceContextAlloc(2);
    const base = { loop: sched.loop, driverName: "drm_sched", timelineName: sched.name };
    this.scheduledTl = { ...base, context: this.fenceContext };
    this.finishedTl = { ...base, context: this.fenceContext + 1 };
    sched.addEntity(this);
  }

  /** Whether {@link destroy} ran. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Scheduler/job use: fences for the next armed job. */
  nextSchedFence(): DrmSchedFence {
    this.seq++;
    return new DrmSchedFence(this.scheduledTl, this.finishedTl, this.seq, this.sched);
  }

  /**
   * The finished fence of the last job the scheduler took from this entity, or null. Mirrors
   * `entity->last_scheduled`.
   */
  get lastScheduled(): DmaFence | null {
    return this.lastFinished;
  }

  /** Scheduler use: records the finished fence of the job just taken from the queue. */
  setLastScheduled(fence: DmaFence): void {
    this.lastFinished = fence;
  }

  /** Job use: queues an armed job and wakes the scheduler. Mirrors drm_sched_entity_push_job(). */
  pushJob(job: DrmSchedJob): void {
    if (this.stopped) {
      this.sched.warnings.warn("drm_sched_entity_push_job", "push to a destroyed entity");
      return;
    }
    job.submitTs = this.sched.loop.now;
    job.submitSeq = nextSubmitSeq++;
    this.queue.push(job as J);
    this.sched.wakeup();
  }

  /**
   * Detaches the entity: jobs still queued are never run; an event completes them with
   * -ESRCH (scheduled and finished fences signal, then `freeJob`), in order and not before the
   * finished fence of the last job the entity handed to the hardware, so the finished fences of
   * the entity's context still signal in seqno order. Jobs already on the hardware are
   * unaffected. Mirrors drm_sched_entity_destroy() / drm_sched_entity_kill().
   */
  destroy(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sched.removeEntity(this);
    const jobs = this.queue.splice(0);
    if (jobs.length === 0) return;
    const kill = (): void => {
      this.sched.loop.schedule(
        0,
        () => {
          for (const job of jobs) {
            const sf = job.sFence as DrmSchedFence;
            sf.scheduled.signal();
            sf.finished.signal(-ESRCH);
            this.sched.ops.freeJob(job);
          }
        },
        `${this.sched.name}:entity_kill`,
      );
    };
    const prev = this.lastFinished;
    if (prev === null || prev.addCallback(kill) < 0) kill();
  }
}
