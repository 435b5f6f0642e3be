/**
 * PRIME import: turning a dma-buf (of this device or of another one) into a GEM object and a
 * handle of a file.
 */
import { EINVAL } from "@panmmu/uapi";
import type { DrmDeviceCore, DrmFile } from "../core/types.js";
import type { DmaBuf } from "./dma-buf.js";
import { DrmGemObject } from "./gem-object.js";

/**
 * The object `dev` uses for `buf`, with a reference for the caller:
 *
 * - a buffer exported by `dev` itself: the exported object (self-import, no attachment);
 * - a buffer of another device: `dev` attaches to it (pinning the exporter's pages) and takes
 *   a reference on it, maps the attachment, and the driver's `gemPrimeImportSgTable` wraps the
 *   pages in a new object whose `importAttach` keeps all that until the object is freed.
 *
 * Returns the object or a negative errno: -EINVAL for a foreign buffer when the driver has no
 * `gemPrimeImportSgTable` hook or does not share the exporter's memory, else the attach / map /
 * hook error, with everything this call did undone. Mirrors drm_gem_prime_import_dev().
 */
export function drmGemPrimeImport(dev: DrmDeviceCore, buf: DmaBuf): DrmGemObject | number {
  const exported = buf.obj;
  // Every dma-buf here exports a GEM object (non-GEM exporters are not modelled).
  if (!(exported instanceof DrmGemObject)) return -EINVAL;
  if (exported.dev === dev) return exported.get();
  const driver = dev.driver;
  if (driver.gemPrimeImportSgTable === undefined) return -EINVAL;
  const attach = buf.attach(dev);
  if (typeof attach === "number") return attach;
  buf.get();
  const sgt = buf.mapAttachment(attach);
  const obj = typeof sgt === "number" ? sgt : driver.gemPrimeImportSgTable(dev, attach, sgt);
  if (typeof obj === "number") {
    buf.unmapAttachment(attach);
    buf.detach(attach);
    buf.put();
    return obj;
  }
  obj.importAttach = attach;
  return obj;
}

/**
 * Gives `file` a handle for the dma-buf `buf`: the handle the file already has for it (its PRIME
 * cache, so re-importing in the same file returns the same handle and object), else the object
 * from {@link drmGemPrimeImport} under a new handle, remembered in the cache. The object is
 * linked to `buf` (`dmaBuf`, one reference) while it has handles. Returns the handle or a
 * negative errno (nothing changed then). A second file of the same device importing a foreign
 * buffer gets an object of its own, as in the kernel, whose cache is per file. Mirrors the part
 * of drm_gem_prime_fd_to_handle() after dma_buf_get().
 */
export function drmGemPrimeBufToHandle(file: DrmFile, buf: DmaBuf): number {
  const cached = file.primeByBuf.get(buf);
  if (cached !== undefined) return cached;
  const obj = drmGemPrimeImport(file.dev, buf);
  if (typeof obj === "number") return obj;
  if (obj.dmaBuf === null) {
    obj.dmaBuf = buf.get();
  } else if (obj.dmaBuf !== buf) {
    file.dev.warnings.warn(
      "drm_gem_prime_fd_to_handle",
      `object ${obj.id} is linked to another dma-buf`,
    );
  }
  // A failed handle creation drops the last handle count, which unlinks the dma-buf again.
  const handle = file.gemHandleCreate(obj);
  obj.put();
  if (handle < 0) return handle;
  file.primeByHandle.set(handle, buf.get());
  file.primeByBuf.set(buf, handle);
  return handle;
}
