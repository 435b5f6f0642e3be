/**
 * Kernel `WARN_ON()` reports. Internal invariant breaks do not throw: they are reported to a
 * sink, and tests assert the sink stayed empty.
 */

/** One warning report. */
export interface Warning {
  /** Where it was raised: the mirrored kernel function or the component, e.g. `panfrost_mmu_as_get`. */
  readonly where: string;
  /** What went wrong, in words. */
  readonly message: string;
}

/** Receives `WARN_ON()`-style reports. */
export interface WarningSink {
  /** Records one warning. Must not throw. */
  warn(where: string, message: string): void;
}

/** A sink that keeps every warning, for tests and inspection. */
export class CollectingWarningSink implements WarningSink {
  /** Every warning received, oldest first. */
  readonly warnings: Warning[] = [];

  /** Records one warning. */
  warn(where: string, message: string): void {
    this.warnings.push({ where, message });
  }

  /** Forgets every warning received so far. */
  clear(): void {
    this.warnings.length = 0;
  }
}

/** A sink that drops every warning. */
export const NULL_WARNING_SINK: WarningSink = { warn: () => {} };
