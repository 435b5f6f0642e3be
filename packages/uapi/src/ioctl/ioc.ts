/**
 * ioctl request numbers, encoded in code the way the asm-generic `_IOC` macros do (x86, arm64,
 * riscv…): `dir << 30 | size << 16 | type << 8 | nr`. powerpc, mips and sparc use another
 * layout and are not modelled.
 */
import type { StructCodec } from "../struct/codec.js";

/** Bits of the command number field. */
export const _IOC_NRBITS = 8;
/** Bits of the type (magic) field. */
export const _IOC_TYPEBITS = 8;
/** Bits of the argument size field. */
export const _IOC_SIZEBITS = 14;
/** Bits of the direction field. */
export const _IOC_DIRBITS = 2;
/** Mask of the nr field (after shifting). */
export const _IOC_NRMASK = (1 << _IOC_NRBITS) - 1;
/** Mask of the type field (after shifting). */
export const _IOC_TYPEMASK = (1 << _IOC_TYPEBITS) - 1;
/** Mask of the size field (after shifting). */
export const _IOC_SIZEMASK = (1 << _IOC_SIZEBITS) - 1;
/** Mask of the direction field (after shifting). */
export const _IOC_DIRMASK = (1 << _IOC_DIRBITS) - 1;
/** Shift of the nr field. */
export const _IOC_NRSHIFT = 0;
/** Shift of the type field. */
export const _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS;
/** Shift of the size field. */
export const _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS;
/** Shift of the direction field. */
export const _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS;
/** No data transfer. */
export const _IOC_NONE = 0;
/** Userspace writes, the kernel reads (copy in). */
export const _IOC_WRITE = 1;
/** The kernel writes, userspace reads (copy out). */
export const _IOC_READ = 2;

function field(value: number, mask: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > mask) {
    throw new RangeError(`_IOC: ${what} ${value} does not fit its field`);
  }
  return value;
}

/**
 * Builds a request number (as an unsigned 32-bit number). Mirrors the `_IOC()` macro.
 *
 * @param type - the magic, a byte or a one-character string (`"d"` for DRM).
 * @throws RangeError when a component does not fit its bit field (the kernel's compile-time check).
 */
export function _IOC(dir: number, type: number | string, nr: number, size: number): number {
  const t = typeof type === "string" ? type.charCodeAt(0) : type;
  return (
    ((field(dir, _IOC_DIRMASK, "dir") << _IOC_DIRSHIFT) |
      (field(t, _IOC_TYPEMASK, "type") << _IOC_TYPESHIFT) |
      (field(nr, _IOC_NRMASK, "nr") << _IOC_NRSHIFT) |
      (field(size, _IOC_SIZEMASK, "size") << _IOC_SIZESHIFT)) >>>
    0
  );
}

/** The argument size of a struct type: `sizeof(t)`, given as a byte count or a codec. */
export type IocSize = number | Pick<StructCodec<unknown>, "size">;

function sizeOf(s: IocSize): number {
  return typeof s === "number" ? s : s.size;
}

/** Mirrors `_IO(type, nr)`: no argument. */
export function _IO(type: number | string, nr: number): number {
  return _IOC(_IOC_NONE, type, nr, 0);
}

/** Mirrors `_IOR(type, nr, argtype)`: the kernel writes the argument back. */
export function _IOR(type: number | string, nr: number, arg: IocSize): number {
  return _IOC(_IOC_READ, type, nr, sizeOf(arg));
}

/** Mirrors `_IOW(type, nr, argtype)`: the kernel reads the argument. */
export function _IOW(type: number | string, nr: number, arg: IocSize): number {
  return _IOC(_IOC_WRITE, type, nr, sizeOf(arg));
}

/** Mirrors `_IOWR(type, nr, argtype)`: both directions. */
export function _IOWR(type: number | string, nr: number, arg: IocSize): number {
  return _IOC(_IOC_READ | _IOC_WRITE, type, nr, sizeOf(arg));
}

/** Mirrors `_IOC_DIR(nr)`: the direction bits (`_IOC_NONE`/`_IOC_WRITE`/`_IOC_READ` combination). */
export function ioctlDir(request: number): number {
  return (request >>> _IOC_DIRSHIFT) & _IOC_DIRMASK;
}

/** Mirrors `_IOC_TYPE(nr)`: the magic byte (100, `'d'`, for DRM). */
export function ioctlType(request: number): number {
  return (request >>> _IOC_TYPESHIFT) & _IOC_TYPEMASK;
}

/** Mirrors `_IOC_NR(nr)`: the command number. */
export function ioctlNr(request: number): number {
  return (request >>> _IOC_NRSHIFT) & _IOC_NRMASK;
}

/** Mirrors `_IOC_SIZE(nr)`: the argument size in bytes. */
export function ioctlSize(request: number): number {
  return (request >>> _IOC_SIZESHIFT) & _IOC_SIZEMASK;
}
