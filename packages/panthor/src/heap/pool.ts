/**
 * Tiler heap data: a heap pool (one per VM, up to 128 heap contexts in one kernel BO), its
 * heaps and their chunk lists, and the sizes and encodings the kernel and the firmware share.
 * The operations on them live in heap.ts (heaps, chunks) and pool-lifecycle.ts (pools).
 */
import type { DrmGemDevice } from "@panmmu/drm";
import type { PanthorKernelBo } from "../gem/kernel-bo.js";
import type { PanthorVm } from "../vm/vm.js";

/** Bytes of one GPU heap context (opaque to the driver, zeroed at creation). Mirrors HEAP_CONTEXT_SIZE. */
export const PANTHOR_HEAP_CONTEXT_SIZE = 32;
/** Heap contexts one pool holds (heap ids 0..127). Mirrors MAX_HEAPS_PER_POOL. */
export const PANTHOR_MAX_HEAPS_PER_POOL = 128;
/**
 * Bytes of the header the driver writes at the start of each chunk: a u64 `next` and 14 u32
 * that must be zero. Mirrors sizeof(struct panthor_heap_chunk_header).
 */
export const PANTHOR_HEAP_CHUNK_HEADER_SIZE = 64;
/** Smallest chunk size TILER_HEAP_CREATE accepts (128 KiB). */
export const PANTHOR_HEAP_CHUNK_SIZE_MIN = 0x2_0000;
/** Largest chunk size TILER_HEAP_CREATE accepts (8 MiB). */
export const PANTHOR_HEAP_CHUNK_SIZE_MAX = 0x80_0000;
/** Label of a heap chunk's kernel BO. */
export const PANTHOR_HEAP_CHUNK_LABEL = "Tiler heap chunk";
/** Label of a heap pool's context BO. */
export const PANTHOR_HEAP_POOL_LABEL = "Heap pool";

/** 4 KiB: the granule of chunk VAs in a chunk descriptor. */
const SZ_4K = 0x1000;

/** What the heap code needs of the device (the ioctl device satisfies it). */
export interface PanthorHeapDevice {
  /** The DRM device the chunk and context BOs are created on. */
  readonly drm: DrmGemDevice;
  /** The GPU info read at probe; only `l2_features` (the cache line size) is used. */
  readonly queryCtx: { readonly gpuInfo: { readonly l2_features: number } };
}

/**
 * Stride between two heap contexts in the pool's BO: the context size rounded up to the GPU's
 * L2 cache line (`1 << L2_FEATURES[7:0]`), so the CPU and the GPU never share a line between
 * two contexts (64 bytes on a Mali-G610). Mirrors panthor_heap_ctx_stride().
 */
export function panthorHeapCtxStride(l2Features: number): number {
  const line = 2 ** (l2Features & 0xff);
  return Math.ceil(PANTHOR_HEAP_CONTEXT_SIZE / line) * line;
}

/**
 * A chunk descriptor as the firmware takes it and as a chunk header's `next` holds it: the
 * chunk's GPU VA with its low 12 bits replaced by `chunkSize >> 12`. The VA is a number (48
 * bits at most); no 64-bit arithmetic is needed.
 */
export function panthorHeapChunkDescriptor(chunkGpuVa: number, chunkSize: number): number {
  return chunkGpuVa - (chunkGpuVa % SZ_4K) + Math.floor(chunkSize / SZ_4K);
}

/** Splits a chunk descriptor (see {@link panthorHeapChunkDescriptor}); 0 is the list end. */
export function decodeHeapChunkDescriptor(desc: number): {
  /** The chunk's GPU VA (4 KiB aligned), 0 for the list end. */
  readonly gpuVa: number;
  /** The chunk size the low 12 bits encode. */
  readonly chunkSize: number;
} {
  const low = desc % SZ_4K;
  return { gpuVa: desc - low, chunkSize: low * SZ_4K };
}

/** One chunk of a heap. Mirrors `struct panthor_heap_chunk`. */
export class PanthorHeapChunk {
  /** @param bo - the kernel BO backing the chunk, mapped in the pool's VM. */
  constructor(readonly bo: PanthorKernelBo) {}

  /** GPU VA of the chunk (its header). */
  get gpuVa(): number {
    return this.bo.gpuVa;
  }
}

/** A tiler heap. Mirrors `struct panthor_heap`. */
export class PanthorHeap {
  /** Every chunk allocated so far, the list head (the newest) first (`chunks`). */
  readonly chunks: PanthorHeapChunk[] = [];
  /** Number of chunks in {@link chunks} (`chunk_count`). */
  chunkCount = 0;

  /**
   * @param chunkSize - bytes of each chunk (`chunk_size`).
   * @param maxChunks - most chunks the heap may have (`max_chunks`).
   * @param targetInFlight - render passes in flight past which the heap no longer grows and
   *   the firmware waits for fragment work instead (`target_in_flight`).
   */
  constructor(
    readonly chunkSize: number,
    readonly maxChunks: number,
    readonly targetInFlight: number,
  ) {}
}

/** Cumulative debug counters of a heap pool (no kernel counterpart). */
export interface PanthorHeapPoolStats {
  /** Chunk BOs allocated (initial and grown). */
  chunksAllocated: number;
  /** Chunk BOs freed (destroyed heaps, returned chunks, failed creations). */
  chunksFreed: number;
  /** Successful grows. */
  grows: number;
  /** Grows refused with -ENOMEM because of max_chunks or target_in_flight. */
  growsRefused: number;
}

/**
 * A VM's pool of heap contexts, reference counted; the VM holds one reference from its
 * creation to the VM's destruction. Mirrors `struct panthor_heap_pool`.
 */
export class PanthorHeapPool {
  /** Heaps by id, 0..127 (`xa`). */
  readonly heaps = new Map<number, PanthorHeap>();
  /** The BO holding the heap contexts, vmapped; null before creation and once destroyed (`gpu_contexts`). */
  gpuContexts: PanthorKernelBo | null = null;
  /** Bytes of the context BO and of every chunk of every heap (`size`). */
  size = 0;
  /** Debug counters. */
  readonly stats: PanthorHeapPoolStats = {
    chunksAllocated: 0,
    chunksFreed: 0,
    grows: 0,
    growsRefused: 0,
  };
  /** The VM the pool belongs to; null once the pool was destroyed (`vm`, a weak reference). */
  vm: PanthorVm | null;
  private refs = 1;

  /**
   * @param dev - the device (`ptdev`).
   * @param vm - the VM the pool is bound to.
   */
  constructor(
    readonly dev: PanthorHeapDevice,
    vm: PanthorVm,
  ) {
    this.vm = vm;
  }

  /** Stride of the heap contexts. Mirrors panthor_heap_ctx_stride(). */
  get ctxStride(): number {
    return panthorHeapCtxStride(this.dev.queryCtx.gpuInfo.l2_features);
  }

  /** Offset of heap `id`'s context in the pool's BO. Mirrors panthor_get_heap_ctx_offset(). */
  ctxOffset(id: number): number {
    return this.ctxStride * id;
  }

  /** The ids in use, ascending (the order xa_for_each() visits them). */
  heapIds(): number[] {
    return [...this.heaps.keys()].sort((a, b) => a - b);
  }

  /** References held. */
  get refcount(): number {
    return this.refs;
  }

  /** Whether the last reference was dropped. */
  get released(): boolean {
    return this.refs === 0;
  }

  /** Takes a reference. Mirrors panthor_heap_pool_get(). */
  get(): this {
    this.refs++;
    return this;
  }

  /**
   * Drops a reference; the last one releases the (already destroyed) pool. Dropping one more
   * than was taken is a WARN. Mirrors panthor_heap_pool_put().
   */
  put(): void {
    if (this.refs === 0) {
      this.vm?.warn("panthor_heap_pool_put", "reference count underflow");
      return;
    }
    this.refs--;
    if (this.refs === 0) this.heaps.clear();
  }
}
