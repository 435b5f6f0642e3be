/** The scenarios' seeded random choices, on top of hw's generator so one seed drives both. */
import { SimRng } from "@panmmu/hw";

/** A seeded generator with the helpers scenarios need. */
export class ScenarioRng {
  private readonly rng: SimRng;

  /** @param seed - the scenario seed; the same seed gives the same sequence. */
  constructor(seed: number) {
    // Offset from the platform's own seed so the two sequences are not the same stream.
    this.rng = new SimRng((seed ^ 0x5eed_c0de) >>> 0);
  }

  /** An unsigned 32-bit value. */
  u32(): number {
    return this.rng.nextU32();
  }

  /** An integer in `[min, max]`. */
  int(min: number, max: number): number {
    return min + (this.rng.nextU32() % (max - min + 1));
  }

  /** A non-zero u32 (a pattern that cannot be mistaken for untouched zeroed memory). */
  pattern(): number {
    return (this.rng.nextU32() | 1) >>> 0;
  }
}
