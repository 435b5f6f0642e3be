/**
 * drm_ioctl(): command lookup, permission check and the argument copy rules.
 */
import {
  _IOC_READ,
  _IOC_WRITE,
  DRM_COMMAND_BASE,
  DRM_COMMAND_END,
  EACCES,
  EFAULT,
  EINVAL,
  ioctlDir,
  ioctlNr,
  ioctlSize,
} from "@panmmu/uapi";
import { DRM_RENDER_ALLOW, type DrmIoctlTable } from "./ioctl.js";
import type { DrmFile, DrmIoctlContext } from "./types.js";
import type { DrmUserMemory } from "./user-memory.js";

/**
 * Dispatches one ioctl the way drm_ioctl() does:
 *
 * - The command number (`_IOC_NR`) selects the table: `[DRM_COMMAND_BASE, DRM_COMMAND_END)` is
 *   the driver's, anything below is the core's. The type byte is not checked (neither does the
 *   kernel). A number with no entry returns **-EINVAL**, not -ENOTTY: drm_ioctl starts with
 *   `retcode = -EINVAL` and jumps to its exit for an unknown command; -ENOTTY only comes from
 *   the VFS for files without an ioctl method, which a DRM file always has.
 * - A render-node file may only call entries flagged `DRM_RENDER_ALLOW` (-EACCES otherwise).
 *   As in drm_ioctl_kernel(), that check runs where the handler would, after the argument was
 *   copied in (a faulting argument gives -EFAULT first) and before it is copied back.
 * - Sizes: the kernel buffer is max(user size, kernel size). The user's bytes are copied in when
 *   both the request and the kernel entry have the write direction, the rest is zero-filled, so a
 *   shorter (older) user struct reads as zero-extended and a longer one is truncated for the
 *   handler. After the handler, the user's size is copied back when both have the read
 *   direction — whatever the handler returned, as the kernel does.
 * - A user buffer smaller than the size in the request (or a NULL pointer) faults: -EFAULT
 *   before the handler on copy-in, -EFAULT after it on copy-out.
 */
export function drmIoctlDispatch<P>(
  file: DrmFile<P>,
  request: number,
  arg: Uint8Array | null,
  user: DrmUserMemory,
  coreTable: DrmIoctlTable<P>,
  driverTable: DrmIoctlTable<P>,
): number {
  const req = request >>> 0;
  const nr = ioctlNr(req);
  const entry =
    nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END ? driverTable.lookup(nr) : coreTable.lookup(nr);
  if (entry === undefined) return -EINVAL;

  const drvSize = ioctlSize(entry.request);
  const userSize = ioctlSize(req);
  const common = ioctlDir(req) & ioctlDir(entry.request);
  const inSize = (common & _IOC_WRITE) !== 0 ? userSize : 0;
  const outSize = (common & _IOC_READ) !== 0 ? userSize : 0;
  const kdata = new Uint8Array(Math.max(inSize, outSize, drvSize));

  if (inSize > 0) {
    if (arg === null || arg.length < inSize) return -EFAULT;
    kdata.set(arg.length === inSize ? arg : arg.subarray(0, inSize));
  }

  // drm_ioctl_kernel(): the permission check comes after the copy-in, and its -EACCES is
  // followed by the copy-out like any handler result.
  let ret: number;
  if (file.node === "render" && (entry.flags & DRM_RENDER_ALLOW) === 0) {
    ret = -EACCES;
  } else {
    const ctx: DrmIoctlContext<P> = { dev: file.dev, file, user };
    ret = entry.invoke(kdata, ctx);
  }

  if (outSize > 0) {
    if (arg === null) return -EFAULT;
    const n = Math.min(outSize, arg.length);
    arg.set(kdata.length === n ? kdata : kdata.subarray(0, n));
    if (n < outSize) ret = -EFAULT;
  }
  return ret;
}
