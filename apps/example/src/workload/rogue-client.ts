/**
 * A misbehaving client: besides a buffer of its own, it submits a job that writes a GPU
 * address nothing is mapped at in its address space. The job must fail, the fault log must
 * name this client's file and say how far the nearest mapping is, and nobody else may suffer.
 */
import { ProgramBuilder } from "@panmmu/hw";
import type { PanfrostClient } from "@panmmu/panfrost";
import { PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import type { ScenarioRng } from "../stack/rng.js";
import type { Stack } from "../stack/stack.js";
import { type JobTally, newTally, type PendingJob, submitJob } from "./jobs.js";

/** Where the stray addresses are drawn from: 256 MiB into the 4 GiB panfrost VA window, far above the few MiB the scenario's clients map. */
const STRAY_BASE = 0x1000_0000;
/** The stray address lies within this many bytes above {@link STRAY_BASE}. */
const STRAY_SPAN = 0x1000_0000;

/** The misbehaving client. */
export class RogueClient {
  /** Job counts. */
  readonly tally: JobTally = newTally();
  /** The unmapped VA its bad job writes. */
  readonly strayVa: number;
  /** Fence errors of its bad jobs, in order (null when one timed out). */
  readonly badErrors: Array<number | null> = [];
  /** Fence errors of its good jobs. */
  readonly goodErrors: Array<number | null> = [];

  private constructor(
    readonly name: string,
    readonly client: PanfrostClient,
    readonly handle: number,
    readonly va: number,
    rng: ScenarioRng,
  ) {
    // A word-aligned address, not page-aligned, so the report shows the exact offset.
    this.strayVa = STRAY_BASE + rng.int(0, STRAY_SPAN / 4 - 1) * 4;
  }

  /** Opens the client with a one-page buffer. */
  static create(stack: Stack, name: string, rng: ScenarioRng): RogueClient {
    const client = stack.open(name);
    const bo = client.createBo(4096, PANFROST_BO_NOEXEC);
    if (bo.ret < 0) throw new Error(`${name}: CREATE_BO failed (${bo.ret})`);
    return new RogueClient(name, client, bo.handle, bo.offset, rng);
  }

  /** A good job: writes and checks a word of its own buffer. */
  submitGood(value: number): PendingJob | null {
    const prog = new ProgramBuilder().write32(this.va, value).check32(this.va, value).end();
    return submitJob(this.client, this.tally, prog.buildBytes(), [this.handle], (e) => {
      this.goodErrors.push(e);
    });
  }

  /** The bad job: writes its own buffer, then the stray address. */
  submitBad(): PendingJob | null {
    const prog = new ProgramBuilder().write32(this.va, 1).write32(this.strayVa, 0xdead_beef).end();
    return submitJob(this.client, this.tally, prog.buildBytes(), [this.handle], (e) => {
      this.badErrors.push(e);
    });
  }
}
