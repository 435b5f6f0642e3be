/**
 * The job manager: the slots and IRQ path of {@link JobManagerCore}, plus scheduler timeouts
 * leading to a GPU reset, and hard-stop of a file's (or a JM context's) jobs on close.
 */
import { DrmGpuSchedStat } from "@panmmu/drm";
import { ECANCELED, EINVAL } from "@panmmu/uapi";
import {
  JOB_INT_CLEAR,
  JOB_INT_JS_STATE,
  JOB_INT_MASK,
  JOB_INT_RAWSTAT,
  JS_COMMAND,
  JS_COMMAND_NEXT,
  JS_COMMAND_NOP,
  JS_COMMAND_SOFT_STOP,
} from "../regs.js";
import type { JobOwner, PanfrostJob } from "./job.js";
import { JobManagerCore } from "./job-core.js";
import { EXC_TERMINATED, hardStopCommand, RESET_STOP_TIMEOUT_NS, type SlotState } from "./slot.js";

/** The job manager. Mirrors panfrost_job.c. */
export class JobManager extends JobManagerCore {
  /**
   * Scheduler timeout of the oldest job of a slot: after handling any interrupt already pending
   * (the kernel synchronises the IRQ first, to avoid spurious timeouts), a job whose hardware
   * fence signalled is not hung (NO_HANG); otherwise the GPU is reset with the job as the
   * culprit.
   *
   * Mirrors panfrost_job_timedout().
   */
  protected timedOut(slot: SlotState, job: PanfrostJob): DrmGpuSchedStat {
    const pending = this.p.mmio.read32(JOB_INT_RAWSTAT) & this.jsMask;
    if (pending !== 0 && !this.inReset) this.handleIrqs(pending >>> 0);
    // Not hung after all (its interrupt was late): back on the pending list, freed as usual.
    if (job.hwFence?.signaled === true || job.state === "done") return DrmGpuSchedStat.NO_HANG;
    this.counters.timeouts++;
    job.guilty = true;
    this.resetRequested = true;
    this.reset(slot, job);
    return DrmGpuSchedStat.NOMINAL;
  }

  /**
   * Requests a GPU reset: the reset work is queued on the reset workqueue (queueing it again
   * before it ran does nothing). Mirrors panfrost_device_schedule_reset().
   */
  scheduleReset(): void {
    this.resetRequested = true;
    this.resetWq.queueWork(this.resetWork);
  }

  /**
   * The reset work: resets unless a timeout handler on the same queue already did the reset
   * that was asked for. Mirrors panfrost_reset_work().
   */
  protected resetFromWork(): void {
    this.reset(null, null);
  }

  /**
   * Resets the GPU: stop the schedulers (the culprit back on its pending list, its karma
   * raised), cancel every _NEXT chain and soft-stop the current ones, wait up to 10 ms, handle
   * the interrupts that came (soft-stopped chains will resume from their tail), reset the
   * hardware (which returns every AS), then resubmit every pending job — the culprit's queue is
   * cancelled — and restart the schedulers.
   *
   * Runs only from the reset workqueue (a timeout handler or the reset work), so never while
   * the AS lock is held and never twice at once; does nothing when no reset is requested.
   *
   * Mirrors panfrost_reset().
   */
  private reset(badSlot: SlotState | null, bad: PanfrostJob | null): void {
    if (!this.resetRequested || this.inReset || this.suspended) return;
    this.inReset = true;
    this.counters.resets++;
    const { mmio, loop } = this.p;
    const live = this.slots.filter((x): x is SlotState => x !== undefined);
    for (const slot of live) slot.sched.stop(slot === badSlot ? bad : null);
    if (bad !== null) badSlot?.sched.increaseKarma(bad);
    mmio.write32(JOB_INT_MASK, 0);
    for (const slot of live) {
      mmio.write32(JS_COMMAND_NEXT(slot.js), JS_COMMAND_NOP);
      mmio.write32(JS_COMMAND(slot.js), JS_COMMAND_SOFT_STOP);
    }
    loop.runUntil(() => (mmio.read32(JOB_INT_JS_STATE) & this.jsMask) === 0, RESET_STOP_TIMEOUT_NS);
    const raw = mmio.read32(JOB_INT_RAWSTAT) & this.jsMask;
    if (raw !== 0) this.handleIrqs(raw >>> 0);
    // Jobs still on the slots are stuck (or were cancelled from _NEXT): forget them; the
    // scheduler resubmits them.
    for (const slot of live) {
      for (const job of [slot.hw[0], slot.hw[1], ...slot.ready]) {
        if (job === null || job.state === "done") continue;
        this.releaseAs(job);
        job.state = "stopped";
      }
      slot.hw[0] = null;
      slot.hw[1] = null;
      slot.ready.length = 0;
      if (slot.retry !== null) {
        loop.cancel(slot.retry);
        slot.retry = null;
      }
    }
    this.p.resetHardware();
    mmio.write32(JOB_INT_MASK, 0);
    this.resetRequested = false;
    this.inReset = false;
    for (const slot of live) slot.sched.resubmitJobs();
    for (const slot of live) slot.sched.start(0);
    mmio.write32(JOB_INT_CLEAR, this.jsMask);
    mmio.write32(JOB_INT_MASK, this.jsMask);
    this.kickAll();
  }

  /**
   * A file is closing: its scheduler entities are destroyed (queued jobs finish -ESRCH), jobs
   * waiting for an AS are cancelled, and the ones on the hardware are hard-stopped (they finish
   * -ECANCELED through the IRQ, keeping their BOs and address space alive until then).
   *
   * Mirrors panfrost_job_close().
   */
  close(owner: JobOwner): void {
    for (const ctx of this.jmCtxs.removeAll(owner)) ctx.destroy();
    this.killJobs((job) => job.owner === owner);
  }

  /**
   * JM_CTX_DESTROY: removes context `handle` of `owner` (-EINVAL if it has none), destroys its
   * entities (queued jobs finish -ESRCH), cancels its jobs waiting for an AS and hard-stops the
   * ones on the hardware; the file's other contexts are untouched.
   *
   * Mirrors panfrost_jm_ctx_destroy().
   */
  destroyJmCtx(owner: JobOwner, handle: number): number {
    const ctx = this.jmCtxs.remove(owner, handle);
    if (ctx === null) return -EINVAL;
    ctx.destroy();
    this.killJobs((job) => job.jmCtxId === ctx.id);
    return 0;
  }

  /**
   * Cancels the ready jobs `match` selects and hard-stops those on the hardware (a chain still
   * in _NEXT is taken back and cancelled at once).
   */
  private killJobs(match: (job: PanfrostJob) => boolean): void {
    const mmio = this.p.mmio;
    for (const slot of this.slots) {
      if (slot === undefined) continue;
      for (const job of slot.ready.filter(match)) {
        slot.ready.splice(slot.ready.indexOf(job), 1);
        this.finish(job, -ECANCELED, EXC_TERMINATED);
      }
      const jsState = mmio.read32(JOB_INT_JS_STATE) >>> 0;
      const next = slot.hw[1];
      if (next !== null && match(next) && ((jsState >>> (16 + slot.js)) & 1) === 1) {
        mmio.write32(JS_COMMAND_NEXT(slot.js), JS_COMMAND_NOP);
        slot.hw[1] = null;
        this.finish(next, -ECANCELED, EXC_TERMINATED);
      }
      for (const job of [slot.hw[1], slot.hw[0]]) {
        if (job === null || !match(job)) continue;
        mmio.write32(JS_COMMAND(slot.js), hardStopCommand(this.p.features, job));
      }
    }
  }

  /** Jobs of every slot (hardware first, then ready), for dumps. */
  snapshot(): Array<{ js: number; hw: Array<number | null>; ready: number[] }> {
    return this.slots
      .filter((s): s is SlotState => s !== undefined)
      .map((s) => ({
        js: s.js,
        hw: s.hw.map((j) => j?.id ?? null),
        ready: s.ready.map((j) => j.id),
      }));
  }

  /** Whether no job is queued, ready or on the hardware. */
  get idle(): boolean {
    for (const s of this.slots) {
      if (s === undefined) continue;
      if (s.ready.length > 0 || s.hw[0] !== null || s.hw[1] !== null) return false;
    }
    for (const s of this.slots) if (s !== undefined && s.sched.pendingList.length > 0) return false;
    return !this.jmCtxs.hasQueuedJobs;
  }
}
