/**
 * Job-manager scheduling contexts (uAPI 1.5, JM_CTX_CREATE / JM_CTX_DESTROY): each file has a
 * default context (handle 0, medium priority) and may create more, each with its own
 * scheduler entity per job slot at the context's priority.
 */
import { type DrmGpuScheduler, DrmSchedEntity, DrmSchedPriority } from "@panmmu/drm";
import {
  EACCES,
  EBUSY,
  EINVAL,
  PANFROST_JM_CTX_PRIORITY_HIGH,
  PANFROST_JM_CTX_PRIORITY_LOW,
  PANFROST_JM_CTX_PRIORITY_MEDIUM,
} from "@panmmu/uapi";
import type { JobOwner, PanfrostJob } from "./job.js";

let nextJmCtxId = 1;

/**
 * Highest JM context handle of a file (inclusive): with the default context at 0, a file may
 * create 64 contexts. Mirrors MAX_JM_CTX_PER_FILE.
 */
export const MAX_JM_CTX_PER_FILE = 64;

/**
 * The scheduler priority of a JM context priority: LOW and MEDIUM for anyone, HIGH only for a
 * privileged caller (-EACCES otherwise), anything else -EINVAL.
 *
 * Mirrors jm_ctx_prio_to_drm_sched_prio().
 */
export function jmCtxSchedPriority(
  priority: number,
  highAllowed: boolean,
): DrmSchedPriority | number {
  switch (priority) {
    case PANFROST_JM_CTX_PRIORITY_LOW:
      return DrmSchedPriority.LOW;
    case PANFROST_JM_CTX_PRIORITY_MEDIUM:
      return DrmSchedPriority.NORMAL;
    case PANFROST_JM_CTX_PRIORITY_HIGH:
      return highAllowed ? DrmSchedPriority.HIGH : -EACCES;
    default:
      return -EINVAL;
  }
}

/** A file's JM context. Mirrors struct panfrost_jm_ctx. */
export class JmCtx {
  /** Unique id (jobs record it to be found when the context is destroyed). */
  readonly id = nextJmCtxId++;
  /** Scheduler entities, one per job slot, created on first use. */
  private readonly entities: Array<DrmSchedEntity<PanfrostJob> | undefined> = [];
  /** Set once destroyed (no entity is created any more). */
  destroyed = false;

  /**
   * @param owner - the file.
   * @param handle - the handle in the file (0: the default context).
   * @param schedPriority - priority of its scheduler entities.
   */
  constructor(
    readonly owner: JobOwner,
    readonly handle: number,
    readonly schedPriority: DrmSchedPriority,
  ) {}

  /** The context's entity on the slot whose scheduler is `sched` (`js`), or null once destroyed. */
  entity(js: number, sched: DrmGpuScheduler<PanfrostJob>): DrmSchedEntity<PanfrostJob> | null {
    if (this.destroyed) return null;
    let e = this.entities[js];
    if (e === undefined) {
      e = new DrmSchedEntity<PanfrostJob>(sched, this.schedPriority);
      this.entities[js] = e;
    }
    return e;
  }

  /** Destroys every entity (their queued jobs complete -ESRCH). */
  destroy(): void {
    this.destroyed = true;
    for (const e of this.entities) e?.destroy();
  }

  /** Whether an entity still has queued jobs. */
  get hasQueuedJobs(): boolean {
    for (const e of this.entities) if (e !== undefined && e.queue.length > 0) return true;
    return false;
  }
}

/** The JM contexts of every open file, by handle. */
export class JmCtxTable {
  private readonly files = new Map<JobOwner, Map<number, JmCtx>>();

  /** The file's contexts, with the default one (handle 0) made on first use. Mirrors panfrost_jm_open(). */
  private ctxsOf(owner: JobOwner): Map<number, JmCtx> {
    let m = this.files.get(owner);
    if (m === undefined) {
      m = new Map([[0, new JmCtx(owner, 0, DrmSchedPriority.NORMAL)]]);
      this.files.set(owner, m);
    }
    return m;
  }

  /** The context `handle` of the file, or null. Mirrors panfrost_jm_ctx_from_handle(). */
  lookup(owner: JobOwner, handle: number): JmCtx | null {
    if (owner.closed) return null;
    return this.ctxsOf(owner).get(handle) ?? null;
  }

  /**
   * Creates a context at `priority` (a PANFROST_JM_CTX_PRIORITY_*): its handle (the lowest free
   * one), or -EINVAL / -EACCES for the priority, then -EBUSY when every handle up to
   * {@link MAX_JM_CTX_PER_FILE} is taken (the default context holds 0, so a file can add 64).
   * Mirrors panfrost_jm_ctx_create().
   */
  create(owner: JobOwner, priority: number, highAllowed: boolean): number {
    const prio = jmCtxSchedPriority(priority, highAllowed);
    if (prio < 0) return prio;
    const m = this.ctxsOf(owner);
    let handle = 1;
    while (m.has(handle)) handle++;
    // xa_alloc() over XA_LIMIT(0, MAX_JM_CTX_PER_FILE): both bounds inclusive.
    if (handle > MAX_JM_CTX_PER_FILE) return -EBUSY;
    m.set(handle, new JmCtx(owner, handle, prio as DrmSchedPriority));
    return handle;
  }

  /** Removes context `handle` from the file and returns it (not yet destroyed), or null. */
  remove(owner: JobOwner, handle: number): JmCtx | null {
    const m = this.files.get(owner);
    const ctx = m?.get(handle);
    if (m === undefined || ctx === undefined) return null;
    m.delete(handle);
    return ctx;
  }

  /** Removes and returns every context of the file (file close). */
  removeAll(owner: JobOwner): JmCtx[] {
    const m = this.files.get(owner);
    this.files.delete(owner);
    return m === undefined ? [] : [...m.values()];
  }

  /** Whether any context of any file has queued jobs. */
  get hasQueuedJobs(): boolean {
    for (const m of this.files.values())
      for (const c of m.values()) if (c.hasQueuedJobs) return true;
    return false;
  }
}
