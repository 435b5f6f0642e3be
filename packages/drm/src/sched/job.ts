/**
 * `struct drm_sched_job`: one unit of work with its dependencies and credits.
 */
import { EINVAL } from "@panmmu/uapi";
import type { DrmFile } from "../core/types.js";
import type { DmaFence } from "../fence/dma-fence.js";
import { type DmaResv, DmaResvUsage } from "../fence/dma-resv.js";
import type { DrmGemObject } from "../gem/gem-object.js";
import { drmSyncobjFindFence } from "../syncobj/lookup.js";
import { type DrmSchedFence, toDrmSchedFence } from "./sched-fence.js";

/**
 * What a job needs of the entity it is queued on (a `DrmSchedEntity`): its fence contexts and
 * scheduler (for pipelining), its fence allocation and its queue.
 */
export interface DrmSchedJobEntity {
  /** First of the entity's two fence contexts (scheduled; finished is the next one). */
  readonly fenceContext: number;
  /** The entity's scheduler (identity only). */
  readonly sched: object;
  /** The fences of the next job armed on the entity. */
  nextSchedFence(): DrmSchedFence;
  /** Queues an armed job. */
  pushJob(job: DrmSchedJob): void;
  /** Records the finished fence of the entity's job handed to the hardware last. */
  setLastScheduled(fence: DmaFence): void;
}

/**
 * A scheduler job. Drivers subclass it with their job state. Lifecycle: {@link init} →
 * {@link addDependency}… → {@link arm} (fences exist from here) → {@link push} → the scheduler
 * runs it once its dependencies signalled and its credits fit → `freeJob` after it finished.
 */
export class DrmSchedJob {
  private ent: DrmSchedJobEntity | null = null;
  private sf: DrmSchedFence | null = null;
  /** Credits the job takes on the hardware ring while it runs. */
  credits = 0;
  /** Dependencies, at most one per fence context (the latest). */
  readonly dependencies: DmaFence[] = [];
  /** Times this job was found hung (`karma`). */
  karma = 0;
  /** Virtual time of {@link push} (FIFO selection key). */
  submitTs = 0;
  /** Push order across the process, breaking ties between equal {@link submitTs}. */
  submitSeq = 0;
  /** Scheduler-internal: the callback registered on the hardware fence. */
  hwCallback: ((f: DmaFence) => void) | null = null;

  /** Binds the job to `entity` with `credits` (> 0); 0 or -EINVAL. Mirrors drm_sched_job_init(). */
  init(entity: DrmSchedJobEntity, credits: number): number {
    if (!Number.isSafeInteger(credits) || credits <= 0) return -EINVAL;
    this.ent = entity;
    this.credits = credits;
    return 0;
  }

  /** The entity, once initialised. */
  get entity(): DrmSchedJobEntity | null {
    return this.ent;
  }

  /** The scheduled/finished fences, once armed. */
  get sFence(): DrmSchedFence | null {
    return this.sf;
  }

  /** The finished fence; throws if the job is not armed (a driver bug). */
  get finished(): DmaFence {
    if (this.sf === null) throw new Error("drm_sched_job: not armed");
    return this.sf.finished;
  }

  /**
   * Adds a dependency; a later fence of a context already present replaces the earlier one.
   * Always 0 here. Mirrors drm_sched_job_add_dependency().
   */
  addDependency(fence: DmaFence): number {
    for (let i = 0; i < this.dependencies.length; i++) {
      const d = this.dependencies[i] as DmaFence;
      if (d.context === fence.context) {
        if (fence.seqno > d.seqno) this.dependencies[i] = fence;
        return 0;
      }
    }
    this.dependencies.push(fence);
    return 0;
  }

  /**
   * Adds the fences of `resv` a job with the given access must wait for (READ usage for a
   * writer, WRITE usage for a reader). Mirrors drm_sched_job_add_resv_dependencies().
   */
  addResvDependencies(resv: DmaResv, usage: DmaResvUsage): number {
    for (const f of resv.fences(usage)) this.addDependency(f);
    return 0;
  }

  /**
   * Adds the implicit-sync dependencies of `obj` for a job that reads it (`write` false: waits
   * for writers) or writes it (waits for readers and writers too). Mirrors
   * drm_sched_job_add_implicit_dependencies() with dma_resv_usage_rw().
   */
  addImplicitDependencies(obj: DrmGemObject, write: boolean): number {
    return this.addResvDependencies(obj.resv, write ? DmaResvUsage.READ : DmaResvUsage.WRITE);
  }

  /**
   * Adds the fence of syncobj `handle` of `file` at `point` (0 for binary) as a dependency — the
   * in-sync of a submit. 0, -ENOENT (no such syncobj) or -EINVAL (no fence). Mirrors
   * drm_sched_job_add_syncobj_dependency().
   */
  addSyncobjDependency(file: DrmFile, handle: number, point: number): number {
    const fence = drmSyncobjFindFence(file, handle, point, 0);
    if (typeof fence === "number") return fence;
    return this.addDependency(fence);
  }

  /** Creates the job's fences with the entity's next seqno. Mirrors drm_sched_job_arm(). */
  arm(): void {
    const ent = this.ent;
    if (ent === null) throw new Error("drm_sched_job_arm: job not initialised");
    this.sf = ent.nextSchedFence();
  }

  /** Queues the armed job on its entity. Mirrors drm_sched_entity_push_job(). */
  push(): void {
    const ent = this.ent;
    if (ent === null || this.sf === null)
      throw new Error("drm_sched_entity_push_job: job not armed");
    ent.pushJob(this);
  }

  /**
   * The first dependency still to wait for, or null when the job may run. Fences of the job's
   * own entity are ignored (the entity runs in order anyway), and for a job of the same
   * scheduler only its *scheduled* fence is waited for: the hardware queue runs jobs in
   * order, so the job may be queued behind it (pipelining). Mirrors
   * drm_sched_entity_add_dependency_cb().
   */
  pendingDependency(): DmaFence | null {
    const ent = this.ent;
    for (const d of this.dependencies) {
      if (d.signaled) continue;
      if (ent !== null && (d.context === ent.fenceContext || d.context === ent.fenceContext + 1)) {
        continue;
      }
      const sf = toDrmSchedFence(d);
      if (sf !== null && ent !== null && sf.sched === ent.sched) {
        if (!sf.scheduled.signaled) return sf.scheduled;
        continue;
      }
      return d;
    }
    return null;
  }
}
