/**
 * A GROUP_SUBMIT job: one user stream for one queue of a group, a drm_sched job on the queue's
 * entity whose done fence signals when the queue's sync object passes the job's seqno.
 */
import { type DmaFence, DmaResv, DmaResvUsage, DrmSchedJob } from "@panmmu/drm";
import { type DrmPanthorQueueSubmitArgs, EINVAL } from "@panmmu/uapi";
import type { PanthorGroup, PanthorGroupPool } from "./group.js";
import { calcJobCredits } from "./job-instrs.js";
import type { QueueJob } from "./queue.js";

/** A job. Mirrors `struct panthor_job`. */
export class PanthorJob extends DrmSchedJob implements QueueJob {
  /** Where the job's instructions are in the ring. */
  readonly ringbuf = { start: 0, end: 0 };
  /** The done fence: created when the job runs (empty streams take the queue's last one). */
  doneFence: DmaFence | null = null;
  /** Profiling flags and slot. */
  readonly profiling: { readonly mask: number; slot: number };

  /**
   * @param group - the group (one reference held).
   * @param queueIdx - the queue.
   * @param callInfo - the user's stream.
   * @param profileMask - the device's job profiling flags at creation.
   */
  constructor(
    readonly group: PanthorGroup,
    readonly queueIdx: number,
    readonly callInfo: {
      readonly start: number;
      readonly size: number;
      readonly latestFlush: number;
    },
    profileMask: number,
  ) {
    super();
    this.profiling = { mask: profileMask, slot: 0 };
  }

  /** Drops the job's hold on its group (a job never pushed, or freed). Mirrors panthor_job_put()'s release. */
  release(): void {
    this.group.put();
  }
}

/**
 * Creates a job for queue `qsubmit.queue_index` of group `handle` (the kernel's u16): -EINVAL for
 * a non-zero pad, a size without an address or the reverse, an address not 64-byte aligned or
 * a size not 8-byte aligned, `latest_flush` bits 30:24 set, an unknown group, a group that can
 * no longer run, or a queue index past the group's queues. Mirrors panthor_job_create().
 */
export function panthorJobCreate(
  pool: PanthorGroupPool,
  handle: number,
  qsubmit: DrmPanthorQueueSubmitArgs,
  profileMask: number,
): PanthorJob | number {
  if (qsubmit.pad !== 0) return -EINVAL;
  const addr = qsubmit.stream_addr;
  const size = qsubmit.stream_size;
  if ((size === 0) !== (addr === 0n)) return -EINVAL;
  if ((addr & 63n) !== 0n || (size & 7) !== 0) return -EINVAL;
  if ((qsubmit.latest_flush & 0x7f00_0000) !== 0) return -EINVAL;
  const group = pool.get(handle & 0xffff);
  if (group === null) return -EINVAL;
  if (!group.canRun) return -EINVAL;
  const queue = group.queues[qsubmit.queue_index];
  if (queue === undefined) return -EINVAL;
  const job = new PanthorJob(
    group.get(),
    qsubmit.queue_index,
    { start: Number(addr), size, latestFlush: qsubmit.latest_flush },
    profileMask,
  );
  const entity = queue.entity;
  const ret = entity === null ? -EINVAL : job.init(entity, calcJobCredits(profileMask));
  if (ret !== 0) {
    job.release();
    return ret;
  }
  return job;
}

/**
 * Adds a job's finished fence to the reservation objects of its group's VM and of every BO
 * mapped in it (BOOKKEEP: explicit sync). Mirrors panthor_job_update_resvs().
 */
export function panthorJobUpdateResvs(job: PanthorJob, fence: DmaFence): void {
  const vm = job.group.vm;
  const resvs = new Set<unknown>([vm.rootGem.resv]);
  for (const m of vm.mappings()) if (m.obj !== null) resvs.add(m.obj.resv);
  for (const r of resvs) {
    if (!(r instanceof DmaResv)) continue;
    r.reserveFences(1);
    r.addFence(fence, DmaResvUsage.BOOKKEEP);
  }
}
