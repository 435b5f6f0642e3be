/**
 * A userspace-side helper over one open file: typed wrappers that encode the uapi structs,
 * issue the ioctls through the DRM core exactly as a process would, and decode the results.
 */
import { type DrmVma, drmSyncobjFind } from "@panmmu/drm";
import {
  DRM_IOCTL_GEM_CLOSE,
  DRM_IOCTL_PANFROST_CREATE_BO,
  DRM_IOCTL_PANFROST_GET_BO_OFFSET,
  DRM_IOCTL_PANFROST_GET_PARAM,
  DRM_IOCTL_PANFROST_JM_CTX_CREATE,
  DRM_IOCTL_PANFROST_JM_CTX_DESTROY,
  DRM_IOCTL_PANFROST_MADVISE,
  DRM_IOCTL_PANFROST_MMAP_BO,
  DRM_IOCTL_PANFROST_SUBMIT,
  DRM_IOCTL_PANFROST_WAIT_BO,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DrmGemClose,
  DrmPanfrostCreateBo,
  DrmPanfrostGetBoOffset,
  DrmPanfrostGetParam,
  DrmPanfrostJmCtxCreate,
  DrmPanfrostJmCtxDestroy,
  DrmPanfrostMadvise,
  DrmPanfrostMmapBo,
  DrmPanfrostSubmit,
  DrmPanfrostWaitBo,
  DrmSyncobjCreate,
  DrmSyncobjWait,
  UserMemory,
} from "@panmmu/uapi";
import type { PanfrostDevice, PanfrostFileHandle } from "../device/device.js";

/** A struct codec as `@panmmu/uapi` defines them. */
interface Codec<T> {
  /** Size of the struct in bytes. */
  readonly size: number;
  /** Encodes a value into its bytes. */
  encode(value: T): Uint8Array;
  /** Decodes a value from its bytes. */
  decode(bytes: Uint8Array): T;
  /** An all-zero value. */
  zero(): T;
}

/** Arguments of {@link PanfrostClient.submit} (missing fields are zero). */
export interface SubmitArgs {
  /** Job chain VA. */
  jc?: number;
  /** In-sync syncobj handles (copied to user memory), or a raw pointer with `inSyncCount`. */
  inSyncs?: readonly number[] | { ptr: bigint; count: number };
  /** Out syncobj handle. */
  outSync?: number;
  /** BO handles (copied to user memory), or a raw pointer with a count. */
  boHandles?: readonly number[] | { ptr: bigint; count: number };
  /** Requirements. */
  requirements?: number;
  /** JM context handle (0, the default context, when missing). */
  jmCtxHandle?: number;
}

/** Typed ioctls on one file. Every method returns the ioctl's result (0 or -errno) plus outputs. */
export class PanfrostClient {
  /** The process's memory the ioctl pointers point into. */
  readonly user: UserMemory;

  /**
   * @param dev - the device.
   * @param handle - an open file of it.
   * @param user - process memory (default: a fresh one).
   */
  constructor(
    readonly dev: PanfrostDevice,
    readonly handle: PanfrostFileHandle,
    user?: UserMemory,
  ) {
    this.user = user ?? new UserMemory();
  }

  /** Opens a new file on `dev` and wraps it; a negative errno if the open failed. */
  static open(dev: PanfrostDevice, name?: string): PanfrostClient | number {
    const h = dev.open(name);
    return typeof h === "number" ? h : new PanfrostClient(dev, h);
  }

  /** Issues `request` with `value` encoded by `codec`; the result and the struct as written back. */
  ioctl<T>(request: number, codec: Codec<T>, value: T): { ret: number; out: T } {
    const bytes = codec.encode(value);
    const ret = this.handle.file.ioctl(request, bytes, this.user);
    return { ret, out: codec.decode(bytes) };
  }

  /** Issues `request` with a raw argument buffer (or null). */
  ioctlRaw(request: number, arg: Uint8Array | null): number {
    return this.handle.file.ioctl(request, arg, this.user);
  }

  /** CREATE_BO. */
  createBo(size: number, flags = 0): { ret: number; handle: number; offset: number } {
    const v = DrmPanfrostCreateBo.zero();
    v.size = size;
    v.flags = flags;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANFROST_CREATE_BO, DrmPanfrostCreateBo, v);
    return { ret, handle: out.handle, offset: Number(out.offset) };
  }

  /** MMAP_BO. */
  mmapBo(handle: number, flags = 0): { ret: number; offset: bigint } {
    const v = DrmPanfrostMmapBo.zero();
    v.handle = handle;
    v.flags = flags;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANFROST_MMAP_BO, DrmPanfrostMmapBo, v);
    return { ret, offset: out.offset };
  }

  /**
   * `mmap()` of an MMAP_BO offset (the whole BO, or `length` bytes): the mapping, holding the
   * BO and the file until its `munmap()`, or a negative errno.
   */
  mmap(offset: bigint, length?: number): DrmVma | number {
    return this.dev.mmap(this.handle.file, offset, length);
  }

  /** MMAP_BO then mmap: a mapping of the whole BO, or a negative errno. */
  map(handle: number): DrmVma | number {
    const r = this.mmapBo(handle);
    return r.ret < 0 ? r.ret : this.mmap(r.offset);
  }

  /** GET_PARAM. */
  getParam(param: number, pad = 0): { ret: number; value: bigint } {
    const v = DrmPanfrostGetParam.zero();
    v.param = param;
    v.pad = pad;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANFROST_GET_PARAM, DrmPanfrostGetParam, v);
    return { ret, value: out.value };
  }

  /** GET_BO_OFFSET. */
  getBoOffset(handle: number): { ret: number; offset: number } {
    const v = DrmPanfrostGetBoOffset.zero();
    v.handle = handle;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANFROST_GET_BO_OFFSET, DrmPanfrostGetBoOffset, v);
    return { ret, offset: Number(out.offset) };
  }

  /** WAIT_BO with an absolute virtual deadline. */
  waitBo(handle: number, deadlineNs: number): number {
    const v = DrmPanfrostWaitBo.zero();
    v.handle = handle;
    v.timeout_ns = BigInt(Math.floor(deadlineNs));
    return this.ioctl(DRM_IOCTL_PANFROST_WAIT_BO, DrmPanfrostWaitBo, v).ret;
  }

  /** MADVISE. */
  madvise(handle: number, madv: number): { ret: number; retained: number } {
    const v = DrmPanfrostMadvise.zero();
    v.handle = handle;
    v.madv = madv;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANFROST_MADVISE, DrmPanfrostMadvise, v);
    return { ret, retained: out.retained };
  }

  /** GEM_CLOSE. */
  gemClose(handle: number): number {
    const v = DrmGemClose.zero();
    v.handle = handle;
    return this.ioctl(DRM_IOCTL_GEM_CLOSE, DrmGemClose, v).ret;
  }

  /** SYNCOBJ_CREATE. */
  syncobjCreate(flags = 0): { ret: number; handle: number } {
    const v = DrmSyncobjCreate.zero();
    v.flags = flags;
    const { ret, out } = this.ioctl(DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobjCreate, v);
    return { ret, handle: out.handle };
  }

  /** SYNCOBJ_WAIT on handles until an absolute virtual deadline (ns); 0 or -ETIME etc. */
  syncobjWait(handles: readonly number[], deadlineNs: number, flags = 0): number {
    const ptr = this.u32Array(handles);
    const v = DrmSyncobjWait.zero();
    v.handles = ptr;
    v.count_handles = handles.length;
    v.timeout_nsec = BigInt(Math.floor(deadlineNs));
    v.flags = flags;
    const ret = this.ioctl(DRM_IOCTL_SYNCOBJ_WAIT, DrmSyncobjWait, v).ret;
    this.user.free(ptr);
    return ret;
  }

  /**
   * The state of syncobj `handle`'s fence (a debugging aid with no ioctl behind it): null when
   * it has no fence or is unsignalled, else the fence error (0 for success).
   */
  fenceError(handle: number): number | null {
    const s = drmSyncobjFind(this.handle.file, handle);
    if (s === null) return null;
    const r = s.findFence(0);
    s.put();
    if (typeof r === "number" || !r.fence.signaled) return null;
    return r.fence.error;
  }

  /** JM_CTX_CREATE at `priority` (a PANFROST_JM_CTX_PRIORITY_*). */
  jmCtxCreate(priority: number): { ret: number; handle: number } {
    const v = DrmPanfrostJmCtxCreate.zero();
    v.priority = priority;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANFROST_JM_CTX_CREATE, DrmPanfrostJmCtxCreate, v);
    return { ret, handle: out.handle };
  }

  /** JM_CTX_DESTROY. */
  jmCtxDestroy(handle: number, pad = 0): number {
    const v = DrmPanfrostJmCtxDestroy.zero();
    v.handle = handle;
    v.pad = pad;
    return this.ioctl(DRM_IOCTL_PANFROST_JM_CTX_DESTROY, DrmPanfrostJmCtxDestroy, v).ret;
  }

  /** SUBMIT. */
  submit(a: SubmitArgs): number {
    const v = DrmPanfrostSubmit.zero();
    v.jc = BigInt(a.jc ?? 0);
    v.out_sync = a.outSync ?? 0;
    v.requirements = a.requirements ?? 0;
    v.jm_ctx_handle = a.jmCtxHandle ?? 0;
    const toDel: bigint[] = [];
    const arr = (x: SubmitArgs["inSyncs"]): [bigint, number] => {
      if (x === undefined) return [0n, 0];
      if ("ptr" in x) return [x.ptr, x.count];
      const p = this.u32Array(x);
      toDel.push(p);
      return [p, x.length];
    };
    [v.in_syncs, v.in_sync_count] = arr(a.inSyncs);
    [v.bo_handles, v.bo_handle_count] = arr(a.boHandles);
    const ret = this.ioctl(DRM_IOCTL_PANFROST_SUBMIT, DrmPanfrostSubmit, v).ret;
    for (const p of toDel) this.user.free(p);
    return ret;
  }

  /** Copies u32 values into fresh user memory; the pointer (0 for an empty list). */
  u32Array(values: readonly number[]): bigint {
    if (values.length === 0) return 0n;
    const bytes = new Uint8Array(values.length * 4);
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) dv.setUint32(i * 4, (values[i] ?? 0) >>> 0, true);
    const p = this.user.alloc(bytes.length, 8);
    this.user.write(p, bytes);
    return p;
  }

  /** Closes the file. */
  close(): number {
    return this.dev.close(this.handle);
  }
}
