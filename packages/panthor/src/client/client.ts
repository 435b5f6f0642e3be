/**
 * A thin libdrm-style client over one open panthor file: typed ioctls for tests, tools and the
 * example app. Every method returns the ioctl's result (0 or -errno) plus its outputs.
 */
import { type DrmVma, drmGemMmap } from "@panmmu/drm";
import {
  DRM_IOCTL_PANTHOR_BO_CREATE,
  DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
  DRM_IOCTL_PANTHOR_BO_QUERY_INFO,
  DRM_IOCTL_PANTHOR_BO_SET_LABEL,
  DRM_IOCTL_PANTHOR_GROUP_CREATE,
  DRM_IOCTL_PANTHOR_GROUP_DESTROY,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET,
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_IOCTL_PANTHOR_VM_CREATE,
  DRM_IOCTL_PANTHOR_VM_DESTROY,
  DRM_IOCTL_PANTHOR_VM_GET_STATE,
  DrmPanthorBoCreate,
  DrmPanthorBoMmapOffset,
  DrmPanthorBoQueryInfo,
  DrmPanthorBoSetLabel,
  DrmPanthorGroupCreate,
  DrmPanthorGroupDestroy,
  DrmPanthorGroupGetState,
  DrmPanthorGroupSubmit,
  DrmPanthorQueueCreate,
  DrmPanthorQueueSubmit,
  DrmPanthorSetUserMmioOffset,
  DrmPanthorSyncOp,
  DrmPanthorVmBind,
  DrmPanthorVmBindOp,
  type DrmPanthorVmBindOpArgs,
  DrmPanthorVmCreate,
  DrmPanthorVmDestroy,
  DrmPanthorVmGetState,
  MAP_SHARED,
  PROT_READ,
  type StructCodec,
  UserMemory,
  writeObjArray,
} from "@panmmu/uapi";
import type { PanthorDevice, PanthorFileHandle } from "../device/device.js";

/** One VM_BIND op as a client writes it (fields default to 0). */
export interface BindOp {
  /** Type and map flags. */
  flags?: number;
  /** BO handle (MAP). */
  boHandle?: number;
  /** Offset in the BO. */
  boOffset?: bigint;
  /** GPU VA. */
  va: bigint;
  /** Size. */
  size: bigint;
  /** Sync operations (asynchronous binds). */
  syncs?: readonly SyncOp[];
}

/** One sync operation of a VM_BIND op or a queue submit. */
export interface SyncOp {
  /** Handle type and WAIT/SIGNAL (`DRM_PANTHOR_SYNC_OP_*`). */
  flags: number;
  /** Syncobj handle. */
  handle: number;
  /** Timeline point (0 for a binary syncobj). */
  timelineValue?: bigint;
}

/** Typed ioctls on one panthor file. */
export class PanthorClient {
  /** The process memory ioctl pointers point into. */
  readonly user: UserMemory;

  constructor(
    readonly dev: PanthorDevice,
    readonly handle: PanthorFileHandle,
    user?: UserMemory,
  ) {
    this.user = user ?? new UserMemory();
  }

  /** Opens a file on `dev` and wraps it; a negative errno if the open failed. */
  static open(dev: PanthorDevice, name?: string, privileged = false): PanthorClient | number {
    const h = dev.open(name, privileged);
    return typeof h === "number" ? h : new PanthorClient(dev, h);
  }

  /** Issues `request` with `value` encoded by `codec`: the result and the struct written back. */
  ioctl<T>(request: number, codec: StructCodec<T>, value: T): { ret: number; out: T } {
    const bytes = codec.encode(value);
    const ret = this.handle.file.ioctl(request, bytes, this.user);
    return { ret, out: codec.decode(bytes) };
  }

  /** VM_CREATE: the new id and the user VA range written back. */
  vmCreate(userVaRange = 0n, flags = 0): { ret: number; id: number; userVaRange: bigint } {
    const v = DrmPanthorVmCreate.zero();
    v.flags = flags;
    v.user_va_range = userVaRange;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_VM_CREATE, DrmPanthorVmCreate, v);
    return { ret, id: out.id, userVaRange: out.user_va_range };
  }

  /** VM_DESTROY. */
  vmDestroy(id: number, pad = 0): number {
    return this.ioctl(DRM_IOCTL_PANTHOR_VM_DESTROY, DrmPanthorVmDestroy, { id, pad }).ret;
  }

  /** VM_GET_STATE: 0 usable, 1 unusable. */
  vmGetState(vmId: number): { ret: number; state: number } {
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_VM_GET_STATE, DrmPanthorVmGetState, {
      vm_id: vmId,
      state: 0,
    });
    return { ret, state: out.state };
  }

  /** VM_BIND of `ops` (synchronous unless `flags` says ASYNC): the result and `ops.count` written back. */
  vmBind(vmId: number, ops: readonly BindOp[], flags = 0): { ret: number; count: number } {
    const values: DrmPanthorVmBindOpArgs[] = ops.map((o) => {
      const v = DrmPanthorVmBindOp.zero();
      v.flags = o.flags ?? 0;
      v.bo_handle = o.boHandle ?? 0;
      v.bo_offset = o.boOffset ?? 0n;
      v.va = o.va;
      v.size = o.size;
      if (o.syncs !== undefined) {
        v.syncs = writeObjArray(
          this.user,
          DrmPanthorSyncOp,
          o.syncs.map((y) => ({
            flags: y.flags >>> 0,
            handle: y.handle,
            timeline_value: y.timelineValue ?? 0n,
          })),
        );
      }
      return v;
    });
    const arg = DrmPanthorVmBind.zero();
    arg.vm_id = vmId;
    arg.flags = flags;
    arg.ops = writeObjArray(this.user, DrmPanthorVmBindOp, values);
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_VM_BIND, DrmPanthorVmBind, arg);
    // The arrays were only the ioctl's input: give the process memory back.
    for (const v of values) if (v.syncs.count > 0) this.user.free(v.syncs.array);
    if (arg.ops.count > 0) this.user.free(arg.ops.array);
    return { ret, count: out.ops.count };
  }

  /**
   * GROUP_CREATE on VM `vmId` with one queue per entry of `queues` (priority, ring size):
   * the result and the group handle. `over` overrides fields of the struct (masks, limits,
   * priority, pad) as a test needs.
   */
  groupCreate(
    vmId: number,
    queues: readonly { priority?: number; ringbufSize: number; pad?: number[] }[],
    over: Partial<ReturnType<typeof DrmPanthorGroupCreate.decode>> = {},
  ): { ret: number; handle: number } {
    const arg = DrmPanthorGroupCreate.zero();
    const gpu = this.dev.queryCtx.gpuInfo;
    arg.vm_id = vmId;
    arg.compute_core_mask = gpu.shader_present;
    arg.fragment_core_mask = gpu.shader_present;
    arg.tiler_core_mask = gpu.tiler_present;
    arg.max_compute_cores = 1;
    arg.max_fragment_cores = 1;
    arg.max_tiler_cores = 1;
    Object.assign(arg, over);
    if (over.queues === undefined) {
      arg.queues = writeObjArray(
        this.user,
        DrmPanthorQueueCreate,
        queues.map((q) => ({
          priority: q.priority ?? 0,
          pad: q.pad ?? [0, 0, 0],
          ringbuf_size: q.ringbufSize,
        })),
      );
    }
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_GROUP_CREATE, DrmPanthorGroupCreate, arg);
    if (over.queues === undefined && arg.queues.count > 0) this.user.free(arg.queues.array);
    return { ret, handle: out.group_handle };
  }

  /**
   * GROUP_SUBMIT of `jobs` to group `handle`: each with its queue, stream (address, bytes),
   * flush id and sync ops. The result.
   */
  groupSubmit(
    handle: number,
    jobs: readonly {
      queueIndex?: number;
      streamAddr: bigint;
      streamSize: number;
      latestFlush?: number;
      pad?: number;
      syncs?: readonly { flags: number; handle: number; timelineValue?: bigint }[];
    }[],
    pad = 0,
  ): number {
    const values = jobs.map((j) => {
      const v = DrmPanthorQueueSubmit.zero();
      v.queue_index = j.queueIndex ?? 0;
      v.stream_addr = j.streamAddr;
      v.stream_size = j.streamSize;
      v.latest_flush = j.latestFlush ?? 0;
      v.pad = j.pad ?? 0;
      if (j.syncs !== undefined) {
        v.syncs = writeObjArray(
          this.user,
          DrmPanthorSyncOp,
          j.syncs.map((y) => ({
            flags: y.flags >>> 0,
            handle: y.handle,
            timeline_value: y.timelineValue ?? 0n,
          })),
        );
      }
      return v;
    });
    const arg = DrmPanthorGroupSubmit.zero();
    arg.group_handle = handle;
    arg.pad = pad;
    arg.queue_submits = writeObjArray(this.user, DrmPanthorQueueSubmit, values);
    const { ret } = this.ioctl(DRM_IOCTL_PANTHOR_GROUP_SUBMIT, DrmPanthorGroupSubmit, arg);
    for (const v of values) if (v.syncs.count > 0) this.user.free(v.syncs.array);
    if (arg.queue_submits.count > 0) this.user.free(arg.queue_submits.array);
    return ret;
  }

  /** GROUP_DESTROY. */
  groupDestroy(handle: number, pad = 0): number {
    return this.ioctl(DRM_IOCTL_PANTHOR_GROUP_DESTROY, DrmPanthorGroupDestroy, {
      group_handle: handle,
      pad,
    }).ret;
  }

  /** GROUP_GET_STATE: the struct as written back. */
  groupGetState(
    handle: number,
    pad = 0,
  ): { ret: number; out: ReturnType<typeof DrmPanthorGroupGetState.decode> } {
    const v = DrmPanthorGroupGetState.zero();
    v.group_handle = handle;
    v.pad = pad;
    return this.ioctl(DRM_IOCTL_PANTHOR_GROUP_GET_STATE, DrmPanthorGroupGetState, v);
  }

  /** BO_CREATE: the handle and the rounded size. */
  boCreate(
    size: bigint,
    flags = 0,
    exclusiveVmId = 0,
  ): { ret: number; handle: number; size: bigint } {
    const v = DrmPanthorBoCreate.zero();
    v.size = size;
    v.flags = flags;
    v.exclusive_vm_id = exclusiveVmId;
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_BO_CREATE, DrmPanthorBoCreate, v);
    return { ret, handle: out.handle, size: out.size };
  }

  /** BO_MMAP_OFFSET. */
  boMmapOffset(handle: number): { ret: number; offset: bigint } {
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET, DrmPanthorBoMmapOffset, {
      handle,
      pad: 0,
      offset: 0n,
    });
    return { ret, offset: out.offset };
  }

  /** BO_MMAP_OFFSET then mmap(): a CPU mapping of the BO, or a negative errno. */
  map(handle: number): DrmVma | number {
    const r = this.boMmapOffset(handle);
    return r.ret < 0 ? r.ret : drmGemMmap(this.handle.file, r.offset);
  }

  /** mmap() of the file at `offset` (a GEM fake offset or the USER page); see PanthorDevice.mmap. */
  mmap(offset: bigint, length: number, prot = PROT_READ, flags = MAP_SHARED): DrmVma | number {
    return this.dev.mmap(this.handle.file, offset, length, prot, flags);
  }

  /** SET_USER_MMIO_OFFSET: where this file's USER-page mmap offsets start. */
  setUserMmioOffset(offset: bigint): number {
    return this.ioctl(DRM_IOCTL_PANTHOR_SET_USER_MMIO_OFFSET, DrmPanthorSetUserMmioOffset, {
      offset,
    }).ret;
  }

  /** BO_SET_LABEL (`null` clears the label). */
  boSetLabel(handle: number, label: string | null): number {
    const ptr = label === null ? 0n : this.user.writeString(label);
    const ret = this.ioctl(DRM_IOCTL_PANTHOR_BO_SET_LABEL, DrmPanthorBoSetLabel, {
      handle,
      pad: 0,
      label: ptr,
    }).ret;
    if (ptr !== 0n) this.user.free(ptr);
    return ret;
  }

  /** BO_QUERY_INFO. */
  boQueryInfo(handle: number): { ret: number; createFlags: number; extraFlags: number } {
    const { ret, out } = this.ioctl(DRM_IOCTL_PANTHOR_BO_QUERY_INFO, DrmPanthorBoQueryInfo, {
      handle,
      extra_flags: 0,
      create_flags: 0,
      pad: 0,
    });
    return { ret, createFlags: out.create_flags, extraFlags: out.extra_flags };
  }

  /** GEM_CLOSE of a handle. */
  gemClose(handle: number): number {
    return this.handle.file.gemHandleDelete(handle);
  }

  /** Closes the file. */
  close(): number {
    return this.dev.close(this.handle);
  }
}
