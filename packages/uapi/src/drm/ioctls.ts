/** DRM core ioctl numbers (drm.h) for the structs panfrost and panthor users need. */
import { type IoctlDesc, ioctlDesc } from "../ioctl/desc.js";
import { DRM_IOW, DRM_IOWR } from "../ioctl/drm-ioc.js";
import {
  DrmGemClose,
  DrmGemFlink,
  DrmGemOpen,
  DrmGetCap,
  DrmModeCreateDumb,
  DrmModeDestroyDumb,
  DrmPrimeHandle,
  DrmSetClientCap,
  DrmSyncobjArray,
  DrmSyncobjCreate,
  DrmSyncobjDestroy,
  DrmSyncobjHandle,
  DrmSyncobjTimelineArray,
  DrmSyncobjTimelineWait,
  DrmSyncobjTimelineWaitDeadline,
  DrmSyncobjTransfer,
  DrmSyncobjWait,
  DrmSyncobjWaitDeadline,
  DrmVersion,
} from "./structs.js";

/** `DRM_IOCTL_VERSION`. */
export const DRM_IOCTL_VERSION = DRM_IOWR(0x00, DrmVersion);
/** `DRM_IOCTL_GEM_CLOSE`. */
export const DRM_IOCTL_GEM_CLOSE = DRM_IOW(0x09, DrmGemClose);
/** `DRM_IOCTL_GEM_FLINK`. */
export const DRM_IOCTL_GEM_FLINK = DRM_IOWR(0x0a, DrmGemFlink);
/** `DRM_IOCTL_GEM_OPEN`. */
export const DRM_IOCTL_GEM_OPEN = DRM_IOWR(0x0b, DrmGemOpen);
/** `DRM_IOCTL_GET_CAP`. */
export const DRM_IOCTL_GET_CAP = DRM_IOWR(0x0c, DrmGetCap);
/** `DRM_IOCTL_SET_CLIENT_CAP`. */
export const DRM_IOCTL_SET_CLIENT_CAP = DRM_IOW(0x0d, DrmSetClientCap);
/** `DRM_IOCTL_PRIME_HANDLE_TO_FD`. */
export const DRM_IOCTL_PRIME_HANDLE_TO_FD = DRM_IOWR(0x2d, DrmPrimeHandle);
/** `DRM_IOCTL_PRIME_FD_TO_HANDLE`. */
export const DRM_IOCTL_PRIME_FD_TO_HANDLE = DRM_IOWR(0x2e, DrmPrimeHandle);
/** `DRM_IOCTL_MODE_CREATE_DUMB`: create a dumb buffer (KMS devices, primary node). */
export const DRM_IOCTL_MODE_CREATE_DUMB = DRM_IOWR(0xb2, DrmModeCreateDumb);
/** `DRM_IOCTL_MODE_DESTROY_DUMB`: delete a dumb buffer's handle. */
export const DRM_IOCTL_MODE_DESTROY_DUMB = DRM_IOWR(0xb4, DrmModeDestroyDumb);
/** `DRM_IOCTL_SYNCOBJ_CREATE`. */
export const DRM_IOCTL_SYNCOBJ_CREATE = DRM_IOWR(0xbf, DrmSyncobjCreate);
/** `DRM_IOCTL_SYNCOBJ_DESTROY`. */
export const DRM_IOCTL_SYNCOBJ_DESTROY = DRM_IOWR(0xc0, DrmSyncobjDestroy);
/** `DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD`. */
export const DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD = DRM_IOWR(0xc1, DrmSyncobjHandle);
/** `DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE`. */
export const DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE = DRM_IOWR(0xc2, DrmSyncobjHandle);
/** `DRM_IOCTL_SYNCOBJ_WAIT` with the 32-byte (pre-v6.5) struct. */
export const DRM_IOCTL_SYNCOBJ_WAIT = DRM_IOWR(0xc3, DrmSyncobjWait);
/** `DRM_IOCTL_SYNCOBJ_WAIT` as built against v6.5+ headers (40-byte struct with deadline). */
export const DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE = DRM_IOWR(0xc3, DrmSyncobjWaitDeadline);
/** `DRM_IOCTL_SYNCOBJ_RESET`. */
export const DRM_IOCTL_SYNCOBJ_RESET = DRM_IOWR(0xc4, DrmSyncobjArray);
/** `DRM_IOCTL_SYNCOBJ_SIGNAL`. */
export const DRM_IOCTL_SYNCOBJ_SIGNAL = DRM_IOWR(0xc5, DrmSyncobjArray);
/** `DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT` with the 40-byte (pre-v6.5) struct. */
export const DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT = DRM_IOWR(0xca, DrmSyncobjTimelineWait);
/** `DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT` as built against v6.5+ headers (48-byte struct). */
export const DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_DEADLINE = DRM_IOWR(
  0xca,
  DrmSyncobjTimelineWaitDeadline,
);
/** `DRM_IOCTL_SYNCOBJ_QUERY`. */
export const DRM_IOCTL_SYNCOBJ_QUERY = DRM_IOWR(0xcb, DrmSyncobjTimelineArray);
/** `DRM_IOCTL_SYNCOBJ_TRANSFER`. */
export const DRM_IOCTL_SYNCOBJ_TRANSFER = DRM_IOWR(0xcc, DrmSyncobjTransfer);
/** `DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL`. */
export const DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL = DRM_IOWR(0xcd, DrmSyncobjTimelineArray);

/**
 * The DRM core ioctls modelled, with the argument layouts of the drm.h read for the golden data
 * (so SYNCOBJ_WAIT/TIMELINE_WAIT carry their pre-v6.5 sizes; see
 * {@link DRM_CORE_IOCTLS_DEADLINE} for the newer ones).
 */
export const DRM_CORE_IOCTLS: readonly IoctlDesc[] = Object.freeze([
  ioctlDesc("DRM_IOCTL_VERSION", DRM_IOCTL_VERSION, DrmVersion),
  ioctlDesc("DRM_IOCTL_GEM_CLOSE", DRM_IOCTL_GEM_CLOSE, DrmGemClose),
  ioctlDesc("DRM_IOCTL_GEM_FLINK", DRM_IOCTL_GEM_FLINK, DrmGemFlink),
  ioctlDesc("DRM_IOCTL_GEM_OPEN", DRM_IOCTL_GEM_OPEN, DrmGemOpen),
  ioctlDesc("DRM_IOCTL_GET_CAP", DRM_IOCTL_GET_CAP, DrmGetCap),
  ioctlDesc("DRM_IOCTL_SET_CLIENT_CAP", DRM_IOCTL_SET_CLIENT_CAP, DrmSetClientCap),
  ioctlDesc("DRM_IOCTL_PRIME_HANDLE_TO_FD", DRM_IOCTL_PRIME_HANDLE_TO_FD, DrmPrimeHandle),
  ioctlDesc("DRM_IOCTL_PRIME_FD_TO_HANDLE", DRM_IOCTL_PRIME_FD_TO_HANDLE, DrmPrimeHandle),
  ioctlDesc("DRM_IOCTL_MODE_CREATE_DUMB", DRM_IOCTL_MODE_CREATE_DUMB, DrmModeCreateDumb),
  ioctlDesc("DRM_IOCTL_MODE_DESTROY_DUMB", DRM_IOCTL_MODE_DESTROY_DUMB, DrmModeDestroyDumb),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_CREATE", DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobjCreate),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_DESTROY", DRM_IOCTL_SYNCOBJ_DESTROY, DrmSyncobjDestroy),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD", DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DrmSyncobjHandle),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE", DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, DrmSyncobjHandle),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_WAIT", DRM_IOCTL_SYNCOBJ_WAIT, DrmSyncobjWait),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_RESET", DRM_IOCTL_SYNCOBJ_RESET, DrmSyncobjArray),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_SIGNAL", DRM_IOCTL_SYNCOBJ_SIGNAL, DrmSyncobjArray),
  ioctlDesc(
    "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT",
    DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
    DrmSyncobjTimelineWait,
  ),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_QUERY", DRM_IOCTL_SYNCOBJ_QUERY, DrmSyncobjTimelineArray),
  ioctlDesc("DRM_IOCTL_SYNCOBJ_TRANSFER", DRM_IOCTL_SYNCOBJ_TRANSFER, DrmSyncobjTransfer),
  ioctlDesc(
    "DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL",
    DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL,
    DrmSyncobjTimelineArray,
  ),
]);

/**
 * The two syncobj wait ioctls as userspace built against v6.5+ headers sends them (same nr,
 * larger size). drm_ioctl accepts both sizes and zero-extends the shorter one.
 */
export const DRM_CORE_IOCTLS_DEADLINE: readonly IoctlDesc[] = Object.freeze([
  ioctlDesc("DRM_IOCTL_SYNCOBJ_WAIT", DRM_IOCTL_SYNCOBJ_WAIT_DEADLINE, DrmSyncobjWaitDeadline),
  ioctlDesc(
    "DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT",
    DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_DEADLINE,
    DrmSyncobjTimelineWaitDeadline,
  ),
]);
