/**
 * GEM: buffer objects, handles, flink/PRIME sharing, shmem backing and the shrinker.
 */
export { DmaBuf } from "./dma-buf.js";
export { DrmGemObject } from "./gem-object.js";
export { type DrmSgSegment, type DrmSgTable, sgTableFromPages } from "./sg-table.js";
export {
  drmGemFlink,
  drmGemOpen,
  drmGemPrimeFdToHandle,
  drmGemPrimeHandleToFd,
} from "./sharing.js";
export { ShmemCpuView } from "./shmem-cpu-view.js";
export {
  DrmGemShmemObject,
  MADV_DONTNEED,
  MADV_WILLNEED,
  SHMEM_HUGE_PAGES,
} from "./shmem-object.js";
export { DrmGemShmemShrinker, type DrmGemShmemShrinkerOptions } from "./shrinker.js";
