/**
 * A well-behaved client: one buffer of its own, split into regions; each job fills one region
 * with a seeded pattern and checks it on the GPU, and the app reads every region back on the
 * CPU at the end.
 */
import { ProgramBuilder } from "@panmmu/hw";
import type { PanfrostClient } from "@panmmu/panfrost";
import { PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import type { ScenarioRng } from "../stack/rng.js";
import type { Stack } from "../stack/stack.js";
import { type JobTally, newTally, type PendingJob, submitJob } from "./jobs.js";

/** Smallest region a job fills. */
const MIN_REGION = 4096;

/** One well-behaved client. */
export class BufferClient {
  /** Job counts. */
  readonly tally: JobTally = newTally();
  /** GPU-side check failures (jobs that failed) and CPU read-back mismatches. */
  mismatches = 0;
  /** Regions whose CPU read-back matched. */
  verifiedRegions = 0;
  /** Pattern last written to each region (0: not written yet). */
  private readonly expected: number[];
  private next = 0;

  private constructor(
    readonly name: string,
    readonly client: PanfrostClient,
    readonly handle: number,
    readonly va: number,
    readonly regionBytes: number,
    readonly regions: number,
  ) {
    this.expected = new Array<number>(regions).fill(0);
  }

  /**
   * Opens a client named `name` with a buffer of `regions` regions of a seeded size (4 to 64
   * KiB each, so some buffers reach the 2 MiB-aligned placement and others do not).
   */
  static create(stack: Stack, name: string, regions: number, rng: ScenarioRng): BufferClient {
    const client = stack.open(name);
    const regionBytes = MIN_REGION * rng.int(1, 16);
    const bo = client.createBo(regionBytes * regions, PANFROST_BO_NOEXEC);
    if (bo.ret < 0) throw new Error(`${name}: CREATE_BO failed (${bo.ret})`);
    return new BufferClient(name, client, bo.handle, bo.offset, regionBytes, regions);
  }

  /** Submits the next job: it fills the next region (cycling) with a fresh pattern and checks it. */
  submitNext(rng: ScenarioRng): PendingJob | null {
    const region = this.next % this.regions;
    this.next++;
    const pattern = rng.pattern();
    const va = this.va + region * this.regionBytes;
    const prog = new ProgramBuilder()
      .fill32(va, this.regionBytes, pattern)
      .checkFill32(va, this.regionBytes, pattern)
      .end()
      .buildBytes();
    return submitJob(this.client, this.tally, prog, [this.handle], (error) => {
      if (error === 0) this.expected[region] = pattern;
    });
  }

  /** Reads the buffer back on the CPU and compares every region with what its jobs wrote. */
  verify(): void {
    const view = this.client.map(this.handle);
    if (typeof view === "number") {
      this.mismatches += this.regions;
      return;
    }
    for (let r = 0; r < this.regions; r++) {
      const want = this.expected[r] ?? 0;
      const bytes = view.read(r * this.regionBytes, this.regionBytes);
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, this.regionBytes / 4);
      if (words.every((w) => w === want)) this.verifiedRegions++;
      else this.mismatches++;
    }
    view.munmap();
  }
}
