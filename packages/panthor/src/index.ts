/**
 * @panmmu/panthor — the panthor-style driver for CSF Mali GPUs. This release carries the VM/MMU
 * core (VMs over drm_gpuvm and ARM_64_LPAE_S1 page tables, VM_BIND operation contexts with
 * page-table pre-reservation, atomic updates under a locked MMU region, huge-page unmaps, AS
 * slots with an LRU, the MMU interrupt) and the pure MMU helpers it is built on, each bit-exact
 * with the kernel.
 *
 * @packageDocumentation
 */

export * from "./client/index.js";
export * from "./debug/index.js";
export * from "./device/index.js";
export * from "./file/index.js";
export * from "./fw/index.js";
export * from "./gem/index.js";
export * from "./heap/index.js";
export * from "./ioctl/index.js";
export * from "./mmu/index.js";
export * from "./sched/index.js";
export * from "./vm/index.js";
