/**
 * `createPlatform()`: a simulated GPU with its memory, event loop and warning sink, packaged as
 * the {@link GpuPlatform} a driver probes, plus the simulator objects for tests.
 */
import { CollectingWarningSink, type WarningSink } from "@panmmu/uapi";
import type { CsTiming } from "../csf/cs/cs-types.js";
import type { CsfFirmwareTiming } from "../csf/fw/firmware.js";
import type { CsfFirmwareProfile } from "../csf/fw/fw-profile.js";
import type { JobCostModel } from "../jobs/cost-model.js";
import { SystemMemory, type SystemMemoryOptions } from "../memory/system-memory.js";
import type { GpuPlatform } from "../platform/interfaces.js";
import { EventLoopSim } from "../sim/event-loop.js";
import { GPU_PRESETS, type GpuPreset, type GpuPresetName } from "./presets.js";
import { type GpuTiming, SimulatedGpu } from "./simulated-gpu.js";
import { HwTrace } from "./trace.js";

/** Options of {@link createPlatform}. */
export interface PlatformOptions {
  /** Seed of the event loop's tie order and of memory failure injection (default 1). */
  seed?: number;
  /** An existing loop to run on (default: a new {@link EventLoopSim} with `seed`). */
  loop?: EventLoopSim;
  /** System memory options (default: 1 GiB at 0x80000000). */
  memory?: SystemMemoryOptions;
  /** Warning sink (default: a new CollectingWarningSink). */
  warnings?: WarningSink;
  /** Latencies. */
  timing?: Partial<GpuTiming>;
  /** TLB entries per AS (default 512). */
  tlbEntries?: number;
  /** Overrides of preset fields (e.g. `vaBits`, `asPresent`). */
  overrides?: Partial<Omit<GpuPreset, "key" | "idRegisters">>;
  /** Whether the platform is IO-coherent (default false). */
  coherent?: boolean;
  /** Record a trace (`true`, or `{ mmio: false, instructions: false }` to log firmware and hardware events only). */
  trace?: boolean | { mmio?: boolean; instructions?: boolean; limit?: number };
  /** Job cost-model overrides. */
  jobCost?: Partial<JobCostModel>;
  /** Command-stream timing overrides (CSF GPUs). */
  csTiming?: Partial<CsTiming>;
  /** What the firmware model reports about itself (CSF GPUs; default the G610's). */
  firmwareProfile?: CsfFirmwareProfile;
  /** Firmware timing overrides (CSF GPUs). */
  firmwareTiming?: Partial<CsfFirmwareTiming>;
}

/** What {@link createPlatform} returns. */
export interface SimPlatform {
  /** What a driver is given at probe time. */
  readonly platform: GpuPlatform;
  /** The simulated GPU (for tests and tools; drivers must not use it). */
  readonly gpu: SimulatedGpu;
  /** System memory. */
  readonly memory: SystemMemory;
  /** Event loop. */
  readonly loop: EventLoopSim;
  /** Warning sink. */
  readonly warnings: WarningSink;
}

/** Builds a simulated GPU platform from a preset name or a custom preset. */
export function createPlatform(
  preset: GpuPresetName | GpuPreset,
  options: PlatformOptions = {},
): SimPlatform {
  const base = typeof preset === "string" ? GPU_PRESETS[preset] : preset;
  if (base === undefined) throw new RangeError(`unknown GPU preset ${String(preset)}`);
  const model: GpuPreset = { ...base, ...options.overrides };
  const seed = options.seed ?? 1;
  const loop = options.loop ?? new EventLoopSim({ seed });
  const warnings = options.warnings ?? new CollectingWarningSink();
  const memory = new SystemMemory({ seed, warnings, ...options.memory });
  const traceOpt = options.trace;
  const trace =
    traceOpt === undefined || traceOpt === false
      ? undefined
      : new HwTrace(loop, traceOpt === true ? {} : traceOpt);
  const gpu = new SimulatedGpu({
    preset: model,
    loop,
    memory,
    warnings,
    ...(options.timing === undefined ? {} : { timing: options.timing }),
    ...(options.tlbEntries === undefined ? {} : { tlbEntries: options.tlbEntries }),
    ...(options.jobCost === undefined ? {} : { jobCost: options.jobCost }),
    ...(options.csTiming === undefined ? {} : { csTiming: options.csTiming }),
    ...(options.firmwareProfile === undefined ? {} : { firmwareProfile: options.firmwareProfile }),
    ...(options.firmwareTiming === undefined ? {} : { firmwareTiming: options.firmwareTiming }),
    ...(trace === undefined ? {} : { trace }),
  });
  const platform: GpuPlatform = {
    mmio: gpu.mmio,
    irqs: gpu.irqs,
    memory,
    loop,
    warnings,
    coherent: options.coherent ?? false,
  };
  return { platform, gpu, memory, loop, warnings };
}
