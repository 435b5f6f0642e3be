/**
 * Submitting memory-program jobs and waiting for them, with the bookkeeping every scenario
 * needs: per-client counts, the fence outcome, and the job BO closed once the job is over.
 */
import { type PanfrostClient, type ProgramSubmission, submitProgram } from "@panmmu/panfrost";

/** How long a scenario waits for one job (virtual): twice the driver's 500 ms job timeout. */
export const JOB_WAIT_NS = 1_000_000_000;

/** Per-client job counts as the app sees them (from the fences). */
export interface JobTally {
  /** SUBMIT calls that succeeded. */
  submitted: number;
  /** Jobs whose fence signalled without error. */
  ok: number;
  /** Jobs whose fence signalled with an error (fault, hard stop). */
  failed: number;
  /** Jobs not finished by the deadline. */
  timedOut: number;
  /** SUBMIT calls refused (negative errno). */
  refused: number;
}

/** A fresh, zeroed tally. */
export function newTally(): JobTally {
  return { submitted: 0, ok: 0, failed: 0, timedOut: 0, refused: 0 };
}

/** A job in flight. */
export interface PendingJob {
  /** Submitting client. */
  readonly client: PanfrostClient;
  /** Its tally. */
  readonly tally: JobTally;
  /** The submission. */
  readonly sub: ProgramSubmission;
  /** Called with the fence error (0 = success, null = timed out) once the job is over. */
  readonly done: (error: number | null) => void;
}

/**
 * Submits `program` from `client`, with the BOs it touches. Returns the pending job, or null
 * (counted as refused) if SUBMIT failed.
 */
export function submitJob(
  client: PanfrostClient,
  tally: JobTally,
  program: Uint8Array,
  boHandles: readonly number[],
  done: (error: number | null) => void,
): PendingJob | null {
  const sub = submitProgram(client, program, boHandles);
  if (sub.ret < 0) {
    tally.refused++;
    return null;
  }
  tally.submitted++;
  return { client, tally, sub, done };
}

/**
 * Waits for every job of `jobs` (in order, each wait running the simulation so all of them
 * progress), records the outcomes, closes the job BOs. `onEach` is told after each job.
 */
export function waitJobs(jobs: readonly PendingJob[], onEach: () => void = () => {}): void {
  for (const j of jobs) {
    const c = j.client;
    const ret = c.syncobjWait([j.sub.outSync], c.dev.platform.loop.now + JOB_WAIT_NS, 0);
    const error = ret === 0 ? c.fenceError(j.sub.outSync) : null;
    if (error === null) j.tally.timedOut++;
    else if (error === 0) j.tally.ok++;
    else j.tally.failed++;
    c.gemClose(j.sub.jobBo);
    j.done(error);
    onEach();
  }
}
