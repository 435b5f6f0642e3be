/**
 * A submitted job: a job chain at a GPU VA, run on one job slot in its file's address space.
 */
import { type DmaFence, DrmSchedJob } from "@panmmu/drm";
import type { PanfrostBo } from "../gem/bo.js";
import type { BoMapping } from "../gem/mapping.js";
import type { MmuContext } from "../mmu/context.js";

/** Life cycle of a job. */
export type JobState =
  /** Waiting for its in-fences or for earlier jobs of its queue. */
  | "waiting"
  /** Handed to the hardware side by the scheduler; waiting for an AS or the _NEXT registers. */
  | "ready"
  /** Written to the slot (running or in the _NEXT registers). */
  | "hw"
  /** Soft-stopped by a reset; resumed from its tail when the scheduler resubmits it. */
  | "stopped"
  /** Finished (its fence signalled, possibly with an error). */
  | "done";

/** The owner of a job (the file side), for accounting. */
export interface JobOwner {
  /** DRM client id. */
  readonly clientId: number;
  /** File name. */
  readonly name: string;
  /** Whether the file was closed. */
  readonly closed: boolean;
  /** Per-file job counters. */
  readonly jobStats: JobStats;
}

/** Per-file job counters. */
export interface JobStats {
  /** Jobs submitted. */
  submitted: number;
  /** Jobs that completed DONE. */
  completed: number;
  /** Jobs that failed (fault, timeout, cancel). */
  failed: number;
  /** Virtual ns spent on the GPU. */
  gpuTimeNs: number;
}

let nextJobId = 1;

/**
 * A panfrost job: a scheduler job (dependencies, scheduled/finished fences) plus the hardware
 * state. Mirrors struct panfrost_job.
 */
export class PanfrostJob extends DrmSchedJob {
  /** Unique id. */
  readonly id = nextJobId++;
  /** Current state. */
  state: JobState = "waiting";
  /** Chain address (updated to JS_TAIL when a soft-stopped chain is resumed). */
  jc: number;
  /** JOB_CHAIN_FLAG for this job (alternates with the fence seqno). */
  chainFlag = false;
  /** Whether the job holds a use of its context's AS. */
  holdsAs = false;
  /** Final JS_STATUS (exception code) once done; 0 before. */
  exceptionStatus = 0;
  /** Virtual time of the submit ioctl. */
  readonly submittedAt: number;
  /** Virtual time the job was written to the slot, or -1. */
  startedAt = -1;
  /** Virtual time the job finished, or -1. */
  finishedAt = -1;
  /** Set when the job caused a timeout (it is not re-run after the reset). */
  guilty = false;
  /** Id of the JM context it was submitted on (0 until set by the submit path). */
  jmCtxId = 0;
  /** The hardware fence of the current run (a new one per run), signalled by the job IRQ. */
  hwFence: DmaFence | null = null;
  /** Whether the references were dropped. */
  private cleaned = false;

  /**
   * @param owner - the submitting file.
   * @param ctx - its MMU context (a reference is held until cleanup).
   * @param jc - job chain GPU VA.
   * @param requirements - PANFROST_JD_REQ_* bits.
   * @param slot - job slot (1, or 0 for fragment jobs).
   * @param mappings - mapping references of the BOs the job uses.
   * @param bos - the BOs (their GPU use count is held until cleanup).
   * @param now - submission time.
   */
  constructor(
    readonly owner: JobOwner,
    readonly ctx: MmuContext,
    jc: number,
    readonly requirements: number,
    readonly slot: number,
    readonly mappings: BoMapping[],
    readonly bos: PanfrostBo[],
    now: number,
  ) {
    super();
    this.jc = jc;
    this.submittedAt = now;
  }

  /** Drops every reference the job holds (BO use counts, mappings, context). Mirrors panfrost_job_cleanup(). */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const bo of this.bos) {
      bo.gpuUsecount--;
      bo.put();
    }
    this.bos.length = 0;
    for (const m of this.mappings) m.put();
    this.mappings.length = 0;
    this.ctx.put();
  }
}
