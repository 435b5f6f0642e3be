/**
 * panfrost's VA colouring rule for the per-file drm_mm (units: 4 KiB pages): executable BOs
 * must not start or end on a 4 GiB boundary, nor start within 16 MiB below one, nor cross one
 * (the job manager's program counter cannot cross a 4 GiB segment). The drm_mm colour of a BO
 * is its creation flags.
 */
import { PANFROST_BO_NOEXEC } from "@panmmu/uapi";

/** 4 GiB in pages. */
export const PFN_4G = 0x100000;
/** 16 MiB in pages. */
export const PFN_16M = 0x1000;
/** Start of the per-file VA range in pages (32 MiB). */
export const VA_START_PFN = 0x2000;
/** Size of the per-file VA range in pages (4 GiB - 32 MiB). */
export const VA_SIZE_PFN = PFN_4G - VA_START_PFN;

/** A hole as the colour-adjust callback sees it, adjusted in place (page units). */
export interface HoleRange {
  /** First page of the usable hole. */
  start: number;
  /** One past the last page of the usable hole. */
  end: number;
}

/**
 * Shrinks a hole so that an executable BO (colour without NOEXEC) avoids 4 GiB boundaries.
 * Non-executable colours leave the hole unchanged.
 *
 * Mirrors panfrost_drm_mm_color_adjust().
 */
export function panfrostColorAdjust(color: number, range: HoleRange): void {
  if ((color & PANFROST_BO_NOEXEC) !== 0) return;
  if (range.start % PFN_4G === 0) range.start++;
  if (range.end % PFN_4G === 0) range.end--;
  const nextSeg = Math.ceil(range.start / PFN_4G) * PFN_4G;
  if (nextSeg - range.start <= PFN_16M) range.start = nextSeg + 1;
  range.end = Math.min(range.end, Math.ceil(range.start / PFN_4G) * PFN_4G - 1);
}
