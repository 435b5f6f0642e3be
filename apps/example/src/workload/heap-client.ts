/**
 * A heap client: a large heap BO (not mapped at creation) that its jobs write progressively,
 * so each new 2 MiB chunk they touch faults and the driver grows the BO; each job also checks
 * what it wrote and records a result word in a small output BO that the CPU reads back.
 */
import { ProgramBuilder } from "@panmmu/hw";
import type { PanfrostClient } from "@panmmu/panfrost";
import { PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import type { Stack } from "../stack/stack.js";
import { type JobTally, newTally, type PendingJob, submitJob } from "./jobs.js";

/** Heap growth granule (2 MiB). */
export const HEAP_CHUNK = 2 * 1024 * 1024;
/** Distance between the words a heap job writes (8 per chunk). */
const STRIDE = 256 * 1024;

/** One heap client. */
export class HeapClient {
  /** Job counts. */
  readonly tally: JobTally = newTally();
  /** Result words that read back right. */
  verifiedSteps = 0;
  /** Result words that did not. */
  mismatches = 0;
  private step = 0;
  private readonly results: number[] = [];

  private constructor(
    readonly name: string,
    readonly client: PanfrostClient,
    readonly heapHandle: number,
    readonly heapVa: number,
    readonly heapBytes: number,
    readonly outHandle: number,
    readonly outVa: number,
    readonly bytesPerJob: number,
    readonly jobs: number,
  ) {}

  /**
   * Opens a heap client: a `heapBytes` heap BO of which each of `jobs` jobs writes the next
   * `chunksPerJob` 2 MiB chunks.
   */
  static create(
    stack: Stack,
    name: string,
    heapBytes: number,
    chunksPerJob: number,
    jobs: number,
  ): HeapClient {
    const client = stack.open(name);
    const heap = client.createBo(heapBytes, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    if (heap.ret < 0) throw new Error(`${name}: heap CREATE_BO failed (${heap.ret})`);
    const out = client.createBo(4096, PANFROST_BO_NOEXEC);
    if (out.ret < 0) throw new Error(`${name}: CREATE_BO failed (${out.ret})`);
    const perJob = chunksPerJob * HEAP_CHUNK;
    if (perJob * jobs > heapBytes) throw new Error(`${name}: ${jobs} jobs do not fit the heap`);
    return new HeapClient(
      name,
      client,
      heap.handle,
      heap.offset,
      heapBytes,
      out.handle,
      out.offset,
      perJob,
      jobs,
    );
  }

  /** Bytes of the heap the jobs write in all. */
  get writtenBytes(): number {
    return this.bytesPerJob * this.jobs;
  }

  /** Chunks the heap must have grown by once every job ran. */
  get expectedChunks(): number {
    return this.writtenBytes / HEAP_CHUNK;
  }

  /** Submits the next step, or returns null when every step was submitted. */
  submitNext(): PendingJob | null {
    if (this.step >= this.jobs) return null;
    return this.submitStep(this.step++);
  }

  /**
   * Submits step `step` (again, for a retry): writes and checks one word per 256 KiB of its
   * chunks, then stores the step's result word.
   */
  submitStep(step: number): PendingJob | null {
    const base = this.heapVa + step * this.bytesPerJob;
    const prog = new ProgramBuilder();
    for (let off = 0; off < this.bytesPerJob; off += STRIDE) prog.write32(base + off, base + off);
    for (let off = 0; off < this.bytesPerJob; off += STRIDE) prog.check32(base + off, base + off);
    const result = (0xbeef_0000 | step) >>> 0;
    prog.write32(this.outVa + step * 4, result).end();
    return submitJob(
      this.client,
      this.tally,
      prog.buildBytes(),
      [this.heapHandle, this.outHandle],
      (error) => {
        this.results[step] = error === 0 ? result : 0;
      },
    );
  }

  /** Reads the result words back on the CPU. */
  verify(): void {
    const view = this.client.map(this.outHandle);
    if (typeof view === "number") {
      this.mismatches += this.jobs;
      return;
    }
    for (let s = 0; s < this.jobs; s++) {
      const want = this.results[s] ?? 0;
      if (want !== 0 && view.readU32(s * 4) === want) this.verifiedSteps++;
      else this.mismatches++;
    }
    view.munmap();
  }
}
