/**
 * @panmmu/panthor — the panthor-style driver for CSF Mali GPUs. This release carries the MMU
 * helpers the VM code is built on, each bit-exact with the kernel: VM_BIND flag translation,
 * map/unmap chunking, LOCK region encoding and the per-VM locked-region state step, MAIR to
 * MEMATTR, AS_TRANSCFG, the VM_CREATE VA split, and page-table pre-reservation counts.
 *
 * @packageDocumentation
 */
export * from "./mmu/index.js";
