/**
 * The SUBMIT ioctl: check the request, gather its in-fences and BOs, and push a job.
 */
import {
  copyU32ArrayFromUser,
  type DmaFence,
  DmaResvUsage,
  type DrmFile,
  type DrmUserMemory,
  drmSyncobjFind,
  drmSyncobjFindFence,
  drmSyncobjInstallFence,
} from "@panmmu/drm";
import type { EventLoop } from "@panmmu/hw";
import { EINVAL, ENODEV, PANFROST_JD_REQ_CYCLE_COUNT, PANFROST_JD_REQ_FS } from "@panmmu/uapi";
import { panfrostFilePriv } from "../file/file-priv.js";
import { PanfrostBo } from "../gem/bo.js";
import type { BoMapping } from "../gem/mapping.js";
import { PanfrostJob } from "../job/job.js";
import type { JobManager } from "../job/job-manager.js";
import { lockReservations } from "../job/reservations.js";
import type { SubmitRequest } from "./api.js";

/** What a submit needs of the device. */
export interface SubmitDeps {
  /** The job manager (JM contexts, slots, entities, counters). */
  readonly jobs: JobManager;
  /** The event loop (the job's submission time). */
  readonly loop: EventLoop;
}

/**
 * SUBMIT, in the kernel's order of checks: jc, requirements, out_sync (-ENODEV), in-syncs
 * (-EFAULT / -ENOENT), BO handles (-EFAULT / -ENOENT, -EINVAL without a mapping in this
 * file), then the BOs' reservation locks (-EALREADY when a BO is listed twice; the out-sync
 * is left alone and no job runs). The job holds its context, the BOs' mappings and GPU use
 * counts until it is done.
 *
 * Mirrors panfrost_ioctl_submit() / panfrost_job_push().
 */
export function panfrostSubmit(
  deps: SubmitDeps,
  file: DrmFile,
  req: SubmitRequest,
  user: DrmUserMemory,
): number {
  const { jobs } = deps;
  const priv = panfrostFilePriv(file);
  if (priv === null) return -EINVAL;
  if (req.jc === 0) return -EINVAL;
  if ((req.requirements & ~(PANFROST_JD_REQ_FS | PANFROST_JD_REQ_CYCLE_COUNT)) !== 0)
    return -EINVAL;
  if (req.outSync > 0) {
    const s = drmSyncobjFind(file, req.outSync);
    if (s === null) return -ENODEV;
    s.put();
  }
  const jmCtx = jobs.jmCtxs.lookup(priv, req.jmCtxHandle);
  if (jmCtx === null) return -EINVAL;
  const js = (req.requirements & PANFROST_JD_REQ_FS) !== 0 ? 0 : 1;
  if (!jobs.hasSlot(js)) return -EINVAL;
  const inFences: DmaFence[] = [];
  if (req.inSyncCount > 0) {
    const handles = copyU32ArrayFromUser(user, req.inSyncs, req.inSyncCount);
    if (typeof handles === "number") return handles;
    for (const h of handles) {
      const f = drmSyncobjFindFence(file, h, 0, 0);
      if (typeof f === "number") return f;
      inFences.push(f);
    }
  }
  const bos: PanfrostBo[] = [];
  const mappings: BoMapping[] = [];
  const unwind = (ret: number): number => {
    for (const b of bos) b.put();
    for (const m of mappings) m.put();
    return ret;
  };
  if (req.boHandleCount > 0) {
    const handles = copyU32ArrayFromUser(user, req.boHandles, req.boHandleCount);
    if (typeof handles === "number") return handles;
    const objs = file.gemObjectsLookup(handles);
    if (typeof objs === "number") return objs;
    for (const o of objs) {
      if (!(o instanceof PanfrostBo)) {
        o.put();
        return unwind(-EINVAL);
      }
      bos.push(o);
    }
    for (const bo of bos) {
      const m = bo.mappings.find((x) => x.ctx === priv.ctx);
      if (m === undefined) return unwind(-EINVAL);
      mappings.push(m.get());
    }
  }
  const entity = jobs.entity(jmCtx, js);
  if (entity === null) return unwind(-EINVAL);
  // panfrost_job_push() locks every BO's reservation first: a BO listed twice fails here, after
  // the lookups, with nothing armed, queued or signalled.
  const locked = lockReservations(bos);
  if (locked < 0) return unwind(locked);
  const job = new PanfrostJob(
    priv,
    priv.ctx.get(),
    req.jc,
    req.requirements,
    js,
    mappings,
    bos,
    deps.loop.now,
  );
  job.jmCtxId = jmCtx.id;
  job.init(entity, 1);
  for (const f of inFences) job.addDependency(f);
  // Implicit synchronisation: every BO is treated as written (panfrost_acquire_object_fences).
  for (const bo of bos) job.addImplicitDependencies(bo, true);
  job.arm();
  const fence = job.finished;
  for (const bo of bos) {
    bo.gpuUsecount++;
    bo.resv.reserveFences(1);
    bo.resv.addFence(fence, DmaResvUsage.WRITE);
  }
  jobs.countSubmit(job);
  job.push();
  if (req.outSync > 0) drmSyncobjInstallFence(file, req.outSync, 0, fence);
  return 0;
}
