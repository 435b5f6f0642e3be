/**
 * One hardware job slot as the driver sees it: its state, the job-chain register writes that
 * start a job, and the commands that stop one.
 */
import type { DmaFenceContext, DrmGpuScheduler } from "@panmmu/drm";
import type { EventHandle, MmioBus } from "@panmmu/hw";
import type { GpuFeatures } from "../device/features.js";
import {
  GPU_LATEST_FLUSH_ID,
  JS_AFFINITY_NEXT_HI,
  JS_AFFINITY_NEXT_LO,
  JS_COMMAND_HARD_STOP,
  JS_COMMAND_HARD_STOP_0,
  JS_COMMAND_HARD_STOP_1,
  JS_COMMAND_NEXT,
  JS_COMMAND_START,
  JS_CONFIG_ENABLE_FLUSH_REDUCTION,
  JS_CONFIG_END_FLUSH_CLEAN_INVALIDATE,
  JS_CONFIG_JOB_CHAIN_FLAG,
  JS_CONFIG_NEXT,
  JS_CONFIG_START_FLUSH_CLEAN_INVALIDATE,
  JS_CONFIG_START_MMU,
  JS_CONFIG_THREAD_PRI,
  JS_FLUSH_ID_NEXT,
  JS_HEAD_NEXT_HI,
  JS_HEAD_NEXT_LO,
} from "../regs.js";
import type { PanfrostJob } from "./job.js";

/** Number of job slots panfrost drives (JS0 fragment, JS1 vertex/compute, JS2 unused). */
export const NUM_JOB_SLOTS = 3;
/** Default job timeout: 500 ms of virtual time. */
export const JOB_TIMEOUT_NS = 500_000_000;
/** How long a reset waits for soft-stopped slots to go idle: 10 ms. */
export const RESET_STOP_TIMEOUT_NS = 10_000_000;
/** Exception code DONE. */
export const EXC_DONE = 0x01;
/** Exception code STOPPED (soft stop). */
export const EXC_STOPPED = 0x03;
/** Exception code TERMINATED (hard stop). */
export const EXC_TERMINATED = 0x04;

/** One hardware job slot as the driver tracks it. */
export interface SlotState {
  /** Slot number. */
  readonly js: number;
  /** Hardware fence timeline of the slot. */
  readonly timeline: DmaFenceContext;
  /** The slot's drm scheduler. */
  readonly sched: DrmGpuScheduler<PanfrostJob>;
  /** Jobs the scheduler handed over that wait for an AS or for the _NEXT registers, oldest first. */
  readonly ready: PanfrostJob[];
  /** Jobs on the hardware: [0] current (or first queued), [1] in _NEXT behind it. */
  readonly hw: [PanfrostJob | null, PanfrostJob | null];
  /** A retry of `kick` scheduled because the _NEXT registers were busy. */
  retry: EventHandle | null;
}

/**
 * Writes `job` into slot `slot`'s _NEXT registers (chain address, affinity, JS_CONFIG with AS
 * `as`, flush id) and starts it; the job becomes the slot's current one, or the one behind it.
 * Mirrors the register half of panfrost_job_hw_submit().
 */
export function writeJobChain(
  mmio: MmioBus,
  features: GpuFeatures,
  slot: SlotState,
  job: PanfrostJob,
  as: number,
): void {
  const js = slot.js;
  let cfg = as | JS_CONFIG_THREAD_PRI(8);
  cfg |= JS_CONFIG_START_FLUSH_CLEAN_INVALIDATE | JS_CONFIG_END_FLUSH_CLEAN_INVALIDATE;
  if (features.hw.flushReduction) cfg |= JS_CONFIG_ENABLE_FLUSH_REDUCTION;
  if (features.hw.issue10649) cfg |= JS_CONFIG_START_MMU;
  job.chainFlag = features.hw.jobChainDisambiguation && ((job.hwFence?.seqno ?? 0) & 1) === 1;
  if (job.chainFlag) cfg |= JS_CONFIG_JOB_CHAIN_FLAG;
  mmio.write32(JS_HEAD_NEXT_LO(js), job.jc >>> 0);
  mmio.write32(JS_HEAD_NEXT_HI(js), Math.floor(job.jc / 0x1_0000_0000) >>> 0);
  mmio.write32(JS_AFFINITY_NEXT_LO(js), features.shaderPresent >>> 0);
  mmio.write32(JS_AFFINITY_NEXT_HI(js), 0);
  mmio.write32(JS_CONFIG_NEXT(js), cfg >>> 0);
  if (features.hw.flushReduction) {
    mmio.write32(JS_FLUSH_ID_NEXT(js), mmio.read32(GPU_LATEST_FLUSH_ID));
  }
  if (slot.hw[0] === null) slot.hw[0] = job;
  else slot.hw[1] = job;
  mmio.write32(JS_COMMAND_NEXT(js), JS_COMMAND_START);
}

/** Removes and returns the oldest hardware job of a slot. Mirrors panfrost_dequeue_job(). */
export function dequeueJob(slot: SlotState): PanfrostJob | null {
  const job = slot.hw[0];
  slot.hw[0] = slot.hw[1];
  slot.hw[1] = null;
  return job;
}

/**
 * The JS_COMMAND that hard-stops `job`: on GPUs that tell two chains apart, the one naming its
 * chain flag, so the chain behind it is spared.
 */
export function hardStopCommand(features: GpuFeatures, job: PanfrostJob): number {
  if (!features.hw.jobChainDisambiguation) return JS_COMMAND_HARD_STOP;
  return job.chainFlag ? JS_COMMAND_HARD_STOP_1 : JS_COMMAND_HARD_STOP_0;
}
