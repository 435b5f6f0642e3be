export {
  panthorAllocHeapChunk,
  panthorAllocHeapChunks,
  panthorFreeHeapChunk,
  panthorFreeHeapChunks,
  readHeapChunkHeader,
} from "./chunk.js";
export {
  type PanthorHeapCreateOut,
  panthorHeapCreate,
  panthorHeapDestroy,
  panthorHeapDestroyLocked,
  panthorHeapGrow,
  panthorHeapReturnChunk,
} from "./heap.js";
export {
  decodeHeapChunkDescriptor,
  PANTHOR_HEAP_CHUNK_HEADER_SIZE,
  PANTHOR_HEAP_CHUNK_LABEL,
  PANTHOR_HEAP_CHUNK_SIZE_MAX,
  PANTHOR_HEAP_CHUNK_SIZE_MIN,
  PANTHOR_HEAP_CONTEXT_SIZE,
  PANTHOR_HEAP_POOL_LABEL,
  PANTHOR_MAX_HEAPS_PER_POOL,
  PanthorHeap,
  PanthorHeapChunk,
  type PanthorHeapDevice,
  PanthorHeapPool,
  type PanthorHeapPoolStats,
  panthorHeapChunkDescriptor,
  panthorHeapCtxStride,
} from "./pool.js";
export {
  panthorHeapPoolBoSize,
  panthorHeapPoolCreate,
  panthorHeapPoolDestroy,
  panthorHeapPoolSize,
} from "./pool-lifecycle.js";
export { panthorVmGetHeapPool, panthorVmHeapPool, panthorVmHeapsSizes } from "./vm-heap-pool.js";
