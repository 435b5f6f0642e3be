/**
 * The DRM core ioctl table (`drm_ioctls[]`): GEM handles and names, PRIME, capabilities, dumb
 * buffers and syncobjs, built from `@panmmu/uapi`'s request numbers and struct codecs.
 */
import {
  DRM_CAP_DUMB_BUFFER,
  DRM_CAP_PRIME,
  DRM_CAP_SYNCOBJ,
  DRM_CAP_SYNCOBJ_TIMELINE,
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_GEM_FLINK,
  DRM_IOCTL_GEM_OPEN,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_MODE_CREATE_DUMB,
  DRM_IOCTL_MODE_DESTROY_DUMB,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_DESTROY,
  DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_QUERY,
  DRM_IOCTL_SYNCOBJ_RESET,
  DRM_IOCTL_SYNCOBJ_SIGNAL,
  DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
  DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
  DRM_IOCTL_SYNCOBJ_TRANSFER,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_IOCTL_VERSION,
  DRM_PRIME_CAP_EXPORT,
  DRM_PRIME_CAP_IMPORT,
  DrmGemClose,
  type DrmGemCloseArgs,
  DrmGemFlink,
  type DrmGemFlinkArgs,
  DrmGemOpen,
  type DrmGemOpenArgs,
  DrmGetCap,
  type DrmGetCapArgs,
  DrmModeCreateDumb,
  type DrmModeCreateDumbArgs,
  DrmModeDestroyDumb,
  type DrmModeDestroyDumbArgs,
  DrmPrimeHandle,
  type DrmPrimeHandleArgs,
  DrmSyncobjArray,
  DrmSyncobjCreate,
  DrmSyncobjDestroy,
  DrmSyncobjHandle,
  DrmSyncobjTimelineArray,
  DrmSyncobjTimelineWait,
  DrmSyncobjTransfer,
  DrmSyncobjWait,
  DrmVersion,
  type DrmVersionArgs,
  EINVAL,
  EOPNOTSUPP,
} from "@panmmu/uapi";
import { drmModeCreateDumb, drmModeDestroyDumb } from "../gem/dumb.js";
import {
  drmGemFlink,
  drmGemOpen,
  drmGemPrimeFdToHandle,
  drmGemPrimeHandleToFd,
} from "../gem/sharing.js";
import {
  syncobjCreateIoctl,
  syncobjDestroyIoctl,
  syncobjFdToHandleIoctl,
  syncobjHandleToFdIoctl,
  syncobjQueryIoctl,
  syncobjResetIoctl,
  syncobjSignalIoctl,
  syncobjTimelineSignalIoctl,
  syncobjTimelineWaitIoctl,
  syncobjTransferIoctl,
  syncobjWaitIoctl,
} from "../syncobj/ioctls.js";
import { DRIVER_GEM, DRIVER_MODESET, DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE } from "./driver.js";
import { DRM_AUTH, DRM_RENDER_ALLOW, drmIoctlDef } from "./ioctl.js";
import type { DrmIoctlContext, DrmIoctlEntry } from "./types.js";
import { copyToUser } from "./user-memory.js";

/** `DRM_CAP_TIMESTAMP_MONOTONIC`. */
export const DRM_CAP_TIMESTAMP_MONOTONIC = 0x6;

/** VERSION: driver version numbers and name/date/desc strings. Mirrors drm_version(). */
function versionIoctl(args: DrmVersionArgs, ctx: DrmIoctlContext): number {
  const d = ctx.dev.driver;
  args.version_major = d.major;
  args.version_minor = d.minor;
  args.version_patchlevel = d.patchlevel;
  const enc = new TextEncoder();
  const copyField = (value: string, buf: bigint, len: bigint): [bigint, number] => {
    const bytes = enc.encode(value);
    const n = Math.min(bytes.length, Number(len > 0xffffn ? 0xffffn : len));
    if (n > 0 && buf !== 0n && copyToUser(ctx.user, buf, bytes.subarray(0, n)) < 0) {
      return [BigInt(bytes.length), -14];
    }
    return [BigInt(bytes.length), 0];
  };
  let r: number;
  [args.name_len, r] = copyField(d.name, args.name, args.name_len);
  if (r < 0) return r;
  [args.date_len, r] = copyField(d.date, args.date, args.date_len);
  if (r < 0) return r;
  [args.desc_len, r] = copyField(d.desc, args.desc, args.desc_len);
  return r;
}

/** GEM_CLOSE: deletes a handle; -EINVAL for an unknown one. Mirrors drm_gem_close_ioctl(). */
function gemCloseIoctl(args: DrmGemCloseArgs, ctx: DrmIoctlContext): number {
  if (!ctx.dev.hasFeature(DRIVER_GEM)) return -EOPNOTSUPP;
  return ctx.file.gemHandleDelete(args.handle);
}

/** GEM_FLINK. Mirrors drm_gem_flink_ioctl(). */
function gemFlinkIoctl(args: DrmGemFlinkArgs, ctx: DrmIoctlContext): number {
  if (!ctx.dev.hasFeature(DRIVER_GEM)) return -EOPNOTSUPP;
  const name = drmGemFlink(ctx.file, args.handle);
  if (name < 0) return name;
  args.name = name;
  return 0;
}

/** GEM_OPEN. Mirrors drm_gem_open_ioctl(). */
function gemOpenIoctl(args: DrmGemOpenArgs, ctx: DrmIoctlContext): number {
  if (!ctx.dev.hasFeature(DRIVER_GEM)) return -EOPNOTSUPP;
  const r = drmGemOpen(ctx.file, args.name);
  if (typeof r === "number") return r;
  args.handle = r.handle;
  args.size = BigInt(r.size);
  return 0;
}

/**
 * GET_CAP. The render capabilities (TIMESTAMP_MONOTONIC, PRIME, SYNCOBJ, SYNCOBJ_TIMELINE) for
 * every driver; any other capability is -EOPNOTSUPP without DRIVER_MODESET. For KMS drivers
 * DUMB_BUFFER is 1 when the driver has a `dumbCreate` hook; the other KMS capabilities are not
 * modelled and answer -EINVAL, drm_getcap's unknown-capability result. Mirrors drm_getcap().
 */
function getCapIoctl(args: DrmGetCapArgs, ctx: DrmIoctlContext): number {
  args.value = 0n;
  const common = renderCap(args, ctx);
  if (common !== null) return common;
  if (!ctx.dev.hasFeature(DRIVER_MODESET)) return -EOPNOTSUPP;
  switch (args.capability) {
    case BigInt(DRM_CAP_DUMB_BUFFER):
      args.value = ctx.dev.driver.dumbCreate === undefined ? 0n : 1n;
      return 0;
    default:
      return -EINVAL;
  }
}

/** The capabilities every driver answers; null for any other. */
function renderCap(args: DrmGetCapArgs, ctx: DrmIoctlContext): number | null {
  switch (args.capability) {
    case BigInt(DRM_CAP_TIMESTAMP_MONOTONIC):
      args.value = 1n;
      return 0;
    case BigInt(DRM_CAP_PRIME):
      args.value = BigInt(DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT);
      return 0;
    case BigInt(DRM_CAP_SYNCOBJ):
      args.value = ctx.dev.hasFeature(DRIVER_SYNCOBJ) ? 1n : 0n;
      return 0;
    case BigInt(DRM_CAP_SYNCOBJ_TIMELINE):
      args.value = ctx.dev.hasFeature(DRIVER_SYNCOBJ_TIMELINE) ? 1n : 0n;
      return 0;
    default:
      return null;
  }
}

/**
 * MODE_CREATE_DUMB: the core checks, then the driver's `dumbCreate`; `handle`, `pitch` and
 * `size` are set on success and zero on failure. Mirrors drm_mode_create_dumb_ioctl().
 */
function modeCreateDumbIoctl(args: DrmModeCreateDumbArgs, ctx: DrmIoctlContext): number {
  const r = drmModeCreateDumb(ctx.file, args);
  if (typeof r === "number") {
    args.handle = 0;
    args.pitch = 0;
    args.size = 0n;
    return r;
  }
  args.handle = r.handle;
  args.pitch = r.pitch;
  args.size = BigInt(r.size);
  return 0;
}

/** MODE_DESTROY_DUMB: deletes the GEM handle. Mirrors drm_mode_destroy_dumb_ioctl(). */
function modeDestroyDumbIoctl(args: DrmModeDestroyDumbArgs, ctx: DrmIoctlContext): number {
  return drmModeDestroyDumb(ctx.file, args.handle);
}

/** PRIME_HANDLE_TO_FD. Mirrors drm_prime_handle_to_fd_ioctl(). */
function primeHandleToFdIoctl(args: DrmPrimeHandleArgs, ctx: DrmIoctlContext): number {
  if (!ctx.dev.hasFeature(DRIVER_GEM)) return -EOPNOTSUPP;
  const fd = drmGemPrimeHandleToFd(ctx.file, args.handle, args.flags);
  if (fd < 0) return fd;
  args.fd = fd;
  return 0;
}

/** PRIME_FD_TO_HANDLE. Mirrors drm_prime_fd_to_handle_ioctl(). */
function primeFdToHandleIoctl(args: DrmPrimeHandleArgs, ctx: DrmIoctlContext): number {
  if (!ctx.dev.hasFeature(DRIVER_GEM)) return -EOPNOTSUPP;
  const h = drmGemPrimeFdToHandle(ctx.file, args.fd);
  if (h < 0) return h;
  args.handle = h;
  return 0;
}

const R = DRM_RENDER_ALLOW;

/** The core ioctl entries, with the kernel's permission flags. */
export const CORE_IOCTLS: readonly DrmIoctlEntry[] = Object.freeze([
  drmIoctlDef(
    { name: "DRM_IOCTL_VERSION", request: DRM_IOCTL_VERSION },
    DrmVersion,
    versionIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_GEM_CLOSE", request: DRM_IOCTL_GEM_CLOSE },
    DrmGemClose,
    gemCloseIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_GEM_FLINK", request: DRM_IOCTL_GEM_FLINK },
    DrmGemFlink,
    gemFlinkIoctl,
    DRM_AUTH,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_GEM_OPEN", request: DRM_IOCTL_GEM_OPEN },
    DrmGemOpen,
    gemOpenIoctl,
    DRM_AUTH,
  ),
  drmIoctlDef({ name: "DRM_IOCTL_GET_CAP", request: DRM_IOCTL_GET_CAP }, DrmGetCap, getCapIoctl, R),
  drmIoctlDef(
    { name: "DRM_IOCTL_PRIME_HANDLE_TO_FD", request: DRM_IOCTL_PRIME_HANDLE_TO_FD },
    DrmPrimeHandle,
    primeHandleToFdIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_PRIME_FD_TO_HANDLE", request: DRM_IOCTL_PRIME_FD_TO_HANDLE },
    DrmPrimeHandle,
    primeFdToHandleIoctl,
    R,
  ),
  // Flags 0 as in the kernel: primary nodes only (render nodes get -EACCES), no DRM_AUTH.
  drmIoctlDef(
    { name: "DRM_IOCTL_MODE_CREATE_DUMB", request: DRM_IOCTL_MODE_CREATE_DUMB },
    DrmModeCreateDumb,
    modeCreateDumbIoctl,
    0,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_MODE_DESTROY_DUMB", request: DRM_IOCTL_MODE_DESTROY_DUMB },
    DrmModeDestroyDumb,
    modeDestroyDumbIoctl,
    0,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_CREATE", request: DRM_IOCTL_SYNCOBJ_CREATE },
    DrmSyncobjCreate,
    syncobjCreateIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_DESTROY", request: DRM_IOCTL_SYNCOBJ_DESTROY },
    DrmSyncobjDestroy,
    syncobjDestroyIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD", request: DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD },
    DrmSyncobjHandle,
    syncobjHandleToFdIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE", request: DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE },
    DrmSyncobjHandle,
    syncobjFdToHandleIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_WAIT", request: DRM_IOCTL_SYNCOBJ_WAIT },
    DrmSyncobjWait,
    syncobjWaitIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_RESET", request: DRM_IOCTL_SYNCOBJ_RESET },
    DrmSyncobjArray,
    syncobjResetIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_SIGNAL", request: DRM_IOCTL_SYNCOBJ_SIGNAL },
    DrmSyncobjArray,
    syncobjSignalIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT", request: DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT },
    DrmSyncobjTimelineWait,
    syncobjTimelineWaitIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_QUERY", request: DRM_IOCTL_SYNCOBJ_QUERY },
    DrmSyncobjTimelineArray,
    syncobjQueryIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_TRANSFER", request: DRM_IOCTL_SYNCOBJ_TRANSFER },
    DrmSyncobjTransfer,
    syncobjTransferIoctl,
    R,
  ),
  drmIoctlDef(
    { name: "DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL", request: DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL },
    DrmSyncobjTimelineArray,
    syncobjTimelineSignalIoctl,
    R,
  ),
]);
