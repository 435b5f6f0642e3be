/**
 * A client that gives a buffer back (madvise DONTNEED), lets the shrinker purge it, and then
 * submits a job that still uses it: the GPU mapping was torn down, so the job faults.
 */
import { ProgramBuilder } from "@panmmu/hw";
import type { PanfrostClient } from "@panmmu/panfrost";
import { PANFROST_BO_NOEXEC, PANFROST_MADV_DONTNEED } from "@panmmu/uapi";
import type { Stack } from "../stack/stack.js";
import { type JobTally, newTally, type PendingJob, submitJob } from "./jobs.js";

/** Size of the scratch buffer. */
export const SCRATCH_BYTES = 64 * 1024;
/** Offset of the word the late job reads (past the start, which a new job BO may reuse). */
export const LATE_OFFSET = 0x8344;

/** The purging client. */
export class PurgerClient {
  /** Job counts. */
  readonly tally: JobTally = newTally();
  /** Fence error of the write job, and of the late job. */
  readonly errors: Array<number | null> = [];
  /** `retained` answered by MADVISE (1: pages still there). */
  retained = -1;

  private constructor(
    readonly name: string,
    readonly client: PanfrostClient,
    readonly handle: number,
    readonly va: number,
  ) {}

  /** Opens the client with its scratch buffer. */
  static create(stack: Stack, name: string): PurgerClient {
    const client = stack.open(name);
    const bo = client.createBo(SCRATCH_BYTES, PANFROST_BO_NOEXEC);
    if (bo.ret < 0) throw new Error(`${name}: CREATE_BO failed (${bo.ret})`);
    return new PurgerClient(name, client, bo.handle, bo.offset);
  }

  /** VA the late job reads. */
  get lateVa(): number {
    return this.va + LATE_OFFSET;
  }

  /** A job that uses the buffer while it is still wanted. */
  submitUse(): PendingJob | null {
    const prog = new ProgramBuilder().fill32(this.va, SCRATCH_BYTES, 0x5a5a_5a5a).end();
    return submitJob(this.client, this.tally, prog.buildBytes(), [this.handle], (e) => {
      this.errors.push(e);
    });
  }

  /** Marks the buffer DONTNEED. */
  dontNeed(): void {
    this.retained = this.client.madvise(this.handle, PANFROST_MADV_DONTNEED).retained;
  }

  /** The late job: reads the purged buffer. */
  submitLate(): PendingJob | null {
    const prog = new ProgramBuilder().check32(this.lateVa, 0x5a5a_5a5a).end();
    return submitJob(this.client, this.tally, prog.buildBytes(), [this.handle], (e) => {
      this.errors.push(e);
    });
  }
}
