/**
 * Insertion modes. Mirrors `enum drm_mm_insert_mode` (include/drm/drm_mm.h): a mode is a u32
 * whose low bits pick the search order and whose bit 31 asks for a single candidate.
 */

/** Smallest hole that fits (newest first among equal sizes); node at the bottom. `DRM_MM_INSERT_BEST`. */
export const DRM_MM_INSERT_BEST = 0;
/** Lowest hole that fits; node at the bottom. `DRM_MM_INSERT_LOW`. */
export const DRM_MM_INSERT_LOW = 1;
/** Highest hole that fits; node at the top, alignment rounding down. `DRM_MM_INSERT_HIGH`. */
export const DRM_MM_INSERT_HIGH = 2;
/** Most recently added hole first (the hole stack); node at the bottom. `DRM_MM_INSERT_EVICT`. */
export const DRM_MM_INSERT_EVICT = 3;
/** Flag: examine only the first candidate of the mode's order. `DRM_MM_INSERT_ONCE` (bit 31). */
export const DRM_MM_INSERT_ONCE = 0x8000_0000;
/** `HIGH | ONCE`. `DRM_MM_INSERT_HIGHEST`. */
export const DRM_MM_INSERT_HIGHEST = DRM_MM_INSERT_HIGH | DRM_MM_INSERT_ONCE;
/** `LOW | ONCE`. `DRM_MM_INSERT_LOWEST`. */
export const DRM_MM_INSERT_LOWEST = DRM_MM_INSERT_LOW | DRM_MM_INSERT_ONCE;

/** The search order a mode value selects once the ONCE bit is split off (BEST, LOW, HIGH or EVICT). */
export type DrmMmSearch = 0 | 1 | 2 | 3;

/**
 * The search order of a raw u32 mode. Every value other than LOW, HIGH and EVICT (after the
 * ONCE bit is removed) searches like BEST, as the kernel's `switch` defaults do.
 */
export function insertModeSearch(mode: number): DrmMmSearch {
  const low = mode & 0x7fff_ffff;
  return low === DRM_MM_INSERT_LOW || low === DRM_MM_INSERT_HIGH || low === DRM_MM_INSERT_EVICT
    ? low
    : DRM_MM_INSERT_BEST;
}

/** Whether a raw u32 mode carries the ONCE flag (bit 31). */
export function insertModeOnce(mode: number): boolean {
  return (mode & DRM_MM_INSERT_ONCE) !== 0;
}
