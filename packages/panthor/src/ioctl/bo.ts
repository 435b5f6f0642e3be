/**
 * BO ioctls: BO_CREATE, BO_MMAP_OFFSET, BO_SET_LABEL, BO_QUERY_INFO.
 */
import {
  type DrmFile,
  DrmGemObject,
  type DrmUserMemory,
  drmGemCreateMmapOffset,
} from "@panmmu/drm";
import { PAGE_SIZE } from "@panmmu/hw";
import {
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH,
  DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE,
  DRM_PANTHOR_BO_WB_MMAP,
  E2BIG,
  EINVAL,
  ENODEV,
  ENOENT,
  ENOMEM,
  EPERM,
  strndupUser,
} from "@panmmu/uapi";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { PANTHOR_BO_FLAGS, PanthorBo } from "../gem/bo.js";
import type { PanthorIoctlDevice } from "./device-api.js";

/** BO_SET_LABEL's limit in bytes, the NUL included. Mirrors PANTHOR_BO_LABEL_MAXLEN. */
export const PANTHOR_BO_LABEL_MAXLEN = 4096;
/** `DRM_PANTHOR_BO_IS_IMPORTED` (BO_QUERY_INFO extra_flags). */
export const DRM_PANTHOR_BO_IS_IMPORTED = 1 << 0;

/**
 * BO_CREATE: size 0, a non-zero pad, unknown flags or NO_MMAP with WB_MMAP → -EINVAL; an
 * exclusive VM id that names no VM → -EINVAL; then a zeroed BO of the page-rounded size (whose
 * reservation object is the exclusive VM's, if any) and a handle. Returns the handle and the
 * rounded size. Mirrors panthor_ioctl_bo_create() and panthor_gem_create_with_handle().
 */
export function boCreate(
  dev: PanthorIoctlDevice,
  file: DrmFile<PanthorFilePriv>,
  priv: PanthorFilePriv,
  a: { size: bigint; flags: number; exclusiveVmId: number; pad: number },
): { handle: number; size: bigint } | number {
  if (dev.unplugged) return -ENODEV;
  if (a.size === 0n || a.pad !== 0 || (a.flags & ~PANTHOR_BO_FLAGS) !== 0) return -EINVAL;
  if ((a.flags & DRM_PANTHOR_BO_NO_MMAP) !== 0 && (a.flags & DRM_PANTHOR_BO_WB_MMAP) !== 0) {
    return -EINVAL;
  }
  let exclusive: ReturnType<PanthorFilePriv["vms"]["get"]> = null;
  if (a.exclusiveVmId !== 0) {
    exclusive = priv.vms.get(a.exclusiveVmId);
    if (exclusive === null) return -EINVAL;
  }
  try {
    const page = BigInt(PAGE_SIZE);
    const rounded = ((a.size + page - 1n) / page) * page;
    // shmem pages come on first use; a size the model cannot even represent cannot be had.
    if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) return -ENOMEM;
    const root = exclusive?.rootGem ?? null;
    const shared = root instanceof DrmGemObject ? { root, resv: root.resv } : null;
    if (exclusive !== null && shared === null) return -EINVAL;
    const bo = new PanthorBo(dev.drm, Number(rounded), a.flags, shared, dev.shmemHugeFolios);
    bo.creator = `${file.driverPriv?.name ?? "?"}/${file.clientId}`;
    const handle = file.gemHandleCreate(bo);
    bo.put();
    if (handle < 0) return handle;
    return { handle, size: rounded };
  } finally {
    exclusive?.put();
  }
}

/**
 * BO_MMAP_OFFSET: -EINVAL for a non-zero pad, -ENOENT for an unknown handle, -EPERM for a
 * NO_MMAP BO; else the fake offset. Mirrors panthor_ioctl_bo_mmap_offset().
 */
export function boMmapOffset(file: DrmFile, handle: number, pad: number): bigint | number {
  if (pad !== 0) return -EINVAL;
  const obj = file.gemObjectLookup(handle);
  if (obj === null) return -ENOENT;
  try {
    if (obj instanceof PanthorBo && (obj.flags & DRM_PANTHOR_BO_NO_MMAP) !== 0) return -EPERM;
    const ret = drmGemCreateMmapOffset(obj);
    if (ret < 0) return ret;
    return BigInt(obj.vmaNode.offsetAddr);
  } finally {
    obj.put();
  }
}

/**
 * BO_SET_LABEL: -EINVAL for a non-zero pad, -ENOENT for an unknown handle; the label read with
 * strndup_user (no NUL within 4096 bytes → -E2BIG, unreadable → -EFAULT); pointer 0 clears it.
 * Mirrors panthor_ioctl_bo_set_label().
 */
export function boSetLabel(
  file: DrmFile,
  handle: number,
  labelPtr: bigint,
  pad: number,
  user: DrmUserMemory,
): number {
  if (pad !== 0) return -EINVAL;
  const obj = file.gemObjectLookup(handle);
  if (obj === null) return -ENOENT;
  try {
    let label: string | null = null;
    if (labelPtr !== 0n) {
      const s = strndupUser(user, labelPtr, PANTHOR_BO_LABEL_MAXLEN);
      if (typeof s === "number") return s === -EINVAL ? -E2BIG : s;
      label = s;
    }
    if (obj instanceof PanthorBo) obj.label = label;
    return 0;
  } finally {
    obj.put();
  }
}

/**
 * BO_QUERY_INFO: -ENOENT for an unknown handle; the creation flags and IS_IMPORTED for a BO
 * imported from another device. Mirrors panthor_ioctl_bo_query_info().
 */
export function boQueryInfo(
  file: DrmFile,
  handle: number,
): { createFlags: number; extraFlags: number } | number {
  const obj = file.gemObjectLookup(handle);
  if (obj === null) return -ENOENT;
  const flags = obj instanceof PanthorBo ? obj.flags : 0;
  const imported = obj instanceof PanthorBo ? obj.imported : true;
  obj.put();
  return { createFlags: flags, extraFlags: imported ? DRM_PANTHOR_BO_IS_IMPORTED : 0 };
}

/**
 * BO_SYNC: each op's BO looked up (-ENOENT), its range checked (-EINVAL for overflow or past
 * the BO, an imported BO or an unknown type); a write-combined mapping (no WB_MMAP on a
 * non-coherent device) or an empty range needs no work; otherwise the CPU cache maintenance is
 * counted on the BO. Mirrors panthor_ioctl_bo_sync() / panthor_gem_sync().
 */
export function boSync(
  dev: PanthorIoctlDevice,
  file: DrmFile,
  ops: ReadonlyArray<{ handle: number; type: number; offset: bigint; size: bigint }>,
): number {
  for (const op of ops) {
    const obj = file.gemObjectLookup(op.handle);
    if (obj === null) return -ENOENT;
    const ret = boSyncOne(dev, obj, op);
    obj.put();
    if (ret !== 0) return ret;
  }
  return 0;
}

function boSyncOne(
  dev: PanthorIoctlDevice,
  obj: object,
  op: { type: number; offset: bigint; size: bigint },
): number {
  if (!(obj instanceof PanthorBo)) return -EINVAL;
  const end = op.offset + op.size;
  if (end >= 1n << 64n || end > BigInt(obj.size)) return -EINVAL;
  if (obj.imported) return -EINVAL;
  if (
    op.type !== DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH &&
    op.type !== DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE
  ) {
    return -EINVAL;
  }
  const writeCombined = (obj.flags & DRM_PANTHOR_BO_WB_MMAP) === 0 && !dev.platform.coherent;
  if (!writeCombined && op.size !== 0n) obj.cacheSyncs++;
  return 0;
}
