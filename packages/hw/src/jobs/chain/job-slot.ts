/**
 * One job slot of the Job Manager: its registers (current and _NEXT), and the engine that walks
 * a job chain through the MMU: read a header, refuse it unless its status is 0, run its payload,
 * write status 1 back, follow `next` until 0. Work runs in cost-bounded slices on the event
 * loop; an MMU fault or locked region stalls the slot until the MMU resumes or aborts it.
 */
import type { WarningSink } from "@panmmu/uapi";
import { GpuAccessKind, type GpuMemoryPort } from "../../mmu/gpu-access.js";
import type { EventHandle, EventLoop, PhysicalMemory } from "../../platform/interfaces.js";
import {
  hasDescriptorSizeBit,
  hasWriteValueImmediate,
  type JobArch,
  jobHeaderAlign,
} from "../arch.js";
import type { JobCostModel } from "../cost-model.js";
import { JobType, joinU64 } from "../descriptor.js";
import { JobException } from "../exception-codes.js";
import { ACCESS_BUS_FAULT, GpuPageAccess } from "../gpu-access.js";
import {
  ProgramInterpreter,
  RUN_END,
  RUN_FAIL,
  RUN_STALL,
  RUN_STOPPED,
  RUN_YIELD,
} from "../program/interpreter.js";
import { MAX_PROGRAM_BYTES } from "../program/opcodes.js";
import { JsCommand, JsConfig } from "../registers.js";
import { WriteValueType } from "../write-value.js";

/** What a slot needs from the job-control block that owns it. */
export interface JobSlotHost {
  /** The platform's event loop. */
  readonly loop: EventLoop;
  /** Physical memory. */
  readonly memory: PhysicalMemory;
  /** The MMU. */
  readonly port: GpuMemoryPort;
  /** Job-header generation. */
  readonly arch: JobArch;
  /** Bit n set: address space n exists (a chain naming another AS fails with JOB_CONFIG_FAULT). */
  readonly asPresent: number;
  /** Cost model. */
  readonly cost: JobCostModel;
  /** Where protocol misuse is reported. */
  readonly warnings: WarningSink | undefined;
  /** Optional trace of chain starts, stalls and ends. */
  readonly trace: ((message: string) => void) | undefined;
  /** Called when a chain ends (JS_STATUS already set): raise the slot's done or error bit. */
  chainEnded(slot: number, code: number): void;
  /** Whether the slot's error bit is still set in JOB_INT_RAWSTAT (blocks _NEXT promotion). */
  errorPending(slot: number): boolean;
}

/** Counters of one slot. */
export interface JobSlotStats {
  /** Chains started (promotions from _NEXT). */
  chainsStarted: number;
  /** Chains ended DONE. */
  chainsDone: number;
  /** Chains ended by a fault. */
  chainsFailed: number;
  /** Chains ended STOPPED or TERMINATED. */
  chainsStopped: number;
  /** Jobs completed (status 1). */
  jobsDone: number;
  /** Times the slot stalled on an MMU fault or a locked region. */
  stalls: number;
  /** Page translations asked of the MMU. */
  translations: number;
  /** Memory-program bytes read plus written. */
  programBytes: number;
}

const IDLE = 0;
const RUNNING = 1;
const STALLED = 2;
const FINISHING = 3;

const PH_HEADER = 0;
const PH_PAYLOAD = 1;
const PH_FETCH = 2;
const PH_PROGRAM = 3;
const PH_WRITE_BACK = 4;

const THEN_NEXT = 0;
const THEN_FAIL = 1;
const THEN_STOP = 2;

const NONE = -1;

/** One job slot. Registers are plain fields the job-control block reads and writes. */
export class JobSlot {
  /** JS_HEAD (current chain address). */
  head = 0;
  /** JS_TAIL. */
  tail = 0;
  /** JS_AFFINITY low/high. */
  affinityLo = 0;
  /** JS_AFFINITY high half. */
  affinityHi = 0;
  /** JS_CONFIG of the current chain. */
  config = 0;
  /** JS_XAFFINITY. */
  xaffinity = 0;
  /** JS_STATUS. */
  status = 0;
  /** JS_HEAD_NEXT low half. */
  headNextLo = 0;
  /** JS_HEAD_NEXT high half. */
  headNextHi = 0;
  /** JS_AFFINITY_NEXT low half. */
  affinityNextLo = 0;
  /** JS_AFFINITY_NEXT high half. */
  affinityNextHi = 0;
  /** JS_CONFIG_NEXT. */
  configNext = 0;
  /** JS_FLUSH_ID_NEXT. */
  flushIdNext = 0;
  /** A START waits in the _NEXT registers. */
  nextPending = false;
  /** Counters. */
  readonly stats: JobSlotStats = {
    chainsStarted: 0,
    chainsDone: 0,
    chainsFailed: 0,
    chainsStopped: 0,
    jobsDone: 0,
    stalls: 0,
    translations: 0,
    programBytes: 0,
  };

  private state = IDLE;
  private generation = 0;
  private event: EventHandle | null = null;
  private softStop = false;
  private phase = PH_HEADER;
  private jobVa = 0;
  private as = 0;
  private cost = 0;
  private readonly access: GpuPageAccess;
  private readonly interp: ProgramInterpreter;
  private readonly words = new Uint32Array(14);
  private readonly scoreboard = new Uint8Array(65536 >>> 3);
  private program = new Uint32Array(0);
  private fetched = 0;
  private programStart = 0;
  private wbStatus = NONE;
  private wbFit = NONE;
  private wbFault = NONE;
  private wbThen = THEN_NEXT;
  private wbCode = 0;
  private readonly sliceFn = () => this.runSlice();

  /**
   * @param slot - slot number (also the FAULTSTATUS source id of its accesses).
   * @param host - the owning job-control block.
   */
  constructor(
    readonly slot: number,
    private readonly host: JobSlotHost,
  ) {
    this.access = new GpuPageAccess(host.memory, host.port);
    this.interp = new ProgramInterpreter(this.access, host.cost);
  }

  /** Whether a chain is active (running, stalled or about to report its end). */
  get active(): boolean {
    return this.state !== IDLE;
  }

  /** Whether the slot is stalled on the MMU. */
  get stalled(): boolean {
    return this.state === STALLED;
  }

  /** COMMAND_NEXT = START: queue the _NEXT chain and start it if the slot is free. */
  commandNextStart(): void {
    if (this.nextPending) {
      this.host.warnings?.warn(
        "JobControl",
        `JS${this.slot}: START while a START is already queued`,
      );
    }
    this.nextPending = true;
    this.tryPromote();
  }

  /** COMMAND_NEXT = NOP: cancel a queued START. */
  commandNextNop(): void {
    this.nextPending = false;
  }

  /** Starts the _NEXT chain if one is queued, the slot is idle and no error awaits its clear. */
  tryPromote(): void {
    if (!this.nextPending || this.state !== IDLE || this.host.errorPending(this.slot)) return;
    this.nextPending = false;
    this.head = joinU64(this.headNextLo, this.headNextHi);
    // The chain moves out of the _NEXT registers: JS_HEAD_NEXT reads 0 once the slot has taken
    // it. Drivers rely on that after writing NOP to JS_COMMAND_NEXT (kbase's eviction check): a
    // non-zero HEAD_NEXT means the queued chain was withdrawn, zero means it already started.
    this.headNextLo = 0;
    this.headNextHi = 0;
    this.affinityLo = this.affinityNextLo;
    this.affinityHi = this.affinityNextHi;
    this.config = this.configNext;
    this.tail = this.head;
    this.status = JobException.ACTIVE;
    this.as = this.config & JsConfig.AS_MASK;
    this.jobVa = this.head;
    this.phase = PH_HEADER;
    this.softStop = false;
    this.scoreboard.fill(0);
    this.state = RUNNING;
    this.stats.chainsStarted++;
    this.host.trace?.(`js${this.slot} start head=0x${this.head.toString(16)} as=${this.as}`);
    this.event = this.host.loop.schedule(0, this.sliceFn, `js${this.slot}:start`);
  }

  /**
   * JS_COMMAND write: SOFT_STOP / HARD_STOP, and their _0/_1 forms that act only when the
   * current chain's JOB_CHAIN_FLAG matches. Other values do nothing on JS_COMMAND.
   */
  command(value: number): void {
    const flag = (this.config & JsConfig.JOB_CHAIN_FLAG) !== 0;
    let hard: boolean;
    switch (value) {
      case JsCommand.SOFT_STOP:
        hard = false;
        break;
      case JsCommand.HARD_STOP:
        hard = true;
        break;
      case JsCommand.SOFT_STOP_0:
      case JsCommand.SOFT_STOP_1:
        if (flag !== (value === JsCommand.SOFT_STOP_1)) return;
        hard = false;
        break;
      case JsCommand.HARD_STOP_0:
      case JsCommand.HARD_STOP_1:
        if (flag !== (value === JsCommand.HARD_STOP_1)) return;
        hard = true;
        break;
      default:
        return;
    }
    if (this.state === IDLE || this.state === FINISHING) return;
    this.host.trace?.(`js${this.slot} ${hard ? "hard" : "soft"}-stop`);
    if (!hard) {
      this.softStop = true;
      return;
    }
    this.cancelWork();
    this.state = FINISHING;
    this.event = this.host.loop.schedule(
      this.host.cost.stopNs,
      () => this.finish(JobException.TERMINATED),
      `js${this.slot}:terminated`,
    );
  }

  /** Drops everything (GPU reset): no event, no chain, registers cleared. */
  reset(): void {
    this.cancelWork();
    this.state = IDLE;
    this.head = 0;
    this.tail = 0;
    this.affinityLo = 0;
    this.affinityHi = 0;
    this.config = 0;
    this.xaffinity = 0;
    this.status = 0;
    this.headNextLo = 0;
    this.headNextHi = 0;
    this.affinityNextLo = 0;
    this.affinityNextHi = 0;
    this.configNext = 0;
    this.flushIdNext = 0;
    this.nextPending = false;
    this.softStop = false;
    this.program = new Uint32Array(0);
  }

  private cancelWork(): void {
    this.generation++;
    if (this.event !== null) {
      this.host.loop.cancel(this.event);
      this.event = null;
    }
  }

  private finish(code: number): void {
    this.event = null;
    this.state = IDLE;
    this.status = code;
    this.program = new Uint32Array(0);
    this.host.trace?.(
      `js${this.slot} end status=0x${code.toString(16)} tail=0x${this.tail.toString(16)}`,
    );
    if (code === JobException.DONE) this.stats.chainsDone++;
    else if (code === JobException.STOPPED || code === JobException.TERMINATED)
      this.stats.chainsStopped++;
    else this.stats.chainsFailed++;
    this.host.chainEnded(this.slot, code);
    this.tryPromote();
  }

  /** Ends the chain after the slice's cost has elapsed. */
  private endAfterCost(code: number): void {
    this.state = FINISHING;
    this.event = this.host.loop.schedule(
      Math.ceil(this.cost),
      () => this.finish(code),
      `js${this.slot}:end`,
    );
  }

  private stall(): void {
    this.state = STALLED;
    this.stats.stalls++;
    this.event = null;
    this.host.trace?.(`js${this.slot} stalled job=0x${this.jobVa.toString(16)}`);
    const gen = this.generation;
    this.host.port.waitRetry(
      this.as,
      () => {
        if (gen !== this.generation || this.state !== STALLED) return;
        this.state = RUNNING;
        this.runSlice();
      },
      (code) => {
        if (gen !== this.generation || this.state !== STALLED) return;
        this.generation++;
        this.finish(code & 0xff);
      },
    );
  }

  /** Queues the header write-back, then `then`. */
  private writeBack(status: number, fit: number, fault: number, then: number, code: number): void {
    if ((this.config & JsConfig.DISABLE_DESCRIPTOR_WR_BK) !== 0) {
      this.wbStatus = NONE;
      this.wbFit = NONE;
      this.wbFault = NONE;
    } else {
      this.wbStatus = status;
      this.wbFit = fit;
      this.wbFault = fault;
    }
    this.wbThen = then;
    this.wbCode = code;
    this.phase = PH_WRITE_BACK;
  }

  private failJob(code: number, faultVa: number): void {
    this.writeBack(code, NONE, faultVa, THEN_FAIL, code);
  }

  /** Handles a negative access result: stall (returns true) or bus-fault the job. */
  private accessFailed(result: number, va: number): boolean {
    if (result === ACCESS_BUS_FAULT) {
      this.failJob(JobException.JOB_BUS_FAULT, va);
      return false;
    }
    this.stall();
    return true;
  }

  private runSlice(): void {
    this.event = null;
    this.cost = 0;
    const budget = this.host.cost.sliceNs;
    const translationsBefore = this.access.translations;
    try {
      for (;;) {
        if (this.cost >= budget) {
          this.event = this.host.loop.schedule(
            Math.ceil(this.cost),
            this.sliceFn,
            `js${this.slot}:slice`,
          );
          return;
        }
        if (!this.step(budget)) return;
      }
    } finally {
      this.stats.translations += this.access.translations - translationsBefore;
    }
  }

  /** Advances the chain by one phase; false when the slice must end (stall, end, yield). */
  private step(budget: number): boolean {
    const host = this.host;
    const w = this.words;
    const sid = this.slot;
    switch (this.phase) {
      case PH_HEADER: {
        if (this.softStop) {
          this.tail = this.jobVa;
          this.endAfterCost(JobException.STOPPED);
          return false;
        }
        this.tail = this.jobVa;
        if (
          this.jobVa % jobHeaderAlign(host.arch) !== 0 ||
          this.jobVa === 0 ||
          ((host.asPresent >>> this.as) & 1) === 0
        ) {
          this.endAfterCost(JobException.JOB_CONFIG_FAULT);
          return false;
        }
        const r = this.access.readWords(this.as, this.jobVa, 8, w, 0, GpuAccessKind.Read, sid);
        if (r < 0) {
          if (r === ACCESS_BUS_FAULT) {
            this.endAfterCost(JobException.JOB_BUS_FAULT);
          } else {
            this.stall();
          }
          return false;
        }
        this.cost += host.cost.jobNs;
        if (w[0] !== 0) {
          this.failJob(JobException.DATA_INVALID_FAULT, this.jobVa);
          return true;
        }
        const word4 = w[4]!;
        const dep1 = w[5]! & 0xffff;
        const dep2 = w[5]! >>> 16;
        if ((dep1 !== 0 && !this.indexDone(dep1)) || (dep2 !== 0 && !this.indexDone(dep2))) {
          this.failJob(JobException.JOB_CONFIG_FAULT, this.jobVa);
          return true;
        }
        const type = (word4 >>> 1) & 0x7f;
        switch (type) {
          case JobType.NULL:
            this.writeBack(JobException.DONE, NONE, NONE, THEN_NEXT, 0);
            return true;
          case JobType.WRITE_VALUE:
          case JobType.CACHE_FLUSH:
          case JobType.MEMORY_PROGRAM:
            this.phase = PH_PAYLOAD;
            return true;
          default:
            this.failJob(JobException.JOB_CONFIG_FAULT, this.jobVa);
            return true;
        }
      }
      case PH_PAYLOAD: {
        const type = (w[4]! >>> 1) & 0x7f;
        const count = type === JobType.CACHE_FLUSH ? 2 : type === JobType.MEMORY_PROGRAM ? 4 : 6;
        const r = this.access.readWords(
          this.as,
          this.jobVa + 32,
          count,
          w,
          8,
          GpuAccessKind.Read,
          sid,
        );
        if (r < 0) return !this.accessFailed(r, this.access.failVa);
        if (type === JobType.CACHE_FLUSH) {
          this.writeBack(JobException.DONE, NONE, NONE, THEN_NEXT, 0);
          return true;
        }
        if (type === JobType.WRITE_VALUE) return this.writeValue();
        return this.startProgram();
      }
      case PH_FETCH: {
        const total = this.program.length;
        const r = this.access.readWords(
          this.as,
          joinU64(w[8]!, w[9]!) + this.fetched * 4,
          total - this.fetched,
          this.program,
          this.fetched,
          GpuAccessKind.Execute,
          sid,
        );
        if (r < 0) {
          this.fetched = (this.access.failVa - joinU64(w[8]!, w[9]!)) >>> 2;
          return !this.accessFailed(r, this.access.failVa);
        }
        this.fetched = total;
        this.cost += (total * 4) / host.cost.bytesPerNs;
        this.interp.load(this.as, sid, this.program, this.programStart);
        this.phase = PH_PROGRAM;
        return true;
      }
      case PH_PROGRAM: {
        const interp = this.interp;
        interp.cost = this.cost;
        const bytesBefore = interp.bytesMoved;
        const res = interp.run(budget, this.softStop);
        this.cost = interp.cost;
        this.stats.programBytes += interp.bytesMoved - bytesBefore;
        switch (res) {
          case RUN_YIELD:
            return true;
          case RUN_END:
            this.writeBack(
              JobException.DONE,
              this.programStart !== 0 ? 0 : NONE,
              NONE,
              THEN_NEXT,
              0,
            );
            return true;
          case RUN_STALL:
            this.stall();
            return false;
          case RUN_FAIL:
            this.failJob(interp.failCode, interp.failVa);
            return true;
          case RUN_STOPPED:
            this.writeBack(NONE, interp.pcBytes, NONE, THEN_STOP, JobException.STOPPED);
            return true;
          default:
            return false;
        }
      }
      case PH_WRITE_BACK:
        return this.doWriteBack();
      default:
        return false;
    }
  }

  private indexDone(index: number): boolean {
    return (this.scoreboard[index >>> 3]! & (1 << (index & 7))) !== 0;
  }

  private writeValue(): boolean {
    const host = this.host;
    const w = this.words;
    const address = joinU64(w[8]!, w[9]!);
    const type = w[10]!;
    let lo = 0;
    let hi = 0;
    let bytes = 8;
    const immediate = hasWriteValueImmediate(host.arch);
    switch (type) {
      case WriteValueType.CYCLE_COUNTER:
      case WriteValueType.SYSTEM_TIMESTAMP: {
        const t = Math.floor(
          (host.loop.now + this.cost) *
            (type === WriteValueType.CYCLE_COUNTER ? host.cost.cyclesPerNs : 1),
        );
        lo = (t % 0x1_0000_0000) >>> 0;
        hi = Math.floor(t / 0x1_0000_0000) >>> 0;
        break;
      }
      case WriteValueType.ZERO:
        break;
      case WriteValueType.IMMEDIATE_8:
      case WriteValueType.IMMEDIATE_16:
      case WriteValueType.IMMEDIATE_32:
      case WriteValueType.IMMEDIATE_64:
        if (!immediate) {
          this.failJob(JobException.JOB_CONFIG_FAULT, this.jobVa);
          return true;
        }
        bytes = 1 << (type - WriteValueType.IMMEDIATE_8);
        lo = w[12]!;
        hi = w[13]!;
        break;
      default:
        this.failJob(JobException.JOB_CONFIG_FAULT, this.jobVa);
        return true;
    }
    const r = this.access.storeBytes(
      this.as,
      address,
      lo,
      hi,
      bytes,
      GpuAccessKind.Write,
      this.slot,
    );
    if (r < 0) return !this.accessFailed(r, this.access.failVa);
    this.cost += host.cost.translateNs + bytes / host.cost.bytesPerNs;
    this.writeBack(JobException.DONE, NONE, NONE, THEN_NEXT, 0);
    return true;
  }

  private startProgram(): boolean {
    const w = this.words;
    const va = joinU64(w[8]!, w[9]!);
    const length = w[10]!;
    if (w[11] !== 0 || length % 4 !== 0 || length > MAX_PROGRAM_BYTES || va % 4 !== 0) {
      this.failJob(JobException.JOB_CONFIG_FAULT, this.jobVa);
      return true;
    }
    const start = this.words[1]!;
    if (start % 4 !== 0 || start > length) {
      this.failJob(JobException.JOB_CONFIG_FAULT, this.jobVa);
      return true;
    }
    this.programStart = start;
    this.program = new Uint32Array(length >>> 2);
    this.fetched = 0;
    this.phase = PH_FETCH;
    return true;
  }

  private doWriteBack(): boolean {
    const sid = this.slot;
    if (this.wbFault !== NONE) {
      const f = this.wbFault;
      const r = this.access.storeBytes(
        this.as,
        this.jobVa + 8,
        (f % 0x1_0000_0000) >>> 0,
        Math.floor(f / 0x1_0000_0000) >>> 0,
        8,
        GpuAccessKind.Write,
        sid,
      );
      if (r < 0) return this.writeBackFailed(r);
    }
    if (this.wbFit !== NONE) {
      const r = this.access.storeBytes(
        this.as,
        this.jobVa + 4,
        this.wbFit,
        0,
        4,
        GpuAccessKind.Write,
        sid,
      );
      if (r < 0) return this.writeBackFailed(r);
    }
    if (this.wbStatus !== NONE) {
      const r = this.access.storeBytes(
        this.as,
        this.jobVa,
        this.wbStatus,
        0,
        4,
        GpuAccessKind.Write,
        sid,
      );
      if (r < 0) return this.writeBackFailed(r);
    }
    switch (this.wbThen) {
      case THEN_NEXT: {
        this.stats.jobsDone++;
        const w = this.words;
        const index = w[4]! >>> 16;
        this.scoreboard[index >>> 3]! |= 1 << (index & 7);
        const is64 = (w[4]! & 1) !== 0 || !hasDescriptorSizeBit(this.host.arch);
        const next = is64 ? joinU64(w[6]!, w[7]!) : w[6]!;
        if (next === 0) {
          this.endAfterCost(JobException.DONE);
          return false;
        }
        this.jobVa = next;
        this.phase = PH_HEADER;
        return true;
      }
      default:
        this.endAfterCost(this.wbCode);
        return false;
    }
  }

  private writeBackFailed(r: number): boolean {
    if (r === ACCESS_BUS_FAULT) {
      this.endAfterCost(JobException.JOB_BUS_FAULT);
    } else {
      this.stall();
    }
    return false;
  }
}
