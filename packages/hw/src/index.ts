/**
 * @panmmu/hw — a simulated Arm Mali GPU: system memory, register file, MMU (AS slots, TLB,
 * walker, lock region, faults), IRQ lines, job slots, GPU presets and a virtual-time event loop.
 *
 * @packageDocumentation
 */

export * from "./csf/index.js";
export * from "./gpu/index.js";
export * from "./jobs/index.js";
export * from "./memory/index.js";
export * from "./mmu/index.js";
export * from "./platform/index.js";
export * from "./regs/index.js";
export * from "./sim/index.js";
