/**
 * ioctl table entries: one per command, built from a uapi ioctl description and a struct codec,
 * with a handler that works on the decoded argument struct.
 */
import { EINVAL, ioctlNr, ioctlSize, type StructCodec } from "@panmmu/uapi";
import type { DrmIoctlContext, DrmIoctlEntry, DrmIoctlHandler, DrmIoctlName } from "./types.js";

/** `DRM_AUTH`: on a primary node, the caller must be authenticated (every primary file is, here). */
export const DRM_AUTH = 0x1;
/** `DRM_MASTER`: only the DRM master may call it. */
export const DRM_MASTER = 0x2;
/** `DRM_ROOT_ONLY`: only CAP_SYS_ADMIN may call it. */
export const DRM_ROOT_ONLY = 0x4;
/** `DRM_RENDER_ALLOW`: callable through a render node. */
export const DRM_RENDER_ALLOW = 0x20;

/**
 * Builds an ioctl table entry from a description (a uapi `IoctlDesc` or any name + request), the
 * argument's uapi struct codec and a handler. Mirrors
 * `DRM_IOCTL_DEF_DRV(name, func, flags)`. Throws RangeError when the codec size differs from
 * the size encoded in the request number (a table bug, not a runtime condition).
 */
export function drmIoctlDef<T, P = unknown>(
  desc: DrmIoctlName,
  codec: StructCodec<T>,
  handler: DrmIoctlHandler<T, P>,
  flags = DRM_RENDER_ALLOW,
): DrmIoctlEntry<P> {
  if (ioctlSize(desc.request) !== codec.size) {
    throw new RangeError(
      `${desc.name}: codec size ${codec.size} differs from request size ${ioctlSize(desc.request)}`,
    );
  }
  return {
    name: desc.name,
    request: desc.request >>> 0,
    flags,
    invoke(kdata: Uint8Array, ctx: DrmIoctlContext<P>): number {
      const args = codec.decode(
        kdata.length === codec.size ? kdata : kdata.subarray(0, codec.size),
      );
      const ret = handler(args, ctx);
      try {
        kdata.set(codec.encode(args));
      } catch (e) {
        ctx.dev.warnings.warn(desc.name, `handler left an unencodable argument: ${String(e)}`);
        return ret < 0 ? ret : -EINVAL;
      }
      return ret;
    },
  };
}

/**
 * An ioctl table indexed by command number, as drm_ioctl looks entries up. Driver tables hold
 * numbers in `[DRM_COMMAND_BASE, DRM_COMMAND_END)`; the core table the numbers below.
 */
export class DrmIoctlTable<P = unknown> {
  private readonly byNr = new Map<number, DrmIoctlEntry<P>>();

  /** Builds the table; throws RangeError on two entries with one command number. */
  constructor(entries: readonly DrmIoctlEntry<P>[]) {
    for (const e of entries) {
      const nr = ioctlNr(e.request);
      if (this.byNr.has(nr)) throw new RangeError(`${e.name}: command number ${nr} used twice`);
      this.byNr.set(nr, e);
    }
  }

  /** The entry for command number `nr`, or undefined (drm_ioctl answers -EINVAL then). */
  lookup(nr: number): DrmIoctlEntry<P> | undefined {
    return this.byNr.get(nr);
  }

  /** Every entry, by increasing command number. */
  entries(): DrmIoctlEntry<P>[] {
    return [...this.byNr.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }
}
