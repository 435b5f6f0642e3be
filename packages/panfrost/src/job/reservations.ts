/**
 * Taking the reservation locks of a job's BOs before it is armed.
 */
import type { DmaResv } from "@panmmu/drm";
import { EALREADY } from "@panmmu/uapi";

/**
 * Takes the reservation lock of every object in `objs` under one acquire context, as a submit
 * does before arming its job. In this single-threaded model no lock is ever contended, so what
 * remains observable is the failure: an object listed twice (or two objects sharing one
 * reservation) finds its lock already held by the same context, which ww_mutex_lock() reports
 * as -EALREADY, and every lock taken so far is dropped. Returns 0 or -EALREADY; nothing is held
 * afterwards either way (the callers' unlock is a no-op here).
 *
 * Mirrors drm_gem_lock_reservations().
 */
export function lockReservations(objs: ReadonlyArray<{ readonly resv: DmaResv }>): number {
  const held = new Set<DmaResv>();
  for (const o of objs) {
    if (held.has(o.resv)) return -EALREADY;
    held.add(o.resv);
  }
  return 0;
}
