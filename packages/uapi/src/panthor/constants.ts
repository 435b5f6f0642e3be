/**
 * Constants, flags and enums of include/uapi/drm/panthor_drm.h.
 *
 * Enum members keep their C values: the two whose bit 31 is set (`DRM_PANTHOR_SYNC_OP_SIGNAL`,
 * `DRM_PANTHOR_VM_BIND_OP_TYPE_MASK`) are negative, like JS bitwise results, so
 * `(flags & DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) === DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP` works on
 * either reading of a u32. Struct fields accept both readings on encode.
 */
/** `DRM_PANTHOR_DEV_QUERY`: query device information. */
export const DRM_PANTHOR_DEV_QUERY = 0;
/** `DRM_PANTHOR_VM_CREATE`: create a VM. */
export const DRM_PANTHOR_VM_CREATE = 1;
/** `DRM_PANTHOR_VM_DESTROY`: destroy a VM. */
export const DRM_PANTHOR_VM_DESTROY = 2;
/** `DRM_PANTHOR_VM_BIND`: map/unmap ranges in a VM. */
export const DRM_PANTHOR_VM_BIND = 3;
/** `DRM_PANTHOR_VM_GET_STATE`: query whether a VM is usable. */
export const DRM_PANTHOR_VM_GET_STATE = 4;
/** `DRM_PANTHOR_BO_CREATE`: allocate a BO. */
export const DRM_PANTHOR_BO_CREATE = 5;
/** `DRM_PANTHOR_BO_MMAP_OFFSET`: get a BO's mmap offset. */
export const DRM_PANTHOR_BO_MMAP_OFFSET = 6;
/** `DRM_PANTHOR_GROUP_CREATE`: create a scheduling group. */
export const DRM_PANTHOR_GROUP_CREATE = 7;
/** `DRM_PANTHOR_GROUP_DESTROY`: destroy a group. */
export const DRM_PANTHOR_GROUP_DESTROY = 8;
/** `DRM_PANTHOR_GROUP_SUBMIT`: submit jobs to a group's queues. */
export const DRM_PANTHOR_GROUP_SUBMIT = 9;
/** `DRM_PANTHOR_GROUP_GET_STATE`: query a group's state. */
export const DRM_PANTHOR_GROUP_GET_STATE = 10;
/** `DRM_PANTHOR_TILER_HEAP_CREATE`: create a tiler heap. */
export const DRM_PANTHOR_TILER_HEAP_CREATE = 11;
/** `DRM_PANTHOR_TILER_HEAP_DESTROY`: destroy a tiler heap. */
export const DRM_PANTHOR_TILER_HEAP_DESTROY = 12;
/** `DRM_PANTHOR_BO_SET_LABEL`: label a BO. */
export const DRM_PANTHOR_BO_SET_LABEL = 13;
/** `DRM_PANTHOR_SET_USER_MMIO_OFFSET`: choose the user MMIO mmap offset. */
export const DRM_PANTHOR_SET_USER_MMIO_OFFSET = 14;
/** `DRM_PANTHOR_BO_SYNC`: CPU cache maintenance on BOs. */
export const DRM_PANTHOR_BO_SYNC = 15;
/** `DRM_PANTHOR_BO_QUERY_INFO`: query a BO's flags. */
export const DRM_PANTHOR_BO_QUERY_INFO = 16;

/** `enum drm_panthor_ioctl_id`: ioctl command indexes (add DRM_COMMAND_BASE for the nr). */
export const drm_panthor_ioctl_id = Object.freeze({
  DRM_PANTHOR_DEV_QUERY,
  DRM_PANTHOR_VM_CREATE,
  DRM_PANTHOR_VM_DESTROY,
  DRM_PANTHOR_VM_BIND,
  DRM_PANTHOR_VM_GET_STATE,
  DRM_PANTHOR_BO_CREATE,
  DRM_PANTHOR_BO_MMAP_OFFSET,
  DRM_PANTHOR_GROUP_CREATE,
  DRM_PANTHOR_GROUP_DESTROY,
  DRM_PANTHOR_GROUP_SUBMIT,
  DRM_PANTHOR_GROUP_GET_STATE,
  DRM_PANTHOR_TILER_HEAP_CREATE,
  DRM_PANTHOR_TILER_HEAP_DESTROY,
  DRM_PANTHOR_BO_SET_LABEL,
  DRM_PANTHOR_SET_USER_MMIO_OFFSET,
  DRM_PANTHOR_BO_SYNC,
  DRM_PANTHOR_BO_QUERY_INFO,
} as const);

/** `DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK`: mask of the handle type. */
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK = 0xff;
/** `DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ`: a binary syncobj. */
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ = 0;
/** `DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ`: a timeline syncobj. */
export const DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ = 1;
/** `DRM_PANTHOR_SYNC_OP_WAIT`: wait on the sync object. */
export const DRM_PANTHOR_SYNC_OP_WAIT = 0;
/** `DRM_PANTHOR_SYNC_OP_SIGNAL`: signal the sync object (C enum value: negative as int32). */
export const DRM_PANTHOR_SYNC_OP_SIGNAL = 1 << 31;

/** `enum drm_panthor_sync_op_flags`: sync op `flags` bits. */
export const drm_panthor_sync_op_flags = Object.freeze({
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_MASK,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_WAIT,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
} as const);

/** `DRM_PANTHOR_DEV_QUERY_GPU_INFO`: `drm_panthor_gpu_info`. */
export const DRM_PANTHOR_DEV_QUERY_GPU_INFO = 0;
/** `DRM_PANTHOR_DEV_QUERY_CSIF_INFO`: `drm_panthor_csif_info`. */
export const DRM_PANTHOR_DEV_QUERY_CSIF_INFO = 1;
/** `DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO`: `drm_panthor_timestamp_info`. */
export const DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO = 2;
/** `DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO`: `drm_panthor_group_priorities_info`. */
export const DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO = 3;
/** `DRM_PANTHOR_DEV_QUERY_MMU_INFO`: `drm_panthor_mmu_info`. */
export const DRM_PANTHOR_DEV_QUERY_MMU_INFO = 4;

/** `enum drm_panthor_dev_query_type`: DEV_QUERY types. */
export const drm_panthor_dev_query_type = Object.freeze({
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
  DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
  DRM_PANTHOR_DEV_QUERY_MMU_INFO,
} as const);

/** `DRM_PANTHOR_GPU_COHERENCY_ACE_LITE`: ACE-Lite coherency. */
export const DRM_PANTHOR_GPU_COHERENCY_ACE_LITE = 0;
/** `DRM_PANTHOR_GPU_COHERENCY_ACE`: full ACE coherency. */
export const DRM_PANTHOR_GPU_COHERENCY_ACE = 1;
/** `DRM_PANTHOR_GPU_COHERENCY_NONE`: no coherency. */
export const DRM_PANTHOR_GPU_COHERENCY_NONE = 31;

/** `enum drm_panthor_gpu_coherency`: values of `gpu_info.selected_coherency`. */
export const drm_panthor_gpu_coherency = Object.freeze({
  DRM_PANTHOR_GPU_COHERENCY_ACE_LITE,
  DRM_PANTHOR_GPU_COHERENCY_ACE,
  DRM_PANTHOR_GPU_COHERENCY_NONE,
} as const);

/** `DRM_PANTHOR_TIMESTAMP_GPU`: sample the GPU timestamp. */
export const DRM_PANTHOR_TIMESTAMP_GPU = 1 << 0;
/** `DRM_PANTHOR_TIMESTAMP_CPU_NONE`: no CPU timestamp. */
export const DRM_PANTHOR_TIMESTAMP_CPU_NONE = 0 << 1;
/** `DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC`: CPU timestamp from CLOCK_MONOTONIC. */
export const DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC = 1 << 1;
/** `DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW`: CPU timestamp from CLOCK_MONOTONIC_RAW. */
export const DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW = 2 << 1;
/** `DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK`: mask of the CPU clock type. */
export const DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK = 7 << 1;
/** `DRM_PANTHOR_TIMESTAMP_GPU_OFFSET`: report the GPU timestamp offset. */
export const DRM_PANTHOR_TIMESTAMP_GPU_OFFSET = 1 << 4;
/** `DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT`: report the GPU cycle count. */
export const DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT = 1 << 5;
/** `DRM_PANTHOR_TIMESTAMP_FREQ`: report the timestamp frequency. */
export const DRM_PANTHOR_TIMESTAMP_FREQ = 1 << 6;
/** `DRM_PANTHOR_TIMESTAMP_DURATION`: report how long sampling took. */
export const DRM_PANTHOR_TIMESTAMP_DURATION = 1 << 7;

/** `enum drm_panthor_timestamp_info_flags`: `timestamp_info.flags` selection bits. */
export const drm_panthor_timestamp_info_flags = Object.freeze({
  DRM_PANTHOR_TIMESTAMP_GPU,
  DRM_PANTHOR_TIMESTAMP_CPU_NONE,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW,
  DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK,
  DRM_PANTHOR_TIMESTAMP_GPU_OFFSET,
  DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT,
  DRM_PANTHOR_TIMESTAMP_FREQ,
  DRM_PANTHOR_TIMESTAMP_DURATION,
} as const);

/** `DRM_PANTHOR_VM_BIND_OP_MAP_READONLY`: map read-only. */
export const DRM_PANTHOR_VM_BIND_OP_MAP_READONLY = 1 << 0;
/** `DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC`: map non-executable. */
export const DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC = 1 << 1;
/** `DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED`: map uncached. */
export const DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED = 1 << 2;
/** `DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE`: map a dummy page over the whole range (needs NOEXEC, no BO). */
export const DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE = 1 << 3;
/** `DRM_PANTHOR_VM_BIND_OP_TYPE_MASK`: mask of the op type (C enum value: negative as int32). */
export const DRM_PANTHOR_VM_BIND_OP_TYPE_MASK = 0xf << 28;
/** `DRM_PANTHOR_VM_BIND_OP_TYPE_MAP`: map a BO range. */
export const DRM_PANTHOR_VM_BIND_OP_TYPE_MAP = 0 << 28;
/** `DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP`: unmap a VA range. */
export const DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP = 1 << 28;
/** `DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY`: only wait/signal the op's syncs. */
export const DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY = 2 << 28;

/** `enum drm_panthor_vm_bind_op_flags`: VM_BIND op `flags`: map flags (bits 0..3) and op type (bits 28..31). */
export const drm_panthor_vm_bind_op_flags = Object.freeze({
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MASK,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY,
} as const);

/** `DRM_PANTHOR_VM_BIND_ASYNC`: run the ops asynchronously, ordered by their sync ops. */
export const DRM_PANTHOR_VM_BIND_ASYNC = 1 << 0;

/** `enum drm_panthor_vm_bind_flags`: VM_BIND `flags`. */
export const drm_panthor_vm_bind_flags = Object.freeze({
  DRM_PANTHOR_VM_BIND_ASYNC,
} as const);

/** `DRM_PANTHOR_VM_STATE_USABLE`: the VM accepts MAP operations. */
export const DRM_PANTHOR_VM_STATE_USABLE = 0;
/** `DRM_PANTHOR_VM_STATE_UNUSABLE`: a bind failed; only UNMAP and destroy remain. */
export const DRM_PANTHOR_VM_STATE_UNUSABLE = 1;

/** `enum drm_panthor_vm_state`: VM_GET_STATE results. */
export const drm_panthor_vm_state = Object.freeze({
  DRM_PANTHOR_VM_STATE_USABLE,
  DRM_PANTHOR_VM_STATE_UNUSABLE,
} as const);

/** `DRM_PANTHOR_BO_NO_MMAP`: the BO may never be mapped on the CPU. */
export const DRM_PANTHOR_BO_NO_MMAP = 1 << 0;
/** `DRM_PANTHOR_BO_WB_MMAP`: CPU mappings are write-back cacheable. */
export const DRM_PANTHOR_BO_WB_MMAP = 1 << 1;

/** `enum drm_panthor_bo_flags`: BO_CREATE flags. */
export const drm_panthor_bo_flags = Object.freeze({
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_BO_WB_MMAP,
} as const);

/** `PANTHOR_GROUP_PRIORITY_LOW`: low priority. */
export const PANTHOR_GROUP_PRIORITY_LOW = 0;
/** `PANTHOR_GROUP_PRIORITY_MEDIUM`: medium priority. */
export const PANTHOR_GROUP_PRIORITY_MEDIUM = 1;
/** `PANTHOR_GROUP_PRIORITY_HIGH`: high priority (needs CAP_SYS_NICE or DRM master). */
export const PANTHOR_GROUP_PRIORITY_HIGH = 2;
/** `PANTHOR_GROUP_PRIORITY_REALTIME`: realtime priority (needs CAP_SYS_NICE or DRM master). */
export const PANTHOR_GROUP_PRIORITY_REALTIME = 3;

/** `enum drm_panthor_group_priority`: group scheduling priorities. */
export const drm_panthor_group_priority = Object.freeze({
  PANTHOR_GROUP_PRIORITY_LOW,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  PANTHOR_GROUP_PRIORITY_HIGH,
  PANTHOR_GROUP_PRIORITY_REALTIME,
} as const);

/** `DRM_PANTHOR_GROUP_STATE_TIMEDOUT`: a job of the group timed out. */
export const DRM_PANTHOR_GROUP_STATE_TIMEDOUT = 1 << 0;
/** `DRM_PANTHOR_GROUP_STATE_FATAL_FAULT`: a queue hit a fatal fault. */
export const DRM_PANTHOR_GROUP_STATE_FATAL_FAULT = 1 << 1;
/** `DRM_PANTHOR_GROUP_STATE_INNOCENT`: the group was killed because of another group. */
export const DRM_PANTHOR_GROUP_STATE_INNOCENT = 1 << 2;

/** `enum drm_panthor_group_state_flags`: GROUP_GET_STATE `state` bits. */
export const drm_panthor_group_state_flags = Object.freeze({
  DRM_PANTHOR_GROUP_STATE_TIMEDOUT,
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_GROUP_STATE_INNOCENT,
} as const);

/** `DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH`: write back CPU caches. */
export const DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH = 0;
/** `DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE`: write back and invalidate CPU caches. */
export const DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE = 1;

/** `enum drm_panthor_bo_sync_op_type`: BO_SYNC op types. */
export const drm_panthor_bo_sync_op_type = Object.freeze({
  DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH,
  DRM_PANTHOR_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE,
} as const);

/** `DRM_PANTHOR_BO_IS_IMPORTED`: the BO was imported from another device. */
export const DRM_PANTHOR_BO_IS_IMPORTED = 1 << 0;

/** `enum drm_panthor_bo_extra_flags`: BO_QUERY_INFO `extra_flags` bits. */
export const drm_panthor_bo_extra_flags = Object.freeze({
  DRM_PANTHOR_BO_IS_IMPORTED,
} as const);

/** `DRM_PANTHOR_USER_MMIO_OFFSET_32BIT`: user MMIO mmap offset for 32-bit processes (1 << 43). */
export const DRM_PANTHOR_USER_MMIO_OFFSET_32BIT = 1n << 43n;
/** `DRM_PANTHOR_USER_MMIO_OFFSET_64BIT`: user MMIO mmap offset for 64-bit processes (1 << 56). */
export const DRM_PANTHOR_USER_MMIO_OFFSET_64BIT = 1n << 56n;
/** `DRM_PANTHOR_USER_MMIO_OFFSET`: the LP64 value (the header picks by `sizeof(unsigned long)`). */
export const DRM_PANTHOR_USER_MMIO_OFFSET = DRM_PANTHOR_USER_MMIO_OFFSET_64BIT;
/** `DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET`: mmap offset of the LATEST_FLUSH_ID page. */
export const DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET = DRM_PANTHOR_USER_MMIO_OFFSET | 0n;
