/**
 * @panmmu/hw — a simulated Arm Mali GPU: system memory, register file, MMU (AS slots, TLB,
 * walker, lock region, faults), IRQ lines, job slots, GPU presets and a virtual-time event loop.
 *
 * @packageDocumentation
 */

export * from "./memory/index.js";
export * from "./platform/index.js";
export * from "./sim/index.js";
