/**
 * How long GPU work takes in virtual time. Work runs in slices: an engine executes until a
 * slice's cost reaches `sliceNs`, then lets that much virtual time pass before the next slice,
 * so two job slots (or a slot and a CSF program) progress interleaved on the one clock.
 */

/** Cost parameters, all in virtual nanoseconds. */
export interface JobCostModel {
  /** Fetching, dispatching and retiring one job (header read, status write-back). */
  jobNs: number;
  /** Decoding one memory-program instruction. */
  instructionNs: number;
  /** One page translation (a TLB lookup or walk, as the engine sees it). */
  translateNs: number;
  /** Bytes moved per nanosecond by reads and writes (memory bandwidth; 8 = 8 GB/s). */
  bytesPerNs: number;
  /** Work done per event before virtual time advances; the interleaving granularity. */
  sliceNs: number;
  /** Delay between a HARD_STOP write and the TERMINATED interrupt. */
  stopNs: number;
  /** GPU cycles per ns for CYCLE_COUNTER Write Value jobs (1 = a 1 GHz GPU clock). */
  cyclesPerNs: number;
}

/** The default cost model: 2 µs per job, 8 GB/s, 10 µs slices. */
export const DEFAULT_JOB_COST: Readonly<JobCostModel> = Object.freeze({
  jobNs: 2000,
  instructionNs: 4,
  translateNs: 2,
  bytesPerNs: 8,
  sliceNs: 10_000,
  stopNs: 100,
  cyclesPerNs: 1,
});

/** The default model with `overrides` applied; rejects non-positive bandwidth or slice. */
export function makeJobCost(overrides?: Partial<JobCostModel>): JobCostModel {
  const cost = { ...DEFAULT_JOB_COST, ...overrides };
  if (!(cost.bytesPerNs > 0) || !(cost.sliceNs > 0)) {
    throw new RangeError("bytesPerNs and sliceNs must be positive");
  }
  for (const [k, v] of Object.entries(cost)) {
    if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`cost ${k} must be >= 0`);
  }
  return cost;
}
