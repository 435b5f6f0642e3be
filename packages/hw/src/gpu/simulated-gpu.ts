/**
 * The simulated GPU: routes the register window to its blocks (GPU_CONTROL, JOB_CONTROL, MMU),
 * drives the three interrupt lines, and owns the MMU and the engines that run GPU work.
 */
import type { WarningSink } from "@panmmu/uapi";
import { CsEngine } from "../csf/cs/cs-engine.js";
import type { CsTiming } from "../csf/cs/cs-types.js";
import { CsfFirmware, type CsfFirmwareTiming } from "../csf/fw/firmware.js";
import type { CsfFirmwareProfile } from "../csf/fw/fw-profile.js";
import { jobArchForProductId } from "../jobs/arch.js";
import type { JobCostModel } from "../jobs/cost-model.js";
import { JobControl } from "../jobs/job-control.js";
import { GpuAccessProbe } from "../jobs/probe/access-probe.js";
import { MemoryProgramEngine } from "../jobs/program/program-engine.js";
import type { MemoryStats, SystemMemory } from "../memory/system-memory.js";
import { Mmu } from "../mmu/mmu.js";
import type { EventLoop, IrqName, MmioBus } from "../platform/interfaces.js";
import { CSF_GPU_LATEST_FLUSH_ID, CSF_USER_PAGE_SIZE } from "../regs/gpu-control.js";
import { CsfJobIrqBlock } from "./csf-job-irq.js";
import { GpuControlBlock } from "./gpu-control-block.js";
import { IrqLineSim } from "./irq-line.js";
import type { GpuPreset } from "./presets.js";
import type { HwTrace } from "./trace.js";

/** Latencies and sizes of a simulated GPU (virtual ns). */
export interface GpuTiming {
  /** How long an AS command keeps AS_ACTIVE set (0: completes within the register write). */
  mmuCommandNs: number;
  /** GPU_CMD reset to RESET_COMPLETED. */
  resetNs: number;
  /** PWRON/PWROFF to READY change. */
  powerNs: number;
  /** Cache clean/flush to CLEAN_CACHES_COMPLETED. */
  cacheFlushNs: number;
  /** Level rise to handler run. */
  irqNs: number;
}

/** Default timing: 1 µs MMU commands, 10 µs resets, 2 µs power transitions, 1 µs cache flushes, 100 ns IRQ latency. */
export const DEFAULT_GPU_TIMING: Readonly<GpuTiming> = {
  mmuCommandNs: 1000,
  resetNs: 10_000,
  powerNs: 2000,
  cacheFlushNs: 1000,
  irqNs: 100,
};

/** First doorbell register (CSF_DOORBELL(0), the global doorbell). */
const CSF_DOORBELL_BASE = 0x8_0000;
/** Spacing of the doorbell registers (one 64 KiB page each). */
const CSF_DOORBELL_STRIDE = 0x1_0000;
/** Doorbells the model decodes (0 global, then one per CSG slot and more). */
const CSF_DOORBELL_COUNT = 64;

/** Construction options of {@link SimulatedGpu}. */
export interface SimulatedGpuOptions {
  /** The GPU model. */
  preset: GpuPreset;
  /** The event loop. */
  loop: EventLoop;
  /** System memory (tables and GPU data live here). */
  memory: SystemMemory;
  /** Where WARN-style reports go. */
  warnings: WarningSink;
  /** Latencies (defaults: {@link DEFAULT_GPU_TIMING}). */
  timing?: Partial<GpuTiming>;
  /** TLB entries per address space (default 512). */
  tlbEntries?: number;
  /** Job cost-model overrides. */
  jobCost?: Partial<JobCostModel>;
  /** Command-stream timing overrides (CSF GPUs). */
  csTiming?: Partial<CsTiming>;
  /** What the firmware model reports about itself (CSF GPUs; default the G610's). */
  firmwareProfile?: CsfFirmwareProfile;
  /** Firmware timing overrides (CSF GPUs). */
  firmwareTiming?: Partial<CsfFirmwareTiming>;
  /** Optional trace. */
  trace?: HwTrace;
}

/** Counters of the register window. */
export interface MmioStats {
  /** Register reads. */
  reads: number;
  /** Register writes. */
  writes: number;
  /** Reads of offsets with no register (they return 0). */
  unknownReads: number;
  /** Writes to offsets with no writable register (ignored). */
  unknownWrites: number;
}

/** A simulated Mali GPU. Drivers see it only through {@link SimulatedGpu.mmio} and the IRQ lines. */
export class SimulatedGpu {
  /** The GPU model. */
  readonly preset: GpuPreset;
  /** The MMU (implements GpuMemoryPort for the engines). */
  readonly mmu: Mmu;
  /** GPU_CONTROL block. */
  readonly control: GpuControlBlock;
  /** Job slots (JM GPUs only). */
  readonly jobs: JobControl | undefined;
  /** JOB_INT block of CSF GPUs. */
  readonly csfJobIrq: CsfJobIrqBlock | undefined;
  /** Memory-program engine: runs programs on behalf of an AS (what CSF queues use). */
  readonly programs: MemoryProgramEngine;
  /**
   * GPU access probes: timed reads/writes through an AS, for tests that need GPU accesses
   * running concurrently with the driver (not part of the driver-facing platform).
   */
  readonly accessProbe: GpuAccessProbe;
  /** The command-stream interpreter (CSF GPUs; undefined on Job Manager GPUs). */
  readonly cs: CsEngine | undefined;
  /** The firmware model (CSF GPUs; undefined on Job Manager GPUs). */
  readonly firmware: CsfFirmware | undefined;
  /** The interrupt lines. */
  readonly irqs: Readonly<Record<IrqName, IrqLineSim>>;
  /** The register window. */
  readonly mmio: MmioBus;
  /** Register-window counters. */
  readonly mmioStats: MmioStats = { reads: 0, writes: 0, unknownReads: 0, unknownWrites: 0 };
  /** Unknown offsets read, with how often. */
  readonly unknownReadOffsets = new Map<number, number>();
  /** The trace, when enabled. */
  readonly trace: HwTrace | undefined;
  private readonly memory: SystemMemory;

  /** Builds the GPU in its power-on state. */
  constructor(options: SimulatedGpuOptions) {
    const { preset, loop, memory, warnings } = options;
    const timing: GpuTiming = { ...DEFAULT_GPU_TIMING, ...options.timing };
    this.preset = preset;
    this.memory = memory;
    this.trace = options.trace;
    const trace = this.trace;
    const log = trace === undefined ? undefined : (m: string) => trace.log(m);
    const irqs = {
      gpu: new IrqLineSim("gpu", loop, () => this.control.irqLevel, timing.irqNs, warnings),
      job: new IrqLineSim("job", loop, () => this.jobIrqLevel(), timing.irqNs, warnings),
      mmu: new IrqLineSim("mmu", loop, () => this.mmu.irqLevel, timing.irqNs, warnings),
    };
    this.irqs = irqs;
    this.mmu = new Mmu({
      loop,
      memory,
      caps: {
        vaBits: preset.vaBits,
        paBits: preset.paBits,
        aarch64: preset.aarch64Mmu,
        transcfg: preset.aarch64Mmu || preset.family !== "Midgard",
        legacy: !preset.csf,
      },
      asPresent: preset.asPresent,
      csf: preset.csf,
      commandLatencyNs: timing.mmuCommandNs,
      tlbEntries: options.tlbEntries ?? 512,
      onIrqChange: () => irqs.mmu.update(),
      ...(log === undefined ? {} : { trace: log }),
    });
    this.control = new GpuControlBlock(
      preset,
      loop,
      { resetNs: timing.resetNs, powerNs: timing.powerNs, cacheFlushNs: timing.cacheFlushNs },
      {
        onIrqChange: () => irqs.gpu.update(),
        onReset: (hard) => this.resetBlocks(hard),
        onMcuControl: (control) => this.firmware?.mcuControl(control),
        ...(log === undefined ? {} : { trace: log }),
      },
    );
    const jsCount = popcount(preset.jsPresent);
    if (!preset.csf && jsCount > 0) {
      this.jobs = new JobControl({
        loop,
        memory,
        port: this.mmu,
        jsCount,
        onIrqChange: () => irqs.job.update(),
        arch: jobArchForProductId(preset.gpuId >>> 16) ?? 7,
        warnings,
        asPresent: preset.asPresent,
        ...(log === undefined ? {} : { trace: log }),
        ...(options.jobCost === undefined ? {} : { cost: options.jobCost }),
      });
      this.csfJobIrq = undefined;
    } else {
      this.jobs = undefined;
      this.csfJobIrq = new CsfJobIrqBlock(() => irqs.job.update());
    }
    this.programs = new MemoryProgramEngine({
      loop,
      memory,
      port: this.mmu,
      asPresent: preset.asPresent,
      ...(options.jobCost === undefined ? {} : { cost: options.jobCost }),
    });
    this.accessProbe = new GpuAccessProbe({ loop, memory, port: this.mmu });
    const control = this.control;
    this.cs = preset.csf
      ? new CsEngine(
          {
            loop,
            memory,
            port: this.mmu,
            latestFlushId: () => control.latestFlushIdValue,
            flushDone: (full) => control.countStreamFlush(full),
            timestamp: () => control.timestampWords(),
            cycleCount: () => control.cycleCountWords(),
          },
          options.csTiming,
        )
      : undefined;
    const jobIrq = this.csfJobIrq;
    const cs = this.cs;
    this.firmware =
      jobIrq === undefined || cs === undefined
        ? undefined
        : new CsfFirmware(
            {
              loop,
              memory,
              port: this.mmu,
              setMcuStatus: (status) => control.setMcuStatus(status),
              raiseJobIrq: (bits) => jobIrq.raise(bits),
              cs,
              ...(log === undefined ? {} : { trace: log }),
              ...(trace === undefined
                ? {}
                : {
                    traceInstructions: (m: string) => {
                      if (trace.instructions) trace.log(m);
                    },
                  }),
            },
            options.firmwareProfile,
            options.firmwareTiming,
          );
    this.mmio = {
      read32: (offset: number) => this.read32(offset),
      write32: (offset: number, value: number) => this.write32(offset, value),
    };
  }

  /** System memory statistics (convenience for tests). */
  get memoryStats(): Readonly<MemoryStats> {
    return this.memory.stats;
  }

  private jobIrqLevel(): boolean {
    return this.jobs?.irqLevel ?? this.csfJobIrq?.irqLevel ?? false;
  }

  /** Reads the 32-bit register at `offset`; unknown offsets read 0 and are counted. */
  read32(offset: number): number {
    this.mmioStats.reads++;
    let v: number | undefined;
    if (offset < 0x1000) v = this.control.readReg(offset);
    else if (offset < 0x2000) {
      if (this.jobs !== undefined) {
        const before = this.jobs.unknownReads;
        v = this.jobs.read32(offset - 0x1000);
        if (this.jobs.unknownReads !== before) v = undefined;
      } else v = this.csfJobIrq?.read32(offset - 0x1000);
    } else if (offset < 0x2800) v = this.mmu.readReg(offset);
    else if (
      this.csfJobIrq !== undefined &&
      offset >= CSF_GPU_LATEST_FLUSH_ID &&
      offset < CSF_GPU_LATEST_FLUSH_ID + CSF_USER_PAGE_SIZE
    ) {
      v = this.control.userPageRead(offset - CSF_GPU_LATEST_FLUSH_ID);
    } else if (this.doorbellIndex(offset) >= 0) v = 0;
    if (v === undefined) {
      this.mmioStats.unknownReads++;
      this.unknownReadOffsets.set(offset, (this.unknownReadOffsets.get(offset) ?? 0) + 1);
      v = 0;
    }
    this.trace?.read(offset, v);
    return v >>> 0;
  }

  /** Writes the 32-bit register at `offset`; writes with no effect are counted. */
  write32(offset: number, value: number): void {
    this.mmioStats.writes++;
    const v = value >>> 0;
    this.trace?.write(offset, v);
    let known: boolean;
    if (offset < 0x1000) known = this.control.writeReg(offset, v);
    else if (offset < 0x2000) {
      if (this.jobs !== undefined) {
        const before = this.jobs.unknownWrites;
        this.jobs.write32(offset - 0x1000, v);
        known = this.jobs.unknownWrites === before;
      } else known = this.csfJobIrq?.write32(offset - 0x1000, v) ?? false;
    } else if (offset < 0x2800) known = this.mmu.writeReg(offset, v);
    else known = this.writeDoorbell(offset, v);
    if (!known) this.mmioStats.unknownWrites++;
  }

  /** Doorbell `n` of a CSF GPU for a register `offset` (CSF_DOORBELL(n)), or -1. */
  private doorbellIndex(offset: number): number {
    if (this.firmware === undefined || offset < CSF_DOORBELL_BASE) return -1;
    const rel = offset - CSF_DOORBELL_BASE;
    if (rel % CSF_DOORBELL_STRIDE !== 0) return -1;
    const n = rel / CSF_DOORBELL_STRIDE;
    return n < CSF_DOORBELL_COUNT ? n : -1;
  }

  /** A write to a doorbell register rings it (any value); false when `offset` is none. */
  private writeDoorbell(offset: number, _value: number): boolean {
    const n = this.doorbellIndex(offset);
    if (n < 0) return false;
    this.trace?.log(`doorbell ${n}`);
    this.firmware?.doorbell(n);
    return true;
  }

  /** What a soft or hard reset does to every block but GPU_CONTROL. */
  private resetBlocks(hard: boolean): void {
    this.trace?.log(hard ? "gpu hard-reset" : "gpu soft-reset");
    this.jobs?.reset();
    this.csfJobIrq?.reset();
    this.programs.reset();
    this.accessProbe.reset();
    this.cs?.reset();
    this.firmware?.reset();
    this.mmu.reset();
  }
}

function popcount(x: number): number {
  let n = 0;
  let v = x >>> 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}
