/**
 * Waiting on several syncobjs at once (SYNCOBJ_WAIT / SYNCOBJ_TIMELINE_WAIT).
 */

import type { EventLoop } from "@panmmu/hw";
import {
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
  EINVAL,
  ETIME,
} from "@panmmu/uapi";
import type { DmaFence } from "../fence/dma-fence.js";
import type { DrmSyncobj } from "./syncobj.js";

/**
 * Converts an absolute `timeout_nsec` (on the virtual clock) to a relative timeout: 0 means
 * poll, as does a deadline already passed. Mirrors drm_timeout_abs_to_jiffies().
 */
export function drmTimeoutAbsToRelative(loop: EventLoop, timeoutNsec: bigint): number {
  if (timeoutNsec === 0n) return 0;
  const now = BigInt(loop.now);
  if (timeoutNsec <= now) return 0;
  const rel = timeoutNsec - now;
  return rel > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(rel);
}

/** Result of {@link drmSyncobjArrayWait}. */
export interface SyncobjWaitResult {
  /** 0 on success, -EINVAL (a syncobj without a fence and no WAIT_FOR_SUBMIT/AVAILABLE) or -ETIME. */
  readonly ret: number;
  /** Index of the first signalled syncobj (`~0` when none had signalled when a WAIT_ALL began, as in the kernel). */
  readonly first: number;
}

/**
 * Waits for one (or, with WAIT_ALL, every) syncobj at its point to signal, running the event loop
 * for up to `timeoutNs` of virtual time. With WAIT_FOR_SUBMIT or WAIT_AVAILABLE, syncobjs
 * without a fence (for the point) are watched until one is installed; with WAIT_AVAILABLE, a
 * fence being present is enough, without it the fence must also signal.
 * Mirrors drm_syncobj_array_wait_timeout().
 */
export function drmSyncobjArrayWait(
  loop: EventLoop,
  syncobjs: readonly DrmSyncobj[],
  points: readonly number[],
  flags: number,
  timeoutNs: number,
): SyncobjWaitResult {
  const count = syncobjs.length;
  const fences: (DmaFence | null)[] = new Array<DmaFence | null>(count).fill(null);
  const lenient =
    (flags & (DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE)) !==
    0;
  const available = (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE) !== 0;
  const waitAll = (flags & DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL) !== 0;
  let first = 0xffff_ffff;
  let signaledCount = 0;
  for (let i = 0; i < count; i++) {
    const r = (syncobjs[i] as DrmSyncobj).findFence(points[i] ?? 0);
    if (typeof r === "number") {
      if (lenient) continue;
      return { ret: -EINVAL, first: 0xffff_ffff };
    }
    fences[i] = r.fence;
    if (available || r.fence.signaled) {
      if (signaledCount === 0) first = i;
      signaledCount++;
    }
  }
  if (signaledCount === count || (signaledCount > 0 && !waitAll)) return { ret: 0, first };

  const removers: (() => void)[] = [];
  // Both flags watch for fences installed during the wait (WAIT_AVAILABLE is satisfied by one
  // appearing), as the kernel registers its syncobj waiters for either.
  if (lenient) {
    for (let i = 0; i < count; i++) {
      const s = syncobjs[i] as DrmSyncobj;
      removers.push(
        s.addSubmitWaiter(() => {
          if (fences[i] !== null) return;
          const r = s.findFence(points[i] ?? 0);
          if (typeof r !== "number") fences[i] = r.fence;
        }),
      );
    }
  }
  const done = (): boolean => {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const f = fences[i];
      if (f === null || f === undefined) continue;
      if (available || f.signaled) {
        if (!waitAll) {
          first = i;
          return true;
        }
        n++;
      }
    }
    return n === count;
  };
  const ok = loop.runUntil(done, timeoutNs);
  for (const r of removers) r();
  return ok ? { ret: 0, first } : { ret: -ETIME, first: 0xffff_ffff };
}
