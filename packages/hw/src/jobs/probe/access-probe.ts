/**
 * The GPU access probe: a test agent that issues timed reads and writes through an address
 * space, one at a time and in a loop, the way a shader would, so tests can run GPU accesses
 * concurrently with the driver's binds before a command-stream model exists. It reaches memory
 * exactly as the job engines do ({@link GpuPageAccess} over the MMU's {@link GpuMemoryPort}):
 * an access in a locked region waits for the unlock, a faulting access stalls until the fault
 * is cleared and fails when the AS is disabled. Not something a driver uses.
 */
import type { GpuMemoryPort } from "../../mmu/gpu-access.js";
import type { EventHandle, EventLoop, PhysicalMemory } from "../../platform/interfaces.js";
import { JobException } from "../exception-codes.js";
import { ACCESS_BUS_FAULT, ACCESS_LOCKED, GpuPageAccess } from "../gpu-access.js";
import {
  DEFAULT_PROBE_LATENCY_NS,
  DEFAULT_PROBE_MAX_RESULTS,
  type NormalizedProbeAccess,
  normalizeProbeOptions,
  type ProbeAccessResult,
  type ProbeCounters,
  type ProbeOptions,
} from "./probe-types.js";

const WAITING = 0;
const IN_FLIGHT = 1;
const STALLED = 2;
const ENDED = 3;

const TWO32 = 0x1_0000_0000;

/**
 * One probe run; see {@link GpuAccessProbe.start}. Each access is translated and performed when
 * it is issued (all its pages in one event, so a completed access saw one moment of the page
 * tables), then completes `latencyNs` later, when the next access is issued. An access refused
 * by a locked region or faulting waits through `waitRetry` and is issued again, from its first
 * byte, when the MMU resumes it. When the MMU aborts it instead (the AS was disabled, the GPU
 * reset) the access fails with the MMU's code and the run ends with that status, as a job does;
 * a translated address with no memory behind it fails the same way with JOB_BUS_FAULT.
 */
export class ProbeRun {
  /** Address space of the accesses. */
  readonly as: number;
  /** Results of the completed (and the failed) accesses, in order, up to `maxResults`. */
  readonly results: ProbeAccessResult[] = [];
  /** The run's counters. */
  readonly counters: ProbeCounters = {
    issued: 0,
    completed: 0,
    stalledOnLock: 0,
    faulted: 0,
    lockWaits: 0,
    faultWaits: 0,
    failed: 0,
    droppedResults: 0,
  };
  private state = WAITING;
  private endStatus = 0;
  private endedAt = -1;
  private generation = 0;
  private event: EventHandle | null = null;
  private readonly access: GpuPageAccess;
  private readonly accesses: readonly NormalizedProbeAccess[];
  private readonly latencyNs: number;
  private readonly periodNs: number;
  private readonly repeat: number;
  private readonly sourceId: number;
  private readonly maxResults: number;
  private readonly onAccess: ((result: ProbeAccessResult) => void) | undefined;
  private readonly onDone: ((status: number) => void) | undefined;
  private readonly scratch: Uint8Array;
  /** Index of the current access and its iteration. */
  private index = 0;
  private iteration = 0;
  private iterationStartNs = 0;
  /** The current access: whether issued yet, when, its waits, and what it did. */
  private issued = false;
  private issuedNs = 0;
  private lockWaits = 0;
  private faultWaits = 0;
  private pa = -1;
  private readonly issueFn = () => this.issue();
  private readonly completeFn = () => this.complete();

  /** @internal Created by {@link GpuAccessProbe.start}. */
  constructor(
    private readonly engine: GpuAccessProbe,
    options: ProbeOptions,
    accesses: readonly NormalizedProbeAccess[],
  ) {
    this.as = options.as;
    this.accesses = accesses;
    this.latencyNs = options.latencyNs ?? DEFAULT_PROBE_LATENCY_NS;
    this.periodNs = options.periodNs ?? 0;
    this.repeat = options.repeat ?? 1;
    this.sourceId = options.sourceId ?? 0;
    this.maxResults = options.maxResults ?? DEFAULT_PROBE_MAX_RESULTS;
    this.onAccess = options.onAccess;
    this.onDone = options.onDone;
    let largest = 8;
    for (const a of accesses) if (a.size > largest) largest = a.size;
    this.scratch = new Uint8Array(largest);
    this.access = new GpuPageAccess(engine.memory, engine.port);
    this.iterationStartNs = engine.loop.now + (options.startDelayNs ?? 0);
    this.event = engine.loop.schedule(options.startDelayNs ?? 0, this.issueFn, "probe:issue");
  }

  /** Whether the run has ended (its `onDone` may still be pending as an event). */
  get done(): boolean {
    return this.state === ENDED;
  }

  /** 0 while running; then 1 (DONE: every iteration ran), 4 (TERMINATED: stopped or reset) or the failed access's exception code. */
  get status(): number {
    return this.endStatus;
  }

  /** Virtual time (ns) at which the run ended; -1 while running. */
  get endNs(): number {
    return this.endedAt;
  }

  /** Whether the current access waits for the MMU (a locked region or a fault). */
  get stalled(): boolean {
    return this.state === STALLED;
  }

  /**
   * Ends the run now with TERMINATED. An access issued but not yet complete is abandoned: it
   * is neither counted complete nor given a result. No effect once ended.
   */
  stop(): void {
    if (this.state === ENDED) return;
    this.end(JobException.TERMINATED);
  }

  private end(status: number): void {
    this.generation++;
    if (this.event !== null) this.engine.loop.cancel(this.event);
    this.event = null;
    this.state = ENDED;
    this.endStatus = status;
    this.endedAt = this.engine.loop.now;
    this.engine.runEnded(this);
    const onDone = this.onDone;
    if (onDone !== undefined) this.engine.loop.schedule(0, () => onDone(status), "probe:end");
  }

  /** Issues (or re-issues after a wait) the current access. */
  private issue(): void {
    this.event = null;
    const a = this.accesses[this.index] as NormalizedProbeAccess;
    const now = this.engine.loop.now;
    if (!this.issued) {
      this.issued = true;
      this.issuedNs = now;
      this.lockWaits = 0;
      this.faultWaits = 0;
      if (this.index === 0) this.iterationStartNs = now;
      this.counters.issued++;
    }
    const access = this.access;
    const r =
      a.bytes === null
        ? access.loadBytes(this.as, a.va, this.scratch.subarray(0, a.size), a.kind, this.sourceId)
        : access.writeBytes(this.as, a.va, a.bytes, a.kind, this.sourceId);
    if (r === ACCESS_BUS_FAULT) {
      this.fail(JobException.JOB_BUS_FAULT);
    } else if (r < 0) {
      this.stall(r === ACCESS_LOCKED);
    } else {
      this.pa = access.firstPa;
      this.state = IN_FLIGHT;
      this.event = this.engine.loop.schedule(this.latencyNs, this.completeFn, "probe:complete");
    }
  }

  private stall(locked: boolean): void {
    const c = this.counters;
    if (locked) {
      if (this.lockWaits++ === 0) c.stalledOnLock++;
      c.lockWaits++;
    } else {
      if (this.faultWaits++ === 0) c.faulted++;
      c.faultWaits++;
    }
    this.state = STALLED;
    const gen = this.generation;
    this.engine.port.waitRetry(
      this.as,
      () => {
        if (gen !== this.generation || this.state !== STALLED) return;
        this.state = WAITING;
        this.issue();
      },
      (code) => {
        if (gen !== this.generation || this.state !== STALLED) return;
        this.fail(code & 0xff);
      },
    );
  }

  private record(status: number): ProbeAccessResult {
    const a = this.accesses[this.index] as NormalizedProbeAccess;
    const src = status !== JobException.DONE ? null : (a.bytes ?? this.scratch);
    let lo = 0;
    let hi = 0;
    if (src !== null) {
      const n = a.size < 8 ? a.size : 8;
      for (let b = n - 1; b >= 4; b--) hi = ((hi << 8) | (src[b] as number)) >>> 0;
      for (let b = (n < 4 ? n : 4) - 1; b >= 0; b--) lo = ((lo << 8) | (src[b] as number)) >>> 0;
    }
    const result: ProbeAccessResult = {
      index: this.index,
      iteration: this.iteration,
      va: a.va,
      kind: a.kind,
      size: a.size,
      status,
      pa: status === JobException.DONE ? this.pa : -1,
      lo,
      hi,
      value: lo + hi * TWO32,
      data: src !== null && a.bytes === null && a.size > 8 ? this.scratch.slice(0, a.size) : null,
      issuedNs: this.issuedNs,
      completedNs: this.engine.loop.now,
      lockWaits: this.lockWaits,
      faultWaits: this.faultWaits,
    };
    if (this.results.length < this.maxResults) this.results.push(result);
    else this.counters.droppedResults++;
    return result;
  }

  private fail(code: number): void {
    this.counters.failed++;
    const result = this.record(code);
    this.end(code);
    this.onAccess?.(result);
  }

  /** Completes the current access and issues the next one (or waits for the next period). */
  private complete(): void {
    this.event = null;
    this.counters.completed++;
    const result = this.record(JobException.DONE);
    this.issued = false;
    this.pa = -1;
    this.state = WAITING;
    if (++this.index === this.accesses.length) {
      this.index = 0;
      if (++this.iteration >= this.repeat) this.end(JobException.DONE);
    }
    this.onAccess?.(result);
    if (this.state === ENDED) return;
    const wait =
      this.index === 0 ? this.iterationStartNs + this.periodNs - this.engine.loop.now : 0;
    if (wait > 0) this.event = this.engine.loop.schedule(wait, this.issueFn, "probe:issue");
    else this.issue();
  }
}

/** Construction options of {@link GpuAccessProbe}. */
export interface GpuAccessProbeOptions {
  /** The platform's event loop. */
  loop: EventLoop;
  /** Physical memory. */
  memory: PhysicalMemory;
  /** The MMU. */
  port: GpuMemoryPort;
}

/**
 * Starts GPU access probes (see {@link ProbeRun}). A test tool: drivers never see it.
 *
 * @example
 * const probe = sim.gpu.accessProbe.start({
 *   as: 1,
 *   accesses: [{ va: 0x40_0000, kind: GpuAccessKind.Read, size: 4 }],
 *   repeat: Infinity,
 *   periodNs: 1000,
 * });
 * // ... binds run on the loop ...
 * probe.stop();
 * probe.counters.stalledOnLock; // accesses that waited for an UNLOCK
 */
export class GpuAccessProbe {
  /** The event loop. */
  readonly loop: EventLoop;
  /** Physical memory. */
  readonly memory: PhysicalMemory;
  /** The MMU. */
  readonly port: GpuMemoryPort;
  private readonly runs = new Set<ProbeRun>();

  /** @param options - see {@link GpuAccessProbeOptions}. */
  constructor(options: GpuAccessProbeOptions) {
    this.loop = options.loop;
    this.memory = options.memory;
    this.port = options.port;
  }

  /** Runs not yet ended. */
  get activeRuns(): number {
    return this.runs.size;
  }

  /**
   * Starts a run of `options.accesses` through AS `options.as`; the first access is issued as
   * an event after `startDelayNs`. Throws RangeError, starting nothing, on a malformed request.
   * An endless run (`repeat: Infinity`) keeps the loop busy: use `runUntil`/`advance` and
   * `stop()` rather than `runUntilIdle`.
   */
  start(options: ProbeOptions): ProbeRun {
    const accesses = normalizeProbeOptions(options);
    const run = new ProbeRun(this, options, accesses);
    this.runs.add(run);
    return run;
  }

  /** Terminates every run (GPU reset); each ends TERMINATED. */
  reset(): void {
    for (const run of [...this.runs]) run.stop();
  }

  /** @internal Called by a run when it ends. */
  runEnded(run: ProbeRun): void {
    this.runs.delete(run);
  }
}
