/** Panfrost ioctl request numbers, computed with the DRM_IO* helpers as the header does. */
import { type IoctlDesc, ioctlDesc } from "../ioctl/desc.js";
import { DRM_COMMAND_BASE, DRM_IOW, DRM_IOWR } from "../ioctl/drm-ioc.js";
import {
  DRM_PANFROST_CREATE_BO,
  DRM_PANFROST_GET_BO_OFFSET,
  DRM_PANFROST_GET_PARAM,
  DRM_PANFROST_JM_CTX_CREATE,
  DRM_PANFROST_JM_CTX_DESTROY,
  DRM_PANFROST_MADVISE,
  DRM_PANFROST_MMAP_BO,
  DRM_PANFROST_PERFCNT_DUMP,
  DRM_PANFROST_PERFCNT_ENABLE,
  DRM_PANFROST_QUERY_BO_INFO,
  DRM_PANFROST_SET_LABEL_BO,
  DRM_PANFROST_SUBMIT,
  DRM_PANFROST_SYNC_BO,
  DRM_PANFROST_WAIT_BO,
} from "./constants.js";
import {
  DrmPanfrostCreateBo,
  DrmPanfrostGetBoOffset,
  DrmPanfrostGetParam,
  DrmPanfrostJmCtxCreate,
  DrmPanfrostJmCtxDestroy,
  DrmPanfrostMadvise,
  DrmPanfrostMmapBo,
  DrmPanfrostPerfcntDump,
  DrmPanfrostPerfcntEnable,
  DrmPanfrostQueryBoInfo,
  DrmPanfrostSetLabelBo,
  DrmPanfrostSubmit,
  DrmPanfrostSyncBo,
  DrmPanfrostWaitBo,
} from "./structs.js";

/** `DRM_IOCTL_PANFROST_SUBMIT`. */
export const DRM_IOCTL_PANFROST_SUBMIT = DRM_IOW(
  DRM_COMMAND_BASE + DRM_PANFROST_SUBMIT,
  DrmPanfrostSubmit,
);
/** `DRM_IOCTL_PANFROST_WAIT_BO`. */
export const DRM_IOCTL_PANFROST_WAIT_BO = DRM_IOW(
  DRM_COMMAND_BASE + DRM_PANFROST_WAIT_BO,
  DrmPanfrostWaitBo,
);
/** `DRM_IOCTL_PANFROST_CREATE_BO`. */
export const DRM_IOCTL_PANFROST_CREATE_BO = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_CREATE_BO,
  DrmPanfrostCreateBo,
);
/** `DRM_IOCTL_PANFROST_MMAP_BO`. */
export const DRM_IOCTL_PANFROST_MMAP_BO = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_MMAP_BO,
  DrmPanfrostMmapBo,
);
/** `DRM_IOCTL_PANFROST_GET_PARAM`. */
export const DRM_IOCTL_PANFROST_GET_PARAM = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_GET_PARAM,
  DrmPanfrostGetParam,
);
/** `DRM_IOCTL_PANFROST_GET_BO_OFFSET`. */
export const DRM_IOCTL_PANFROST_GET_BO_OFFSET = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_GET_BO_OFFSET,
  DrmPanfrostGetBoOffset,
);
/** `DRM_IOCTL_PANFROST_MADVISE`. */
export const DRM_IOCTL_PANFROST_MADVISE = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_MADVISE,
  DrmPanfrostMadvise,
);
/** `DRM_IOCTL_PANFROST_SET_LABEL_BO`. */
export const DRM_IOCTL_PANFROST_SET_LABEL_BO = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_SET_LABEL_BO,
  DrmPanfrostSetLabelBo,
);
/** `DRM_IOCTL_PANFROST_JM_CTX_CREATE`. */
export const DRM_IOCTL_PANFROST_JM_CTX_CREATE = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_JM_CTX_CREATE,
  DrmPanfrostJmCtxCreate,
);
/** `DRM_IOCTL_PANFROST_JM_CTX_DESTROY`. */
export const DRM_IOCTL_PANFROST_JM_CTX_DESTROY = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_JM_CTX_DESTROY,
  DrmPanfrostJmCtxDestroy,
);
/** `DRM_IOCTL_PANFROST_PERFCNT_ENABLE` (unstable: needs the unstable_ioctls module option). */
export const DRM_IOCTL_PANFROST_PERFCNT_ENABLE = DRM_IOW(
  DRM_COMMAND_BASE + DRM_PANFROST_PERFCNT_ENABLE,
  DrmPanfrostPerfcntEnable,
);
/** `DRM_IOCTL_PANFROST_PERFCNT_DUMP` (unstable: needs the unstable_ioctls module option). */
export const DRM_IOCTL_PANFROST_PERFCNT_DUMP = DRM_IOW(
  DRM_COMMAND_BASE + DRM_PANFROST_PERFCNT_DUMP,
  DrmPanfrostPerfcntDump,
);
/** `DRM_IOCTL_PANFROST_SYNC_BO` (newest upstream; not in the golden header). */
export const DRM_IOCTL_PANFROST_SYNC_BO = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_SYNC_BO,
  DrmPanfrostSyncBo,
);
/** `DRM_IOCTL_PANFROST_QUERY_BO_INFO` (newest upstream; not in the golden header). */
export const DRM_IOCTL_PANFROST_QUERY_BO_INFO = DRM_IOWR(
  DRM_COMMAND_BASE + DRM_PANFROST_QUERY_BO_INFO,
  DrmPanfrostQueryBoInfo,
);

/** Every panfrost ioctl of the golden header (12, up to JM_CTX_DESTROY), in nr order. */
export const PANFROST_IOCTLS: readonly IoctlDesc[] = Object.freeze([
  ioctlDesc("DRM_IOCTL_PANFROST_SUBMIT", DRM_IOCTL_PANFROST_SUBMIT, DrmPanfrostSubmit),
  ioctlDesc("DRM_IOCTL_PANFROST_WAIT_BO", DRM_IOCTL_PANFROST_WAIT_BO, DrmPanfrostWaitBo),
  ioctlDesc("DRM_IOCTL_PANFROST_CREATE_BO", DRM_IOCTL_PANFROST_CREATE_BO, DrmPanfrostCreateBo),
  ioctlDesc("DRM_IOCTL_PANFROST_MMAP_BO", DRM_IOCTL_PANFROST_MMAP_BO, DrmPanfrostMmapBo),
  ioctlDesc("DRM_IOCTL_PANFROST_GET_PARAM", DRM_IOCTL_PANFROST_GET_PARAM, DrmPanfrostGetParam),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_GET_BO_OFFSET",
    DRM_IOCTL_PANFROST_GET_BO_OFFSET,
    DrmPanfrostGetBoOffset,
  ),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_PERFCNT_ENABLE",
    DRM_IOCTL_PANFROST_PERFCNT_ENABLE,
    DrmPanfrostPerfcntEnable,
  ),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_PERFCNT_DUMP",
    DRM_IOCTL_PANFROST_PERFCNT_DUMP,
    DrmPanfrostPerfcntDump,
  ),
  ioctlDesc("DRM_IOCTL_PANFROST_MADVISE", DRM_IOCTL_PANFROST_MADVISE, DrmPanfrostMadvise),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_SET_LABEL_BO",
    DRM_IOCTL_PANFROST_SET_LABEL_BO,
    DrmPanfrostSetLabelBo,
  ),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_JM_CTX_CREATE",
    DRM_IOCTL_PANFROST_JM_CTX_CREATE,
    DrmPanfrostJmCtxCreate,
  ),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_JM_CTX_DESTROY",
    DRM_IOCTL_PANFROST_JM_CTX_DESTROY,
    DrmPanfrostJmCtxDestroy,
  ),
]);

/**
 * Panfrost ioctls of newer upstream kernels that the golden header predates (SYNC_BO,
 * QUERY_BO_INFO). Their layouts come from patch mails and are unverified.
 */
export const PANFROST_IOCTLS_NEWEST: readonly IoctlDesc[] = Object.freeze([
  ioctlDesc("DRM_IOCTL_PANFROST_SYNC_BO", DRM_IOCTL_PANFROST_SYNC_BO, DrmPanfrostSyncBo),
  ioctlDesc(
    "DRM_IOCTL_PANFROST_QUERY_BO_INFO",
    DRM_IOCTL_PANFROST_QUERY_BO_INFO,
    DrmPanfrostQueryBoInfo,
  ),
]);
