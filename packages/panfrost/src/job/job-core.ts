/**
 * The submission and completion side of the job manager: one drm scheduler per hardware job
 * slot (two chains per slot: current and _NEXT) fed by one entity per file, `runJob` taking an
 * AS for each job and writing it to the slot, and the job interrupt completing or failing the
 * chains. Timeouts, resets and stopping a file's jobs build on it in job-manager.ts.
 */
import {
  type DmaFence,
  DmaFenceContext,
  type DrmGpuSchedStat,
  DrmGpuScheduler,
  type DrmSchedEntity,
  DrmWork,
  OrderedWorkqueue,
} from "@panmmu/drm";
import type { IrqLine } from "@panmmu/hw";
import { ECANCELED, EINVAL } from "@panmmu/uapi";
import {
  JOB_INT_CLEAR,
  JOB_INT_JS_STATE,
  JOB_INT_MASK,
  JOB_INT_MASK_DONE,
  JOB_INT_MASK_ERR,
  JOB_INT_RAWSTAT,
  JOB_INT_STAT,
  JS_COMMAND_NEXT,
  JS_COMMAND_NOP,
  JS_COMMAND_START,
  JS_STATUS,
  JS_TAIL_HI,
  JS_TAIL_LO,
} from "../regs.js";
import { type JmCtx, JmCtxTable } from "./jm-ctx.js";
import type { PanfrostJob } from "./job.js";
import {
  dequeueJob,
  EXC_DONE,
  EXC_STOPPED,
  EXC_TERMINATED,
  NUM_JOB_SLOTS,
  type SlotState,
  writeJobChain,
} from "./slot.js";
import type { JobCounters, JobManagerParams } from "./types.js";

/**
 * The job manager's slots, scheduler backend and IRQ path; {@link JobManager} is the class to
 * use. Mirrors the submission and interrupt parts of panfrost_job.c.
 */
export abstract class JobManagerCore {
  /** Counters. */
  readonly counters: JobCounters = {
    submitted: 0,
    hwSubmits: 0,
    completed: 0,
    faulted: 0,
    cancelled: 0,
    timeouts: 0,
    resets: 0,
    asWaits: 0,
    irqs: 0,
  };
  protected readonly slots: SlotState[] = [];
  /** The files' JM contexts (their scheduler entities). */
  readonly jmCtxs = new JmCtxTable();
  /**
   * The ordered reset workqueue (`pfdev->reset.wq`): the schedulers' timeout handlers and the
   * reset work run on it one at a time, and none starts while the AS lock is held (a reset
   * reprograms every AS).
   */
  readonly resetWq: OrderedWorkqueue;
  /** The reset work (`pfdev->reset.work`). */
  protected readonly resetWork: DrmWork;
  /** A reset was requested and has not been done yet (`pfdev->reset.pending`). */
  protected resetRequested = false;
  /** A reset is in progress (between stopping the schedulers and restarting them). */
  protected inReset = false;
  protected suspended = false;
  protected readonly p: JobManagerParams;
  protected readonly jsMask: number;

  /** Creates the job manager (slots present in JS_PRESENT, at most {@link NUM_JOB_SLOTS}). */
  constructor(p: JobManagerParams) {
    this.p = p;
    this.resetWq = new OrderedWorkqueue(p.loop, "panfrost-reset", p.mmu.lock);
    this.resetWork = new DrmWork(() => this.resetFromWork(), "panfrost:reset-work");
    let mask = 0;
    for (let js = 0; js < NUM_JOB_SLOTS; js++) {
      if (((p.features.jsPresent >>> js) & 1) === 0) continue;
      mask |= JOB_INT_MASK_DONE(js) | JOB_INT_MASK_ERR(js);
      const slot: SlotState = {
        js,
        timeline: new DmaFenceContext(p.loop, "panfrost", `js${js}`),
        sched: new DrmGpuScheduler<PanfrostJob>(
          p.loop,
          {
            runJob: (job) => this.runJob(slot, job),
            timedoutJob: (job) => this.timedOut(slot, job),
            freeJob: (job) => this.freeJob(job),
          },
          {
            name: `pan_js${js}`,
            // Two chains per slot (current + _NEXT) when the GPU can tell them apart.
            creditLimit: p.features.hw.jobChainDisambiguation ? 2 : 1,
            timeoutNs: p.timeoutNs,
            timeoutWq: this.resetWq,
          },
          p.warnings,
        ),
        ready: [],
        hw: [null, null],
        retry: null,
      };
      this.slots[js] = slot;
    }
    this.jsMask = mask >>> 0;
    p.mmu.slots.onAvailable(() => this.kickAll());
  }

  /** Installs the job IRQ handler and unmasks the slots' IRQs. Mirrors panfrost_job_init(). */
  attach(irq: IrqLine): void {
    irq.setHandler(() => this.irqHandler());
    this.p.mmio.write32(JOB_INT_CLEAR, this.jsMask);
    this.p.mmio.write32(JOB_INT_MASK, this.jsMask);
  }

  /** Masks the job IRQ and stops handling it. Mirrors panfrost_job_fini(). */
  detach(irq: IrqLine): void {
    this.suspended = true;
    this.p.mmio.write32(JOB_INT_MASK, 0);
    irq.clearHandler();
    for (const s of this.slots) {
      if (s === undefined) continue;
      s.sched.stop();
      if (s.retry !== null) this.p.loop.cancel(s.retry);
    }
    this.resetWq.cancelWork(this.resetWork);
  }

  /** Whether slot `js` exists. */
  hasSlot(js: number): boolean {
    return this.slots[js] !== undefined;
  }

  /**
   * The scheduler entity of JM context `ctx` on slot `js` (created on first use). Null for a
   * missing slot or a destroyed context.
   */
  entity(ctx: JmCtx, js: number): DrmSchedEntity<PanfrostJob> | null {
    const slot = this.slots[js];
    if (slot === undefined) return null;
    return ctx.entity(js, slot.sched);
  }

  /** Counts a submitted job (the caller has armed and pushed it). */
  countSubmit(job: PanfrostJob): void {
    this.counters.submitted++;
    job.owner.jobStats.submitted++;
  }

  /**
   * Scheduler backend: the job's dependencies signalled and it fits the slot's credits. Creates
   * its hardware fence and queues it for the slot, where it waits for an AS if none can be had.
   * A job whose finished fence already carries an error (cancelled at resubmission) is not run;
   * one that completed while a reset stopped the scheduler keeps its signalled fence.
   *
   * Mirrors panfrost_job_run().
   */
  private runJob(slot: SlotState, job: PanfrostJob): DmaFence | null {
    if (job.finished.error !== 0) return null;
    if (job.state === "done" && job.hwFence !== null) return job.hwFence;
    job.hwFence = slot.timeline.createFence();
    job.state = "ready";
    slot.ready.push(job);
    this.kick(slot.js);
    return job.hwFence;
  }

  /** Scheduler backend: releases a finished job's references. Mirrors panfrost_job_free(). */
  private freeJob(job: PanfrostJob): void {
    if (job.state !== "done") {
      // Completed by the scheduler without reaching the hardware (entity killed, cancelled).
      job.state = "done";
      job.finishedAt = this.p.loop.now;
      this.counters.cancelled++;
      job.owner.jobStats.failed++;
    }
    job.cleanup();
  }

  /** Tries to start ready jobs on every slot. */
  kickAll(): void {
    for (const s of this.slots) if (s !== undefined) this.kick(s.js);
  }

  /**
   * Starts ready jobs on slot `js` while it has room: each needs an AS (asGet); when none can
   * be had the job waits (retried when an AS is put or freed), which is never an error.
   */
  private kick(js: number): void {
    const slot = this.slots[js];
    if (slot === undefined || this.inReset || this.suspended) return;
    const mmio = this.p.mmio;
    while (slot.ready.length > 0 && slot.hw[1] === null) {
      const job = slot.ready[0] as PanfrostJob;
      if (mmio.read32(JS_COMMAND_NEXT(js)) !== JS_COMMAND_NOP) {
        // The _NEXT registers still hold a chain the hardware has not taken yet.
        if (slot.retry === null) {
          slot.retry = this.p.loop.schedule(
            1_000,
            () => {
              slot.retry = null;
              this.kick(js);
            },
            `panfrost:js${js}-next-busy`,
          );
        }
        return;
      }
      const as = this.p.mmu.slots.asGet(job.ctx);
      if (as < 0) {
        this.counters.asWaits++;
        return;
      }
      if (slot.ready[0] !== job || slot.hw[1] !== null || this.inReset || this.suspended) {
        // Enabling the AS polls its commands, which runs other events: one of them cancelled
        // this job (its file closed), filled the slot or started a reset. Give the use back and
        // look again (a reset kicks the slots itself when it is done).
        this.p.mmu.slots.asPut(job.ctx);
        if (this.inReset || this.suspended) return;
        continue;
      }
      slot.ready.shift();
      this.hwSubmit(job, slot, as);
    }
  }

  /**
   * Hands a job to the hardware: it holds its AS until it completes, and is written into the
   * slot's _NEXT registers. Mirrors panfrost_job_hw_submit().
   */
  private hwSubmit(job: PanfrostJob, slot: SlotState, as: number): void {
    job.holdsAs = true;
    job.state = "hw";
    if (job.startedAt < 0) job.startedAt = this.p.loop.now;
    this.counters.hwSubmits++;
    writeJobChain(this.p.mmio, this.p.features, slot, job, as);
  }

  private irqHandler(): void {
    if (this.suspended) return;
    const status = this.p.mmio.read32(JOB_INT_STAT) >>> 0;
    if (status === 0) return;
    this.counters.irqs++;
    this.handleIrqs(status);
  }

  /**
   * Handles the done/error bits in `status`: errors first (the failed chain stops the slot,
   * its _NEXT chain is cancelled and restarted), then completions, then a chain that finished
   * together with the one before it (the slot is idle but still holds it).
   *
   * Mirrors panfrost_job_handle_irqs().
   */
  protected handleIrqs(status: number): void {
    const mmio = this.p.mmio;
    mmio.write32(JOB_INT_CLEAR, status);
    const jsState = mmio.read32(JOB_INT_JS_STATE) >>> 0;
    for (const slot of this.slots) {
      if (slot === undefined) continue;
      const js = slot.js;
      const err = (status & JOB_INT_MASK_ERR(js)) !== 0;
      const done = (status & JOB_INT_MASK_DONE(js)) !== 0;
      if (!err && !done) continue;
      let failed: PanfrostJob | null = null;
      let nextWasPending = false;
      if (err) {
        nextWasPending = ((jsState >>> (16 + js)) & 1) === 1;
        mmio.write32(JS_COMMAND_NEXT(js), JS_COMMAND_NOP);
        failed = dequeueJob(slot);
      }
      let finished: PanfrostJob | null = null;
      if (done) finished = dequeueJob(slot);
      if (failed !== null) this.handleErr(failed, slot, mmio.read32(JS_STATUS(js)) & 0xff);
      if (finished !== null) this.finish(finished, 0, EXC_DONE);
      if (
        failed === null &&
        done &&
        slot.hw[0] !== null &&
        ((jsState >>> js) & 1) === 0 &&
        ((jsState >>> (16 + js)) & 1) === 0 &&
        (mmio.read32(JOB_INT_RAWSTAT) & (JOB_INT_MASK_DONE(js) | JOB_INT_MASK_ERR(js))) === 0
      ) {
        // Both chains completed before the interrupt was handled: the slot is idle.
        const second = dequeueJob(slot);
        if (second !== null) this.finish(second, 0, EXC_DONE);
      }
      if (failed !== null && !this.inReset && slot.hw[0] !== null && nextWasPending) {
        // A failure stops the job manager: restart the chain we cancelled from _NEXT.
        mmio.write32(JS_COMMAND_NEXT(js), JS_COMMAND_START);
      }
    }
    if (!this.inReset) this.kickAll();
  }

  /**
   * A chain stopped with `code`: a soft-stopped chain is kept to be resumed from JS_TAIL; a
   * hard-stopped one is cancelled (-ECANCELED); any fault fails it (-EINVAL).
   *
   * Mirrors panfrost_job_handle_err().
   */
  private handleErr(job: PanfrostJob, slot: SlotState, code: number): void {
    if (code === EXC_STOPPED) {
      const mmio = this.p.mmio;
      job.jc =
        (mmio.read32(JS_TAIL_HI(slot.js)) >>> 0) * 0x1_0000_0000 +
        (mmio.read32(JS_TAIL_LO(slot.js)) >>> 0);
      // Resumed from its tail when the scheduler resubmits it after the reset.
      this.releaseAs(job);
      job.state = "stopped";
      return;
    }
    if (code === EXC_TERMINATED) this.finish(job, -ECANCELED, code);
    else this.finish(job, -EINVAL, code);
  }

  /** Gives back the AS use a job holds (at most once). */
  protected releaseAs(job: PanfrostJob): void {
    if (!job.holdsAs) return;
    job.holdsAs = false;
    this.p.mmu.slots.asPut(job.ctx);
  }

  /** Completes a job on the hardware side: AS put, hardware fence signalled (with `error`); the scheduler then signals the finished fence and frees the job. */
  protected finish(job: PanfrostJob, error: number, code: number): void {
    if (job.state === "done") {
      this.p.warnings.warn("panfrost_job_finish", `job ${job.id} finished twice`);
      return;
    }
    this.releaseAs(job);
    job.state = "done";
    job.exceptionStatus = code;
    job.finishedAt = this.p.loop.now;
    if (job.startedAt >= 0) job.owner.jobStats.gpuTimeNs += job.finishedAt - job.startedAt;
    if (error === 0) {
      this.counters.completed++;
      job.owner.jobStats.completed++;
    } else {
      if (error === -EINVAL) this.counters.faulted++;
      else this.counters.cancelled++;
      job.owner.jobStats.failed++;
    }
    const fence = job.hwFence;
    if (fence !== null && !fence.signaled) {
      if (error !== 0) fence.setError(error);
      fence.signal();
    }
  }

  /** Scheduler backend: a job of `slot` timed out. Mirrors panfrost_job_timedout(). */
  protected abstract timedOut(slot: SlotState, job: PanfrostJob): DrmGpuSchedStat;

  /** The reset work (`pfdev->reset.work`) ran. Mirrors panfrost_reset_work(). */
  protected abstract resetFromWork(): void;
}
