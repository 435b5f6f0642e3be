/**
 * Sharing GEM objects: flink names (GEM_FLINK / GEM_OPEN) between files of a device, and PRIME
 * export/import through dma-buf fds of the process's fd table, within a device or across
 * devices sharing that table.
 */
import { DRM_CLOEXEC, DRM_RDWR, EBADF, EINVAL, ENOENT } from "@panmmu/uapi";
import type { DrmFile } from "../core/types.js";
import { DmaBuf } from "./dma-buf.js";
import { drmGemPrimeBufToHandle } from "./prime-import.js";

/**
 * Gives the object behind `handle` a global name (allocating one the first time, lowest free
 * from 1) and returns it; -ENOENT for an unknown handle, -ENOSPC when names run out. Mirrors
 * drm_gem_flink_ioctl().
 */
export function drmGemFlink(file: DrmFile, handle: number): number {
  const obj = file.gemObjectLookup(handle);
  if (obj === null) return -ENOENT;
  let ret: number;
  if (obj.handleCount === 0) {
    ret = -ENOENT;
  } else if (obj.name === 0) {
    ret = file.dev.objectNames.alloc(obj);
    if (ret > 0) obj.name = ret;
  } else {
    ret = obj.name;
  }
  obj.put();
  return ret;
}

/**
 * Opens the object with global name `name` in `file`: a new handle each time. Returns the
 * handle and the object size, or a negative errno (-ENOENT for an unknown name, or the handle
 * creation error). Mirrors drm_gem_open_ioctl().
 */
export function drmGemOpen(file: DrmFile, name: number): { handle: number; size: number } | number {
  const found = file.dev.objectNames.find(name);
  if (found === undefined) return -ENOENT;
  const obj = found.get();
  const handle = file.gemHandleCreate(obj);
  const size = obj.size;
  obj.put();
  return handle < 0 ? handle : { handle, size };
}

/**
 * Exports the object behind `handle` as a dma-buf and installs an fd for it; returns the fd or
 * a negative errno (-EINVAL for flags other than DRM_CLOEXEC|DRM_RDWR, which have no effect
 * here; -ENOENT for an unknown handle). The dma-buf is created once per object and reused by
 * later exports from any file; an imported object is re-exported as the dma-buf it came from.
 * Mirrors drm_gem_prime_handle_to_fd().
 */
export function drmGemPrimeHandleToFd(file: DrmFile, handle: number, flags: number): number {
  if ((flags & ~(DRM_CLOEXEC | DRM_RDWR)) !== 0) return -EINVAL;
  const obj = file.objectIdr.find(handle);
  if (obj === undefined) return -ENOENT;
  let buf = file.primeByHandle.get(handle);
  let cacheAdded = false;
  let linkAdded = false;
  if (buf === undefined) {
    if (obj.importAttach !== null) {
      buf = obj.importAttach.dmabuf.get();
    } else if (obj.dmaBuf !== null) {
      buf = obj.dmaBuf.get();
    } else {
      buf = new DmaBuf(obj);
      obj.dmaBuf = buf.get();
      linkAdded = true;
    }
    file.primeByHandle.set(handle, buf);
    file.primeByBuf.set(buf, handle);
    cacheAdded = true;
  }
  // The fd holds its own reference; undo everything this call did if no fd can be had.
  const fd = file.dev.fds.install(buf.get());
  if (fd < 0) {
    buf.put();
    if (cacheAdded) {
      file.primeByHandle.delete(handle);
      file.primeByBuf.delete(buf);
      buf.put();
    }
    if (linkAdded) {
      obj.dmaBuf = null;
      buf.put();
    }
  }
  return fd;
}

/**
 * Imports the dma-buf behind `fd` of the process's fd table into `file`: the file's existing
 * handle when it already holds that buffer, else a handle on the exported object (a buffer of
 * this device) or on a new object wrapping the exporter's pages (a buffer of another device
 * sharing the fd table, through the driver's `gemPrimeImportSgTable`). Returns the handle or a
 * negative errno (-EBADF for an fd that is not open, -EINVAL for an fd that is not a dma-buf or
 * a foreign buffer the driver cannot import, or the handle creation error). Mirrors
 * drm_gem_prime_fd_to_handle().
 */
export function drmGemPrimeFdToHandle(file: DrmFile, fd: number): number {
  const target = file.dev.fds.get(fd);
  if (target === undefined) return -EBADF;
  if (!(target instanceof DmaBuf)) return -EINVAL;
  return drmGemPrimeBufToHandle(file, target);
}
