/** The DRM flavour of the ioctl macros (drm.h): magic `'d'`, driver commands from 0x40. */
import { _IO, _IOR, _IOW, _IOWR, type IocSize } from "./ioc.js";

/** The DRM ioctl magic, `'d'` (100). */
export const DRM_IOCTL_BASE = 0x64;
/** First command number reserved for drivers. */
export const DRM_COMMAND_BASE = 0x40;
/** One past the last driver command number. */
export const DRM_COMMAND_END = 0xa0;

/** Mirrors `DRM_IO(nr)`. */
export function DRM_IO(nr: number): number {
  return _IO(DRM_IOCTL_BASE, nr);
}

/** Mirrors `DRM_IOR(nr, type)`. */
export function DRM_IOR(nr: number, arg: IocSize): number {
  return _IOR(DRM_IOCTL_BASE, nr, arg);
}

/** Mirrors `DRM_IOW(nr, type)`. */
export function DRM_IOW(nr: number, arg: IocSize): number {
  return _IOW(DRM_IOCTL_BASE, nr, arg);
}

/** Mirrors `DRM_IOWR(nr, type)`. */
export function DRM_IOWR(nr: number, arg: IocSize): number {
  return _IOWR(DRM_IOCTL_BASE, nr, arg);
}
