/**
 * Allocation failure injection of {@link SystemMemory}: the n-th call, every n-th call, or each
 * call with a seeded probability. Every page allocation attempt is one call.
 */
import { SimRng } from "../sim/rng.js";

/** Decides which allocation calls fail. */
export class AllocFaults {
  /** Allocation calls counted so far. */
  private calls = 0;
  private failAt = 0;
  private failEvery = 0;
  private probability = 0;
  private readonly rng: SimRng;

  /** @param seed - seed of the probabilistic failures. */
  constructor(seed: number) {
    this.rng = new SimRng(seed);
  }

  /** Makes the `n`-th call from now fail (1 = the next one); 0 disables. */
  failNth(n: number): void {
    this.failAt = n > 0 ? this.calls + n : 0;
  }

  /** Makes every `n`-th call fail from now on (0 disables). */
  failEveryNth(n: number): void {
    this.failEvery = Math.max(0, Math.trunc(n));
  }

  /** Makes each call fail with probability `p` (0 disables). */
  setProbability(p: number): void {
    this.probability = Math.min(1, Math.max(0, p));
  }

  /** Counts one call; whether it fails. */
  next(): boolean {
    this.calls++;
    let fail = false;
    if (this.failAt !== 0 && this.calls === this.failAt) {
      this.failAt = 0;
      fail = true;
    }
    if (this.failEvery > 0 && this.calls % this.failEvery === 0) fail = true;
    if (this.probability > 0 && this.rng.nextFloat() < this.probability) fail = true;
    return fail;
  }

  /**
   * Counts the next `n` calls at once; whether one of them fails (the calls counted then stop
   * at that one, as a loop of single calls would). O(1) unless a probability is set.
   */
  nextMany(n: number): boolean {
    if (this.probability > 0) {
      for (let i = 0; i < n; i++) if (this.next()) return true;
      return false;
    }
    const first = this.calls + 1;
    let failing = Number.POSITIVE_INFINITY;
    if (this.failAt !== 0 && this.failAt >= first && this.failAt < first + n) failing = this.failAt;
    if (this.failEvery > 0) {
      const multiple = Math.ceil(first / this.failEvery) * this.failEvery;
      if (multiple < first + n) failing = Math.min(failing, multiple);
    }
    if (failing === Number.POSITIVE_INFINITY) {
      this.calls += n;
      return false;
    }
    this.calls = failing - 1;
    return this.next();
  }
}
