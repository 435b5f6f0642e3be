/** Ioctl descriptors: one entry per ioctl of a driver table, tying the number to its codec. */
import type { StructCodec } from "../struct/codec.js";
import { ioctlDir, ioctlNr, ioctlSize } from "./ioc.js";

/** One ioctl: its request number, decoded components and the codec of its argument. */
export interface IoctlDesc {
  /** Kernel macro name, e.g. `DRM_IOCTL_PANTHOR_VM_BIND`. */
  readonly name: string;
  /** The full request number (unsigned 32-bit). */
  readonly request: number;
  /** Command number (`_IOC_NR`); driver ioctls include DRM_COMMAND_BASE. */
  readonly nr: number;
  /** Direction bits: `_IOC_NONE`, `_IOC_WRITE`, `_IOC_READ` or both. */
  readonly dir: number;
  /** Argument size in bytes (`_IOC_SIZE`). */
  readonly size: number;
  /** Codec of the argument struct. */
  readonly codec: StructCodec<unknown>;
}

/**
 * Builds a descriptor from a request number computed with the DRM_IO* helpers and the codec of
 * its argument.
 *
 * @throws Error when the size encoded in `request` differs from `codec.size`.
 */
export function ioctlDesc(name: string, request: number, codec: StructCodec<unknown>): IoctlDesc {
  const size = ioctlSize(request);
  if (size !== codec.size) {
    throw new Error(
      `${name}: request encodes ${size} bytes, struct ${codec.name} has ${codec.size}`,
    );
  }
  return Object.freeze({
    name,
    request,
    nr: ioctlNr(request),
    dir: ioctlDir(request),
    size,
    codec,
  });
}

/** Finds the descriptor of `request` in `table` (exact request match). */
export function findIoctl(table: readonly IoctlDesc[], request: number): IoctlDesc | undefined {
  return table.find((d) => d.request === request >>> 0);
}

/** Finds the descriptor with command number `nr` in `table`, as drm_ioctl indexes its tables. */
export function findIoctlByNr(table: readonly IoctlDesc[], nr: number): IoctlDesc | undefined {
  return table.find((d) => d.nr === nr);
}

/**
 * Decodes one ioctl argument as a trace would show it: the descriptor of `request` in `table`
 * and the decoded struct, or undefined when the request is unknown or `bytes` is not exactly
 * the argument size.
 */
export function decodeIoctlArg(
  table: readonly IoctlDesc[],
  request: number,
  bytes: Uint8Array,
): { readonly desc: IoctlDesc; readonly args: unknown } | undefined {
  const desc = findIoctl(table, request);
  if (desc === undefined || bytes.length !== desc.size) return undefined;
  return { desc, args: desc.codec.decode(bytes) };
}
