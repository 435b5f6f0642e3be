/**
 * GEM mmap: fake offsets for objects and mmap() of a DRM file at such an offset, as
 * drm_gem.c does it.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import { EACCES, EBADF, EINVAL } from "@panmmu/uapi";
import type { DrmFile } from "../core/types.js";
import type { DrmGemObject } from "./gem-object.js";
import { DrmVma } from "./vma.js";

/**
 * Gives `obj` a fake mmap offset covering its size, in its device's offset space; an object
 * that has one keeps it. 0, or -ENOSPC when the space is full. The byte offset userspace
 * passes to mmap() is then `obj.vmaNode.offsetAddr`. Mirrors drm_gem_create_mmap_offset().
 */
export function drmGemCreateMmapOffset(obj: DrmGemObject): number {
  return obj.dev.vmaOffsetManager.add(obj.vmaNode, obj.size / PAGE_SIZE);
}

/**
 * Takes `obj`'s fake offset away (mappings already made stay). Freeing the object does it too.
 * Mirrors drm_gem_free_mmap_offset().
 */
export function drmGemFreeMmapOffset(obj: DrmGemObject): void {
  obj.dev.vmaOffsetManager.remove(obj.vmaNode);
}

/**
 * Maps `obj` into `vma`: -EINVAL when the mapping is longer than `objSize` bytes; otherwise
 * the mapping takes its own reference on the object (`vma.privateData`, dropped by the
 * object's `vmOps.close` at munmap) and the object's mmap function sets it up. 0, or the
 * function's negative errno with the reference dropped again. The caller checked access.
 * Mirrors drm_gem_mmap_obj().
 */
export function drmGemMmapObj(obj: DrmGemObject, objSize: number, vma: DrmVma): number {
  if (objSize < vma.length) return -EINVAL;
  obj.get();
  vma.privateData = obj;
  const ret = obj.mmap(vma);
  if (ret < 0) {
    vma.privateData = null;
    obj.put();
  }
  return ret;
}

/**
 * mmap() of `file` at fake byte offset `offset` for `length` bytes (rounded up to pages;
 * default: the whole object at that offset). Returns the mapping, holding a reference on the
 * object and one on the file until its `munmap()`, or a negative errno with nothing held:
 *
 * - -EBADF: the file's fd was closed;
 * - -EINVAL: offset not page aligned or out of range, length 0, no object's offset starts
 *   there or the object is shorter than the mapping, or the object cannot be mapped;
 * - -EACCES: the object exists but `file` holds no handle to it (not on its allow list);
 * - the object's mmap function's errno (-ENOMEM when pages cannot be had).
 *
 * Mirrors drm_gem_mmap() (reached through mmap(2) of a GEM driver's fd).
 */
export function drmGemMmap(
  file: DrmFile,
  offset: number | bigint,
  length?: number,
): DrmVma | number {
  if (file.closed) return -EBADF;
  const off = typeof offset === "bigint" ? bigintToSafe(offset) : offset;
  if (!Number.isSafeInteger(off) || off < 0 || off % PAGE_SIZE !== 0) return -EINVAL;
  if (length !== undefined && (!Number.isSafeInteger(length) || length <= 0)) return -EINVAL;
  const pgoff = off / PAGE_SIZE;
  const mgr = file.dev.vmaOffsetManager;
  const pages = length === undefined ? 1 : Math.ceil(length / PAGE_SIZE);
  const node = mgr.exactLookup(pgoff, pages);
  // An object whose last reference is going is not found (kref_get_unless_zero()).
  const obj = node === null || node.owner.freed ? null : node.owner;
  if (node === null || obj === null) return -EINVAL;
  obj.get();
  if (!node.isAllowed(file)) {
    obj.put();
    return -EACCES;
  }
  const bytes = length === undefined ? node.pages * PAGE_SIZE : pages * PAGE_SIZE;
  const vma = new DrmVma(file, off, bytes);
  const ret = drmGemMmapObj(obj, node.pages * PAGE_SIZE, vma);
  obj.put();
  if (ret < 0) {
    vma.abort();
    return ret;
  }
  return vma;
}

function bigintToSafe(v: bigint): number {
  return v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
}
