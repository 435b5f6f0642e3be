/**
 * Tiler heap ioctls: TILER_HEAP_CREATE and TILER_HEAP_DESTROY. Neither enters the device
 * (no drm_dev_enter()): both keep working after an unplug on the VMs that still exist.
 */
import { type DrmPanthorTilerHeapCreateArgs, EINVAL } from "@panmmu/uapi";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { type PanthorHeapCreateOut, panthorHeapCreate, panthorHeapDestroy } from "../heap/heap.js";
import type { PanthorHeapDevice } from "../heap/pool.js";
import { panthorVmGetHeapPool } from "../heap/vm-heap-pool.js";

/** Heap ids are the low 16 bits of a heap handle, the VM id the high 16. */
const HEAP_ID_MASK = 0xffff;

/**
 * TILER_HEAP_CREATE. In the kernel's order: the VM looked up (-EINVAL); its heap pool got or
 * created (-EINVAL on a destroyed VM, the context BO's errno) — a pool created here stays with
 * the VM even when the checks below fail, as in the kernel; then panthor_heap_create()'s
 * checks and allocations (see {@link panthorHeapCreate}: -EINVAL, the chunks' errno, -EBUSY).
 * On success `handle = vm_id << 16 | heap id`, `tiler_heap_ctx_gpu_va` and
 * `first_heap_chunk_gpu_va` are written into `args`; on a failure after the chunks were
 * allocated `first_heap_chunk_gpu_va` has been written (the kernel writes it in place).
 * Mirrors panthor_ioctl_tiler_heap_create().
 */
export function tilerHeapCreate(
  dev: PanthorHeapDevice,
  priv: PanthorFilePriv,
  args: DrmPanthorTilerHeapCreateArgs,
): number {
  const vm = priv.vms.get(args.vm_id);
  if (vm === null) return -EINVAL;
  try {
    const pool = panthorVmGetHeapPool(dev, vm, true);
    if (typeof pool === "number") return pool;
    const out: PanthorHeapCreateOut = { heapCtxGpuVa: null, firstChunkGpuVa: null };
    const ret = panthorHeapCreate(
      pool,
      args.initial_chunk_count,
      args.chunk_size,
      args.max_chunks,
      args.target_in_flight,
      out,
    );
    if (out.heapCtxGpuVa !== null) args.tiler_heap_ctx_gpu_va = BigInt(out.heapCtxGpuVa);
    if (out.firstChunkGpuVa !== null) args.first_heap_chunk_gpu_va = BigInt(out.firstChunkGpuVa);
    pool.put();
    if (ret < 0) return ret;
    // Heap pools are per VM: the VM id and the heap id make a handle unique in the file.
    args.handle = ((args.vm_id << 16) | ret) >>> 0;
    return 0;
  } finally {
    vm.put();
  }
}

/**
 * TILER_HEAP_DESTROY. In the kernel's order: a non-zero pad → -EINVAL; the VM named by
 * `handle >> 16` looked up (-EINVAL); its heap pool (-ENOENT when the VM never had one); the
 * heap `handle & 0xffff` destroyed with its chunks (-EINVAL when there is no such heap).
 * Mirrors panthor_ioctl_tiler_heap_destroy().
 */
export function tilerHeapDestroy(
  dev: PanthorHeapDevice,
  priv: PanthorFilePriv,
  handle: number,
  pad: number,
): number {
  if (pad !== 0) return -EINVAL;
  const vm = priv.vms.get(handle >>> 16);
  if (vm === null) return -EINVAL;
  try {
    const pool = panthorVmGetHeapPool(dev, vm, false);
    if (typeof pool === "number") return pool;
    const ret = panthorHeapDestroy(pool, handle & HEAP_ID_MASK);
    pool.put();
    return ret;
  } finally {
    vm.put();
  }
}
