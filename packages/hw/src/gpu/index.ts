export { CsfJobIrqBlock } from "./csf-job-irq.js";
export {
  GPU_CYCLE_COUNTER_HZ,
  GpuControlBlock,
  type GpuControlHooks,
  type GpuControlTiming,
  SYSTEM_COUNTER_FREQUENCY_HZ,
} from "./gpu-control-block.js";
export { IrqLineSim } from "./irq-line.js";
export { createPlatform, type PlatformOptions, type SimPlatform } from "./platform.js";
export * from "./presets.js";
export {
  DEFAULT_GPU_TIMING,
  type GpuTiming,
  type MmioStats,
  SimulatedGpu,
  type SimulatedGpuOptions,
} from "./simulated-gpu.js";
export { HwTrace } from "./trace.js";
