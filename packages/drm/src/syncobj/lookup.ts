/**
 * The driver-facing syncobj API: create, look up, resolve in-syncs to fences and install
 * out-fences.
 */
import {
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  EINVAL,
  ENOENT,
  ETIME,
} from "@panmmu/uapi";
import type { DrmFile } from "../core/types.js";
import { type DmaFence, dmaFenceAllocateStub } from "../fence/dma-fence.js";
import { DrmSyncobj } from "./syncobj.js";

/** How long drm_syncobj_find_fence() waits for a fence to be submitted: 5 s of virtual time. */
export const DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS = 5_000_000_000;

/**
 * Creates a syncobj (already signalled with `DRM_SYNCOBJ_CREATE_SIGNALED`, or holding `fence`)
 * and a handle for it in `file`; the handle or -ENOSPC. Mirrors drm_syncobj_create_as_handle().
 */
export function drmSyncobjCreate(
  file: DrmFile,
  flags: number,
  fence: DmaFence | null = null,
): number {
  const syncobj = new DrmSyncobj();
  if ((flags & DRM_SYNCOBJ_CREATE_SIGNALED) !== 0) syncobj.replaceFence(dmaFenceAllocateStub());
  if (fence !== null) syncobj.replaceFence(fence);
  const handle = file.syncobjIdr.alloc(syncobj);
  if (handle < 0) syncobj.put();
  return handle;
}

/** Deletes handle `handle`; 0 or -EINVAL. Mirrors drm_syncobj_destroy(). */
export function drmSyncobjDestroy(file: DrmFile, handle: number): number {
  const syncobj = file.syncobjIdr.remove(handle);
  if (syncobj === undefined) return -EINVAL;
  syncobj.put();
  return 0;
}

/** The syncobj behind `handle` with a reference taken (drop it with `put()`), or null. Mirrors drm_syncobj_find(). */
export function drmSyncobjFind(file: DrmFile, handle: number): DrmSyncobj | null {
  const s = file.syncobjIdr.find(handle);
  return s === undefined ? null : s.get();
}

/**
 * Resolves an in-sync: the fence of syncobj `handle` at timeline `point` (0 for binary). Returns
 * the fence (a signalled stub when the point already signalled) or -ENOENT (no such syncobj),
 * -EINVAL (no fence for the point). With `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT` in `flags` it
 * first runs the event loop up to 5 s of virtual time for the fence to be installed, returning
 * -ETIME if none comes. Mirrors drm_syncobj_find_fence().
 */
export function drmSyncobjFindFence(
  file: DrmFile,
  handle: number,
  point: number,
  flags: number,
): DmaFence | number {
  const syncobj = file.syncobjIdr.find(handle);
  if (syncobj === undefined) return -ENOENT;
  const first = syncobj.findFence(point);
  if (typeof first !== "number") return first.fence;
  if ((flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT) === 0) return first;
  let found: DmaFence | null = null;
  const remove = syncobj.addSubmitWaiter(() => {
    const r = syncobj.findFence(point);
    if (typeof r !== "number") found = r.fence;
  });
  file.dev.loop.runUntil(() => found !== null, DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS);
  remove();
  return found ?? -ETIME;
}

/**
 * Installs an out-fence: replaces the fence of syncobj `handle` (point 0) or adds timeline point
 * `point`. 0, or -ENOENT for an unknown handle. What drivers do with their out_sync handles.
 */
export function drmSyncobjInstallFence(
  file: DrmFile,
  handle: number,
  point: number,
  fence: DmaFence,
): number {
  const syncobj = file.syncobjIdr.find(handle);
  if (syncobj === undefined) return -ENOENT;
  if (point === 0) syncobj.replaceFence(fence);
  else syncobj.addPoint(fence, point);
  return 0;
}
