/**
 * The driver's ioctl table: each handler checks the struct's own rules (pad fields), then calls
 * the device API and writes the outputs back.
 */
import { DRM_RENDER_ALLOW, type DrmIoctlEntry, drmIoctlDef } from "@panmmu/drm";
import {
  DRM_IOCTL_PANFROST_CREATE_BO,
  DRM_IOCTL_PANFROST_GET_BO_OFFSET,
  DRM_IOCTL_PANFROST_GET_PARAM,
  DRM_IOCTL_PANFROST_JM_CTX_CREATE,
  DRM_IOCTL_PANFROST_JM_CTX_DESTROY,
  DRM_IOCTL_PANFROST_MADVISE,
  DRM_IOCTL_PANFROST_MMAP_BO,
  DRM_IOCTL_PANFROST_SET_LABEL_BO,
  DRM_IOCTL_PANFROST_SUBMIT,
  DRM_IOCTL_PANFROST_WAIT_BO,
  DrmPanfrostCreateBo,
  DrmPanfrostGetBoOffset,
  DrmPanfrostGetParam,
  DrmPanfrostJmCtxCreate,
  DrmPanfrostJmCtxDestroy,
  DrmPanfrostMadvise,
  DrmPanfrostMmapBo,
  DrmPanfrostSetLabelBo,
  DrmPanfrostSubmit,
  DrmPanfrostWaitBo,
  EINVAL,
} from "@panmmu/uapi";
import type { PanfrostFilePriv } from "../file/file-priv.js";
import type { PanfrostIoctlApi } from "./api.js";

/** SET_LABEL_BO's label limit in bytes, the terminating NUL included (at most 4095 characters). */
export const PANFROST_BO_LABEL_MAXLEN = 4096;

/** Builds the panfrost ioctl table over `api`. Mirrors panfrost_drm_driver_ioctls[]. */
export function panfrostIoctls(api: PanfrostIoctlApi): DrmIoctlEntry<PanfrostFilePriv>[] {
  const R = DRM_RENDER_ALLOW;
  return [
    drmIoctlDef<ReturnType<typeof DrmPanfrostSubmit.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_SUBMIT", request: DRM_IOCTL_PANFROST_SUBMIT },
      DrmPanfrostSubmit,
      (a, { file, user }) => {
        if (a.pad !== 0) return -EINVAL;
        return api.submit(
          file,
          {
            jc: Number(a.jc),
            inSyncs: a.in_syncs,
            inSyncCount: a.in_sync_count,
            outSync: a.out_sync,
            boHandles: a.bo_handles,
            boHandleCount: a.bo_handle_count,
            requirements: a.requirements,
            jmCtxHandle: a.jm_ctx_handle,
          },
          user,
        );
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostWaitBo.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_WAIT_BO", request: DRM_IOCTL_PANFROST_WAIT_BO },
      DrmPanfrostWaitBo,
      (a, { file }) => (a.pad !== 0 ? -EINVAL : api.waitBo(file, a.handle, a.timeout_ns)),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostCreateBo.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_CREATE_BO", request: DRM_IOCTL_PANFROST_CREATE_BO },
      DrmPanfrostCreateBo,
      (a, { file }) => {
        if (a.pad !== 0) return -EINVAL;
        const r = api.createBo(file, a.size, a.flags);
        if (typeof r === "number") return r;
        a.handle = r.handle;
        a.offset = BigInt(r.offset);
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostMmapBo.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_MMAP_BO", request: DRM_IOCTL_PANFROST_MMAP_BO },
      DrmPanfrostMmapBo,
      (a, { file }) => {
        if (a.flags !== 0) return -EINVAL;
        const r = api.mmapOffset(file, a.handle);
        if (typeof r === "number") return r;
        a.offset = r;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostGetParam.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_GET_PARAM", request: DRM_IOCTL_PANFROST_GET_PARAM },
      DrmPanfrostGetParam,
      (a, { file }) => {
        if (a.pad !== 0) return -EINVAL;
        const r = api.getParam(file, a.param);
        if (typeof r === "number") return r;
        a.value = r;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostGetBoOffset.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_GET_BO_OFFSET", request: DRM_IOCTL_PANFROST_GET_BO_OFFSET },
      DrmPanfrostGetBoOffset,
      (a, { file }) => {
        const r = api.boOffset(file, a.handle);
        if (r < 0) return r;
        a.offset = BigInt(r);
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostMadvise.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_MADVISE", request: DRM_IOCTL_PANFROST_MADVISE },
      DrmPanfrostMadvise,
      (a, { file }) => {
        const r = api.madvise(file, a.handle, a.madv);
        if (r < 0) return r;
        a.retained = r;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostSetLabelBo.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_SET_LABEL_BO", request: DRM_IOCTL_PANFROST_SET_LABEL_BO },
      DrmPanfrostSetLabelBo,
      // The handle is looked up before the label is read (the device does both).
      (a, { file, user }) => (a.pad !== 0 ? -EINVAL : api.setLabel(file, a.handle, a.label, user)),
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostJmCtxCreate.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_JM_CTX_CREATE", request: DRM_IOCTL_PANFROST_JM_CTX_CREATE },
      DrmPanfrostJmCtxCreate,
      (a, { file }) => {
        const r = api.jmCtxCreate(file, a.priority);
        if (r < 0) return r;
        a.handle = r;
        return 0;
      },
      R,
    ),
    drmIoctlDef<ReturnType<typeof DrmPanfrostJmCtxDestroy.decode>, PanfrostFilePriv>(
      { name: "DRM_IOCTL_PANFROST_JM_CTX_DESTROY", request: DRM_IOCTL_PANFROST_JM_CTX_DESTROY },
      DrmPanfrostJmCtxDestroy,
      // The default context (handle 0) lives as long as the file.
      (a, { file }) => (a.pad !== 0 || a.handle === 0 ? -EINVAL : api.jmCtxDestroy(file, a.handle)),
      R,
    ),
  ];
}
