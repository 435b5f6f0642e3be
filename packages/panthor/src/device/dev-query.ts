/**
 * The data side of DRM_IOCTL_PANTHOR_DEV_QUERY: the size query and the four info structs, copied
 * out with the PANTHOR_UOBJ_SET rules.
 */
import {
  copyStructFromUser,
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO,
  DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
  DrmPanthorCsifInfo,
  type DrmPanthorCsifInfoArgs,
  DrmPanthorGpuInfo,
  type DrmPanthorGpuInfoArgs,
  DrmPanthorGroupPrioritiesInfo,
  DrmPanthorTimestampInfo,
  EINVAL,
  setUobj,
  type UserMemory,
} from "@panmmu/uapi";
import { allowedGroupPriorityMask } from "./group-priority.js";
import { type PanthorTimestampSource, queryTimestampInfo } from "./timestamp-info.js";

/** The device state DEV_QUERY reads. */
export interface PanthorDevQueryCtx {
  /** `ptdev->gpu_info`, filled at probe (`readPanthorGpuInfo()`). */
  readonly gpuInfo: DrmPanthorGpuInfoArgs;
  /** `ptdev->csif_info`, derived from the firmware interface (`panthorCsifInfo()`). */
  readonly csifInfo: DrmPanthorCsifInfoArgs;
  /** Clocks and runtime PM for TIMESTAMP_INFO. */
  readonly timestamp: PanthorTimestampSource;
}

/** The calling file, as DEV_QUERY sees it. */
export interface PanthorDevQueryUser {
  /** The caller's user memory (`pointer` is an address in it). */
  readonly mem: Pick<UserMemory, "read" | "write">;
  /** Has CAP_SYS_NICE or is the current DRM master (may use HIGH and REALTIME groups). */
  readonly privileged: boolean;
}

/** Outcome of {@link panthorDevQuery}. */
export interface PanthorDevQueryResult {
  /** 0 or a negative errno. */
  readonly ret: number;
  /** The value to write back to `drm_panthor_dev_query.size` (the input size unless a size query succeeded). */
  readonly size: number;
}

/** Kernel size of the struct a query type returns; undefined for an unknown type. */
export function devQueryStructSize(type: number): number | undefined {
  switch (type) {
    case DRM_PANTHOR_DEV_QUERY_GPU_INFO:
      return DrmPanthorGpuInfo.size;
    case DRM_PANTHOR_DEV_QUERY_CSIF_INFO:
      return DrmPanthorCsifInfo.size;
    case DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO:
      return DrmPanthorTimestampInfo.size;
    case DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO:
      return DrmPanthorGroupPrioritiesInfo.size;
    default:
      return undefined;
  }
}

/**
 * Answers DEV_QUERY `{type, size, pointer}`.
 *
 * - `pointer` 0: reports the kernel struct size of `type` (GPU_INFO 112, CSIF_INFO 24,
 *   TIMESTAMP_INFO 56, GROUP_PRIORITIES_INFO 4); unknown type → -EINVAL.
 * - otherwise copies the struct out with PANTHOR_UOBJ_SET (`size` below the struct's first
 *   version → -EINVAL, `min(size, sizeof)` bytes copied, user bytes beyond the kernel struct
 *   zeroed, -EFAULT on unmapped memory):
 *   GPU_INFO and CSIF_INFO from the device; TIMESTAMP_INFO after reading the caller's struct
 *   with copy_struct_from_user (for its flags: -E2BIG on non-zero bytes past 56, -EFAULT) and
 *   sampling the clocks ({@link queryTimestampInfo}); GROUP_PRIORITIES_INFO with the mask of
 *   the caller's allowed priorities. Any other type → -EINVAL.
 *
 * DEV_QUERY_MMU_INFO (uAPI 1.9) is not in the 6.18 kernel this mirrors: it is an unknown type.
 *
 * Mirrors panthor_ioctl_dev_query().
 */
export function panthorDevQuery(
  ctx: PanthorDevQueryCtx,
  type: number,
  size: number,
  pointer: bigint,
  user: PanthorDevQueryUser,
): PanthorDevQueryResult {
  const done = (ret: number): PanthorDevQueryResult => ({ ret, size });
  if (pointer === 0n) {
    const kernelSize = devQueryStructSize(type);
    return kernelSize === undefined ? done(-EINVAL) : { ret: 0, size: kernelSize };
  }
  switch (type) {
    case DRM_PANTHOR_DEV_QUERY_GPU_INFO:
      return done(setUobj(user.mem, pointer, size, DrmPanthorGpuInfo, ctx.gpuInfo));
    case DRM_PANTHOR_DEV_QUERY_CSIF_INFO:
      return done(setUobj(user.mem, pointer, size, DrmPanthorCsifInfo, ctx.csifInfo));
    case DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO: {
      const bytes = copyStructFromUser(user.mem, DrmPanthorTimestampInfo.size, pointer, size);
      if (typeof bytes === "number") return done(bytes);
      const info = DrmPanthorTimestampInfo.decode(bytes);
      const ret = queryTimestampInfo(ctx.timestamp, info);
      if (ret !== 0) return done(ret);
      return done(setUobj(user.mem, pointer, size, DrmPanthorTimestampInfo, info));
    }
    case DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO: {
      const info = { allowed_mask: allowedGroupPriorityMask(user.privileged), pad: [0, 0, 0] };
      return done(setUobj(user.mem, pointer, size, DrmPanthorGroupPrioritiesInfo, info));
    }
    default:
      return done(-EINVAL);
  }
}
