/**
 * The VM side of heap pools: each VM has at most one, created on the first TILER_HEAP_CREATE
 * and destroyed with the VM (the VM's `heaps.pool`, kept here so the VM code needs no heap
 * import: the VM calls the `heapPoolDestroy` hook this module installs with the pool).
 */
import { EINVAL, ENOENT } from "@panmmu/uapi";
import type { PanthorFilePriv } from "../file/file-priv.js";
import type { PanthorVm } from "../vm/vm.js";
import type { PanthorHeapDevice, PanthorHeapPool } from "./pool.js";
import {
  panthorHeapPoolCreate,
  panthorHeapPoolDestroy,
  panthorHeapPoolSize,
} from "./pool-lifecycle.js";

/** `vm->heaps.pool`: each VM's pool, holding one reference on it. */
const vmPools = new WeakMap<PanthorVm, PanthorHeapPool>();

/**
 * Destroys `vm`'s heap pool, if it has one, and forgets it. Runs from the VM's destroy, after
 * the VM is marked destroyed and before its VA range is unmapped (the heap part of
 * panthor_vm_destroy()).
 */
function vmHeapPoolDestroy(vm: PanthorVm): void {
  const pool = vmPools.get(vm) ?? null;
  vmPools.delete(vm);
  panthorHeapPoolDestroy(pool);
}

/**
 * The heap pool of `vm`, with a reference the caller drops with `put()`. When the VM has none
 * and `create` is set, one is created (-EINVAL if the VM was destroyed, else the creation's
 * errno) and the VM keeps a reference on it; when the VM has none and `create` is clear,
 * -ENOENT. Mirrors panthor_vm_get_heap_pool().
 */
export function panthorVmGetHeapPool(
  dev: PanthorHeapDevice,
  vm: PanthorVm,
  create: boolean,
): PanthorHeapPool | number {
  const pool = vmPools.get(vm);
  if (pool === undefined && create) {
    if (vm.destroyed) return -EINVAL;
    const made = panthorHeapPoolCreate(dev, vm);
    if (typeof made === "number") return made;
    vmPools.set(vm, made.get());
    vm.hooks.heapPoolDestroy = vmHeapPoolDestroy;
    return made;
  }
  return pool === undefined ? -ENOENT : pool.get();
}

/** `vm`'s heap pool without taking a reference (debug views, tests), or null. */
export function panthorVmHeapPool(vm: PanthorVm): PanthorHeapPool | null {
  return vmPools.get(vm) ?? null;
}

/**
 * Bytes of the heap pools of a file's VMs, as fdinfo counts them: all of them resident, those
 * of VMs bound to an AS slot active. Mirrors panthor_vm_heaps_sizes().
 */
export function panthorVmHeapsSizes(priv: PanthorFilePriv): {
  /** Bytes of every pool (context BOs and chunks). */
  readonly resident: number;
  /** Bytes of the pools of VMs holding an AS slot. */
  readonly active: number;
} {
  let resident = 0;
  let active = 0;
  for (const [, vm] of priv.vms.entries()) {
    const size = panthorHeapPoolSize(vmPools.get(vm) ?? null);
    resident += size;
    if (vm.asId >= 0) active += size;
  }
  return { resident, active };
}
