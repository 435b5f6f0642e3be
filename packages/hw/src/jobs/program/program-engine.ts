/**
 * Running memory programs outside job chains: CSF GPUs (panthor) have no job slots, so their
 * queues run the same programs on behalf of a VM's address space through this engine. A run is
 * time-sliced on the event loop, stalls on MMU faults exactly like a job does, and reports once.
 */
import { GpuAccessKind, type GpuMemoryPort } from "../../mmu/gpu-access.js";
import type { EventHandle, EventLoop, PhysicalMemory } from "../../platform/interfaces.js";
import { type JobCostModel, makeJobCost } from "../cost-model.js";
import { JobException } from "../exception-codes.js";
import { ACCESS_BUS_FAULT, GpuPageAccess } from "../gpu-access.js";
import {
  ProgramInterpreter,
  RUN_END,
  RUN_FAIL,
  RUN_STALL,
  RUN_STOPPED,
  RUN_YIELD,
} from "./interpreter.js";
import { MAX_PROGRAM_BYTES } from "./opcodes.js";

/** How a program run ended. */
export interface ProgramResult {
  /** 1 (DONE), 4 (TERMINATED: cancelled or reset) or the exception code of the failure. */
  status: number;
  /** The VA that made the run fail (0 when it did not fail at an address). */
  faultVa: number;
  /** Virtual time (ns) at which the run ended. */
  endNs: number;
  /** Instructions completed. */
  instructions: number;
  /** Bytes read plus bytes written by the program. */
  bytesMoved: number;
}

/** Options of {@link MemoryProgramEngine.runProgram}. */
export interface RunProgramOptions {
  /** Called once, as an event, when the run ends. */
  onComplete: (result: ProgramResult) => void;
  /** Program length in bytes; required when the program is given by VA. */
  length?: number;
  /** FAULTSTATUS source id of the program's accesses. Default 0. */
  sourceId?: number;
  /** Byte offset of the first instruction. Default 0. */
  startByte?: number;
}

/** Construction options of {@link MemoryProgramEngine}. */
export interface MemoryProgramEngineOptions {
  /** The platform's event loop. */
  loop: EventLoop;
  /** Physical memory. */
  memory: PhysicalMemory;
  /** The MMU. */
  port: GpuMemoryPort;
  /** Cost-model overrides. */
  cost?: Partial<JobCostModel>;
  /** AS_PRESENT: bit n set when address space n exists (default 0xffff); runs in others fail. */
  asPresent?: number;
}

const FETCH = 0;
const RUN = 1;
const STALLED = 2;
const ENDED = 3;

/** One program run; see {@link MemoryProgramEngine.runProgram}. */
export class ProgramRun {
  private state = FETCH;
  private generation = 0;
  private event: EventHandle | null = null;
  private fetched = 0;
  private readonly access: GpuPageAccess;
  private readonly interp: ProgramInterpreter;
  private readonly code: Uint32Array;
  private endResult: ProgramResult | null = null;
  private readonly sliceFn = () => this.slice();

  /** @internal Created by {@link MemoryProgramEngine.runProgram}. */
  constructor(
    private readonly engine: MemoryProgramEngine,
    readonly as: number,
    private readonly programVa: number,
    code: Uint32Array,
    private readonly options: RunProgramOptions,
    invalid: boolean,
  ) {
    this.access = new GpuPageAccess(engine.memory, engine.port);
    this.interp = new ProgramInterpreter(this.access, engine.cost);
    this.code = code;
    if (invalid) {
      this.end(JobException.JOB_CONFIG_FAULT, programVa, 0);
      return;
    }
    if (programVa < 0) this.startRun();
    this.event = engine.loop.schedule(0, this.sliceFn, "program:start");
  }

  /** Whether the run has ended (its callback may still be pending as an event). */
  get done(): boolean {
    return this.state === ENDED;
  }

  /** The result once ended, else null. */
  get result(): ProgramResult | null {
    return this.endResult;
  }

  /** Whether the run is stalled on an MMU fault or a locked region. */
  get stalled(): boolean {
    return this.state === STALLED;
  }

  /** Terminates the run (like HARD_STOP); it reports TERMINATED. No effect once ended. */
  cancel(): void {
    if (this.state === ENDED) return;
    this.end(JobException.TERMINATED, 0, this.engine.cost.stopNs);
  }

  private startRun(): void {
    this.interp.load(this.as, this.options.sourceId ?? 0, this.code, this.options.startByte ?? 0);
    this.state = RUN;
  }

  private end(status: number, faultVa: number, delay: number): void {
    this.generation++;
    if (this.event !== null) this.engine.loop.cancel(this.event);
    this.event = null;
    this.state = ENDED;
    this.engine.runEnded(this);
    const result: ProgramResult = {
      status,
      faultVa,
      endNs: this.engine.loop.now + delay,
      instructions: this.interp.instructions,
      bytesMoved: this.interp.bytesMoved,
    };
    this.endResult = result;
    this.engine.loop.schedule(delay, () => this.options.onComplete(result), "program:end");
  }

  private stall(): void {
    this.state = STALLED;
    this.event = null;
    const gen = this.generation;
    const resumeState = this.fetched < this.code.length && this.programVa >= 0 ? FETCH : RUN;
    // A stall while fetching the program has its address in the page walker, not the interpreter.
    const faultVa = resumeState === FETCH ? this.access.failVa : this.interp.failVa;
    this.engine.port.waitRetry(
      this.as,
      () => {
        if (gen !== this.generation || this.state !== STALLED) return;
        this.state = resumeState;
        this.slice();
      },
      (code) => {
        if (gen !== this.generation || this.state !== STALLED) return;
        this.end(code & 0xff, faultVa, 0);
      },
    );
  }

  private slice(): void {
    this.event = null;
    const cost = this.engine.cost;
    let spent = 0;
    if (this.state === FETCH) {
      const r = this.access.readWords(
        this.as,
        this.programVa + this.fetched * 4,
        this.code.length - this.fetched,
        this.code,
        this.fetched,
        GpuAccessKind.Execute,
        this.options.sourceId ?? 0,
      );
      if (r < 0) {
        this.fetched = (this.access.failVa - this.programVa) >>> 2;
        if (r === ACCESS_BUS_FAULT) this.end(JobException.JOB_BUS_FAULT, this.access.failVa, 0);
        else this.stall();
        return;
      }
      this.fetched = this.code.length;
      spent = (this.code.length * 4) / cost.bytesPerNs;
      this.startRun();
    }
    const interp = this.interp;
    interp.cost = spent;
    const res = interp.run(cost.sliceNs, false);
    const delay = Math.ceil(interp.cost);
    switch (res) {
      case RUN_YIELD:
        this.event = this.engine.loop.schedule(delay, this.sliceFn, "program:slice");
        return;
      case RUN_END:
      case RUN_STOPPED:
        this.end(JobException.DONE, 0, delay);
        return;
      case RUN_STALL:
        this.stall();
        return;
      case RUN_FAIL:
        this.end(interp.failCode, interp.failVa, delay);
        return;
    }
  }
}

/**
 * Runs memory programs in an address space without a job chain (the CSF path).
 *
 * @example
 * const engine = new MemoryProgramEngine({ loop, memory, port });
 * engine.runProgram(as, new ProgramBuilder().fill32(va, 4096, 7).build(), {
 *   onComplete: (r) => console.log(r.status === 1 ? "done" : `fault 0x${r.status.toString(16)}`),
 * });
 */
export class MemoryProgramEngine {
  /** The event loop. */
  readonly loop: EventLoop;
  /** Physical memory. */
  readonly memory: PhysicalMemory;
  /** The MMU. */
  readonly port: GpuMemoryPort;
  /** The cost model in use. */
  readonly cost: JobCostModel;
  private readonly runs = new Set<ProgramRun>();
  private readonly asPresent: number;

  /** @param options - see {@link MemoryProgramEngineOptions}. */
  constructor(options: MemoryProgramEngineOptions) {
    this.loop = options.loop;
    this.memory = options.memory;
    this.port = options.port;
    this.cost = makeJobCost(options.cost);
    this.asPresent = options.asPresent ?? 0xffff;
  }

  /** Runs not yet ended. */
  get activeRuns(): number {
    return this.runs.size;
  }

  /**
   * Starts running a program in address space `as`: either `program` is a 4-aligned GPU VA
   * (give `options.length` in bytes; it is fetched with EXECUTE accesses) or the program itself
   * (u32 words, or little-endian bytes; copied). A malformed request (bad length or alignment,
   * an absent AS) ends at once with JOB_CONFIG_FAULT. The result arrives through `options.onComplete`.
   */
  runProgram(
    as: number,
    program: number | Uint32Array | Uint8Array,
    options: RunProgramOptions,
  ): ProgramRun {
    let code: Uint32Array;
    let va = -1;
    let invalid = false;
    if (typeof program === "number") {
      const length = options.length ?? -1;
      invalid =
        !Number.isSafeInteger(program) ||
        program < 0 ||
        program % 4 !== 0 ||
        !Number.isInteger(length) ||
        length < 0 ||
        length % 4 !== 0 ||
        length > MAX_PROGRAM_BYTES;
      va = invalid ? 0 : program;
      code = new Uint32Array(invalid ? 0 : length >>> 2);
    } else if (program instanceof Uint8Array) {
      invalid = program.length % 4 !== 0 || program.length > MAX_PROGRAM_BYTES;
      code = new Uint32Array(invalid ? 0 : program.length >>> 2);
      if (!invalid) {
        const dv = new DataView(program.buffer, program.byteOffset, program.byteLength);
        for (let i = 0; i < code.length; i++) code[i] = dv.getUint32(i * 4, true);
      }
    } else {
      invalid = program.length * 4 > MAX_PROGRAM_BYTES;
      code = invalid ? new Uint32Array(0) : Uint32Array.from(program);
    }
    const start = options.startByte ?? 0;
    if (!Number.isInteger(start) || start < 0 || start % 4 !== 0 || start > code.length * 4) {
      invalid = true;
    }
    if (!Number.isInteger(as) || as < 0 || as > 15 || ((this.asPresent >>> as) & 1) === 0) {
      invalid = true;
    }
    const run = new ProgramRun(this, as, va, code, options, invalid);
    if (!run.done) this.runs.add(run);
    return run;
  }

  /** Terminates every run (GPU reset); each reports TERMINATED. */
  reset(): void {
    for (const run of [...this.runs]) run.cancel();
  }

  /** @internal Called by a run when it ends. */
  runEnded(run: ProgramRun): void {
    this.runs.delete(run);
  }
}
