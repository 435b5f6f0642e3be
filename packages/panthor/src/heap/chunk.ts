/**
 * Heap chunks: a kernel BO in the pool's VM (auto kernel VA, not mappable by userspace, not
 * executable) whose 64-byte header the driver writes through a temporary CPU mapping.
 */
import { DRM_PANTHOR_BO_NO_MMAP, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC, EINVAL } from "@panmmu/uapi";
import {
  panthorKernelBoCreate,
  panthorKernelBoDestroy,
  panthorKernelBoVmap,
  panthorKernelBoVunmap,
} from "../gem/kernel-bo.js";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "../vm/vm-types.js";
import {
  PANTHOR_HEAP_CHUNK_HEADER_SIZE,
  PANTHOR_HEAP_CHUNK_LABEL,
  type PanthorHeap,
  PanthorHeapChunk,
  type PanthorHeapPool,
  panthorHeapChunkDescriptor,
} from "./pool.js";

/** 2^32, to split a VA into the two u32 halves of a little-endian u64. */
const TWO_32 = 0x1_0000_0000;

/**
 * Allocates a chunk for `heap` and puts it at the head of the chunk list. Its header is
 * zeroed; when `initialChunk` is set and the list was not empty, the header's `next` points
 * at the previous head (chunk descriptor: VA with `chunk_size >> 12` in the low bits). A chunk
 * the firmware asked for (grow) keeps `next` zero: the firmware links it itself. Returns 0 or
 * the kernel BO's errno (its VA, mapping and pages then already given back).
 * Mirrors panthor_alloc_heap_chunk().
 */
export function panthorAllocHeapChunk(
  pool: PanthorHeapPool,
  heap: PanthorHeap,
  initialChunk: boolean,
): number {
  const vm = pool.vm;
  if (vm === null) return -EINVAL;
  const bo = panthorKernelBoCreate(
    pool.dev.drm,
    vm,
    heap.chunkSize,
    DRM_PANTHOR_BO_NO_MMAP,
    DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
    PANTHOR_VM_KERNEL_AUTO_VA,
    PANTHOR_HEAP_CHUNK_LABEL,
  );
  if (typeof bo === "number") return bo;
  const ret = panthorKernelBoVmap(bo);
  if (ret !== 0) {
    panthorKernelBoDestroy(bo);
    return ret;
  }
  const hdr = bo.kmap;
  if (hdr !== null) {
    hdr.write(0, new Uint8Array(PANTHOR_HEAP_CHUNK_HEADER_SIZE));
    const prev = heap.chunks[0];
    if (initialChunk && prev !== undefined) {
      const next = panthorHeapChunkDescriptor(prev.gpuVa, heap.chunkSize);
      hdr.writeU32(0, next % TWO_32);
      hdr.writeU32(4, Math.floor(next / TWO_32));
    }
  }
  panthorKernelBoVunmap(bo);
  heap.chunks.unshift(new PanthorHeapChunk(bo));
  heap.chunkCount++;
  pool.size += heap.chunkSize;
  pool.stats.chunksAllocated++;
  return 0;
}

/**
 * Unlinks `chunk` from `heap` and destroys its BO (unmapped, VA freed).
 * Mirrors panthor_free_heap_chunk().
 */
export function panthorFreeHeapChunk(
  pool: PanthorHeapPool,
  heap: PanthorHeap,
  chunk: PanthorHeapChunk,
): void {
  const i = heap.chunks.indexOf(chunk);
  if (i >= 0) heap.chunks.splice(i, 1);
  heap.chunkCount--;
  pool.size -= heap.chunkSize;
  pool.stats.chunksFreed++;
  panthorKernelBoDestroy(chunk.bo);
}

/** Frees every chunk of `heap`, head first. Mirrors panthor_free_heap_chunks(). */
export function panthorFreeHeapChunks(pool: PanthorHeapPool, heap: PanthorHeap): void {
  for (const chunk of [...heap.chunks]) panthorFreeHeapChunk(pool, heap, chunk);
}

/** Allocates `count` initial chunks, stopping at the first error. Mirrors panthor_alloc_heap_chunks(). */
export function panthorAllocHeapChunks(
  pool: PanthorHeapPool,
  heap: PanthorHeap,
  count: number,
): number {
  for (let i = 0; i < count; i++) {
    const ret = panthorAllocHeapChunk(pool, heap, true);
    if (ret !== 0) return ret;
  }
  return 0;
}

/**
 * Reads a chunk's header through a temporary CPU mapping (debug and tests): `next` as a
 * number and whether the 56 bytes after it are zero, or a negative errno from the vmap.
 */
export function readHeapChunkHeader(
  chunk: PanthorHeapChunk,
): { readonly next: number; readonly restZero: boolean } | number {
  const bo = chunk.bo;
  const hadMap = bo.kmap !== null;
  const ret = panthorKernelBoVmap(bo);
  if (ret !== 0) return ret;
  const view = bo.kmap;
  if (view === null) return -EINVAL;
  const next = view.readU32(0) + view.readU32(4) * TWO_32;
  const rest = view.read(8, PANTHOR_HEAP_CHUNK_HEADER_SIZE - 8);
  if (!hadMap) panthorKernelBoVunmap(bo);
  return { next, restZero: rest.every((b) => b === 0) };
}
