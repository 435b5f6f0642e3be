/**
 * The asm-generic ioctl request encoding and the DRM ioctl number ranges.
 */

/** `_IOC_WRITE`: the argument goes from user to kernel (the kernel's `IOC_IN`). */
export const IOC_WRITE = 1;
/** `_IOC_READ`: the argument goes from kernel to user (the kernel's `IOC_OUT`). */
export const IOC_READ = 2;
/** First driver-private ioctl number (`DRM_COMMAND_BASE`). */
export const DRM_COMMAND_BASE = 0x40;
/** One past the last driver-private ioctl number (`DRM_COMMAND_END`). */
export const DRM_COMMAND_END = 0xa0;
/** The DRM ioctl type byte, `'d'`. */
export const DRM_IOCTL_BASE = 0x64;

/** `_IOC_NR(request)`: the command number (bits 0..7). */
export function iocNr(request: number): number {
  return request & 0xff;
}

/** `_IOC_TYPE(request)`: the type byte (bits 8..15). */
export function iocType(request: number): number {
  return (request >>> 8) & 0xff;
}

/** `_IOC_SIZE(request)`: the argument size in bytes (bits 16..29). */
export function iocSize(request: number): number {
  return (request >>> 16) & 0x3fff;
}

/** `_IOC_DIR(request)`: the direction bits (bits 30..31), a mix of {@link IOC_WRITE} and {@link IOC_READ}. */
export function iocDir(request: number): number {
  return (request >>> 30) & 0x3;
}

/** Builds a request number like `_IOC(dir, type, nr, size)`; returned as an unsigned 32-bit number. */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  return (((dir & 3) << 30) | ((size & 0x3fff) << 16) | ((type & 0xff) << 8) | (nr & 0xff)) >>> 0;
}

/** Whether command number `nr` lies in the driver-private range `[DRM_COMMAND_BASE, DRM_COMMAND_END)`. */
export function isDriverIoctlNr(nr: number): boolean {
  return nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END;
}
