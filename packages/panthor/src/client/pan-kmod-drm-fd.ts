/**
 * The DRM-core calls of {@link PanKmodFd} as libdrm makes them (DRM_IOCTL_VERSION, syncobjs,
 * GEM_CLOSE, mmap/munmap, close): each a real ioctl or call on the file, recorded in a
 * {@link PanKmodTrace}.
 */
import type { DrmVma } from "@panmmu/drm";
import {
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_DESTROY,
  DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
  DRM_IOCTL_SYNCOBJ_TRANSFER,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_IOCTL_VERSION,
  DrmGemClose,
  DrmSyncobjCreate,
  DrmSyncobjDestroy,
  DrmSyncobjTimelineWait,
  DrmSyncobjTransfer,
  DrmSyncobjWait,
  DrmVersion,
  type StructCodec,
} from "@panmmu/uapi";
import type { PanthorDevice } from "../device/device.js";
import type { PanthorClient } from "./client.js";
import type { PanKmodTrace, PanKmodTraceValue } from "./pan-kmod-trace.js";

/** What `DRM_IOCTL_VERSION` told (libdrm's `drmVersion`). */
export interface PanKmodDrmVersion {
  /** Major version. */
  readonly major: number;
  /** Minor version (the uAPI revision Mesa gates features on). */
  readonly minor: number;
  /** Patch level. */
  readonly patchlevel: number;
  /** Driver name ("panthor"). */
  readonly name: string;
  /** Driver date. */
  readonly date: string;
  /** Driver description. */
  readonly desc: string;
}

/** One open DRM file, its process memory, and the trace of its calls: the DRM-core part. */
export abstract class PanKmodDrmFd {
  /** The typed ioctl layer underneath (its `ioctl()` is the real path into the file). */
  readonly client: PanthorClient;

  /** @param client - the open file's ioctl layer; @param trace - where calls are recorded. */
  protected constructor(
    client: PanthorClient,
    readonly trace: PanKmodTrace,
  ) {
    this.client = client;
  }

  /** The device the file belongs to. */
  get dev(): PanthorDevice {
    return this.client.dev;
  }

  /** Virtual time now. */
  get now(): number {
    return this.dev.platform.loop.now;
  }

  protected io<T>(
    op: string,
    request: number,
    codec: StructCodec<T>,
    value: T,
    detail: string,
    args: Record<string, PanKmodTraceValue>,
    out: (v: T) => Record<string, PanKmodTraceValue> = () => ({}),
  ): { ret: number; out: T } {
    const r = this.client.ioctl(request, codec, value);
    this.trace.record({
      kind: "ioctl",
      op,
      detail,
      args,
      ret: r.ret,
      out: r.ret === 0 ? out(r.out) : {},
    });
    return r;
  }

  /**
   * VERSION once for the string lengths, again with buffers of those sizes. The version, or
   * the negative errno. Mirrors drmGetVersion().
   */
  version(): PanKmodDrmVersion | number {
    const first = this.io("VERSION", DRM_IOCTL_VERSION, DrmVersion, DrmVersion.zero(), "", {});
    if (first.ret < 0) return first.ret;
    const lens = first.out;
    const user = this.client.user;
    const buf = (n: bigint): bigint => user.alloc(Number(n) + 1);
    const v = DrmVersion.zero();
    v.name_len = lens.name_len;
    v.name = buf(lens.name_len);
    v.date_len = lens.date_len;
    v.date = buf(lens.date_len);
    v.desc_len = lens.desc_len;
    v.desc = buf(lens.desc_len);
    const str = (p: bigint, n: bigint): string => {
      const b = user.read(p, Number(n));
      user.free(p);
      return typeof b === "number" ? "" : new TextDecoder().decode(b);
    };
    const second = this.io("VERSION", DRM_IOCTL_VERSION, DrmVersion, v, "", {}, (o) => ({
      major: o.version_major,
      minor: o.version_minor,
      patchlevel: o.version_patchlevel,
    }));
    const name = str(v.name, lens.name_len);
    const date = str(v.date, lens.date_len);
    const desc = str(v.desc, lens.desc_len);
    if (second.ret < 0) return second.ret;
    return {
      major: second.out.version_major,
      minor: second.out.version_minor,
      patchlevel: second.out.version_patchlevel,
      name,
      date,
      desc,
    };
  }

  /** mmap(2) of `length` bytes at `offset` (`what` names the mapping in the trace). */
  mmap(what: string, offset: bigint, length: number, prot: number, flags: number): DrmVma | number {
    const r = this.client.mmap(offset, length, prot, flags);
    this.trace.record({
      kind: "mmap",
      op: "mmap",
      detail: what,
      args: { offset, length, prot, flags },
      ret: typeof r === "number" ? r : 0,
    });
    return r;
  }

  /** munmap(2) of `vma` (`what` names the mapping in the trace). */
  munmap(what: string, vma: DrmVma): number {
    const args = { offset: BigInt(vma.offset), length: vma.length };
    const ret = vma.munmap();
    this.trace.record({ kind: "munmap", op: "munmap", detail: what, args, ret });
    return ret;
  }

  /** SYNCOBJ_CREATE: the handle, or the negative errno. Mirrors drmSyncobjCreate(). */
  syncobjCreate(flags: number, detail: string): number {
    const r = this.io(
      "SYNCOBJ_CREATE",
      DRM_IOCTL_SYNCOBJ_CREATE,
      DrmSyncobjCreate,
      { handle: 0, flags },
      detail,
      { flags },
      (o) => ({ handle: o.handle }),
    );
    return r.ret < 0 ? r.ret : r.out.handle;
  }

  /** SYNCOBJ_DESTROY. Mirrors drmSyncobjDestroy(). */
  syncobjDestroy(handle: number): number {
    return this.io(
      "SYNCOBJ_DESTROY",
      DRM_IOCTL_SYNCOBJ_DESTROY,
      DrmSyncobjDestroy,
      { handle, pad: 0 },
      "",
      { handle },
    ).ret;
  }

  /** SYNCOBJ_WAIT on `handles` until the absolute virtual time `timeoutNsec`. Mirrors drmSyncobjWait(). */
  syncobjWait(handles: readonly number[], timeoutNsec: bigint, flags: number): number {
    const user = this.client.user;
    const ptr = user.writeU32Array(handles);
    const r = this.io(
      "SYNCOBJ_WAIT",
      DRM_IOCTL_SYNCOBJ_WAIT,
      DrmSyncobjWait,
      {
        handles: ptr,
        timeout_nsec: timeoutNsec,
        count_handles: handles.length,
        flags,
        first_signaled: 0,
        pad: 0,
      },
      "",
      { handles: handles.join(","), flags },
    );
    user.free(ptr);
    return r.ret;
  }

  /**
   * SYNCOBJ_TIMELINE_WAIT on `handles` at `points` until the absolute virtual time
   * `timeoutNsec`. Mirrors drmSyncobjTimelineWait().
   */
  syncobjTimelineWait(
    handles: readonly number[],
    points: readonly bigint[],
    timeoutNsec: bigint,
    flags: number,
  ): number {
    const user = this.client.user;
    const hp = user.writeU32Array(handles);
    const pp = user.writeU64Array(points);
    const r = this.io(
      "SYNCOBJ_TIMELINE_WAIT",
      DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT,
      DrmSyncobjTimelineWait,
      {
        handles: hp,
        points: pp,
        timeout_nsec: timeoutNsec,
        count_handles: handles.length,
        flags,
        first_signaled: 0,
        pad: 0,
      },
      "",
      { handles: handles.join(","), points: points.join(","), timeout: timeoutNsec, flags },
    );
    user.free(hp);
    user.free(pp);
    return r.ret;
  }

  /**
   * SYNCOBJ_TRANSFER: point `srcPoint` of `src` becomes point `dstPoint` of `dst`.
   * Mirrors drmSyncobjTransfer().
   */
  syncobjTransfer(
    dst: number,
    dstPoint: bigint,
    src: number,
    srcPoint: bigint,
    flags: number,
  ): number {
    return this.io(
      "SYNCOBJ_TRANSFER",
      DRM_IOCTL_SYNCOBJ_TRANSFER,
      DrmSyncobjTransfer,
      {
        src_handle: src,
        dst_handle: dst,
        src_point: srcPoint,
        dst_point: dstPoint,
        flags,
        pad: 0,
      },
      "",
      { dst, dstPoint, src, srcPoint },
    ).ret;
  }

  /** GEM_CLOSE. Mirrors drmCloseBufferHandle(). */
  gemClose(handle: number): number {
    return this.io("GEM_CLOSE", DRM_IOCTL_GEM_CLOSE, DrmGemClose, { handle, pad: 0 }, "", {
      handle,
    }).ret;
  }

  /** close(2) of the fd (the file's release runs now or at its last munmap). */
  close(): number {
    const ret = this.client.close();
    this.trace.record({ kind: "close", op: "close", args: {}, ret });
    return ret;
  }
}
