/**
 * The panthor ioctl table: each entry decodes its struct, runs the handler (checks in the
 * kernel's order) and writes the outputs back.
 */
import { DRM_RENDER_ALLOW, type DrmIoctlEntry, drmIoctlDef } from "@panmmu/drm";
import {
  DRM_IOCTL_PANTHOR_BO_CREATE,
  DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
  DRM_IOCTL_PANTHOR_BO_QUERY_INFO,
  DRM_IOCTL_PANTHOR_BO_SET_LABEL,
  DRM_IOCTL_PANTHOR_BO_SYNC,
  DRM_IOCTL_PANTHOR_DEV_QUERY,
  DRM_IOCTL_PANTHOR_GROUP_CREATE,
  DRM_IOCTL_PANTHOR_GROUP_DESTROY,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET,
  DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
  DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_IOCTL_PANTHOR_VM_CREATE,
  DRM_IOCTL_PANTHOR_VM_DESTROY,
  DRM_IOCTL_PANTHOR_VM_GET_STATE,
  DRM_PANTHOR_USER_MMIO_OFFSET_32BIT,
  DRM_PANTHOR_USER_MMIO_OFFSET_64BIT,
  DrmPanthorBoCreate,
  DrmPanthorBoMmapOffset,
  DrmPanthorBoQueryInfo,
  DrmPanthorBoSetLabel,
  DrmPanthorBoSync,
  DrmPanthorBoSyncOp,
  DrmPanthorDevQuery,
  DrmPanthorGroupCreate,
  DrmPanthorGroupDestroy,
  DrmPanthorGroupGetState,
  DrmPanthorGroupSubmit,
  DrmPanthorSetUserMmioOffset,
  DrmPanthorTilerHeapCreate,
  DrmPanthorTilerHeapDestroy,
  DrmPanthorVmBind,
  DrmPanthorVmCreate,
  DrmPanthorVmDestroy,
  DrmPanthorVmGetState,
  EINVAL,
  getUobjArray,
} from "@panmmu/uapi";
import { panthorDevQuery } from "../device/dev-query.js";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { boCreate, boMmapOffset, boQueryInfo, boSetLabel, boSync } from "./bo.js";
import type { PanthorIoctlDevice } from "./device-api.js";
import { groupCreate, groupDestroy, groupGetState } from "./group.js";
import { groupSubmit } from "./group-submit.js";
import { tilerHeapCreate, tilerHeapDestroy } from "./heap.js";
import { vmBind, vmCreate, vmDestroy, vmGetState } from "./vm.js";

type Entry = DrmIoctlEntry<PanthorFilePriv>;

/** Builds the panthor ioctl table over `dev`. Mirrors panthor_drm_driver_ioctls[]. */
export function panthorIoctls(dev: PanthorIoctlDevice): Entry[] {
  const R = DRM_RENDER_ALLOW;
  return [
    drmIoctlDef<ReturnType<typeof DrmPanthorDevQuery.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_DEV_QUERY", request: DRM_IOCTL_PANTHOR_DEV_QUERY },
      DrmPanthorDevQuery,
      (a, { file, user }) => {
        const r = panthorDevQuery(dev.queryCtx, a.type, a.size, a.pointer, {
          mem: user,
          privileged: file.driverPriv?.privileged ?? false,
        });
        a.size = r.size;
        return r.ret;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorVmCreate.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_VM_CREATE", request: DRM_IOCTL_PANTHOR_VM_CREATE },
      DrmPanthorVmCreate,
      (a, { file }) => {
        const priv = file.driverPriv;
        if (priv === null) return -EINVAL;
        const r = vmCreate(dev, priv, a.flags, a.user_va_range);
        if (typeof r === "number") return r;
        a.id = r.id;
        a.user_va_range = r.userVaRange;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorVmDestroy.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_VM_DESTROY", request: DRM_IOCTL_PANTHOR_VM_DESTROY },
      DrmPanthorVmDestroy,
      (a, { file }) =>
        file.driverPriv === null ? -EINVAL : vmDestroy(file.driverPriv, a.id, a.pad),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorVmBind.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_VM_BIND", request: DRM_IOCTL_PANTHOR_VM_BIND },
      DrmPanthorVmBind,
      (a, { file, user }) =>
        file.driverPriv === null ? -EINVAL : vmBind(dev, file, file.driverPriv, a, user),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorVmGetState.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_VM_GET_STATE", request: DRM_IOCTL_PANTHOR_VM_GET_STATE },
      DrmPanthorVmGetState,
      (a, { file }) => {
        if (file.driverPriv === null) return -EINVAL;
        const state = vmGetState(file.driverPriv, a.vm_id);
        if (state < 0) return state;
        a.state = state;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorBoCreate.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_BO_CREATE", request: DRM_IOCTL_PANTHOR_BO_CREATE },
      DrmPanthorBoCreate,
      (a, { file }) => {
        if (file.driverPriv === null) return -EINVAL;
        const r = boCreate(dev, file, file.driverPriv, {
          size: a.size,
          flags: a.flags,
          exclusiveVmId: a.exclusive_vm_id,
          pad: a.pad,
        });
        if (typeof r === "number") return r;
        a.handle = r.handle;
        a.size = r.size;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorBoMmapOffset.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET", request: DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET },
      DrmPanthorBoMmapOffset,
      (a, { file }) => {
        const r = boMmapOffset(file, a.handle, a.pad);
        if (typeof r === "number") return r;
        a.offset = r;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorGroupCreate.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_GROUP_CREATE", request: DRM_IOCTL_PANTHOR_GROUP_CREATE },
      DrmPanthorGroupCreate,
      (a, { file, user }) =>
        file.driverPriv === null
          ? -EINVAL
          : groupCreate(dev.groupEnv, dev.sched, file.driverPriv, file.clientId, a, user),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorGroupDestroy.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_GROUP_DESTROY", request: DRM_IOCTL_PANTHOR_GROUP_DESTROY },
      DrmPanthorGroupDestroy,
      (a, { file }) =>
        file.driverPriv === null
          ? -EINVAL
          : groupDestroy(dev.sched, file.driverPriv, a.group_handle, a.pad),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorGroupSubmit.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_GROUP_SUBMIT", request: DRM_IOCTL_PANTHOR_GROUP_SUBMIT },
      DrmPanthorGroupSubmit,
      (a, { file, user }) =>
        file.driverPriv === null ? -EINVAL : groupSubmit(dev, file, file.driverPriv, a, user),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorGroupGetState.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_GROUP_GET_STATE", request: DRM_IOCTL_PANTHOR_GROUP_GET_STATE },
      DrmPanthorGroupGetState,
      (a, { file }) => (file.driverPriv === null ? -EINVAL : groupGetState(file.driverPriv, a)),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorTilerHeapCreate.decode>, PanthorFilePriv>(
      {
        name: "DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE",
        request: DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
      },
      DrmPanthorTilerHeapCreate,
      (a, { file }) =>
        file.driverPriv === null ? -EINVAL : tilerHeapCreate(dev, file.driverPriv, a),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorTilerHeapDestroy.decode>, PanthorFilePriv>(
      {
        name: "DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY",
        request: DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
      },
      DrmPanthorTilerHeapDestroy,
      (a, { file }) =>
        file.driverPriv === null
          ? -EINVAL
          : tilerHeapDestroy(dev, file.driverPriv, a.handle, a.pad),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorBoSetLabel.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_BO_SET_LABEL", request: DRM_IOCTL_PANTHOR_BO_SET_LABEL },
      DrmPanthorBoSetLabel,
      (a, { file, user }) => boSetLabel(file, a.handle, a.label, a.pad, user),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorSetUserMmioOffset.decode>, PanthorFilePriv>(
      {
        name: "DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET",
        request: DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET,
      },
      DrmPanthorSetUserMmioOffset,
      (a, { file }) => {
        // Mirrors panthor_ioctl_set_user_mmio_offset().
        if (
          a.offset !== DRM_PANTHOR_USER_MMIO_OFFSET_32BIT &&
          a.offset !== DRM_PANTHOR_USER_MMIO_OFFSET_64BIT
        ) {
          return -EINVAL;
        }
        if (file.driverPriv === null) return -EINVAL;
        file.driverPriv.userMmioOffset = a.offset;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorBoSync.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_BO_SYNC", request: DRM_IOCTL_PANTHOR_BO_SYNC },
      DrmPanthorBoSync,
      (a, { file, user }) => {
        if (a.ops.count === 0) return 0;
        const ops = getUobjArray(user, a.ops, DrmPanthorBoSyncOp);
        if (typeof ops === "number") return ops;
        return boSync(dev, file, ops);
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanthorBoQueryInfo.decode>, PanthorFilePriv>(
      { name: "DRM_IOCTL_PANTHOR_BO_QUERY_INFO", request: DRM_IOCTL_PANTHOR_BO_QUERY_INFO },
      DrmPanthorBoQueryInfo,
      (a, { file }) => {
        const r = boQueryInfo(file, a.handle);
        if (typeof r === "number") return r;
        a.create_flags = r.createFlags;
        a.extra_flags = r.extraFlags;
        a.pad = 0;
        return 0;
      },
      R,
    ),
  ];
}
