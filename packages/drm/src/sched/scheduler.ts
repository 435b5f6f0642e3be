/**
 * `struct drm_gpu_scheduler`: feeds jobs from entities to the hardware within a credit limit,
 * tracks them until completion and detects hangs on the virtual clock.
 */
import type { EventHandle, EventLoop } from "@panmmu/hw";
import { ECANCELED, EINVAL, type WarningSink } from "@panmmu/uapi";
import type { DmaFence } from "../fence/dma-fence.js";
import { DrmDelayedWork, OrderedWorkqueue } from "../workqueue/workqueue.js";
import type { DrmSchedEntity } from "./entity.js";
import type { DrmSchedJob } from "./job.js";
import type { DrmSchedFence } from "./sched-fence.js";
import { DrmGpuSchedStat, type DrmGpuSchedulerOptions, type DrmSchedBackendOps } from "./types.js";

function isOlder(a: DrmSchedJob, b: DrmSchedJob): boolean {
  return a.submitTs < b.submitTs || (a.submitTs === b.submitTs && a.submitSeq < b.submitSeq);
}

/**
 * A GPU scheduler (one per hardware queue: panfrost has one per job slot). All work happens in
 * events on the loop: the run work picks the ready entity whose head job was pushed first
 * (highest priority first), charges its credits and calls `runJob`; the hardware fence's
 * signal completes the job (finished fence signalled with its error) and queues the free work,
 * which releases completed jobs in order through `freeJob`. A delayed work item of `timeoutNs`
 * virtual ns (armed when a job starts and none is armed, re-armed after each job is freed while
 * others remain) runs on the timeout workqueue and calls `timedoutJob` for the oldest pending job
 * at the time it runs. {@link stop}/{@link start} bracket a reset.
 */
export class DrmGpuScheduler<J extends DrmSchedJob = DrmSchedJob> {
  /** Name. */
  readonly name: string;
  /** Event loop the work runs on. */
  readonly loop: EventLoop;
  /** The driver's operations. */
  readonly ops: DrmSchedBackendOps<J>;
  /** WARN_ON sink. */
  readonly warnings: WarningSink;
  /** Credits the hardware holds. */
  readonly creditLimit: number;
  /** Job timeout in virtual ns (Infinity: none). */
  readonly timeoutNs: number;
  /** Karma limit for guilty entities on resubmission. */
  readonly hangLimit: number;
  /** The workqueue the timeout handler runs on (`timeout_wq`). */
  readonly timeoutWq: OrderedWorkqueue;
  /** Jobs handed to the hardware and not yet freed, oldest first (`pending_list`). */
  readonly pendingList: J[] = [];
  private credits = 0;
  private readonly entities: DrmSchedEntity<J>[] = [];
  private stopped = false;
  private runQueued: EventHandle | null = null;
  private freeQueued: EventHandle | null = null;
  /** The timeout handler (`work_tdr`). */
  private readonly tdr: DrmDelayedWork;
  private freeGuilty = false;

  /** Creates a running scheduler. Mirrors drm_sched_init(). */
  constructor(
    loop: EventLoop,
    ops: DrmSchedBackendOps<J>,
    options: DrmGpuSchedulerOptions,
    warnings: WarningSink,
  ) {
    if (!Number.isSafeInteger(options.creditLimit) || options.creditLimit <= 0) {
      throw new RangeError(`drm_sched ${options.name}: credit limit must be a positive integer`);
    }
    this.loop = loop;
    this.ops = ops;
    this.name = options.name;
    this.creditLimit = options.creditLimit;
    this.timeoutNs = options.timeoutNs ?? Number.POSITIVE_INFINITY;
    this.hangLimit = options.hangLimit ?? 0;
    this.timeoutWq = options.timeoutWq ?? new OrderedWorkqueue(loop, `${options.name}:tdr-wq`);
    this.tdr = new DrmDelayedWork(() => this.timedout(), `${options.name}:timedout`);
    this.warnings = warnings;
  }

  /** Credits of the jobs now on the hardware (`credit_count`). */
  get creditCount(): number {
    return this.credits;
  }

  /** Whether the scheduler is stopped (between {@link stop} and {@link start}). */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Whether the timeout handler is armed or queued to run (`delayed_work_pending()`). */
  get timeoutArmed(): boolean {
    return this.tdr.isPending;
  }

  /** Entity use: registers an entity. */
  addEntity(entity: DrmSchedEntity<J>): void {
    this.entities.push(entity);
  }

  /** Entity use: unregisters an entity. */
  removeEntity(entity: DrmSchedEntity<J>): void {
    const i = this.entities.indexOf(entity);
    if (i >= 0) this.entities.splice(i, 1);
  }

  /** Queues the run work (if not stopped and not already queued). Mirrors drm_sched_wakeup(). */
  wakeup(): void {
    if (this.stopped || this.runQueued !== null) return;
    this.runQueued = this.loop.schedule(0, () => this.runWork(), `${this.name}:run_job`);
  }

  /**
   * Stops the scheduler for a reset: no new job runs and no job is freed; running jobs are
   * detached from their hardware fences (their credits returned, the fence forgotten, so
   * {@link start} fails them unless {@link resubmitJobs} ran them again); jobs whose hardware fence
   * already signalled are freed now (except `bad`); `bad`, if given, goes back to the head of the
   * pending list. Mirrors drm_sched_stop().
   */
  stop(bad: J | null = null): void {
    this.stopped = true;
    this.cancelWork();
    if (bad !== null && !this.pendingList.includes(bad)) this.pendingList.unshift(bad);
    for (let i = this.pendingList.length - 1; i >= 0; i--) {
      const job = this.pendingList[i] as J;
      const parent = job.sFence?.parent ?? null;
      if (parent !== null && job.hwCallback !== null && parent.removeCallback(job.hwCallback)) {
        // Detached for good: only resubmitJobs() gives the job a hardware fence again.
        job.hwCallback = null;
        (job.sFence as DrmSchedFence).parent = null;
        this.credits -= job.credits;
      } else {
        // Completed already (its finished fence signalled): nothing left to recover.
        this.pendingList.splice(i, 1);
        if (job !== bad) this.ops.freeJob(job);
        else this.freeGuilty = true;
      }
    }
    this.cancelTimeout();
  }

  /**
   * Restarts after a reset: every pending job takes its credits again and waits on its hardware
   * fence; a job without one (or whose fence already signalled) completes now with `errno`
   * (-ECANCELED when there is no fence and no errno). Then the timeout and work resume.
   * Mirrors drm_sched_start().
   */
  start(errno = 0): void {
    for (const job of [...this.pendingList]) {
      this.credits += job.credits;
      const parent = job.sFence?.parent ?? null;
      if (parent === null) {
        this.jobDone(job, errno !== 0 ? errno : -ECANCELED);
        continue;
      }
      const cb = (): void => this.jobDone(job, parent.error);
      if (parent.addCallback(cb) < 0) this.jobDone(job, parent.error !== 0 ? parent.error : errno);
      else job.hwCallback = cb;
    }
    this.stopped = false;
    this.startTimeout();
    this.wakeup();
    this.queueFree();
  }

  /**
   * Runs every pending job again (after a reset, between stop and start): jobs of a context
   * whose karma exceeded the hang limit get -ECANCELED on their finished fence instead of
   * running. Mirrors drm_sched_resubmit_jobs() (deprecated in the kernel, still used).
   */
  resubmitJobs(): void {
    let guiltyContext = -1;
    for (const job of this.pendingList) {
      const sf = job.sFence as DrmSchedFence;
      if (guiltyContext < 0 && job.karma > this.hangLimit) guiltyContext = sf.scheduled.context;
      if (guiltyContext >= 0 && sf.scheduled.context === guiltyContext)
        sf.finished.setError(-ECANCELED);
      sf.parent = null;
      job.hwCallback = null;
      const fence = this.ops.runJob(job);
      if (typeof fence === "number") {
        sf.finished.setError(fence);
      } else if (fence !== null) {
        sf.parent = fence;
      }
    }
  }

  /** Marks `bad` as having caused a hang. Mirrors drm_sched_increase_karma(). */
  increaseKarma(bad: J): void {
    bad.karma++;
  }

  /**
   * Queues the timeout handling now (a driver saw a fault or its own timer expired), whatever
   * the scheduler's timeout — panthor runs its queues with none and calls this from its own
   * timer. Mirrors drm_sched_fault().
   */
  fault(): void {
    this.timeoutWq.modDelayedWork(this.tdr, 0);
  }

  private runWork(): void {
    this.runQueued = null;
    if (this.stopped) return;
    const entity = this.selectEntity();
    if (entity === null) return;
    const job = entity.queue.shift() as J;
    const sf = job.sFence as DrmSchedFence;
    if (job.credits > this.creditLimit) {
      this.warnings.warn("drm_sched_can_queue", "job credits exceed the credit limit; truncated");
      job.credits = this.creditLimit;
    }
    this.credits += job.credits;
    this.pendingList.push(job);
    this.startTimeout();
    const fence: DmaFence | null | number = this.ops.runJob(job);
    job.entity?.setLastScheduled(sf.finished);
    // The parent is known before the scheduled fence signals (drm_sched_fence_scheduled()).
    if (typeof fence === "object" && fence !== null) sf.parent = fence;
    sf.scheduled.signal();
    if (typeof fence === "number") {
      this.jobDone(job, fence < 0 ? fence : -EINVAL);
    } else if (fence === null) {
      this.jobDone(job, 0);
    } else {
      const cb = (): void => this.jobDone(job, fence.error);
      if (fence.addCallback(cb) < 0) this.jobDone(job, fence.error);
      else job.hwCallback = cb;
    }
    this.wakeup();
  }

  /**
   * Picks the ready entity (queued head job without pending dependencies) of the highest
   * priority whose head job was pushed first. When that job's credits do not fit, nothing runs
   * (no other entity overtakes it, for fairness). Mirrors drm_sched_select_entity() with the
   * FIFO policy.
   */
  private selectEntity(): DrmSchedEntity<J> | null {
    let best: DrmSchedEntity<J> | null = null;
    for (const e of this.entities) {
      const head = e.queue[0];
      if (head === undefined) continue;
      const dep = head.pendingDependency();
      if (dep !== null) {
        if (e.waitingOn !== dep) {
          e.waitingOn = dep;
          dep.addCallback(() => {
            if (e.waitingOn === dep) e.waitingOn = null;
            this.wakeup();
          });
        }
        continue;
      }
      if (
        best === null ||
        e.priority < best.priority ||
        (e.priority === best.priority && isOlder(head, best.queue[0] as J))
      ) {
        best = e;
      }
    }
    if (best === null) return null;
    const credits = Math.min((best.queue[0] as J).credits, this.creditLimit);
    return credits <= this.creditLimit - this.credits ? best : null;
  }

  private jobDone(job: J, result: number): void {
    job.hwCallback = null;
    this.credits -= job.credits;
    const sf = job.sFence as DrmSchedFence;
    sf.finished.signal(result < 0 ? result : undefined);
    this.queueFree();
    this.wakeup();
  }

  private queueFree(): void {
    if (this.stopped || this.freeQueued !== null) return;
    this.freeQueued = this.loop.schedule(0, () => this.freeWork(), `${this.name}:free_job`);
  }

  private freeWork(): void {
    this.freeQueued = null;
    if (this.stopped) return;
    const head = this.pendingList[0];
    if (head === undefined || head.sFence?.finished.signaled !== true) return;
    this.pendingList.shift();
    this.cancelTimeout();
    this.startTimeout();
    this.ops.freeJob(head);
    this.queueFree();
  }

  /**
   * Arms the timeout unless it is already armed (queue_delayed_work semantics: a job starting
   * while an older one is pending does not push the deadline back). The free work re-arms it
   * for the next job by cancelling first. Mirrors drm_sched_start_timeout().
   */
  private startTimeout(): void {
    if (this.timeoutNs === Number.POSITIVE_INFINITY || this.pendingList.length === 0) return;
    this.timeoutWq.queueDelayedWork(this.tdr, this.timeoutNs);
  }

  /**
   * Stops the timer, or takes the handler off the workqueue if it is queued and has not started.
   * Mirrors the scheduler's cancel_delayed_work(&sched->work_tdr).
   */
  private cancelTimeout(): void {
    this.timeoutWq.cancelDelayedWork(this.tdr);
  }

  private cancelWork(): void {
    if (this.runQueued !== null) this.loop.cancel(this.runQueued);
    if (this.freeQueued !== null) this.loop.cancel(this.freeQueued);
    this.runQueued = null;
    this.freeQueued = null;
  }

  /**
   * The timeout handler, run from the timeout workqueue: takes the oldest pending job off the
   * list and hands it to the driver. Mirrors drm_sched_job_timedout().
   */
  private timedout(): void {
    const job = this.pendingList.shift();
    if (job === undefined) return;
    const status = this.ops.timedoutJob(job);
    if (status === DrmGpuSchedStat.NO_HANG && !this.pendingList.includes(job))
      this.pendingList.unshift(job);
    if (this.freeGuilty) {
      this.freeGuilty = false;
      this.ops.freeJob(job);
    }
    if (status !== DrmGpuSchedStat.ENODEV) this.startTimeout();
  }
}
