/**
 * A file's VM pool: ids from 1, at most 32 VMs, xarray semantics (the lowest free id is reused).
 */
import { EBUSY } from "@panmmu/uapi";
import type { PanthorVm } from "../vm/vm.js";

/** Most VMs one file may have. Mirrors PANTHOR_MAX_VMS_PER_FILE. */
export const PANTHOR_MAX_VMS_PER_FILE = 32;

/** Mirrors `struct panthor_vm_pool`. */
export class PanthorVmPool {
  private readonly vms = new Map<number, PanthorVm>();

  /** Number of VMs in the pool. */
  get size(): number {
    return this.vms.size;
  }

  /** Stores `vm` (the pool owns its reference) under the lowest free id in [1, 32], or -EBUSY. */
  add(vm: PanthorVm): number {
    for (let id = 1; id <= PANTHOR_MAX_VMS_PER_FILE; id++) {
      if (!this.vms.has(id)) {
        this.vms.set(id, vm);
        return id;
      }
    }
    return -EBUSY;
  }

  /** The VM with `id`, with a new reference, or null. Mirrors panthor_vm_pool_get_vm(). */
  get(id: number): PanthorVm | null {
    const vm = this.vms.get(id);
    return vm === undefined ? null : vm.get();
  }

  /** Removes and returns the VM with `id` (its pool reference moves to the caller), or null. */
  erase(id: number): PanthorVm | null {
    const vm = this.vms.get(id) ?? null;
    if (vm !== null) this.vms.delete(id);
    return vm;
  }

  /** The pool's VMs by id, ascending (no reference taken). */
  entries(): Array<[number, PanthorVm]> {
    return [...this.vms.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Destroys every VM. Mirrors panthor_vm_pool_destroy(). */
  destroyAll(): void {
    for (const [id, vm] of this.entries()) {
      this.vms.delete(id);
      vm.destroy();
    }
  }
}
