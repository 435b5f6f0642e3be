/**
 * panfrost's placement rule for executable buffers. Mirrors panfrost_drm_mm_color_adjust()
 * (drivers/gpu/drm/panfrost/panfrost_mmu.c). Units are 4 KiB pages.
 */
import type { DrmMmNode } from "./node.js";
import type { DrmMmRange } from "./types.js";

/** `PANFROST_BO_NOEXEC`: a colour with this bit set is not adjusted. */
export const PANFROST_COLOR_NOEXEC = 1;
/** 4 GiB in pages (`PFN_4G`). */
export const PANFROST_PFN_4G = 0x10_0000;
/** 16 MiB in pages (`PFN_16M`). */
export const PANFROST_PFN_16M = 0x1000;

/**
 * Keeps an executable buffer (colour without NOEXEC) inside one 4 GiB segment, off the
 * segment's first and last page, and out of a hole that starts within 16 MiB below a 4 GiB
 * boundary (the window then moves past that boundary). NOEXEC colours are left alone.
 * Number flavour, for {@link DrmMm}.
 */
export function panfrostColorAdjust(
  _hole: DrmMmNode<number>,
  color: number,
  range: DrmMmRange<number>,
): void {
  if ((color & PANFROST_COLOR_NOEXEC) !== 0) return;
  let { start, end } = range;
  if (start % PANFROST_PFN_4G === 0) start += 1;
  if (end % PANFROST_PFN_4G === 0) end -= 1;
  const nextSeg = Math.ceil(start / PANFROST_PFN_4G) * PANFROST_PFN_4G;
  if (nextSeg - start <= PANFROST_PFN_16M) start = nextSeg + 1;
  const limit = Math.ceil(start / PANFROST_PFN_4G) * PANFROST_PFN_4G - 1;
  range.start = start;
  range.end = end < limit ? end : limit;
}

const U64 = 0xffff_ffff_ffff_ffffn;
const PFN_4G = BigInt(PANFROST_PFN_4G);
const PFN_16M = BigInt(PANFROST_PFN_16M);

function alignUp64(v: bigint): bigint {
  return (v + PFN_4G - 1n) & ~(PFN_4G - 1n) & U64;
}

/** {@link panfrostColorAdjust} for {@link DrmMm64}, with the kernel's u64 wrap-around. */
export function panfrostColorAdjust64(
  _hole: DrmMmNode<bigint>,
  color: number,
  range: DrmMmRange<bigint>,
): void {
  if ((color & PANFROST_COLOR_NOEXEC) !== 0) return;
  let { start, end } = range;
  if ((start & (PFN_4G - 1n)) === 0n) start = (start + 1n) & U64;
  if ((end & (PFN_4G - 1n)) === 0n) end = (end - 1n) & U64;
  const nextSeg = alignUp64(start);
  if (((nextSeg - start) & U64) <= PFN_16M) start = (nextSeg + 1n) & U64;
  const limit = (alignUp64(start) - 1n) & U64;
  range.start = start;
  range.end = end < limit ? end : limit;
}
