/** Which group priorities a file may use (GROUP_CREATE, DEV_QUERY_GROUP_PRIORITIES_INFO). */
import {
  EACCES,
  EINVAL,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  PANTHOR_GROUP_PRIORITY_REALTIME,
} from "@panmmu/uapi";

/**
 * 0 when a file may create groups of `priority`, -EINVAL for a priority above REALTIME, -EACCES
 * for HIGH or REALTIME without privilege. `privileged` stands for "has CAP_SYS_NICE or is the
 * current DRM master". Mirrors group_priority_permit().
 */
export function groupPriorityPermit(priority: number, privileged: boolean): number {
  if (priority > PANTHOR_GROUP_PRIORITY_REALTIME) return -EINVAL;
  if (priority <= PANTHOR_GROUP_PRIORITY_MEDIUM) return 0;
  return privileged ? 0 : -EACCES;
}

/**
 * Bit n set for every priority n the file may use: LOW|MEDIUM (0x3), plus HIGH|REALTIME (0xf)
 * when privileged. Mirrors panthor_query_group_priorities_info().
 */
export function allowedGroupPriorityMask(privileged: boolean): number {
  let mask = 0;
  for (let prio = PANTHOR_GROUP_PRIORITY_REALTIME; prio >= 0; prio--) {
    if (groupPriorityPermit(prio, privileged) === 0) mask |= 1 << prio;
  }
  return mask;
}
