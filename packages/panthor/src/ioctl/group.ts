/**
 * Group ioctls: GROUP_CREATE, GROUP_DESTROY, GROUP_GET_STATE (GROUP_SUBMIT is in
 * group-submit.ts).
 */
import type { DrmUserMemory } from "@panmmu/drm";
import { MAX_CS_PER_CSG } from "@panmmu/hw";
import {
  type DrmPanthorGroupCreateArgs,
  type DrmPanthorGroupGetStateArgs,
  DrmPanthorQueueCreate,
  EINVAL,
  ENODEV,
  getUobjArray,
} from "@panmmu/uapi";
import { groupPriorityPermit } from "../device/group-priority.js";
import type { PanthorFilePriv } from "../file/file-priv.js";
import {
  type PanthorGroupEnv,
  panthorGroupCreate,
  panthorGroupDestroy,
  panthorGroupGetState,
} from "../sched/group.js";
import type { PanthorScheduler } from "../sched/scheduler.js";

/**
 * GROUP_CREATE: 1..32 queues (-EINVAL), the queue array read (uobj rules), the priority
 * permitted for the file (-EINVAL / -EACCES), then the group created; `group_handle` is
 * written back. -ENODEV on a device probed without firmware (no group interface).
 * Mirrors panthor_ioctl_group_create().
 */
export function groupCreate(
  env: PanthorGroupEnv | null,
  sched: PanthorScheduler | null,
  priv: PanthorFilePriv,
  clientId: number,
  args: DrmPanthorGroupCreateArgs,
  user: DrmUserMemory,
): number {
  if (env === null) return -ENODEV;
  const count = args.queues.count;
  if (count === 0 || count > MAX_CS_PER_CSG) return -EINVAL;
  const queues = getUobjArray(user, args.queues, DrmPanthorQueueCreate);
  if (typeof queues === "number") return queues;
  const permit = groupPriorityPermit(args.priority, priv.privileged);
  if (permit !== 0) return permit;
  const gid = panthorGroupCreate(env, priv.vms, priv.groups, args, queues, clientId);
  if (gid < 0) return gid;
  const group = priv.groups.get(gid);
  if (group !== null) sched?.attachGroup(group);
  args.group_handle = gid;
  return 0;
}

/** GROUP_DESTROY: a non-zero pad is -EINVAL, an unknown handle -EINVAL. Mirrors panthor_ioctl_group_destroy(). */
export function groupDestroy(
  sched: PanthorScheduler | null,
  priv: PanthorFilePriv,
  handle: number,
  pad: number,
): number {
  if (pad !== 0) return -EINVAL;
  return panthorGroupDestroy(priv.groups, handle, sched);
}

/**
 * GROUP_GET_STATE: a non-zero pad or an unknown handle is -EINVAL; otherwise the whole struct
 * is rewritten (the handle reads back 0) with the state flags and fatal queues.
 * Mirrors panthor_group_get_state().
 */
export function groupGetState(priv: PanthorFilePriv, args: DrmPanthorGroupGetStateArgs): number {
  if (args.pad !== 0) return -EINVAL;
  const info = panthorGroupGetState(priv.groups, args.group_handle);
  if (typeof info === "number") return info;
  args.group_handle = 0;
  args.state = info.state;
  args.fatal_queues = info.fatalQueues;
  args.pad = 0;
  return 0;
}
