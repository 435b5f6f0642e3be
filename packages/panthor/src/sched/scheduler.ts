/**
 * The CSG scheduler as the driver uses it: groups attached at creation (a drm scheduler and
 * entity per queue, the group on the idle list), jobs run into their queue's ring (the kernel's
 * sequence, insert advanced, the doorbell rung or the group scheduled), job timeouts, group
 * destruction, MMU faults reported.
 */
import {
  type DmaFence,
  DmaFenceContext,
  DrmGpuSchedStat,
  DrmGpuScheduler,
  DrmSchedEntity,
  DrmSchedPriority,
} from "@panmmu/drm";
import {
  CSF_RINGBUF_INPUT,
  CSF_RINGBUF_OUTPUT,
  CSG_STATE_MASK,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
} from "@panmmu/hw";
import { EAGAIN, ECANCELED, EINVAL } from "@panmmu/uapi";
import { type PanthorGroup, PanthorGroupState } from "./group.js";
import {
  copyInstrsToRingbuf,
  newJobInstrs,
  PANTHOR_JOB_PROFILING_DATA_SIZE,
  PANTHOR_SYNCOBJ_64B_SIZE,
  prepareJobInstrs,
} from "./job-instrs.js";
import type { PanthorQueue, QueueJob } from "./queue.js";
import { listDel } from "./run-list.js";
import { JOB_TIMEOUT_NS, type PanthorSchedEnv } from "./sched-base.js";
import { csgsUpdCtxInit } from "./sched-slots.js";
import { SchedTick } from "./sched-tick.js";

/** The scheduler. Mirrors `struct panthor_scheduler` and the job half of panthor_sched.c. */
export class PanthorScheduler extends SchedTick {
  /** Fences handed to drm_sched while a job waits for the scheduler lock. */
  private readonly lockWaits: DmaFenceContext;

  /** Mirrors panthor_sched_init() (the firmware's slot counts, the AS count, a stopped tick). */
  constructor(env: PanthorSchedEnv) {
    super(env);
    this.lockWaits = new DmaFenceContext(env.loop, "panthor", "sched-lock-wait");
  }

  /**
   * Attaches a new group: per queue a drm scheduler (credits = ring bytes / 8, no drm timeout:
   * the queue has its own 5 s timer) and its entity, a fence context; the group on the idle
   * list of its priority. Mirrors the scheduling half of group_create_queue() and
   * panthor_group_create().
   */
  attachGroup(group: PanthorGroup): void {
    group.queues.forEach((q, i) => {
      const sched = new DrmGpuScheduler<QueueJob>(
        this.env.loop,
        {
          runJob: (job) => this.runJob(group, q, job),
          timedoutJob: (job) => this.timedoutJob(group, q, job),
          freeJob: (job) => this.freeJob(group, q, job),
        },
        { name: q.name, creditLimit: q.ringbuf.size / 8 },
        this.env.warnings,
      );
      q.scheduler = sched;
      q.entity = new DrmSchedEntity<QueueJob>(sched, DrmSchedPriority.NORMAL);
      q.fenceCtx = new DmaFenceContext(this.env.loop, "panthor", `queue-fence-${i}`);
      q.timeout.remaining = JOB_TIMEOUT_NS;
    });
    group.onRelease = () => {
      for (const q of group.queues) {
        this.disableTimeout(q);
        q.entity?.destroy();
        q.scheduler?.stop(null);
      }
    };
    this.withLock(() => this.idle[group.priority]?.moveTail(group));
  }

  // ---- jobs ----------------------------------------------------------------------------------

  /**
   * run_job: with the device resumed (a runtime-PM reference held), under the scheduler lock
   * (later, if a tick holds it), the job's instructions go into the ring. While a PM callback
   * runs, or the lock is held by code waiting on the firmware, the job's hardware fence is a
   * proxy signalled with the real one. Mirrors queue_run_job().
   */
  private runJob(group: PanthorGroup, queue: PanthorQueue, job: QueueJob): DmaFence | number {
    if (job.callInfo.size === 0) {
      // An empty stream waits for the queue's previous job only.
      job.doneFence = queue.lastFence ?? signalledStub(this.lockWaits);
      return job.doneFence;
    }
    const pm = this.env.pm;
    const ret = pm.resumeAndGet();
    if (ret === -EAGAIN) {
      const proxy = this.lockWaits.createFence();
      pm.whenSettled(() => forward(this.runJob(group, queue, job), proxy));
      return proxy;
    }
    if (ret !== 0) {
      this.env.warnings.warn("queue_run_job", `resume failed (${ret})`);
      return ret;
    }
    if (!this.isLocked) {
      let out: DmaFence | number = -EINVAL;
      this.withLock(() => {
        out = this.runJobLocked(group, queue, job);
      });
      pm.put();
      return out;
    }
    const proxy = this.lockWaits.createFence();
    this.withLock(() => {
      forward(this.runJobLocked(group, queue, job), proxy);
      pm.put();
    });
    return proxy;
  }

  private runJobLocked(group: PanthorGroup, queue: PanthorQueue, job: QueueJob): DmaFence | number {
    if (!group.canRun) return -ECANCELED;
    const ctx = queue.fenceCtx as DmaFenceContext;
    const done = ctx.createFence();
    job.doneFence = done;
    job.profiling.slot = queue.profilingSeqno++;
    if (queue.profilingSeqno === queue.profilingSlotCount) queue.profilingSeqno = 0;
    job.ringbuf.start = queue.insert;
    const idx = job.queueIdx;
    const instrs = newJobInstrs();
    prepareJobInstrs(
      {
        profileMask: job.profiling.mask,
        addrReg: this.env.scratchReg,
        valReg: this.env.scratchReg + 2,
        syncAddr: group.syncobjs.gpuVa + idx * PANTHOR_SYNCOBJ_64B_SIZE,
        timesAddr:
          queue.profilingSlots.gpuVa + job.profiling.slot * PANTHOR_JOB_PROFILING_DATA_SIZE,
        csStart: job.callInfo.start,
        csSize: job.callInfo.size,
        lastFlush: job.callInfo.latestFlush,
        waitallMask: (2 ** this.sbSlotCount - 1) >>> 0,
      },
      instrs,
    );
    const ring = queue.ringbuf.kmap;
    if (ring === null) return -EINVAL;
    copyInstrsToRingbuf(instrs, queue.ringbuf.size, job.ringbuf.start, (off, w) =>
      ring.writeU32(off, w),
    );
    job.ringbuf.end = job.ringbuf.start + instrs.count * 8;
    queue.inFlight.push(job);
    this.counters.jobsRun++;
    const io = queue.iface.mem.kmap;
    if (io !== null) {
      io.writeU32(CSF_RINGBUF_INPUT.extract, io.readU32(4096 + CSF_RINGBUF_OUTPUT.extract));
      io.writeU32(CSF_RINGBUF_INPUT.extract + 4, io.readU32(4096 + CSF_RINGBUF_OUTPUT.extract + 4));
      io.writeU32(CSF_RINGBUF_INPUT.insert, job.ringbuf.end >>> 0);
      io.writeU32(CSF_RINGBUF_INPUT.insert + 4, Math.floor(job.ringbuf.end / 2 ** 32));
    }
    const mask = 1 << idx;
    if (group.csgId < 0) {
      this.groupSchedule(group, mask);
    } else {
      const resume = this.resumeTickNeeded(group, mask);
      group.idleQueues &= ~mask;
      if (resume) this.kickTick();
      this.env.ringDoorbell(queue.doorbellId);
      // A resident group with work keeps the device up until a tick finds it idle.
      if (!this.pmHasRef && (group.blockedQueues & mask) === 0) {
        this.env.pm.get();
        this.pmHasRef = true;
      }
      this.resumeTimeout(queue);
    }
    queue.lastFence = done;
    return done;
  }

  /**
   * A queue made no progress for 5 s: its scheduler stopped, the group timed out (terminated at
   * the next tick if it is on a slot, at once otherwise), the scheduler restarted.
   * Mirrors queue_timedout_job().
   */
  private timedoutJob(group: PanthorGroup, queue: PanthorQueue, job: QueueJob): DrmGpuSchedStat {
    this.counters.timeouts++;
    if (this.resetInProgress) this.env.warnings.warn("queue_timedout_job", "reset in progress");
    // The job goes back on the pending list (drm took it off), to be failed and freed.
    this.queueStop(queue, job);
    this.withLock(() => {
      group.timedout = true;
      if (group.csgId >= 0) {
        this.queueTick(0);
      } else {
        listDel(group);
        this.delWaiting(group);
        this.groupTermWork(group);
      }
    });
    this.queueStart(queue);
    return DrmGpuSchedStat.NOMINAL;
  }

  /** A finished job: the group reference it held dropped. Mirrors queue_free_job(). */
  private freeJob(group: PanthorGroup, _queue: PanthorQueue, _job: QueueJob): void {
    group.put();
  }

  /** The queue's timer fired: no progress means a timeout. Mirrors queue_timeout_work(). */
  protected queueTimeoutWork(queue: PanthorQueue): void {
    this.withLock(() => {
      const group = this.groupOfQueue(queue);
      if (group === null) return;
      if (!this.queueCheckJobCompletion(group, queue)) queue.scheduler?.fault();
    });
  }

  private groupOfQueue(queue: PanthorQueue): PanthorGroup | null {
    for (const slot of this.csgSlots) if (slot.group?.queues.includes(queue)) return slot.group;
    for (const lists of [this.runnable, this.idle]) {
      for (const l of lists) for (const g of l.entries) if (g.queues.includes(queue)) return g;
    }
    return null;
  }

  // ---- groups -------------------------------------------------------------------------------

  /**
   * GROUP_DESTROY's scheduling half: the group is marked destroyed; on a slot, the next tick
   * terminates it; otherwise it leaves the lists and terminates now. Mirrors
   * panthor_group_destroy().
   */
  groupDestroyed(group: PanthorGroup): void {
    this.withLock(() => {
      group.destroyed = true;
      if (group.csgId >= 0) {
        this.queueTick(0);
      } else if (!this.resetInProgress) {
        listDel(group);
        this.delWaiting(group);
        if (group.state !== PanthorGroupState.Terminated) this.groupTermWork(group);
      }
    });
  }

  // ---- suspend and reset -----------------------------------------------------------------------

  /** Groups stopped by {@link preReset}, restarted by {@link postReset} (`reset.stopped_groups`). */
  private readonly stoppedGroups: PanthorGroup[] = [];

  /**
   * Takes every group off its CSG slot: SUSPEND (TERMINATE for groups that can no longer run);
   * a slot that does not acknowledge is escalated to TERMINATE (its group timed out, innocent
   * if it could still run) and forced terminated if that fails too; caches cleaned for the
   * suspended state (a failure terminates those groups); each group's last events processed,
   * unbound, and put on the idle list (or terminated). Mirrors panthor_sched_suspend().
   */
  suspend(): void {
    this.withLock(() => {
      let upd = csgsUpdCtxInit();
      for (let i = 0; i < this.csgSlotCount; i++) {
        const g = this.csgSlots[i]?.group ?? null;
        if (g !== null) {
          this.csgsUpdCtxQueueReqs(
            upd,
            i,
            g.canRun ? CSG_STATE_SUSPEND : CSG_STATE_TERMINATE,
            CSG_STATE_MASK,
          );
        }
      }
      let suspended = upd.updateMask;
      this.csgsUpdCtxApply(upd);
      suspended &= ~upd.timedoutMask;
      if (upd.timedoutMask !== 0) {
        const failed = upd.timedoutMask;
        upd = csgsUpdCtxInit();
        for (let i = 0; i < this.csgSlotCount; i++) {
          const g = this.csgSlots[i]?.group ?? null;
          if (((failed >>> i) & 1) === 0 || g === null) continue;
          if (g.canRun) g.innocent = true;
          g.timedout = true;
          this.csgsUpdCtxQueueReqs(upd, i, CSG_STATE_TERMINATE, CSG_STATE_MASK);
        }
        this.csgsUpdCtxApply(upd);
        for (let i = 0; i < this.csgSlotCount; i++) {
          const g = this.csgSlots[i]?.group ?? null;
          if (((upd.timedoutMask >>> i) & 1) === 0 || g === null) continue;
          if (g.state !== PanthorGroupState.Terminated) {
            g.state = PanthorGroupState.Terminated;
            for (let q = 0; q < g.queues.length; q++) this.csSlotReset(i, q, g);
          }
        }
      }
      if (suspended !== 0) {
        const failed = this.env.flushCaches() !== 0;
        for (let i = 0; i < this.csgSlotCount; i++) {
          const g = this.csgSlots[i]?.group ?? null;
          if (((suspended >>> i) & 1) === 0 || g === null) continue;
          if (failed) g.state = PanthorGroupState.Terminated;
          else this.csgSlotSyncUpdate(i);
        }
      }
      for (let i = 0; i < this.csgSlotCount; i++) {
        const g = this.csgSlots[i]?.group ?? null;
        if (g === null) continue;
        g.get();
        if (g.csgId >= 0) this.processCsgIrq(g.csgId);
        this.groupUnbind(g);
        if (g.canRun) this.idle[g.priority]?.moveHead(g);
        else {
          this.delWaiting(g);
          this.groupTermWork(g);
        }
        g.put();
      }
      this.usedCsgSlotCount = 0;
    });
  }

  /** Stops a queue's scheduler and timer (`bad` back at the head of its pending list). Mirrors queue_stop(). */
  private queueStop(q: PanthorQueue, bad: QueueJob | null = null): void {
    this.disableTimeout(q);
    q.scheduler?.stop(bad);
  }

  /**
   * Restarts a queue's scheduler, its pending jobs' hardware fences re-assigned to their done
   * fences first (drm_sched_stop() forgot them). Mirrors queue_start().
   */
  private queueStart(q: PanthorQueue): void {
    const sched = q.scheduler;
    if (sched === null) return;
    for (const job of sched.pendingList) {
      const sf = job.sFence;
      if (sf !== null && job.doneFence !== null) sf.parent = job.doneFence;
    }
    sched.start(0);
  }

  /**
   * Before a GPU reset: works stopped and refused, every group suspended off its slot, then
   * every runnable or idle group's queues stopped and the group parked. Mirrors
   * panthor_sched_pre_reset().
   */
  preReset(): void {
    this.resetInProgress = true;
    this.cancelWork("sync-upd");
    this.cancelTick();
    this.suspend();
    this.withLock(() => {
      for (const lists of [this.runnable, this.idle]) {
        for (const list of lists) {
          for (const g of [...list.entries]) {
            for (const q of g.queues) this.queueStop(q);
            g.get();
            listDel(g);
            this.stoppedGroups.push(g);
          }
        }
      }
    });
  }

  /**
   * After a GPU reset: parked groups restarted (terminated if the reset failed) back onto the
   * idle/runnable lists (or terminated), works allowed again, a tick and a sync update.
   * Mirrors panthor_sched_post_reset().
   */
  postReset(resetFailed: boolean): void {
    this.withLock(() => {
      for (const g of this.stoppedGroups.splice(0)) {
        if (resetFailed) g.state = PanthorGroupState.Terminated;
        for (const q of g.queues) this.queueStart(q);
        if (g.canRun) (g.isIdle ? this.idle : this.runnable)[g.priority]?.moveTail(g);
        else {
          this.delWaiting(g);
          this.groupTermWork(g);
        }
        g.put();
      }
      this.resetInProgress = false;
    });
    if (!resetFailed) {
      this.queueTick(0);
      this.queueWork("sync-upd", () => this.withLock(() => this.syncUpdWork()));
    }
  }

  /** After a runtime resume: a tick at once. Mirrors panthor_sched_resume(). */
  resume(): void {
    this.queueTick(0);
  }

  /** An MMU fault: a tick at once makes faulty groups fatal. Mirrors panthor_sched_report_mmu_fault(). */
  reportMmuFault(): void {
    this.queueTick(0);
  }

  /** Stops every work for good. Mirrors panthor_sched_unplug(). */
  unplug(): void {
    this.unplugged = true;
    this.cancelTick();
    if (this.pmHasRef) {
      this.env.pm.put();
      this.pmHasRef = false;
    }
    this.cancelWork("fw-events");
    this.cancelWork("sync-upd");
  }
}

/** Signals `proxy` with `r`: an errno at once, a fence when it signals (with its error). */
function forward(r: DmaFence | number, proxy: DmaFence): void {
  if (typeof r === "number") proxy.signal(r);
  else if (r.addCallback(() => proxy.signal(r.error < 0 ? r.error : undefined)) < 0) {
    proxy.signal(r.error < 0 ? r.error : undefined);
  }
}

/** A fence already signalled (an empty stream with nothing before it). */
function signalledStub(ctx: DmaFenceContext): DmaFence {
  const f = ctx.createFence();
  f.signal();
  return f;
}
