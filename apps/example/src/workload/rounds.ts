/** Running a workload in rounds: every client submits, then the round's jobs are waited for. */
import { type PendingJob, waitJobs } from "./jobs.js";

/** Counts finished jobs against an expected total and reports progress. */
export class ProgressCounter {
  /** Jobs finished so far. */
  done = 0;

  /**
   * @param total - jobs expected in all.
   * @param report - progress callback (done, total).
   */
  constructor(
    readonly total: number,
    private readonly report: (done: number, total: number) => void,
  ) {}

  /** One more job finished. */
  tick(): void {
    this.done++;
    this.report(this.done, this.total);
  }
}

/**
 * Runs `rounds` rounds: `submit(r)` submits round r's jobs (nulls are refused submissions),
 * which are then all waited for before the next round.
 */
export function runRounds(
  rounds: number,
  submit: (round: number) => ReadonlyArray<PendingJob | null>,
  progress: ProgressCounter,
): void {
  for (let r = 0; r < rounds; r++) {
    const jobs = submit(r).filter((j): j is PendingJob => j !== null);
    waitJobs(jobs, () => progress.tick());
  }
}
