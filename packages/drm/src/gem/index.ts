/**
 * GEM: buffer objects, handles, flink/PRIME sharing, shmem backing and the shrinker.
 */
export {
  DmaBuf,
  DmaBufAttachment,
  type DmaBufDevice,
  type DmaBufExporter,
} from "./dma-buf.js";
export { type DrmDumbRequest, drmModeCreateDumb, drmModeDestroyDumb } from "./dumb.js";
export { type DrmGemDevice, type DrmGemFile, DrmGemObject } from "./gem-object.js";
export {
  drmGemCreateMmapOffset,
  drmGemFreeMmapOffset,
  drmGemMmap,
  drmGemMmapObj,
} from "./mmap.js";
export { drmGemPrimeBufToHandle, drmGemPrimeImport } from "./prime-import.js";
export { type DrmSgSegment, type DrmSgTable, sgTableFromPages } from "./sg-table.js";
export {
  drmGemFlink,
  drmGemOpen,
  drmGemPrimeFdToHandle,
  drmGemPrimeHandleToFd,
} from "./sharing.js";
export { ShmemCpuView, type ShmemCpuViewSource } from "./shmem-cpu-view.js";
export {
  DRM_GEM_SHMEM_DRIVER_OPS,
  drmGemShmemDumbCreate,
  drmGemShmemPrimeImportSgTable,
} from "./shmem-helpers.js";
export {
  type DrmGemShmemLru,
  DrmGemShmemObject,
  MADV_DONTNEED,
  MADV_WILLNEED,
  SHMEM_HUGE_PAGES,
} from "./shmem-object.js";
export { DrmGemShmemShrinker, type DrmGemShmemShrinkerOptions } from "./shrinker.js";
export {
  DrmVma,
  type DrmVmaAccess,
  type DrmVmaFile,
  type DrmVmaObject,
  type DrmVmOps,
} from "./vma.js";
export {
  DRM_FILE_PAGE_OFFSET_SIZE,
  DRM_FILE_PAGE_OFFSET_START,
  DrmVmaOffsetManager,
  DrmVmaOffsetNode,
} from "./vma-manager.js";
