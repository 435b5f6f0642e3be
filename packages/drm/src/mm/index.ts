/**
 * drm_mm: the DRM range allocator (drivers/gpu/drm/drm_mm.c), with the kernel's hole selection,
 * tie-breaking, colour adjustment and red-black tree shapes.
 */
export { BIGINT_ARITH, type KeyArray, NUMBER_ARITH, U64_MAX, type U64Arith } from "./arith.js";
export { DrmMmCore, type DrmMmOptions } from "./core.js";
export { DrmMm, DrmMm64 } from "./drm-mm.js";
export { HoleIndex } from "./holes.js";
export {
  DRM_MM_INSERT_BEST,
  DRM_MM_INSERT_EVICT,
  DRM_MM_INSERT_HIGH,
  DRM_MM_INSERT_HIGHEST,
  DRM_MM_INSERT_LOW,
  DRM_MM_INSERT_LOWEST,
  DRM_MM_INSERT_ONCE,
  type DrmMmSearch,
  insertModeOnce,
  insertModeSearch,
} from "./mode.js";
export { DrmMmNode } from "./node.js";
export {
  PANFROST_COLOR_NOEXEC,
  PANFROST_PFN_4G,
  PANFROST_PFN_16M,
  panfrostColorAdjust,
  panfrostColorAdjust64,
} from "./panfrost-color.js";
export * from "./rbtree/index.js";
export { DrmMmScan } from "./scan.js";
export type { DrmMmColorAdjust, DrmMmHole, DrmMmRange, DrmMmTreeEntry } from "./types.js";
