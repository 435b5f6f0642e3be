export { FLUSH_TIMEOUT_NS, GPU_INTERRUPTS_MASK, type GpuCounters, PanthorGpu } from "./gpu.js";
export { platformMmuEnv } from "./mmu-env.js";
export { attachMmuIrq } from "./mmu-irq.js";
