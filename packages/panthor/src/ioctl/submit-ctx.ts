/**
 * The submission context of VM_BIND (asynchronous) and GROUP_SUBMIT: jobs and their sync ops,
 * the signal operations collected over the whole batch (so a job can wait on what an earlier
 * job of the same batch signals), dependencies, arming, pushing, and installing the fences.
 */
import {
  type DmaFence,
  type DrmFile,
  type DrmSchedJob,
  type DrmSyncobj,
  type DrmUserMemory,
  drmSyncobjFind,
  drmSyncobjFindFence,
} from "@panmmu/drm";
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  type DrmPanthorObjArrayArgs,
  DrmPanthorSyncOp,
  type DrmPanthorSyncOpArgs,
  EINVAL,
  getUobjArray,
  type WarningSink,
} from "@panmmu/uapi";

/** Flags a sync op may carry. Mirrors PANTHOR_SYNC_OP_FLAGS_MASK. */
const SYNC_OP_FLAGS_MASK =
  (DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK | DRM_PANTHOR_SYNC_OP_SIGNAL) >>> 0;

/** A syncobj point a job of the batch signals. Mirrors `struct panthor_sync_signal`. */
interface SyncSignal {
  readonly handle: number;
  readonly point: number;
  readonly syncobj: DrmSyncobj;
  /** The fence the point will get: its current one, then the last signalling job's. */
  fence: DmaFence | null;
}

/** A job of the batch and its sync ops. Mirrors `struct panthor_job_ctx`. */
interface JobCtx<J extends DrmSchedJob> {
  job: J | null;
  syncops: DrmPanthorSyncOpArgs[];
}

function isSignal(op: DrmPanthorSyncOpArgs): boolean {
  return (op.flags & DRM_PANTHOR_SYNC_OP_SIGNAL) !== 0;
}

/** Checks a sync op's flags, handle type and point. Mirrors panthor_check_sync_op(). */
export function checkSyncOp(op: DrmPanthorSyncOpArgs): number {
  if ((op.flags & ~SYNC_OP_FLAGS_MASK) !== 0) return -EINVAL;
  const type = op.flags & DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK;
  if (
    type !== DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ &&
    type !== DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ
  ) {
    return -EINVAL;
  }
  if (type === DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ && op.timeline_value !== 0n) return -EINVAL;
  // Timeline points beyond 2^53 cannot be represented by the syncobj model.
  if (op.timeline_value > BigInt(Number.MAX_SAFE_INTEGER)) return -EINVAL;
  return 0;
}

/** A submission in progress. Mirrors `struct panthor_submit_ctx`. */
export class PanthorSubmitCtx<J extends DrmSchedJob & { release(): void }> {
  private readonly jobs: JobCtx<J>[] = [];
  private readonly signals: SyncSignal[] = [];

  /**
   * @param file - the submitting file.
   * @param user - its memory (the sync op arrays).
   * @param warnings - WARN sink.
   */
  constructor(
    private readonly file: DrmFile,
    private readonly user: DrmUserMemory,
    private readonly warnings: WarningSink,
  ) {}

  /** Adds job `job` with the sync ops array `syncs` (obj_array rules). Mirrors panthor_submit_ctx_add_job(). */
  addJob(job: J, syncs: DrmPanthorObjArrayArgs): number {
    const entry: JobCtx<J> = { job, syncops: [] };
    this.jobs.push(entry);
    const ops = getUobjArray(this.user, syncs, DrmPanthorSyncOp);
    if (typeof ops === "number") return ops;
    entry.syncops = ops;
    return 0;
  }

  private findSignal(handle: number, point: number): SyncSignal | undefined {
    return this.signals.find((s) => s.handle === handle && s.point === point);
  }

  /**
   * Checks every signal op and records its syncobj point once, with the fence it has now (an
   * unknown syncobj is -EINVAL). Mirrors panthor_submit_ctx_collect_jobs_signal_ops().
   */
  collectSignalOps(): number {
    for (const j of this.jobs) {
      for (const op of j.syncops) {
        if (!isSignal(op)) continue;
        const ret = checkSyncOp(op);
        if (ret !== 0) return ret;
        const point = Number(op.timeline_value);
        if (this.findSignal(op.handle, point) !== undefined) continue;
        const syncobj = drmSyncobjFind(this.file, op.handle);
        if (syncobj === null) return -EINVAL;
        syncobj.put();
        const cur = drmSyncobjFindFence(this.file, op.handle, point, 0);
        this.signals.push({
          handle: op.handle,
          point,
          syncobj,
          fence: typeof cur === "number" ? null : cur,
        });
      }
    }
    return 0;
  }

  /**
   * For each job in order: its wait ops become dependencies (a point signalled by an earlier
   * job of the batch waits for that job; otherwise the syncobj's fence: -ENOENT unknown,
   * -EINVAL none), then it is armed and its signal points take its finished fence.
   * Mirrors panthor_submit_ctx_add_deps_and_arm_jobs().
   */
  addDepsAndArmJobs(): number {
    for (const j of this.jobs) {
      const job = j.job as J;
      for (const op of j.syncops) {
        if (isSignal(op)) continue;
        const ret = checkSyncOp(op);
        if (ret !== 0) return ret;
        const point = Number(op.timeline_value);
        const sig = this.findSignal(op.handle, point);
        let fence: DmaFence;
        if (sig !== undefined) {
          if (sig.fence === null) {
            this.warnings.warn(
              "panthor_submit_ctx_add_sync_deps_to_job",
              "signal point has no fence",
            );
            return -EINVAL;
          }
          fence = sig.fence;
        } else {
          const f = drmSyncobjFindFence(this.file, op.handle, point, 0);
          if (typeof f === "number") return f;
          fence = f;
        }
        job.addDependency(fence);
      }
      job.arm();
      for (const op of j.syncops) {
        if (!isSignal(op)) continue;
        const sig = this.findSignal(op.handle, Number(op.timeline_value));
        if (sig === undefined) {
          this.warnings.warn("panthor_submit_ctx_update_job_sync_signal_fences", "unknown signal");
          return -EINVAL;
        }
        sig.fence = job.finished;
      }
    }
    return 0;
  }

  /**
   * Pushes every job to its entity (after `beforePush` updated the reservation objects), then
   * installs the signal fences: a timeline point added, a binary syncobj's fence replaced.
   * Mirrors panthor_submit_ctx_push_jobs() and panthor_submit_ctx_push_fences().
   */
  pushJobs(beforePush: (job: J) => void): void {
    for (const j of this.jobs) {
      const job = j.job as J;
      beforePush(job);
      job.push();
      j.job = null;
    }
    for (const s of this.signals) {
      if (s.fence === null) continue;
      if (s.point > 0) s.syncobj.addPoint(s.fence, s.point);
      else s.syncobj.replaceFence(s.fence);
    }
  }

  /** Releases the jobs that were not pushed. Mirrors panthor_submit_ctx_cleanup(). */
  cleanup(): void {
    for (const j of this.jobs) {
      if (j.job !== null) j.job.release();
      j.job = null;
    }
  }
}
