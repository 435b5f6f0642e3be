/** Every struct of include/uapi/drm/panfrost_drm.h, described once each. */
import { defineStruct, MUST_BE_ZERO } from "../struct/define.js";
import { s64, u32, u64 } from "../struct/scalar.js";

/** `struct drm_panfrost_submit`: queue one job chain. */
export const DrmPanfrostSubmit = defineStruct("drm_panfrost_submit", {
  /** GPU address of the first job descriptor of the chain. */
  jc: [0, u64],
  /** User pointer to `in_sync_count` u32 syncobj handles to wait on. */
  in_syncs: [8, u64],
  /** Number of entries at `in_syncs`. */
  in_sync_count: [16, u32],
  /** Syncobj handle to signal on completion, 0 for none. */
  out_sync: [20, u32],
  /** User pointer to `bo_handle_count` u32 GEM handles the job uses. */
  bo_handles: [24, u64],
  /** Number of entries at `bo_handles`. */
  bo_handle_count: [32, u32],
  /** `PANFROST_JD_REQ_*` bits. */
  requirements: [36, u32],
  /** JM context handle; 0 is the file's default context. */
  jm_ctx_handle: [40, u32],
  /** Must be zero. */
  pad: [44, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panfrost_submit`. */
export type DrmPanfrostSubmitArgs = ReturnType<typeof DrmPanfrostSubmit.decode>;

/** `struct drm_panfrost_wait_bo`: wait until a BO is idle. */
export const DrmPanfrostWaitBo = defineStruct("drm_panfrost_wait_bo", {
  /** GEM handle. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
  /** Absolute CLOCK_MONOTONIC deadline in ns. */
  timeout_ns: [8, s64],
});
/** Value of `struct drm_panfrost_wait_bo`. */
export type DrmPanfrostWaitBoArgs = ReturnType<typeof DrmPanfrostWaitBo.decode>;

/** `struct drm_panfrost_create_bo`: allocate a BO and map it in the file's GPU VM. */
export const DrmPanfrostCreateBo = defineStruct("drm_panfrost_create_bo", {
  /** Requested size in bytes (in). */
  size: [0, u32],
  /** `PANFROST_BO_*` flags (in). */
  flags: [4, u32],
  /** New GEM handle (out). */
  handle: [8, u32],
  /** Must be zero. */
  pad: [12, u32, MUST_BE_ZERO],
  /** GPU virtual address of the BO (out). */
  offset: [16, u64],
});
/** Value of `struct drm_panfrost_create_bo`. */
export type DrmPanfrostCreateBoArgs = ReturnType<typeof DrmPanfrostCreateBo.decode>;

/** `struct drm_panfrost_mmap_bo`: get the fake offset to mmap a BO. */
export const DrmPanfrostMmapBo = defineStruct("drm_panfrost_mmap_bo", {
  /** GEM handle (in). */
  handle: [0, u32],
  /** Must be zero. */
  flags: [4, u32, MUST_BE_ZERO],
  /** Offset to pass to mmap() on the DRM fd (out). */
  offset: [8, u64],
});
/** Value of `struct drm_panfrost_mmap_bo`. */
export type DrmPanfrostMmapBoArgs = ReturnType<typeof DrmPanfrostMmapBo.decode>;

/** `struct drm_panfrost_get_param`: read one `drm_panfrost_param` value. */
export const DrmPanfrostGetParam = defineStruct("drm_panfrost_get_param", {
  /** A `DRM_PANFROST_PARAM_*` id (in). */
  param: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
  /** The parameter's value (out). */
  value: [8, u64],
});
/** Value of `struct drm_panfrost_get_param`. */
export type DrmPanfrostGetParamArgs = ReturnType<typeof DrmPanfrostGetParam.decode>;

/** `struct drm_panfrost_get_bo_offset`: GPU address of a BO in the caller's VM. */
export const DrmPanfrostGetBoOffset = defineStruct("drm_panfrost_get_bo_offset", {
  /** GEM handle (in). */
  handle: [0, u32],
  /** Should be zero (the driver does not check it). */
  pad: [4, u32, MUST_BE_ZERO],
  /** GPU virtual address (out). */
  offset: [8, u64],
});
/** Value of `struct drm_panfrost_get_bo_offset`. */
export type DrmPanfrostGetBoOffsetArgs = ReturnType<typeof DrmPanfrostGetBoOffset.decode>;

/** `struct drm_panfrost_perfcnt_enable`: switch performance counters on or off. */
export const DrmPanfrostPerfcntEnable = defineStruct("drm_panfrost_perfcnt_enable", {
  /** 1 to enable, 0 to disable. */
  enable: [0, u32],
  /** Counter set to sample (0 or 1). */
  counterset: [4, u32],
});
/** Value of `struct drm_panfrost_perfcnt_enable`. */
export type DrmPanfrostPerfcntEnableArgs = ReturnType<typeof DrmPanfrostPerfcntEnable.decode>;

/** `struct drm_panfrost_perfcnt_dump`: copy the counters to user memory. */
export const DrmPanfrostPerfcntDump = defineStruct("drm_panfrost_perfcnt_dump", {
  /** User pointer to the destination buffer. */
  buf_ptr: [0, u64],
});
/** Value of `struct drm_panfrost_perfcnt_dump`. */
export type DrmPanfrostPerfcntDumpArgs = ReturnType<typeof DrmPanfrostPerfcntDump.decode>;

/** `struct drm_panfrost_madvise`: mark a BO purgeable or needed. */
export const DrmPanfrostMadvise = defineStruct("drm_panfrost_madvise", {
  /** GEM handle (in). */
  handle: [0, u32],
  /** `PANFROST_MADV_*` (in). */
  madv: [4, u32],
  /** Whether the BO's pages still exist (out). */
  retained: [8, u32],
});
/** Value of `struct drm_panfrost_madvise`. */
export type DrmPanfrostMadviseArgs = ReturnType<typeof DrmPanfrostMadvise.decode>;

/** `struct drm_panfrost_set_label_bo`: attach a debug label to a BO. */
export const DrmPanfrostSetLabelBo = defineStruct("drm_panfrost_set_label_bo", {
  /** GEM handle. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
  /** User pointer to a NUL-terminated label (at most 4096 bytes), 0 to clear. */
  label: [8, u64],
});
/** Value of `struct drm_panfrost_set_label_bo`. */
export type DrmPanfrostSetLabelBoArgs = ReturnType<typeof DrmPanfrostSetLabelBo.decode>;

/** `struct drm_panfrost_jm_ctx_create`: create a job-manager scheduling context. */
export const DrmPanfrostJmCtxCreate = defineStruct("drm_panfrost_jm_ctx_create", {
  /** New context handle (out). */
  handle: [0, u32],
  /** A `PANFROST_JM_CTX_PRIORITY_*` value (in). */
  priority: [4, u32],
});
/** Value of `struct drm_panfrost_jm_ctx_create`. */
export type DrmPanfrostJmCtxCreateArgs = ReturnType<typeof DrmPanfrostJmCtxCreate.decode>;

/** `struct drm_panfrost_jm_ctx_destroy`: destroy a JM context. */
export const DrmPanfrostJmCtxDestroy = defineStruct("drm_panfrost_jm_ctx_destroy", {
  /** Context handle; the default context (0) cannot be destroyed. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panfrost_jm_ctx_destroy`. */
export type DrmPanfrostJmCtxDestroyArgs = ReturnType<typeof DrmPanfrostJmCtxDestroy.decode>;

/**
 * `struct drm_panfrost_bo_sync_op` (newest upstream, not in the golden header). 16 bytes: every
 * posted revision of the SYNC_BO series, and the driver's `panfrost_gem_sync(obj, type, offset,
 * size)` taking `u32`s, give `offset` and `size` 32 bits here, unlike panthor's 64-bit
 * `drm_panthor_bo_sync_op`. The kernel copies `op_count * 16` bytes from `ops`.
 */
export const DrmPanfrostBoSyncOp = defineStruct("drm_panfrost_bo_sync_op", {
  /** GEM handle of the BO to sync. */
  handle: [0, u32],
  /** `PANFROST_BO_SYNC_*` operation. */
  type: [4, u32],
  /** Start of the range inside the BO (rounded down to a cache line). */
  offset: [8, u32],
  /** Length of the range (`offset + size` rounded up to a cache line). */
  size: [12, u32],
});
/** Value of `struct drm_panfrost_bo_sync_op`. */
export type DrmPanfrostBoSyncOpArgs = ReturnType<typeof DrmPanfrostBoSyncOp.decode>;

/** `struct drm_panfrost_sync_bo` (newest upstream): CPU cache maintenance on BO ranges. */
export const DrmPanfrostSyncBo = defineStruct("drm_panfrost_sync_bo", {
  /** User pointer to `op_count` `drm_panfrost_bo_sync_op`. */
  ops: [0, u64],
  /** Number of ops. */
  op_count: [8, u32],
  /** Must be zero. */
  pad: [12, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panfrost_sync_bo`. */
export type DrmPanfrostSyncBoArgs = ReturnType<typeof DrmPanfrostSyncBo.decode>;

/** `struct drm_panfrost_query_bo_info` (newest upstream): flags of a BO. */
export const DrmPanfrostQueryBoInfo = defineStruct("drm_panfrost_query_bo_info", {
  /** GEM handle (in). */
  handle: [0, u32],
  /** Flags not set at creation, e.g. `DRM_PANFROST_BO_IS_IMPORTED` (out). */
  extra_flags: [4, u32],
  /** Flags given to CREATE_BO (out). */
  create_flags: [8, u32],
  /** Zero on return; the kernel ignores what userspace put there (no -EINVAL check). */
  pad: [12, u32],
});
/** Value of `struct drm_panfrost_query_bo_info`. */
export type DrmPanfrostQueryBoInfoArgs = ReturnType<typeof DrmPanfrostQueryBoInfo.decode>;
