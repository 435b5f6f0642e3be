/**
 * Every struct of include/uapi/drm/panthor_drm.h, described once each. All are 8-byte aligned
 * with explicit padding, as the header's ABI rules require.
 */
import { array } from "../struct/array.js";
import { defineStruct, MUST_BE_ZERO } from "../struct/define.js";
import { u8, u32, u64 } from "../struct/scalar.js";

/** `struct drm_panthor_obj_array`: an extensible array of objects in user memory. */
export const DrmPanthorObjArray = defineStruct("drm_panthor_obj_array", {
  /** Size of one element as userspace knows it. */
  stride: [0, u32],
  /** Number of elements. */
  count: [4, u32],
  /** User pointer to the first element. */
  array: [8, u64],
});
/** Value of `struct drm_panthor_obj_array`. */
export type DrmPanthorObjArrayArgs = ReturnType<typeof DrmPanthorObjArray.decode>;

/** `struct drm_panthor_sync_op`: wait on or signal a (timeline) syncobj. */
export const DrmPanthorSyncOp = defineStruct("drm_panthor_sync_op", {
  /** Handle type (`DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_*`) plus WAIT/SIGNAL. */
  flags: [0, u32],
  /** Syncobj handle. */
  handle: [4, u32],
  /** Timeline point; must be zero for a plain syncobj. */
  timeline_value: [8, u64],
});
/** Value of `struct drm_panthor_sync_op`. */
export type DrmPanthorSyncOpArgs = ReturnType<typeof DrmPanthorSyncOp.decode>;

/** `struct drm_panthor_gpu_info`: DEV_QUERY_GPU_INFO result (newest layout, 112 bytes). */
export const DrmPanthorGpuInfo = defineStruct("drm_panthor_gpu_info", {
  /** GPU_ID register (arch/product/version fields, see DRM_PANTHOR_ARCH_MAJOR() etc.). */
  gpu_id: [0, u32],
  /** GPU revision. */
  gpu_rev: [4, u32],
  /** Command stream frontend id (see DRM_PANTHOR_CSHW_MAJOR() etc.). */
  csf_id: [8, u32],
  /** L2_FEATURES register. */
  l2_features: [12, u32],
  /** TILER_FEATURES register. */
  tiler_features: [16, u32],
  /** MEM_FEATURES register. */
  mem_features: [20, u32],
  /** MMU_FEATURES register (VA bits: DRM_PANTHOR_MMU_VA_BITS()). */
  mmu_features: [24, u32],
  /** THREAD_FEATURES register. */
  thread_features: [28, u32],
  /** THREAD_MAX_THREADS register. */
  max_threads: [32, u32],
  /** THREAD_MAX_WORKGROUP_SIZE register. */
  thread_max_workgroup_size: [36, u32],
  /** THREAD_MAX_BARRIER_SIZE register. */
  thread_max_barrier_size: [40, u32],
  /** COHERENCY_FEATURES register. */
  coherency_features: [44, u32],
  /** TEXTURE_FEATURES_0..3 registers. */
  texture_features: [48, array(u32, 4)],
  /** AS_PRESENT register. */
  as_present: [64, u32],
  /** Coherency protocol in use, a `DRM_PANTHOR_GPU_COHERENCY_*` value. */
  selected_coherency: [68, u32],
  /** SHADER_PRESENT register. */
  shader_present: [72, u64],
  /** L2_PRESENT register. */
  l2_present: [80, u64],
  /** TILER_PRESENT register. */
  tiler_present: [88, u64],
  /** CORE_FEATURES register. */
  core_features: [96, u32],
  /** Must be zero. */
  pad: [100, u32, MUST_BE_ZERO],
  /** GPU_FEATURES register. */
  gpu_features: [104, u64],
});
/** Value of `struct drm_panthor_gpu_info`. */
export type DrmPanthorGpuInfoArgs = ReturnType<typeof DrmPanthorGpuInfo.decode>;

/** `struct drm_panthor_csif_info`: DEV_QUERY_CSIF_INFO result. */
export const DrmPanthorCsifInfo = defineStruct("drm_panthor_csif_info", {
  /** Number of command stream group slots. */
  csg_slot_count: [0, u32],
  /** Number of command stream slots per group. */
  cs_slot_count: [4, u32],
  /** Number of command stream registers. */
  cs_reg_count: [8, u32],
  /** Number of scoreboard slots. */
  scoreboard_slot_count: [12, u32],
  /** Number of CS registers the kernel does not preserve across job boundaries. */
  unpreserved_cs_reg_count: [16, u32],
  /** Must be zero. */
  pad: [20, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_csif_info`. */
export type DrmPanthorCsifInfoArgs = ReturnType<typeof DrmPanthorCsifInfo.decode>;

/** `struct drm_panthor_timestamp_info`: DEV_QUERY_TIMESTAMP_INFO result (newest, 56 bytes). */
export const DrmPanthorTimestampInfo = defineStruct("drm_panthor_timestamp_info", {
  /** GPU timestamp counter frequency in Hz. */
  timestamp_frequency: [0, u64],
  /** Current GPU timestamp. */
  current_timestamp: [8, u64],
  /** GPU timestamp offset register. */
  timestamp_offset: [16, u64],
  /** `DRM_PANTHOR_TIMESTAMP_*` selection (in). */
  flags: [24, u32],
  /** Time spent sampling, in ns. */
  duration_nsec: [28, u32],
  /** GPU cycle counter. */
  cycle_count: [32, u64],
  /** CPU timestamp, seconds part. */
  cpu_timestamp_sec: [40, u64],
  /** CPU timestamp, nanoseconds part. */
  cpu_timestamp_nsec: [48, u64],
});
/** Value of `struct drm_panthor_timestamp_info`. */
export type DrmPanthorTimestampInfoArgs = ReturnType<typeof DrmPanthorTimestampInfo.decode>;

/** `struct drm_panthor_mmu_info`: DEV_QUERY_MMU_INFO result. */
export const DrmPanthorMmuInfo = defineStruct("drm_panthor_mmu_info", {
  /** Bitmap of supported page/block sizes. */
  page_size_bitmap: [0, u64],
});
/** Value of `struct drm_panthor_mmu_info`. */
export type DrmPanthorMmuInfoArgs = ReturnType<typeof DrmPanthorMmuInfo.decode>;

/** `struct drm_panthor_group_priorities_info`: DEV_QUERY_GROUP_PRIORITIES_INFO result. */
export const DrmPanthorGroupPrioritiesInfo = defineStruct("drm_panthor_group_priorities_info", {
  /** Bit n set when group priority n is allowed for the caller. */
  allowed_mask: [0, u8],
  /** Must be zero. */
  pad: [1, array(u8, 3), MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_group_priorities_info`. */
export type DrmPanthorGroupPrioritiesInfoArgs = ReturnType<
  typeof DrmPanthorGroupPrioritiesInfo.decode
>;

/** `struct drm_panthor_dev_query`: argument of DEV_QUERY. */
export const DrmPanthorDevQuery = defineStruct("drm_panthor_dev_query", {
  /** A `DRM_PANTHOR_DEV_QUERY_*` type. */
  type: [0, u32],
  /** Size of the buffer at `pointer`; with `pointer` 0, the kernel writes its struct size. */
  size: [4, u32],
  /** User pointer to the result buffer, or 0 to query the size. */
  pointer: [8, u64],
});
/** Value of `struct drm_panthor_dev_query`. */
export type DrmPanthorDevQueryArgs = ReturnType<typeof DrmPanthorDevQuery.decode>;

/** `struct drm_panthor_vm_create`: create a GPU VM. */
export const DrmPanthorVmCreate = defineStruct("drm_panthor_vm_create", {
  /** Must be zero (no flags defined). */
  flags: [0, u32, MUST_BE_ZERO],
  /** New VM id (out). */
  id: [4, u32],
  /** Size of the user-managed VA range; 0 lets the kernel choose (in/out). */
  user_va_range: [8, u64],
});
/** Value of `struct drm_panthor_vm_create`. */
export type DrmPanthorVmCreateArgs = ReturnType<typeof DrmPanthorVmCreate.decode>;

/** `struct drm_panthor_vm_destroy`: destroy a VM. */
export const DrmPanthorVmDestroy = defineStruct("drm_panthor_vm_destroy", {
  /** VM id. */
  id: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_vm_destroy`. */
export type DrmPanthorVmDestroyArgs = ReturnType<typeof DrmPanthorVmDestroy.decode>;

/** `struct drm_panthor_vm_bind_op`: one MAP, UNMAP or SYNC_ONLY operation. */
export const DrmPanthorVmBindOp = defineStruct("drm_panthor_vm_bind_op", {
  /** Op type (`DRM_PANTHOR_VM_BIND_OP_TYPE_*`) plus map flags. */
  flags: [0, u32],
  /** GEM handle to map (MAP only; zero otherwise). */
  bo_handle: [4, u32],
  /** Offset into the BO (MAP only; zero otherwise). */
  bo_offset: [8, u64],
  /** GPU virtual address of the range. */
  va: [16, u64],
  /** Size of the range. */
  size: [24, u64],
  /** `drm_panthor_sync_op` array to wait on / signal (ASYNC binds only). */
  syncs: [32, DrmPanthorObjArray],
});
/** Value of `struct drm_panthor_vm_bind_op`. */
export type DrmPanthorVmBindOpArgs = ReturnType<typeof DrmPanthorVmBindOp.decode>;

/** `struct drm_panthor_vm_bind`: argument of VM_BIND. */
export const DrmPanthorVmBind = defineStruct("drm_panthor_vm_bind", {
  /** Target VM id. */
  vm_id: [0, u32],
  /** `DRM_PANTHOR_VM_BIND_*` flags. */
  flags: [4, u32],
  /** `drm_panthor_vm_bind_op` array; on a synchronous failure `count` is set to the failing op. */
  ops: [8, DrmPanthorObjArray],
});
/** Value of `struct drm_panthor_vm_bind`. */
export type DrmPanthorVmBindArgs = ReturnType<typeof DrmPanthorVmBind.decode>;

/** `struct drm_panthor_vm_get_state`: query whether a VM is still usable. */
export const DrmPanthorVmGetState = defineStruct("drm_panthor_vm_get_state", {
  /** VM id (in). */
  vm_id: [0, u32],
  /** A `DRM_PANTHOR_VM_STATE_*` value (out). */
  state: [4, u32],
});
/** Value of `struct drm_panthor_vm_get_state`. */
export type DrmPanthorVmGetStateArgs = ReturnType<typeof DrmPanthorVmGetState.decode>;

/** `struct drm_panthor_bo_create`: allocate a BO. */
export const DrmPanthorBoCreate = defineStruct("drm_panthor_bo_create", {
  /** Requested size (in); actual page-aligned size (out). */
  size: [0, u64],
  /** `DRM_PANTHOR_BO_*` flags. */
  flags: [8, u32],
  /** VM the BO is private to, or 0 for a shareable BO. */
  exclusive_vm_id: [12, u32],
  /** New GEM handle (out). */
  handle: [16, u32],
  /** Must be zero. */
  pad: [20, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_bo_create`. */
export type DrmPanthorBoCreateArgs = ReturnType<typeof DrmPanthorBoCreate.decode>;

/** `struct drm_panthor_bo_mmap_offset`: get the fake offset to mmap a BO. */
export const DrmPanthorBoMmapOffset = defineStruct("drm_panthor_bo_mmap_offset", {
  /** GEM handle (in). */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
  /** Offset to pass to mmap() (out). */
  offset: [8, u64],
});
/** Value of `struct drm_panthor_bo_mmap_offset`. */
export type DrmPanthorBoMmapOffsetArgs = ReturnType<typeof DrmPanthorBoMmapOffset.decode>;

/** `struct drm_panthor_queue_create`: one queue of a GROUP_CREATE. */
export const DrmPanthorQueueCreate = defineStruct("drm_panthor_queue_create", {
  /** Queue priority inside its group (0..15). */
  priority: [0, u8],
  /** Must be zero. */
  pad: [1, array(u8, 3), MUST_BE_ZERO],
  /** Ring buffer size: a power of two in [4 KiB, 64 KiB]. */
  ringbuf_size: [4, u32],
});
/** Value of `struct drm_panthor_queue_create`. */
export type DrmPanthorQueueCreateArgs = ReturnType<typeof DrmPanthorQueueCreate.decode>;

/** `struct drm_panthor_group_create`: create a scheduling group of queues. */
export const DrmPanthorGroupCreate = defineStruct("drm_panthor_group_create", {
  /** `drm_panthor_queue_create` array. */
  queues: [0, DrmPanthorObjArray],
  /** Maximum compute cores the group may use at once. */
  max_compute_cores: [16, u8],
  /** Maximum fragment cores the group may use at once. */
  max_fragment_cores: [17, u8],
  /** Maximum tiler units the group may use at once. */
  max_tiler_cores: [18, u8],
  /** A `PANTHOR_GROUP_PRIORITY_*` value. */
  priority: [19, u8],
  /** Must be zero. */
  pad: [20, u32, MUST_BE_ZERO],
  /** Shader cores usable for compute (subset of shader_present). */
  compute_core_mask: [24, u64],
  /** Shader cores usable for fragment work (subset of shader_present). */
  fragment_core_mask: [32, u64],
  /** Tiler units usable (subset of tiler_present). */
  tiler_core_mask: [40, u64],
  /** VM the group's queues run in. */
  vm_id: [48, u32],
  /** New group handle (out). */
  group_handle: [52, u32],
});
/** Value of `struct drm_panthor_group_create`. */
export type DrmPanthorGroupCreateArgs = ReturnType<typeof DrmPanthorGroupCreate.decode>;

/** `struct drm_panthor_group_destroy`: destroy a group. */
export const DrmPanthorGroupDestroy = defineStruct("drm_panthor_group_destroy", {
  /** Group handle. */
  group_handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_group_destroy`. */
export type DrmPanthorGroupDestroyArgs = ReturnType<typeof DrmPanthorGroupDestroy.decode>;

/** `struct drm_panthor_queue_submit`: one queue's part of a GROUP_SUBMIT. */
export const DrmPanthorQueueSubmit = defineStruct("drm_panthor_queue_submit", {
  /** Index of the queue in its group. */
  queue_index: [0, u32],
  /** Size of the command stream in bytes (a multiple of 8). */
  stream_size: [4, u32],
  /** GPU address of the command stream (64-byte aligned). */
  stream_addr: [8, u64],
  /** FLUSH_ID read when the stream was built, to skip redundant cache flushes. */
  latest_flush: [16, u32],
  /** Must be zero. */
  pad: [20, u32, MUST_BE_ZERO],
  /** `drm_panthor_sync_op` array. */
  syncs: [24, DrmPanthorObjArray],
});
/** Value of `struct drm_panthor_queue_submit`. */
export type DrmPanthorQueueSubmitArgs = ReturnType<typeof DrmPanthorQueueSubmit.decode>;

/** `struct drm_panthor_group_submit`: submit work to queues of a group. */
export const DrmPanthorGroupSubmit = defineStruct("drm_panthor_group_submit", {
  /** Group handle. */
  group_handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
  /** `drm_panthor_queue_submit` array. */
  queue_submits: [8, DrmPanthorObjArray],
});
/** Value of `struct drm_panthor_group_submit`. */
export type DrmPanthorGroupSubmitArgs = ReturnType<typeof DrmPanthorGroupSubmit.decode>;

/** `struct drm_panthor_group_get_state`: query a group's fault state. */
export const DrmPanthorGroupGetState = defineStruct("drm_panthor_group_get_state", {
  /** Group handle (in). */
  group_handle: [0, u32],
  /** `DRM_PANTHOR_GROUP_STATE_*` flags (out). */
  state: [4, u32],
  /** Bitmask of queues that hit a fatal fault (out). */
  fatal_queues: [8, u32],
  /** Must be zero. */
  pad: [12, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_group_get_state`. */
export type DrmPanthorGroupGetStateArgs = ReturnType<typeof DrmPanthorGroupGetState.decode>;

/** `struct drm_panthor_tiler_heap_create`: create a tiler heap in a VM. */
export const DrmPanthorTilerHeapCreate = defineStruct("drm_panthor_tiler_heap_create", {
  /** VM the heap lives in. */
  vm_id: [0, u32],
  /** Chunks allocated up front (at least 1). */
  initial_chunk_count: [4, u32],
  /** Chunk size: a power of two in [128 KiB, 8 MiB]. */
  chunk_size: [8, u32],
  /** Maximum number of chunks. */
  max_chunks: [12, u32],
  /** Render passes in flight before the heap stops growing. */
  target_in_flight: [16, u32],
  /** Heap handle, `vm_id << 16 | heap id` (out). */
  handle: [20, u32],
  /** GPU address of the heap context (out). */
  tiler_heap_ctx_gpu_va: [24, u64],
  /** GPU address of the first heap chunk (out). */
  first_heap_chunk_gpu_va: [32, u64],
});
/** Value of `struct drm_panthor_tiler_heap_create`. */
export type DrmPanthorTilerHeapCreateArgs = ReturnType<typeof DrmPanthorTilerHeapCreate.decode>;

/** `struct drm_panthor_tiler_heap_destroy`: destroy a tiler heap. */
export const DrmPanthorTilerHeapDestroy = defineStruct("drm_panthor_tiler_heap_destroy", {
  /** Heap handle. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_tiler_heap_destroy`. */
export type DrmPanthorTilerHeapDestroyArgs = ReturnType<typeof DrmPanthorTilerHeapDestroy.decode>;

/** `struct drm_panthor_bo_set_label`: attach a debug label to a BO. */
export const DrmPanthorBoSetLabel = defineStruct("drm_panthor_bo_set_label", {
  /** GEM handle. */
  handle: [0, u32],
  /** Must be zero. */
  pad: [4, u32, MUST_BE_ZERO],
  /** User pointer to a NUL-terminated label (at most 4096 bytes), 0 to clear. */
  label: [8, u64],
});
/** Value of `struct drm_panthor_bo_set_label`. */
export type DrmPanthorBoSetLabelArgs = ReturnType<typeof DrmPanthorBoSetLabel.decode>;

/** `struct drm_panthor_set_user_mmio_offset`: choose the mmap offset of the user MMIO page. */
export const DrmPanthorSetUserMmioOffset = defineStruct("drm_panthor_set_user_mmio_offset", {
  /** `DRM_PANTHOR_USER_MMIO_OFFSET_32BIT` or `_64BIT`. */
  offset: [0, u64],
});
/** Value of `struct drm_panthor_set_user_mmio_offset`. */
export type DrmPanthorSetUserMmioOffsetArgs = ReturnType<typeof DrmPanthorSetUserMmioOffset.decode>;

/** `struct drm_panthor_bo_sync_op`: one CPU cache maintenance op on a BO range. */
export const DrmPanthorBoSyncOp = defineStruct("drm_panthor_bo_sync_op", {
  /** GEM handle. */
  handle: [0, u32],
  /** A `DRM_PANTHOR_BO_SYNC_*` type. */
  type: [4, u32],
  /** Start of the range inside the BO. */
  offset: [8, u64],
  /** Length of the range. */
  size: [16, u64],
});
/** Value of `struct drm_panthor_bo_sync_op`. */
export type DrmPanthorBoSyncOpArgs = ReturnType<typeof DrmPanthorBoSyncOp.decode>;

/** `struct drm_panthor_bo_sync`: argument of BO_SYNC. */
export const DrmPanthorBoSync = defineStruct("drm_panthor_bo_sync", {
  /** `drm_panthor_bo_sync_op` array. */
  ops: [0, DrmPanthorObjArray],
});
/** Value of `struct drm_panthor_bo_sync`. */
export type DrmPanthorBoSyncArgs = ReturnType<typeof DrmPanthorBoSync.decode>;

/** `struct drm_panthor_bo_query_info`: flags of a BO. */
export const DrmPanthorBoQueryInfo = defineStruct("drm_panthor_bo_query_info", {
  /** GEM handle (in). */
  handle: [0, u32],
  /** Flags not given at creation, e.g. `DRM_PANTHOR_BO_IS_IMPORTED` (out). */
  extra_flags: [4, u32],
  /** Flags given to BO_CREATE (out). */
  create_flags: [8, u32],
  /** Zero on return. */
  pad: [12, u32, MUST_BE_ZERO],
});
/** Value of `struct drm_panthor_bo_query_info`. */
export type DrmPanthorBoQueryInfoArgs = ReturnType<typeof DrmPanthorBoQueryInfo.decode>;
