/**
 * The JOB_CONTROL register block of a Job Manager Mali GPU: JOB_INT_* and the job slots. The
 * GPU model routes MMIO offsets 0x1000..0x1fff here (minus the 0x1000 base) and wires
 * {@link JobControl.irqLevel} to the job IRQ line.
 */
import type { WarningSink } from "@panmmu/uapi";
import type { GpuMemoryPort } from "../mmu/gpu-access.js";
import type { EventLoop, PhysicalMemory } from "../platform/interfaces.js";
import type { JobArch } from "./arch.js";
import { JobSlot, type JobSlotHost, type JobSlotStats } from "./chain/job-slot.js";
import { type JobCostModel, makeJobCost } from "./cost-model.js";
import { joinU64 } from "./descriptor.js";
import {
  JOB_CONTROL_SIZE,
  JobControlReg,
  JS_BLOCK_OFFSET,
  JS_SLOT_STRIDE,
  JsCommand,
  JsReg,
  jobIntDone,
  jobIntErr,
  MAX_JOB_SLOTS,
} from "./registers.js";

/** Construction options of {@link JobControl}. */
export interface JobControlOptions {
  /** The platform's event loop (all job progress is events on it). */
  loop: EventLoop;
  /** Physical memory the translated accesses land in. */
  memory: PhysicalMemory;
  /** The MMU, through which every job access is translated. */
  port: GpuMemoryPort;
  /** Number of job slots (JS_PRESENT bits), 1..16. */
  jsCount: number;
  /** Called whenever {@link JobControl.irqLevel} changes. */
  onIrqChange: () => void;
  /** Job-descriptor generation of the GPU. */
  arch: JobArch;
  /** Where driver protocol misuse (a second START while one is queued) is reported. */
  warnings?: WarningSink;
  /** Cost-model overrides (virtual ns). */
  cost?: Partial<JobCostModel>;
  /**
   * AS_PRESENT: bit n set when address space n exists (default 0xffff). A chain whose
   * JS_CONFIG names an absent AS fails with JOB_CONFIG_FAULT instead of reaching the MMU.
   */
  asPresent?: number;
  /** Optional trace sink for chain starts, stops, stalls and ends (one line each). */
  trace?: (message: string) => void;
}

/**
 * Job slots and job interrupts. Chains start from the _NEXT registers (COMMAND_NEXT = START
 * promotes them when the slot is free; after a failure or stop, only once the slot's error bit
 * is cleared), run through the MMU in the AS named by JS_CONFIG bits 3:0, and report through
 * JOB_INT_RAWSTAT: bit `slot` when a chain ends DONE, bit `16 + slot` for STOPPED, TERMINATED
 * and faults, with JS_STATUS holding the code.
 */
export class JobControl {
  /** Number of job slots. */
  readonly jsCount: number;
  /** Reads of offsets that are no register here (they return 0). */
  unknownReads = 0;
  /** Writes to offsets that are no writable register here (ignored). */
  unknownWrites = 0;

  private readonly slots: JobSlot[] = [];
  private rawstat = 0;
  private mask = 0;
  private throttle = 0;
  private level = false;
  private readonly onIrqChange: () => void;

  /** @param options - see {@link JobControlOptions}. */
  constructor(options: JobControlOptions) {
    if (
      !Number.isInteger(options.jsCount) ||
      options.jsCount < 1 ||
      options.jsCount > MAX_JOB_SLOTS
    ) {
      throw new RangeError(`jsCount must be 1..${MAX_JOB_SLOTS}`);
    }
    this.jsCount = options.jsCount;
    this.onIrqChange = options.onIrqChange;
    const host: JobSlotHost = {
      loop: options.loop,
      memory: options.memory,
      port: options.port,
      arch: options.arch,
      asPresent: options.asPresent ?? 0xffff,
      cost: makeJobCost(options.cost),
      warnings: options.warnings,
      trace: options.trace,
      chainEnded: (slot, code) => {
        this.raise(code === 1 ? jobIntDone(slot) : jobIntErr(slot));
      },
      errorPending: (slot) => (this.rawstat & jobIntErr(slot)) !== 0,
    };
    for (let i = 0; i < this.jsCount; i++) this.slots.push(new JobSlot(i, host));
  }

  /** The job IRQ line level: JOB_INT_RAWSTAT & JOB_INT_MASK != 0. */
  get irqLevel(): boolean {
    return (this.rawstat & this.mask) !== 0;
  }

  /** Counters of slot `slot`. */
  slotStats(slot: number): Readonly<JobSlotStats> {
    const s = this.slots[slot];
    if (s === undefined) throw new RangeError(`no job slot ${slot}`);
    return s.stats;
  }

  /** Whether slot `slot` is stalled on an MMU fault or a locked region. */
  slotStalled(slot: number): boolean {
    return this.slots[slot]?.stalled ?? false;
  }

  /** JOB_INT_JS_STATE: bit n = slot n active, bit 16 + n = a START queued in its _NEXT. */
  get jsState(): number {
    let v = 0;
    for (const s of this.slots) {
      if (s.active) v |= 1 << s.slot;
      if (s.nextPending) v |= 1 << (s.slot + 16);
    }
    return v >>> 0;
  }

  private updateIrq(): void {
    const l = this.irqLevel;
    if (l !== this.level) {
      this.level = l;
      this.onIrqChange();
    }
  }

  private raise(bits: number): void {
    this.rawstat = (this.rawstat | bits) >>> 0;
    this.updateIrq();
  }

  /** Reads the 32-bit register at `offset` from the JOB_CONTROL base; unknown offsets read 0. */
  read32(offset: number): number {
    switch (offset) {
      case JobControlReg.JOB_INT_RAWSTAT:
        return this.rawstat;
      case JobControlReg.JOB_INT_MASK:
        return this.mask;
      case JobControlReg.JOB_INT_STAT:
        return (this.rawstat & this.mask) >>> 0;
      case JobControlReg.JOB_INT_JS_STATE:
        return this.jsState;
      case JobControlReg.JOB_INT_THROTTLE:
        return this.throttle;
      case JobControlReg.JOB_INT_CLEAR:
        return 0;
    }
    const slot = this.slotAt(offset);
    if (slot !== null) {
      const reg = (offset - JS_BLOCK_OFFSET) % JS_SLOT_STRIDE;
      switch (reg) {
        case JsReg.HEAD_LO:
          return (slot.head % 0x1_0000_0000) >>> 0;
        case JsReg.HEAD_HI:
          return Math.floor(slot.head / 0x1_0000_0000) >>> 0;
        case JsReg.TAIL_LO:
          return (slot.tail % 0x1_0000_0000) >>> 0;
        case JsReg.TAIL_HI:
          return Math.floor(slot.tail / 0x1_0000_0000) >>> 0;
        case JsReg.AFFINITY_LO:
          return slot.affinityLo;
        case JsReg.AFFINITY_HI:
          return slot.affinityHi;
        case JsReg.CONFIG:
          return slot.config;
        case JsReg.XAFFINITY:
          return slot.xaffinity;
        case JsReg.COMMAND:
          return 0;
        case JsReg.STATUS:
          return slot.status;
        case JsReg.HEAD_NEXT_LO:
          return slot.headNextLo;
        case JsReg.HEAD_NEXT_HI:
          return slot.headNextHi;
        case JsReg.AFFINITY_NEXT_LO:
          return slot.affinityNextLo;
        case JsReg.AFFINITY_NEXT_HI:
          return slot.affinityNextHi;
        case JsReg.CONFIG_NEXT:
          return slot.configNext;
        case JsReg.COMMAND_NEXT:
          return slot.nextPending ? JsCommand.START : JsCommand.NOP;
        case JsReg.FLUSH_ID_NEXT:
          return slot.flushIdNext;
      }
    }
    this.unknownReads++;
    return 0;
  }

  /** Writes the 32-bit register at `offset` from the JOB_CONTROL base. */
  write32(offset: number, value: number): void {
    value >>>= 0;
    switch (offset) {
      case JobControlReg.JOB_INT_RAWSTAT:
        // Writing RAWSTAT sets bits (how drivers test their IRQ wiring).
        this.raise(value);
        return;
      case JobControlReg.JOB_INT_CLEAR: {
        this.rawstat = (this.rawstat & ~value) >>> 0;
        this.updateIrq();
        for (const s of this.slots) {
          if ((value & jobIntErr(s.slot)) !== 0) s.tryPromote();
        }
        return;
      }
      case JobControlReg.JOB_INT_MASK:
        this.mask = value;
        this.updateIrq();
        return;
      case JobControlReg.JOB_INT_THROTTLE:
        this.throttle = value;
        return;
    }
    const slot = this.slotAt(offset);
    if (slot !== null) {
      const reg = (offset - JS_BLOCK_OFFSET) % JS_SLOT_STRIDE;
      switch (reg) {
        case JsReg.XAFFINITY:
          slot.xaffinity = value;
          return;
        case JsReg.COMMAND:
          slot.command(value);
          return;
        case JsReg.HEAD_NEXT_LO:
          slot.headNextLo = value;
          return;
        case JsReg.HEAD_NEXT_HI:
          slot.headNextHi = value;
          return;
        case JsReg.AFFINITY_NEXT_LO:
          slot.affinityNextLo = value;
          return;
        case JsReg.AFFINITY_NEXT_HI:
          slot.affinityNextHi = value;
          return;
        case JsReg.CONFIG_NEXT:
          slot.configNext = value;
          return;
        case JsReg.COMMAND_NEXT:
          if (value === JsCommand.START) slot.commandNextStart();
          else if (value === JsCommand.NOP) slot.commandNextNop();
          else this.unknownWrites++;
          return;
        case JsReg.FLUSH_ID_NEXT:
          slot.flushIdNext = value;
          return;
      }
    }
    this.unknownWrites++;
  }

  /** Soft or hard GPU reset: every chain dropped, every register back to 0, IRQ lowered. */
  reset(): void {
    for (const s of this.slots) s.reset();
    this.rawstat = 0;
    this.mask = 0;
    this.throttle = 0;
    this.updateIrq();
  }

  /** The head VA of slot `slot`'s _NEXT registers (for traces). */
  headNext(slot: number): number {
    const s = this.slots[slot];
    return s === undefined ? 0 : joinU64(s.headNextLo, s.headNextHi);
  }

  private slotAt(offset: number): JobSlot | null {
    if (offset < JS_BLOCK_OFFSET || offset >= JOB_CONTROL_SIZE || offset % 4 !== 0) return null;
    const index = Math.floor((offset - JS_BLOCK_OFFSET) / JS_SLOT_STRIDE);
    return this.slots[index] ?? null;
  }
}
