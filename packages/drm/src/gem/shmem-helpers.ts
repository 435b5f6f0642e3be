/**
 * The driver hooks shmem-based drivers plug in for dumb buffers and foreign PRIME imports.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import type { DrmDeviceCore, DrmDumbBuffer, DrmFile } from "../core/types.js";
import type { DmaBufAttachment } from "./dma-buf.js";
import type { DrmSgTable } from "./sg-table.js";
import { DrmGemShmemObject } from "./shmem-object.js";

/**
 * `dumbCreate` for shmem-based drivers: pitch = width × ⌈bpp/8⌉ bytes (no hardware alignment),
 * size = pitch × height rounded up to a page, a shmem object of that size (pages come on first
 * use) and a handle for it in `file`. Arguments are those drmModeCreateDumb() checked, so the
 * numbers stay below 2^32. Returns the handle, pitch and size, or the handle creation errno.
 * Mirrors drm_gem_shmem_dumb_create() with drm_mode_size_dumb()'s bpp fallback.
 */
export function drmGemShmemDumbCreate(
  file: DrmFile,
  width: number,
  height: number,
  bpp: number,
): DrmDumbBuffer | number {
  const pitch = width * Math.ceil(bpp / 8);
  const size = Math.ceil((pitch * height) / PAGE_SIZE) * PAGE_SIZE;
  const obj = new DrmGemShmemObject(file.dev, size);
  const handle = file.gemHandleCreate(obj);
  // The handle holds the object now (or, on failure, the object goes).
  obj.put();
  if (handle < 0) return handle;
  return { handle, pitch, size };
}

/**
 * `gemPrimeImportSgTable` for shmem-based drivers: a shmem object of the dma-buf's size that
 * shares the exporter's reservation object and borrows its pages (`sgt`): never allocated, freed
 * or purged by the importer. The new object, or -EINVAL when the table does not cover it.
 * Mirrors drm_gem_shmem_prime_import_sg_table().
 */
export function drmGemShmemPrimeImportSgTable(
  dev: DrmDeviceCore,
  attach: DmaBufAttachment,
  sgt: DrmSgTable,
): DrmGemShmemObject | number {
  const obj = new DrmGemShmemObject(dev, attach.dmabuf.size, attach.dmabuf.resv);
  const ret = obj.adoptImportedSgTable(sgt);
  if (ret < 0) {
    obj.put();
    return ret;
  }
  return obj;
}

/**
 * The two hooks above, to spread into a `DrmDriver` literal. Mirrors DRM_GEM_SHMEM_DRIVER_OPS.
 */
export const DRM_GEM_SHMEM_DRIVER_OPS = Object.freeze({
  dumbCreate: drmGemShmemDumbCreate,
  gemPrimeImportSgTable: drmGemShmemPrimeImportSgTable,
});
