/**
 * GROUP_SUBMIT: jobs for queues of one group, with their sync operations, pushed to the
 * queues' schedulers as one batch (all or nothing up to the push).
 */
import type { DrmFile, DrmUserMemory } from "@panmmu/drm";
import {
  type DrmPanthorGroupSubmitArgs,
  DrmPanthorQueueSubmit,
  EINVAL,
  ENODEV,
  getUobjArray,
} from "@panmmu/uapi";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { type PanthorJob, panthorJobCreate, panthorJobUpdateResvs } from "../sched/job.js";
import type { PanthorIoctlDevice } from "./device-api.js";
import { PanthorSubmitCtx } from "./submit-ctx.js";

/**
 * GROUP_SUBMIT: a non-zero pad is -EINVAL, an unplugged device -ENODEV; the queue_submits array
 * (uobj rules); per entry a job (its checks) with its sync ops; the batch's signal points
 * collected, waits turned into dependencies, the jobs armed and pushed in order, each
 * finished fence bookkept in the group VM's and mapped BOs' reservation objects and installed
 * in the signal syncobjs. Any failure before the push queues nothing. A device probed without
 * firmware answers -ENODEV. Mirrors panthor_ioctl_group_submit().
 */
export function groupSubmit(
  dev: PanthorIoctlDevice,
  file: DrmFile<PanthorFilePriv>,
  priv: PanthorFilePriv,
  args: DrmPanthorGroupSubmitArgs,
  user: DrmUserMemory,
): number {
  if (args.pad !== 0) return -EINVAL;
  if (dev.unplugged || dev.sched === null) return -ENODEV;
  const submits = getUobjArray(user, args.queue_submits, DrmPanthorQueueSubmit);
  if (typeof submits === "number") return submits;
  const ctx = new PanthorSubmitCtx<PanthorJob>(file, user, dev.platform.warnings);
  try {
    for (const qsubmit of submits) {
      const job = panthorJobCreate(priv.groups, args.group_handle, qsubmit, dev.profileMask);
      if (typeof job === "number") return job;
      const ret = ctx.addJob(job, qsubmit.syncs);
      if (ret !== 0) return ret;
    }
    let ret = ctx.collectSignalOps();
    if (ret !== 0) return ret;
    ret = ctx.addDepsAndArmJobs();
    if (ret !== 0) return ret;
    ctx.pushJobs((job) => panthorJobUpdateResvs(job, job.finished));
    return 0;
  } finally {
    ctx.cleanup();
  }
}
