/**
 * Creating and destroying a heap pool: the context BO (128 strides, page rounded, vmapped for
 * the whole life of the pool) and, at destruction, every heap with its chunks.
 */
import { DRM_PANTHOR_BO_NO_MMAP, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC } from "@panmmu/uapi";
import {
  panthorKernelBoCreate,
  panthorKernelBoDestroy,
  panthorKernelBoVmap,
} from "../gem/kernel-bo.js";
import type { PanthorVm } from "../vm/vm.js";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "../vm/vm-types.js";
import { panthorHeapDestroyLocked } from "./heap.js";
import {
  PANTHOR_HEAP_POOL_LABEL,
  PANTHOR_MAX_HEAPS_PER_POOL,
  type PanthorHeapDevice,
  PanthorHeapPool,
  panthorHeapCtxStride,
} from "./pool.js";

/** Page size the context BO is rounded to. */
const SZ_4K = 0x1000;

/** Bytes of a pool's context BO on `dev`: 128 strides rounded up to 4 KiB (8 KiB on a G610). */
export function panthorHeapPoolBoSize(dev: PanthorHeapDevice): number {
  const bytes = PANTHOR_MAX_HEAPS_PER_POOL * panthorHeapCtxStride(dev.queryCtx.gpuInfo.l2_features);
  return Math.ceil(bytes / SZ_4K) * SZ_4K;
}

/**
 * Creates the heap pool of `vm`: the context BO, a kernel BO at an auto kernel VA (not
 * mappable by userspace, not executable, labelled "Heap pool"), vmapped. Returns the pool
 * (one reference, the caller's) or the errno of the BO creation or vmap, with nothing left
 * behind. Mirrors panthor_heap_pool_create().
 */
export function panthorHeapPoolCreate(
  dev: PanthorHeapDevice,
  vm: PanthorVm,
): PanthorHeapPool | number {
  const pool = new PanthorHeapPool(dev, vm);
  const bo = panthorKernelBoCreate(
    dev.drm,
    vm,
    panthorHeapPoolBoSize(dev),
    DRM_PANTHOR_BO_NO_MMAP,
    DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
    PANTHOR_VM_KERNEL_AUTO_VA,
    PANTHOR_HEAP_POOL_LABEL,
  );
  if (typeof bo === "number") {
    panthorHeapPoolDestroy(pool);
    return bo;
  }
  pool.gpuContexts = bo;
  const ret = panthorKernelBoVmap(bo);
  if (ret !== 0) {
    panthorHeapPoolDestroy(pool);
    return ret;
  }
  pool.size += bo.obj.size;
  return pool;
}

/**
 * Destroys a pool (null is ignored): every heap in id order with its chunks (a failure there
 * is a WARN), then the context BO; the pool forgets its VM, so no heap can be created in it
 * any more, and the reference the VM held is dropped. Other holders keep a dead pool whose
 * grows and returns fail with -EINVAL. Mirrors panthor_heap_pool_destroy().
 */
export function panthorHeapPoolDestroy(pool: PanthorHeapPool | null): void {
  if (pool === null) return;
  const vm = pool.vm;
  for (const id of pool.heapIds()) {
    const ret = panthorHeapDestroyLocked(pool, id);
    if (ret !== 0) vm?.warn("panthor_heap_pool_destroy", `heap ${id}: destroy failed (${ret})`);
  }
  const ctx = pool.gpuContexts;
  if (ctx !== null) {
    pool.size -= ctx.obj.size;
    panthorKernelBoDestroy(ctx);
    pool.gpuContexts = null;
  }
  pool.vm = null;
  pool.put();
}

/** Bytes of the context BO and every chunk of the pool (0 for null). Mirrors panthor_heap_pool_size(). */
export function panthorHeapPoolSize(pool: PanthorHeapPool | null): number {
  return pool === null ? 0 : pool.size;
}
