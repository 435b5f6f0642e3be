/**
 * The per-file GPU VA range panfrost's drm_mm manages, in 4 KiB pages: [32 MiB, 4 GiB). Its
 * colouring rule for executable BOs (never on or across a 4 GiB boundary, nor starting within
 * 16 MiB below one) is `panfrostColorAdjust` of `@panmmu/drm`, whose placements the drm_mm
 * golden vectors pin; the drm_mm colour of a BO is its creation flags.
 */
import { PANFROST_PFN_4G } from "@panmmu/drm";

/** Start of the per-file VA range in pages (32 MiB). */
export const VA_START_PFN = 0x2000;
/** Size of the per-file VA range in pages (4 GiB - 32 MiB). */
export const VA_SIZE_PFN = PANFROST_PFN_4G - VA_START_PFN;
