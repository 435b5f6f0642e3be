/** Binary syncobjs of a panthor file: creating one, and the fence it holds. */
import { type DmaFence, drmSyncobjCreate, drmSyncobjFindFence } from "@panmmu/drm";
import type { PanthorClient } from "@panmmu/panthor";
import { errnoName } from "@panmmu/uapi";
import { StackError } from "../../stack/stack.js";

/** A new binary syncobj of `c`'s file; throws {@link StackError} if the driver refuses. */
export function newSyncobj(c: PanthorClient): number {
  const h = drmSyncobjCreate(c.handle.file, 0);
  if (h < 0) throw new StackError(`syncobj: ${errnoName(-h)}`);
  return h;
}

/** The fence binary syncobj `h` of `c`'s file holds, or null (none yet, or no such handle). */
export function fenceOf(c: PanthorClient, h: number): DmaFence | null {
  const f = drmSyncobjFindFence(c.handle.file, h, 0, 0);
  return typeof f === "number" ? null : f;
}
