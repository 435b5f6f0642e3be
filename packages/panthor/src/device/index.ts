export {
  CSF_MCU_SHARED_REGION_SIZE,
  CSF_MCU_SHARED_REGION_START,
  PANTHOR_DRIVER_NAME,
  PANTHOR_UAPI_MINOR,
  PanthorDevice,
  type PanthorFileHandle,
  type PanthorProbeOptions,
} from "./device.js";
export { FLUSH_TIMEOUT_NS, GPU_INTERRUPTS_MASK, type GpuCounters, PanthorGpu } from "./gpu.js";
export { platformMmuEnv } from "./mmu-env.js";
export { attachMmuIrq } from "./mmu-irq.js";
