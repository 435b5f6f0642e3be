/**
 * Tiler heaps in a pool: creation (initial chunks, an id, a zeroed context slot), destruction,
 * the firmware's grow requests (tiler OOM) and the return of a chunk the firmware never got.
 */
import { EBUSY, EINVAL, ENOMEM } from "@panmmu/uapi";
import {
  panthorAllocHeapChunk,
  panthorAllocHeapChunks,
  panthorFreeHeapChunk,
  panthorFreeHeapChunks,
} from "./chunk.js";
import {
  PANTHOR_HEAP_CHUNK_SIZE_MAX,
  PANTHOR_HEAP_CHUNK_SIZE_MIN,
  PANTHOR_MAX_HEAPS_PER_POOL,
  PanthorHeap,
  type PanthorHeapPool,
  panthorHeapChunkDescriptor,
} from "./pool.js";

/** The largest u32. */
const U32_MAX = 0xffff_ffff;
/** Chunk sizes must be page aligned. */
const PAGE_SIZE = 0x1000;

/**
 * Where {@link panthorHeapCreate} writes its outputs, as the kernel writes them into the
 * ioctl's argument struct (null: not written). `firstChunkGpuVa` is written once the chunks
 * exist, before the id is allocated, so a create failing with -EBUSY has written it.
 */
export interface PanthorHeapCreateOut {
  /** GPU VA of the heap's context (`tiler_heap_ctx_gpu_va`). */
  heapCtxGpuVa: number | null;
  /** GPU VA of the chunk list's head (`first_heap_chunk_gpu_va`). */
  firstChunkGpuVa: number | null;
}

/**
 * Removes heap `handle` from the pool and frees its chunks: 0, or -EINVAL when there is no
 * such heap. Mirrors panthor_heap_destroy_locked().
 */
export function panthorHeapDestroyLocked(pool: PanthorHeapPool, handle: number): number {
  const heap = pool.heaps.get(handle);
  if (heap === undefined) return -EINVAL;
  pool.heaps.delete(handle);
  panthorFreeHeapChunks(pool, heap);
  return 0;
}

/** Destroys heap `handle` (an id, 0..127): 0 or -EINVAL. Mirrors panthor_heap_destroy(). */
export function panthorHeapDestroy(pool: PanthorHeapPool, handle: number): number {
  return panthorHeapDestroyLocked(pool, handle);
}

/** The lowest free heap id in [0, 127], or -EBUSY. Mirrors the pool's xa_alloc(). */
function allocHeapId(pool: PanthorHeapPool): number {
  for (let id = 0; id < PANTHOR_MAX_HEAPS_PER_POOL; id++) if (!pool.heaps.has(id)) return id;
  return -EBUSY;
}

/**
 * Creates a heap in `pool`. Checks, in order: `initialChunkCount` 0 → -EINVAL; more initial
 * chunks than `maxChunks` → -EINVAL; `chunkSize` not page aligned or outside
 * [128 KiB, 8 MiB] → -EINVAL (`targetInFlight` is not checked); a destroyed pool → -EINVAL.
 * Then the initial chunks are allocated (their errno on failure), `out.firstChunkGpuVa` is set
 * to the list head, an id is taken (-EBUSY past 128 heaps), the id's context slot (one stride)
 * is zeroed and `out.heapCtxGpuVa` set. Returns the id; any failure frees every chunk made.
 * The four counts are u32 (converted as C converts them). Mirrors panthor_heap_create().
 */
export function panthorHeapCreate(
  pool: PanthorHeapPool,
  initialChunkCount: number,
  chunkSize: number,
  maxChunks: number,
  targetInFlight: number,
  out: PanthorHeapCreateOut,
): number {
  initialChunkCount >>>= 0;
  chunkSize >>>= 0;
  maxChunks >>>= 0;
  targetInFlight >>>= 0;
  if (initialChunkCount === 0) return -EINVAL;
  if (initialChunkCount > maxChunks) return -EINVAL;
  if (
    chunkSize % PAGE_SIZE !== 0 ||
    chunkSize < PANTHOR_HEAP_CHUNK_SIZE_MIN ||
    chunkSize > PANTHOR_HEAP_CHUNK_SIZE_MAX
  ) {
    return -EINVAL;
  }
  // The pool has been destroyed: no new heap.
  const vm = pool.vm?.get() ?? null;
  if (vm === null) return -EINVAL;
  const heap = new PanthorHeap(chunkSize, maxChunks, targetInFlight);
  let ret = panthorAllocHeapChunks(pool, heap, initialChunkCount);
  if (ret === 0) {
    out.firstChunkGpuVa = heap.chunks[0]?.gpuVa ?? 0;
    const ctx = pool.gpuContexts;
    if (pool.vm === null || ctx === null) {
      ret = -EINVAL;
    } else {
      const id = allocHeapId(pool);
      if (id < 0) {
        ret = id;
      } else {
        pool.heaps.set(id, heap);
        ctx.kmap?.write(pool.ctxOffset(id), new Uint8Array(pool.ctxStride));
        out.heapCtxGpuVa = ctx.gpuVa + pool.ctxOffset(id);
        vm.put();
        return id;
      }
    }
  }
  panthorFreeHeapChunks(pool, heap);
  vm.put();
  return ret;
}

/**
 * The heap whose context is at `heapGpuVa` (any address inside its stride), or -EINVAL: the
 * offset from the pool's BO must fit in a u32 and give an id below 128 that is in use.
 */
function heapFromCtxVa(pool: PanthorHeapPool, heapGpuVa: number): PanthorHeap | number {
  const ctx = pool.gpuContexts;
  if (ctx === null || !Number.isSafeInteger(heapGpuVa)) return -EINVAL;
  const offset = heapGpuVa - ctx.gpuVa;
  if (offset < 0 || offset > U32_MAX) return -EINVAL;
  const id = Math.floor(offset / pool.ctxStride);
  if (id >= PANTHOR_MAX_HEAPS_PER_POOL) return -EINVAL;
  return pool.heaps.get(id) ?? -EINVAL;
}

/**
 * Gives a chunk back to its heap: the one whose context is at `heapGpuVa` (-EINVAL when there
 * is none), the chunk at `chunkGpuVa` (low 12 bits ignored, so a descriptor works; -EINVAL when
 * the heap has no such chunk), unlinked and destroyed. Used when a chunk from
 * {@link panthorHeapGrow} could not be handed to the firmware.
 * Mirrors panthor_heap_return_chunk().
 */
export function panthorHeapReturnChunk(
  pool: PanthorHeapPool,
  heapGpuVa: number,
  chunkGpuVa: number,
): number {
  const heap = heapFromCtxVa(pool, heapGpuVa);
  if (typeof heap === "number") return heap;
  if (!Number.isSafeInteger(chunkGpuVa) || chunkGpuVa < 0) return -EINVAL;
  const va = chunkGpuVa - (chunkGpuVa % PAGE_SIZE);
  const chunk = heap.chunks.find((c) => c.gpuVa === va);
  if (chunk === undefined) return -EINVAL;
  panthorFreeHeapChunk(pool, heap, chunk);
  return 0;
}

/**
 * Grows the heap whose context is at `heapGpuVa` by one chunk, for the firmware's tiler-OOM
 * request. -EINVAL when no heap has its context there; -ENOMEM (the firmware then waits for
 * fragment work or runs the user's exception handler) when `renderPassesInFlight` (a u32)
 * exceeds the heap's `target_in_flight` or the heap already has `max_chunks` chunks; the
 * allocation's errno if it fails. On success the new chunk is the list head (its header's
 * `next` left zero: the firmware links it) and its descriptor — VA with `chunk_size >> 12` in
 * the low bits — is returned. The fourth argument (pending fragment jobs) is accepted and
 * unused, as in the kernel.
 * Mirrors panthor_heap_grow().
 */
export function panthorHeapGrow(
  pool: PanthorHeapPool,
  heapGpuVa: number,
  renderPassesInFlight: number,
  _pendingFragCount: number,
): number {
  const heap = heapFromCtxVa(pool, heapGpuVa);
  if (typeof heap === "number") return heap;
  if (renderPassesInFlight >>> 0 > heap.targetInFlight || heap.chunkCount >= heap.maxChunks) {
    pool.stats.growsRefused++;
    return -ENOMEM;
  }
  const ret = panthorAllocHeapChunk(pool, heap, false);
  if (ret !== 0) return ret;
  const head = heap.chunks[0];
  if (head === undefined) return -EINVAL;
  pool.stats.grows++;
  return panthorHeapChunkDescriptor(head.gpuVa, heap.chunkSize);
}
