/**
 * Kernel buffer objects: a BO private to one VM, given a VA in the VM's kernel range (explicit,
 * or picked in the auto-VA range) and mapped there, optionally vmapped for the CPU. Ring
 * buffers, queue sync objects, heap chunks and firmware sections are made of these.
 */
import { type DrmGemDevice, DrmGemObject, DrmMmNode, type ShmemCpuView } from "@panmmu/drm";
import { EINVAL } from "@panmmu/uapi";
import type { PanthorVm } from "../vm/vm.js";
import { PanthorBo } from "./bo.js";

/** Debug usage flag: the BO was made by the kernel. Mirrors PANTHOR_DEBUGFS_GEM_USAGE_FLAG_KERNEL. */
export const PANTHOR_GEM_USAGE_FLAG_KERNEL = 1 << 0;
/** Debug usage flag: the BO is mapped in the MCU's VM. Mirrors PANTHOR_DEBUGFS_GEM_USAGE_FLAG_FW_MAPPED. */
export const PANTHOR_GEM_USAGE_FLAG_FW_MAPPED = 1 << 1;

/** A kernel BO. Mirrors `struct panthor_kernel_bo`. */
export class PanthorKernelBo {
  /** The CPU mapping made by {@link panthorKernelBoVmap}, or null (`kmap`). */
  kmap: ShmemCpuView | null = null;
  /** Debug usage flags ({@link PANTHOR_GEM_USAGE_FLAG_KERNEL}, `_FW_MAPPED`). */
  readonly usageFlags: number;

  /**
   * @param obj - the GEM object (this kernel BO owns one reference).
   * @param vm - the VM it is mapped in (one reference held).
   * @param vaNode - its node in the VM's kernel VA allocator.
   */
  constructor(
    readonly obj: PanthorBo,
    readonly vm: PanthorVm,
    readonly vaNode: DrmMmNode,
  ) {
    this.usageFlags =
      PANTHOR_GEM_USAGE_FLAG_KERNEL | (vm.forMcu ? PANTHOR_GEM_USAGE_FLAG_FW_MAPPED : 0);
    obj.usageFlags = this.usageFlags;
  }

  /** GPU VA of the BO's first byte. Mirrors panthor_kernel_bo_gpuva(). */
  get gpuVa(): number {
    return this.vaNode.start;
  }

  /** Mapped size (the VA node's size). Mirrors panthor_kernel_bo_size(). */
  get size(): number {
    return this.vaNode.size;
  }
}

/**
 * Creates a BO private to `vm` (sharing its reservation object), labels it `name`, reserves
 * `size` rounded to the VM page size at `gpuVa` (or, with `PANTHOR_VM_KERNEL_AUTO_VA`, picks a
 * VA in the auto-VA range) and maps the whole BO there with `vmMapFlags`. Returns the kernel BO
 * or a negative errno (-EINVAL for a size of 0 or an unaligned VA, -ENOSPC when the range is
 * taken or full, the map's error); a failure leaves no BO, VA or mapping behind.
 * Mirrors panthor_kernel_bo_create().
 */
export function panthorKernelBoCreate(
  drm: DrmGemDevice,
  vm: PanthorVm,
  size: number,
  boFlags: number,
  vmMapFlags: number,
  gpuVa: number,
  name: string | null,
): PanthorKernelBo | number {
  const root = vm.rootGem;
  if (!(root instanceof DrmGemObject)) {
    vm.warn("panthor_kernel_bo_create", "VM without a GEM reservation object");
    return -EINVAL;
  }
  if (!Number.isSafeInteger(size) || size <= 0) {
    // drm_gem_shmem_create() takes any size; the zero size fails in panthor_vm_alloc_va().
    return -EINVAL;
  }
  const obj = new PanthorBo(drm, size, boFlags, { root, resv: root.resv });
  if (name !== null) obj.label = name;
  const pg = vm.pageSize;
  const mapped = Math.ceil(size / pg) * pg;
  const node = new DrmMmNode(0, 0);
  let ret = vm.allocVa(gpuVa, mapped, node);
  if (ret !== 0) {
    obj.put();
    return ret;
  }
  ret = vm.mapBoRange(obj, 0, mapped, node.start, vmMapFlags);
  if (ret !== 0) {
    vm.freeVa(node);
    obj.put();
    return ret;
  }
  return new PanthorKernelBo(obj, vm.get(), node);
}

/**
 * Maps the BO for the CPU (once; later calls reuse the mapping): 0 or a negative errno.
 * Mirrors panthor_kernel_bo_vmap().
 */
export function panthorKernelBoVmap(bo: PanthorKernelBo): number {
  if (bo.kmap !== null) return 0;
  const view = bo.obj.vmap();
  if (typeof view === "number") return view;
  bo.kmap = view;
  return 0;
}

/** Drops the CPU mapping, if any. Mirrors panthor_kernel_bo_vunmap(). */
export function panthorKernelBoVunmap(bo: PanthorKernelBo): void {
  if (bo.kmap === null) return;
  bo.kmap.unmap();
  bo.kmap = null;
}

/**
 * Destroys a kernel BO: CPU mapping dropped, GPU mapping removed, VA freed, the BO and VM
 * references dropped. A null or an errno (a failed create) is ignored. A BO whose exclusive VM
 * is not `bo.vm` is a WARN. Mirrors panthor_kernel_bo_destroy().
 */
export function panthorKernelBoDestroy(bo: PanthorKernelBo | number | null): void {
  if (bo === null || typeof bo === "number") return;
  const vm = bo.vm;
  panthorKernelBoVunmap(bo);
  if (bo.obj.exclusiveVmRootGem !== vm.rootGem)
    vm.warn("panthor_kernel_bo_destroy", "BO not private to its VM");
  vm.unmapRange(bo.vaNode.start, bo.vaNode.size);
  vm.freeVa(bo.vaNode);
  bo.obj.put();
  vm.put();
}
