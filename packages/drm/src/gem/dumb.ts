/**
 * Dumb buffers (MODE_CREATE_DUMB / MODE_DESTROY_DUMB): the core's argument checks in front of
 * the driver's `dumbCreate` hook.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL, ENOSYS } from "@panmmu/uapi";
import type { DrmDumbBuffer, DrmFile } from "../core/types.js";

const U32_MAX = 0xffff_ffff;

/** What userspace asks MODE_CREATE_DUMB for (the input fields of `struct drm_mode_create_dumb`). */
export interface DrmDumbRequest {
  /** Width in pixels (u32). */
  readonly width: number;
  /** Height in pixels (u32). */
  readonly height: number;
  /** Bits per pixel (u32). */
  readonly bpp: number;
  /** Flags (u32); must be zero. */
  readonly flags: number;
}

/**
 * Creates a dumb buffer in `file` through the driver's `dumbCreate` hook after the core's
 * checks, in the kernel's order: no hook → -ENOSYS; a zero width, height or bpp → -EINVAL; a
 * bpp within 8 of 2^32, a line (width × ⌈bpp/8⌉) or a buffer (line × height) that does not fit
 * 32 bits, or a size whose page round-up wraps 32 bits to 0 → -EINVAL; then flags other than 0
 * → -EINVAL (the uapi says "must be zero"; this check is the model's, see the README). Returns
 * the hook's result. Mirrors drm_mode_create_dumb().
 */
export function drmModeCreateDumb(file: DrmFile, req: DrmDumbRequest): DrmDumbBuffer | number {
  const dumbCreate = file.dev.driver.dumbCreate;
  if (dumbCreate === undefined) return -ENOSYS;
  const { width, height, bpp } = req;
  if (width === 0 || height === 0 || bpp === 0) return -EINVAL;
  if (bpp > U32_MAX - 8) return -EINVAL;
  const cpp = Math.ceil(bpp / 8);
  if (cpp > Math.floor(U32_MAX / width)) return -EINVAL;
  const stride = cpp * width;
  if (height > Math.floor(U32_MAX / stride)) return -EINVAL;
  // PAGE_ALIGN of a u32 size: wraps to 0 within the last page below 2^32.
  if (height * stride > U32_MAX + 1 - PAGE_SIZE) return -EINVAL;
  if (req.flags !== 0) return -EINVAL;
  return dumbCreate.call(file.dev.driver, file, width, height, bpp);
}

/**
 * Deletes the handle of a dumb buffer: -ENOSYS when the driver has no `dumbCreate` hook, else
 * GEM handle deletion (0, or -EINVAL for an unknown handle). Mirrors drm_mode_destroy_dumb().
 */
export function drmModeDestroyDumb(file: DrmFile, handle: number): number {
  if (file.dev.driver.dumbCreate === undefined) return -ENOSYS;
  return file.gemHandleDelete(handle);
}
