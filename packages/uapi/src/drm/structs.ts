/**
 * The DRM core structs (include/uapi/drm/drm.h) that panfrost and panthor users need: GEM
 * handles, PRIME, capabilities and sync objects. LP64 layouts.
 */
import { defineStruct, MUST_BE_ZERO } from "../struct/define.js";
import { charPtr, cint, kernelSizeT, s32, s64, u32, u64 } from "../struct/scalar.js";

/** `struct drm_version`: driver name/date/description query (LP64 layout: 64 bytes). */
export const DrmVersion = defineStruct("drm_version", {
  /** Driver major version (out). */
  version_major: [0, cint],
  /** Driver minor version (out). */
  version_minor: [4, cint],
  /** Driver patch level (out). */
  version_patchlevel: [8, cint],
  /** In: capacity of the `name` buffer; out: the name's length. */
  name_len: [16, kernelSizeT],
  /** User pointer to a buffer receiving the driver name. */
  name: [24, charPtr],
  /** In: capacity of the `date` buffer; out: the date's length. */
  date_len: [32, kernelSizeT],
  /** User pointer to a buffer receiving the driver date. */
  date: [40, charPtr],
  /** In: capacity of the `desc` buffer; out: the description's length. */
  desc_len: [48, kernelSizeT],
  /** User pointer to a buffer receiving the driver description. */
  desc: [56, charPtr],
});
/** Value of `struct drm_version`. */
export type DrmVersionArgs = ReturnType<typeof DrmVersion.decode>;

/** `struct drm_gem_close`: drop a GEM handle of the calling file. */
export const DrmGemClose = defineStruct("drm_gem_close", {
  /** Handle to release. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_gem_close`. */
export type DrmGemCloseArgs = ReturnType<typeof DrmGemClose.decode>;

/** `struct drm_gem_flink`: publish a handle under a global name. */
export const DrmGemFlink = defineStruct("drm_gem_flink", {
  /** Handle to publish (in). */
  handle: [0, u32],
  /** Global name (out). */
  name: [4, u32],
});
/** Value of `struct drm_gem_flink`. */
export type DrmGemFlinkArgs = ReturnType<typeof DrmGemFlink.decode>;

/** `struct drm_gem_open`: open a globally named object. */
export const DrmGemOpen = defineStruct("drm_gem_open", {
  /** Global name (in). */
  name: [0, u32],
  /** New handle (out). */
  handle: [4, u32],
  /** Object size in bytes (out). */
  size: [8, u64],
});
/** Value of `struct drm_gem_open`. */
export type DrmGemOpenArgs = ReturnType<typeof DrmGemOpen.decode>;

/** `struct drm_get_cap`: query a device capability. */
export const DrmGetCap = defineStruct("drm_get_cap", {
  /** Capability id, a `DRM_CAP_*` value (in). */
  capability: [0, u64],
  /** Capability value (out). */
  value: [8, u64],
});
/** Value of `struct drm_get_cap`. */
export type DrmGetCapArgs = ReturnType<typeof DrmGetCap.decode>;

/** `struct drm_set_client_cap`: opt the calling file into a client capability. */
export const DrmSetClientCap = defineStruct("drm_set_client_cap", {
  /** Client capability id (in). */
  capability: [0, u64],
  /** Requested value (in). */
  value: [8, u64],
});
/** Value of `struct drm_set_client_cap`. */
export type DrmSetClientCapArgs = ReturnType<typeof DrmSetClientCap.decode>;

/** `struct drm_prime_handle`: convert between a GEM handle and a dma-buf fd. */
export const DrmPrimeHandle = defineStruct("drm_prime_handle", {
  /** GEM handle (in for HANDLE_TO_FD, out for FD_TO_HANDLE). */
  handle: [0, u32],
  /** `DRM_CLOEXEC` / `DRM_RDWR` for HANDLE_TO_FD. */
  flags: [4, u32],
  /** dma-buf file descriptor (out for HANDLE_TO_FD, in for FD_TO_HANDLE). */
  fd: [8, s32],
});
/** Value of `struct drm_prime_handle`. */
export type DrmPrimeHandleArgs = ReturnType<typeof DrmPrimeHandle.decode>;

/**
 * `struct drm_mode_create_dumb` (drm_mode.h): create a dumb (CPU-drawn scanout) buffer on a KMS
 * device. Userspace fills `height`, `width`, `bpp` and `flags`; on success the kernel fills
 * `handle`, `pitch` and `size`, and zeroes them on failure.
 */
export const DrmModeCreateDumb = defineStruct("drm_mode_create_dumb", {
  /** Height in pixels (in). */
  height: [0, u32],
  /** Width in pixels (in). */
  width: [4, u32],
  /** Bits per pixel (in). */
  bpp: [8, u32],
  /** Must be zero (in). */
  flags: [12, u32],
  /** GEM handle of the new buffer (out). */
  handle: [16, u32],
  /** Bytes from one line to the next (out). */
  pitch: [20, u32],
  /** Size of the whole buffer in bytes (out). */
  size: [24, u64],
});
/** Value of `struct drm_mode_create_dumb`. */
export type DrmModeCreateDumbArgs = ReturnType<typeof DrmModeCreateDumb.decode>;

/** `struct drm_mode_destroy_dumb` (drm_mode.h): release a dumb buffer's handle. */
export const DrmModeDestroyDumb = defineStruct("drm_mode_destroy_dumb", {
  /** GEM handle of the dumb buffer (in). */
  handle: [0, u32],
});
/** Value of `struct drm_mode_destroy_dumb`. */
export type DrmModeDestroyDumbArgs = ReturnType<typeof DrmModeDestroyDumb.decode>;

/** `struct drm_syncobj_create`: make a sync object. */
export const DrmSyncobjCreate = defineStruct("drm_syncobj_create", {
  /** New syncobj handle (out). */
  handle: [0, u32],
  /** `DRM_SYNCOBJ_CREATE_SIGNALED` or 0. */
  flags: [4, u32],
});
/** Value of `struct drm_syncobj_create`. */
export type DrmSyncobjCreateArgs = ReturnType<typeof DrmSyncobjCreate.decode>;

/** `struct drm_syncobj_destroy`: release a sync object handle. */
export const DrmSyncobjDestroy = defineStruct("drm_syncobj_destroy", {
  /** Handle to release. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_syncobj_destroy`. */
export type DrmSyncobjDestroyArgs = ReturnType<typeof DrmSyncobjDestroy.decode>;

/** `struct drm_syncobj_handle`: export/import a sync object (or sync file) as an fd. */
export const DrmSyncobjHandle = defineStruct("drm_syncobj_handle", {
  /** Syncobj handle. */
  handle: [0, u32],
  /** `DRM_SYNCOBJ_*_FLAGS_*_SYNC_FILE` or 0. */
  flags: [4, u32],
  /** File descriptor. */
  fd: [8, s32],
  /** Must be zero. */
  pad: [12, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_syncobj_handle`. */
export type DrmSyncobjHandleArgs = ReturnType<typeof DrmSyncobjHandle.decode>;

/** `struct drm_syncobj_transfer`: copy a fence between syncobjs / timeline points. */
export const DrmSyncobjTransfer = defineStruct("drm_syncobj_transfer", {
  /** Source syncobj. */
  src_handle: [0, u32],
  /** Destination syncobj. */
  dst_handle: [4, u32],
  /** Source timeline point (0 for a binary syncobj). */
  src_point: [8, u64],
  /** Destination timeline point (0 for a binary syncobj). */
  dst_point: [16, u64],
  /** `DRM_SYNCOBJ_WAIT_FLAGS_*`. */
  flags: [24, u32],
  /** Must be zero. */
  pad: [28, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_syncobj_transfer`. */
export type DrmSyncobjTransferArgs = ReturnType<typeof DrmSyncobjTransfer.decode>;

/** `struct drm_syncobj_wait` as in the drm.h read for the golden data (before v6.5: 32 bytes). */
export const DrmSyncobjWait = defineStruct("drm_syncobj_wait", {
  /** User pointer to `count_handles` u32 handles. */
  handles: [0, u64],
  /** Absolute CLOCK_MONOTONIC deadline in ns. */
  timeout_nsec: [8, s64],
  /** Number of handles. */
  count_handles: [16, u32],
  /** `DRM_SYNCOBJ_WAIT_FLAGS_*`. */
  flags: [20, u32],
  /** Index of the first signalled handle (out). */
  first_signaled: [24, u32],
  /** Must be zero. */
  pad: [28, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_syncobj_wait`. */
export type DrmSyncobjWaitArgs = ReturnType<typeof DrmSyncobjWait.decode>;

/** `struct drm_syncobj_wait` from Linux v6.5 on (40 bytes): adds `deadline_nsec`. */
export const DrmSyncobjWaitDeadline = defineStruct("drm_syncobj_wait", {
  /** User pointer to `count_handles` u32 handles. */
  handles: [0, u64],
  /** Absolute CLOCK_MONOTONIC deadline in ns. */
  timeout_nsec: [8, s64],
  /** Number of handles. */
  count_handles: [16, u32],
  /** `DRM_SYNCOBJ_WAIT_FLAGS_*`. */
  flags: [20, u32],
  /** Index of the first signalled handle (out). */
  first_signaled: [24, u32],
  /** Must be zero. */
  pad: [28, u32, MUST_BE_ZERO],
  /** Deadline hint, used with `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE`. */
  deadline_nsec: [32, u64],
});
/** Value of the v6.5+ `struct drm_syncobj_wait`. */
export type DrmSyncobjWaitDeadlineArgs = ReturnType<typeof DrmSyncobjWaitDeadline.decode>;

/** `struct drm_syncobj_timeline_wait` (before v6.5: 40 bytes). */
export const DrmSyncobjTimelineWait = defineStruct("drm_syncobj_timeline_wait", {
  /** User pointer to `count_handles` u32 handles. */
  handles: [0, u64],
  /** User pointer to `count_handles` u64 timeline points. */
  points: [8, u64],
  /** Absolute CLOCK_MONOTONIC deadline in ns. */
  timeout_nsec: [16, s64],
  /** Number of handles. */
  count_handles: [24, u32],
  /** `DRM_SYNCOBJ_WAIT_FLAGS_*`. */
  flags: [28, u32],
  /** Index of the first signalled handle (out). */
  first_signaled: [32, u32],
  /** Must be zero. */
  pad: [36, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_syncobj_timeline_wait`. */
export type DrmSyncobjTimelineWaitArgs = ReturnType<typeof DrmSyncobjTimelineWait.decode>;

/** `struct drm_syncobj_timeline_wait` from Linux v6.5 on (48 bytes): adds `deadline_nsec`. */
export const DrmSyncobjTimelineWaitDeadline = defineStruct("drm_syncobj_timeline_wait", {
  /** User pointer to `count_handles` u32 handles. */
  handles: [0, u64],
  /** User pointer to `count_handles` u64 timeline points. */
  points: [8, u64],
  /** Absolute CLOCK_MONOTONIC deadline in ns. */
  timeout_nsec: [16, s64],
  /** Number of handles. */
  count_handles: [24, u32],
  /** `DRM_SYNCOBJ_WAIT_FLAGS_*`. */
  flags: [28, u32],
  /** Index of the first signalled handle (out). */
  first_signaled: [32, u32],
  /** Must be zero. */
  pad: [36, u32, MUST_BE_ZERO],
  /** Deadline hint, used with `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE`. */
  deadline_nsec: [40, u64],
});
/** Value of the v6.5+ `struct drm_syncobj_timeline_wait`. */
export type DrmSyncobjTimelineWaitDeadlineArgs = ReturnType<
  typeof DrmSyncobjTimelineWaitDeadline.decode
>;

/** `struct drm_syncobj_array`: a list of handles (RESET, SIGNAL). */
export const DrmSyncobjArray = defineStruct("drm_syncobj_array", {
  /** User pointer to `count_handles` u32 handles. */
  handles: [0, u64],
  /** Number of handles. */
  count_handles: [8, u32],
  /** Must be zero. */
  pad: [12, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_syncobj_array`. */
export type DrmSyncobjArrayArgs = ReturnType<typeof DrmSyncobjArray.decode>;

/** `struct drm_syncobj_timeline_array`: handles plus points (QUERY, TIMELINE_SIGNAL). */
export const DrmSyncobjTimelineArray = defineStruct("drm_syncobj_timeline_array", {
  /** User pointer to `count_handles` u32 handles. */
  handles: [0, u64],
  /** User pointer to `count_handles` u64 points (in for SIGNAL, out for QUERY). */
  points: [8, u64],
  /** Number of handles. */
  count_handles: [16, u32],
  /** `DRM_SYNCOBJ_QUERY_FLAGS_*` for QUERY. */
  flags: [20, u32],
});
/** Value of `struct drm_syncobj_timeline_array`. */
export type DrmSyncobjTimelineArrayArgs = ReturnType<typeof DrmSyncobjTimelineArray.decode>;
