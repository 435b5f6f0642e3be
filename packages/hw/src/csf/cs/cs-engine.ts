/**
 * The command-stream front end of a CSF GPU: starts stream runs (for the firmware model, or a
 * test host that programs a stream directly) and connects them to each other where the
 * hardware does — a SYNC_ADD/SYNC_SET of one stream wakes every stream blocked in SYNC_WAIT.
 */
import { CsExecution } from "./cs-exec.js";
import {
  type CsHost,
  type CsRunContext,
  type CsRunHandle,
  type CsStartOptions,
  type CsTiming,
  DEFAULT_CS_TIMING,
} from "./cs-types.js";

/** Runs command streams. */
export class CsEngine implements CsRunContext {
  /** The timing in use. */
  readonly timing: CsTiming;
  /** Runs not yet ended. */
  readonly runs = new Set<CsRunHandle>();
  /** Streams blocked in SYNC_WAIT. */
  readonly syncWaiters = new Set<CsRunHandle>();
  /**
   * Test hook: called for every RUN_TILING/RUN_IDVS with the stream's source id (group slot
   * << 4 | stream under the firmware); true makes the tiler run out of heap memory there — the
   * stream stops after the instruction for the tiler-OOM protocol. Null: never.
   */
  tilerOomHook: ((sourceId: number) => boolean) | null = null;

  /**
   * @param host - the GPU around the interpreter.
   * @param timing - overrides of {@link DEFAULT_CS_TIMING}.
   */
  constructor(
    readonly host: CsHost,
    timing: Partial<CsTiming> = {},
  ) {
    this.timing = { ...DEFAULT_CS_TIMING, ...timing };
    for (const [k, v] of Object.entries(this.timing)) {
      if (!(v >= 0) || !Number.isFinite(v) || (k === "sliceNs" && v === 0)) {
        throw new RangeError(`CS timing ${k} must be a finite number >= 0 (slice > 0), got ${v}`);
      }
    }
  }

  /**
   * Starts running the buffer `[va, va + length)` as a command stream in address space `as`.
   * A malformed request (unaligned VA or length) ends at once with CS_CONFIG_FAULT. The result
   * arrives through `options.onEnd`.
   */
  start(options: CsStartOptions): CsExecution {
    const run = new CsExecution(this, options);
    if (!run.done) this.runs.add(run);
    return run;
  }

  /** A SYNC object was updated: every stream in SYNC_WAIT re-reads its own. */
  syncUpdated(): void {
    for (const w of [...this.syncWaiters]) w.syncChanged();
  }

  /** Terminates every run (GPU reset). */
  reset(): void {
    for (const run of [...this.runs]) run.terminate();
  }
}
