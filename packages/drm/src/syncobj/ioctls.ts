/**
 * The DRM core syncobj ioctls.
 */
import {
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  type DrmSyncobjArrayArgs,
  type DrmSyncobjCreateArgs,
  type DrmSyncobjDestroyArgs,
  type DrmSyncobjHandleArgs,
  type DrmSyncobjTimelineArrayArgs,
  type DrmSyncobjTimelineWaitArgs,
  type DrmSyncobjTransferArgs,
  type DrmSyncobjWaitArgs,
  EINVAL,
  ENOENT,
  EOPNOTSUPP,
} from "@panmmu/uapi";
import { DRIVER_SYNCOBJ, DRIVER_SYNCOBJ_TIMELINE } from "../core/driver.js";
import type { DrmFile, DrmIoctlContext } from "../core/types.js";
import {
  copyU32ArrayFromUser,
  copyU64ArrayFromUser,
  type DrmUserMemory,
  putU64ToUser,
} from "../core/user-memory.js";
import { type DmaFence, dmaFenceAllocateStub } from "../fence/dma-fence.js";
import { drmSyncobjCreate, drmSyncobjDestroy, drmSyncobjFindFence } from "./lookup.js";
import { SyncFile } from "./sync-file.js";
import { DrmSyncobj } from "./syncobj.js";
import { drmSyncobjArrayWait, drmTimeoutAbsToRelative } from "./wait.js";

function needs(ctx: DrmIoctlContext, feature: number): boolean {
  return ctx.dev.hasFeature(feature);
}

/** Converts a u64 point to a number; -1 when it is not a safe integer (rejected with -EINVAL). */
function pointOf(v: bigint): number {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
}

/**
 * Copies `count` handles from user memory and looks every syncobj up (taking references).
 * The syncobjs, or -EFAULT / -ENOENT with no reference kept. Mirrors drm_syncobj_array_find().
 */
function arrayFind(
  file: DrmFile,
  user: DrmUserMemory,
  ptr: bigint,
  count: number,
): DrmSyncobj[] | number {
  const handles = copyU32ArrayFromUser(user, ptr, count);
  if (typeof handles === "number") return handles;
  const out: DrmSyncobj[] = [];
  for (const h of handles) {
    const s = file.syncobjIdr.find(h);
    if (s === undefined) {
      for (const o of out) o.put();
      return -ENOENT;
    }
    out.push(s.get());
  }
  return out;
}

function putAll(syncobjs: readonly DrmSyncobj[]): void {
  for (const s of syncobjs) s.put();
}

/** Reads `count` points (all zero for a NULL pointer); numbers, or a negative errno. */
function readPoints(user: DrmUserMemory, ptr: bigint, count: number): number[] | number {
  if (ptr === 0n) return new Array<number>(count).fill(0);
  const raw = copyU64ArrayFromUser(user, ptr, count);
  if (typeof raw === "number") return raw;
  const out: number[] = [];
  for (const v of raw) {
    const p = pointOf(v);
    if (p < 0) return -EINVAL;
    out.push(p);
  }
  return out;
}

/** SYNCOBJ_CREATE. Mirrors drm_syncobj_create_ioctl(). */
export function syncobjCreateIoctl(args: DrmSyncobjCreateArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if ((args.flags & ~DRM_SYNCOBJ_CREATE_SIGNALED) !== 0) return -EINVAL;
  const h = drmSyncobjCreate(ctx.file, args.flags);
  if (h < 0) return h;
  args.handle = h;
  return 0;
}

/** SYNCOBJ_DESTROY. Mirrors drm_syncobj_destroy_ioctl(). */
export function syncobjDestroyIoctl(args: DrmSyncobjDestroyArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if (args.pad !== 0) return -EINVAL;
  return drmSyncobjDestroy(ctx.file, args.handle);
}

/** SYNCOBJ_HANDLE_TO_FD: a syncobj fd, or a sync-file fd of its current fence. Mirrors drm_syncobj_handle_to_fd_ioctl(). */
export function syncobjHandleToFdIoctl(args: DrmSyncobjHandleArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if (args.pad !== 0) return -EINVAL;
  if (args.flags !== 0 && args.flags !== DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE)
    return -EINVAL;
  if (args.flags !== 0) {
    const fence = drmSyncobjFindFence(ctx.file, args.handle, 0, 0);
    if (typeof fence === "number") return fence;
    const fd = ctx.dev.fds.install(new SyncFile(fence));
    if (fd < 0) return fd;
    args.fd = fd;
    return 0;
  }
  const s = ctx.file.syncobjIdr.find(args.handle);
  if (s === undefined) return -EINVAL;
  const fd = ctx.dev.fds.install(s.get());
  if (fd < 0) {
    s.put();
    return fd;
  }
  args.fd = fd;
  return 0;
}

/** SYNCOBJ_FD_TO_HANDLE: a handle for a syncobj fd, or a sync file's fence put into a syncobj. Mirrors drm_syncobj_fd_to_handle_ioctl(). */
export function syncobjFdToHandleIoctl(args: DrmSyncobjHandleArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if (args.pad !== 0) return -EINVAL;
  if (args.flags !== 0 && args.flags !== DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE)
    return -EINVAL;
  const target = ctx.dev.fds.get(args.fd);
  if (args.flags !== 0) {
    if (!(target instanceof SyncFile)) return -EINVAL;
    const s = ctx.file.syncobjIdr.find(args.handle);
    if (s === undefined) return -ENOENT;
    s.replaceFence(target.fence);
    return 0;
  }
  if (!(target instanceof DrmSyncobj)) return -EINVAL;
  const syncobj = target;
  const h = ctx.file.syncobjIdr.alloc(syncobj.get());
  if (h < 0) {
    syncobj.put();
    return h;
  }
  args.handle = h;
  return 0;
}

/** SYNCOBJ_WAIT. Mirrors drm_syncobj_wait_ioctl(). */
export function syncobjWaitIoctl(args: DrmSyncobjWaitArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if (
    (args.flags & ~(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT)) !==
    0
  ) {
    return -EINVAL;
  }
  if (args.count_handles === 0) return -EINVAL;
  const syncobjs = arrayFind(ctx.file, ctx.user, args.handles, args.count_handles);
  if (typeof syncobjs === "number") return syncobjs;
  const timeout = drmTimeoutAbsToRelative(ctx.dev.loop, args.timeout_nsec);
  const points = new Array<number>(syncobjs.length).fill(0);
  const r = drmSyncobjArrayWait(ctx.dev.loop, syncobjs, points, args.flags, timeout);
  putAll(syncobjs);
  if (r.ret < 0) return r.ret;
  args.first_signaled = r.first;
  return 0;
}

/** SYNCOBJ_TIMELINE_WAIT. Mirrors drm_syncobj_timeline_wait_ioctl(). */
export function syncobjTimelineWaitIoctl(
  args: DrmSyncobjTimelineWaitArgs,
  ctx: DrmIoctlContext,
): number {
  if (!needs(ctx, DRIVER_SYNCOBJ_TIMELINE)) return -EOPNOTSUPP;
  const allowed =
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL |
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT |
    DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE;
  if ((args.flags & ~allowed) !== 0) return -EINVAL;
  if (args.count_handles === 0) return -EINVAL;
  const syncobjs = arrayFind(ctx.file, ctx.user, args.handles, args.count_handles);
  if (typeof syncobjs === "number") return syncobjs;
  const points = readPoints(ctx.user, args.points, syncobjs.length);
  if (typeof points === "number") {
    putAll(syncobjs);
    return points;
  }
  const timeout = drmTimeoutAbsToRelative(ctx.dev.loop, args.timeout_nsec);
  const r = drmSyncobjArrayWait(ctx.dev.loop, syncobjs, points, args.flags, timeout);
  putAll(syncobjs);
  if (r.ret < 0) return r.ret;
  args.first_signaled = r.first;
  return 0;
}

/** SYNCOBJ_RESET: empties every syncobj. Mirrors drm_syncobj_reset_ioctl(). */
export function syncobjResetIoctl(args: DrmSyncobjArrayArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if (args.pad !== 0 || args.count_handles === 0) return -EINVAL;
  const syncobjs = arrayFind(ctx.file, ctx.user, args.handles, args.count_handles);
  if (typeof syncobjs === "number") return syncobjs;
  for (const s of syncobjs) s.replaceFence(null);
  putAll(syncobjs);
  return 0;
}

/** SYNCOBJ_SIGNAL: puts a signalled stub fence in every syncobj. Mirrors drm_syncobj_signal_ioctl(). */
export function syncobjSignalIoctl(args: DrmSyncobjArrayArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ)) return -EOPNOTSUPP;
  if (args.pad !== 0 || args.count_handles === 0) return -EINVAL;
  const syncobjs = arrayFind(ctx.file, ctx.user, args.handles, args.count_handles);
  if (typeof syncobjs === "number") return syncobjs;
  for (const s of syncobjs) s.replaceFence(dmaFenceAllocateStub());
  putAll(syncobjs);
  return 0;
}

/** SYNCOBJ_TIMELINE_SIGNAL: adds a signalled point to every syncobj. Mirrors drm_syncobj_timeline_signal_ioctl(). */
export function syncobjTimelineSignalIoctl(
  args: DrmSyncobjTimelineArrayArgs,
  ctx: DrmIoctlContext,
): number {
  if (!needs(ctx, DRIVER_SYNCOBJ_TIMELINE)) return -EOPNOTSUPP;
  if (args.flags !== 0 || args.count_handles === 0) return -EINVAL;
  const syncobjs = arrayFind(ctx.file, ctx.user, args.handles, args.count_handles);
  if (typeof syncobjs === "number") return syncobjs;
  const points = readPoints(ctx.user, args.points, syncobjs.length);
  if (typeof points === "number") {
    putAll(syncobjs);
    return points;
  }
  syncobjs.forEach((s, i) => {
    s.addPoint(dmaFenceAllocateStub(), points[i] as number);
  });
  putAll(syncobjs);
  return 0;
}

/** SYNCOBJ_QUERY: writes each syncobj's last signalled (or submitted) point. Mirrors drm_syncobj_query_ioctl(). */
export function syncobjQueryIoctl(args: DrmSyncobjTimelineArrayArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ_TIMELINE)) return -EOPNOTSUPP;
  if ((args.flags & ~DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) !== 0) return -EINVAL;
  if (args.count_handles === 0) return -EINVAL;
  const syncobjs = arrayFind(ctx.file, ctx.user, args.handles, args.count_handles);
  if (typeof syncobjs === "number") return syncobjs;
  const last = (args.flags & DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED) !== 0;
  let ret = 0;
  for (let i = 0; i < syncobjs.length; i++) {
    const point = (syncobjs[i] as DrmSyncobj).queryPoint(last);
    ret = putU64ToUser(ctx.user, args.points + BigInt(i * 8), BigInt(point));
    if (ret < 0) break;
  }
  putAll(syncobjs);
  return ret;
}

/**
 * SYNCOBJ_TRANSFER: copies the fence at `src_point` of one syncobj to `dst_point` of another
 * (point 0: replaces a binary fence). Mirrors drm_syncobj_transfer_ioctl().
 */
export function syncobjTransferIoctl(args: DrmSyncobjTransferArgs, ctx: DrmIoctlContext): number {
  if (!needs(ctx, DRIVER_SYNCOBJ_TIMELINE)) return -EOPNOTSUPP;
  if (args.pad !== 0) return -EINVAL;
  const dst = ctx.file.syncobjIdr.find(args.dst_handle);
  if (dst === undefined) return -ENOENT;
  const srcPoint = pointOf(args.src_point);
  const dstPoint = pointOf(args.dst_point);
  if (srcPoint < 0 || dstPoint < 0) return -EINVAL;
  const fence: DmaFence | number = drmSyncobjFindFence(
    ctx.file,
    args.src_handle,
    srcPoint,
    args.flags,
  );
  if (typeof fence === "number") return fence;
  if (dstPoint !== 0) dst.addPoint(fence, dstPoint);
  else dst.replaceFence(fence);
  return 0;
}
