export * from "./exceptions.js";
export * from "./gpu-control.js";
export { CSF_GPU_REGS, JM_GPU_REGS } from "./gpu-control-offsets.js";
export * from "./mmu-encodings.js";
export * from "./mmu-regs.js";
