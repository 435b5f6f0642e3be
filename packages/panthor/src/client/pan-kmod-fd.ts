/**
 * The panthor ioctls {@link PanKmodClient} makes on its DRM file, as Mesa's `pan_kmod_ioctl()`
 * makes them: each one a real ioctl through the file (argument structs encoded, user arrays
 * and strings written into the process memory, outputs decoded), recorded in a
 * {@link PanKmodTrace}.
 */
import {
  DRM_IOCTL_PANTHOR_DEV_QUERY,
  DRM_IOCTL_PANTHOR_GROUP_DESTROY,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
  DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DrmPanthorDevQuery,
  DrmPanthorGroupDestroy,
  DrmPanthorGroupGetState,
  type DrmPanthorGroupGetStateArgs,
  DrmPanthorGroupSubmit,
  DrmPanthorQueueSubmit,
  DrmPanthorSyncOp,
  type DrmPanthorSyncOpArgs,
  DrmPanthorTilerHeapCreate,
  type DrmPanthorTilerHeapCreateArgs,
  DrmPanthorTilerHeapDestroy,
  EFAULT,
  writeObjArray,
} from "@panmmu/uapi";
import type { PanthorDevice } from "../device/device.js";
import { type BindOp, PanthorClient } from "./client.js";
import { PanKmodDrmFd } from "./pan-kmod-drm-fd.js";
import type { PanKmodTrace, PanKmodTraceValue } from "./pan-kmod-trace.js";

/** One queue submit of a GROUP_SUBMIT. */
export interface PanKmodQueueSubmit {
  /** Queue index in the group. */
  readonly queueIndex: number;
  /** GPU VA of the stream. */
  readonly streamAddr: bigint;
  /** Bytes of the stream. */
  readonly streamSize: number;
  /** The LATEST_FLUSH_ID read before building the submit. */
  readonly latestFlush: number;
  /** Sync operations (waits, then signals, as Mesa orders them). */
  readonly syncs: readonly DrmPanthorSyncOpArgs[];
}

const HEX = (v: bigint | number): string => `0x${v.toString(16)}`;

/** Short name of a sync op list for the trace: `S1@5` signal handle 1 point 5, `W1@4` wait. */
function syncsDetail(syncs: readonly DrmPanthorSyncOpArgs[]): string {
  return syncs
    .map((s) => {
      const sig = (s.flags & DRM_PANTHOR_SYNC_OP_SIGNAL) !== 0 ? "S" : "W";
      const tl = (s.flags & DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ) !== 0;
      return `${sig}${s.handle}${tl ? `@${s.timeline_value}` : ""}`;
    })
    .join(",");
}

/** Rewrites the ops of a VM_BIND before they are sent (fault injection). */
export type PanKmodVmBindRewrite = (ops: readonly BindOp[]) => BindOp[];

/** One open DRM file of a panthor device: the panthor ioctls on top of the DRM-core calls. */
export class PanKmodFd extends PanKmodDrmFd {
  private vmBindRewrite: PanKmodVmBindRewrite | null = null;

  private constructor(client: PanthorClient, trace: PanKmodTrace) {
    super(client, trace);
  }

  /** open(2) of the render node: the fd, or the negative errno. */
  static open(dev: PanthorDevice, name: string, trace: PanKmodTrace): PanKmodFd | number {
    const c = PanthorClient.open(dev, name);
    return typeof c === "number" ? c : new PanKmodFd(c, trace);
  }

  /**
   * DEV_QUERY of `type` (`typeName` in the trace) into a `size`-byte buffer: the bytes the
   * kernel wrote, or the negative errno.
   */
  devQuery(type: number, typeName: string, size: number): Uint8Array | number {
    const user = this.client.user;
    const ptr = user.alloc(size);
    user.fill(ptr, size, 0);
    const r = this.io(
      "DEV_QUERY",
      DRM_IOCTL_PANTHOR_DEV_QUERY,
      DrmPanthorDevQuery,
      { type, size, pointer: ptr },
      typeName,
      { type, size },
      (o) => ({ size: o.size }),
    );
    const bytes = user.read(ptr, size);
    user.free(ptr);
    if (r.ret < 0) return r.ret;
    return typeof bytes === "number" ? -EFAULT : bytes;
  }

  /** SET_USER_MMIO_OFFSET. */
  setUserMmioOffset(offset: bigint): number {
    const ret = this.client.setUserMmioOffset(offset);
    this.trace.record({ kind: "ioctl", op: "SET_USER_MMIO_OFFSET", args: { offset }, ret });
    return ret;
  }

  /** VM_CREATE: the id, or the negative errno. */
  vmCreate(userVaRange: bigint): { ret: number; id: number; userVaRange: bigint } {
    const r = this.client.vmCreate(userVaRange, 0);
    this.trace.record({
      kind: "ioctl",
      op: "VM_CREATE",
      args: { user_va_range: userVaRange },
      ret: r.ret,
      out: r.ret === 0 ? { id: r.id, user_va_range: r.userVaRange } : {},
    });
    return r;
  }

  /** VM_DESTROY. */
  vmDestroy(id: number): number {
    const ret = this.client.vmDestroy(id);
    this.trace.record({ kind: "ioctl", op: "VM_DESTROY", args: { id }, ret });
    return ret;
  }

  /** VM_GET_STATE: the state, or the negative errno. */
  vmGetState(vmId: number): number {
    const r = this.client.vmGetState(vmId);
    this.trace.record({
      kind: "ioctl",
      op: "VM_GET_STATE",
      args: { vm_id: vmId },
      ret: r.ret,
      out: r.ret === 0 ? { state: r.state } : {},
    });
    return r.ret < 0 ? r.ret : r.state;
  }

  /**
   * Fault injection: the next VM_BIND sends `rewrite(ops)` instead of the ops the caller built
   * (its bookkeeping still follows the original ops), as a corrupted argument would. The trace
   * records what was sent.
   */
  injectNextVmBind(rewrite: PanKmodVmBindRewrite): void {
    this.vmBindRewrite = rewrite;
  }

  /**
   * VM_BIND of `ops` with `flags`; the trace detail is `ASYNC` or `SYNC`, the op types and each
   * op's sync ops.
   */
  vmBind(vmId: number, built: readonly BindOp[], flags: number, async: boolean): number {
    const rewrite = this.vmBindRewrite;
    this.vmBindRewrite = null;
    const ops = rewrite === null ? built : rewrite(built);
    const r = this.client.vmBind(vmId, ops, flags);
    const kinds = ops
      .map((o) => {
        const t = (o.flags ?? 0) >>> 28;
        return t === 0 ? "MAP" : t === 1 ? "UNMAP" : "SYNC_ONLY";
      })
      .join(",");
    this.trace.record({
      kind: "ioctl",
      op: "VM_BIND",
      detail: `${async ? "ASYNC" : "SYNC"} ${kinds}`,
      args: {
        vm_id: vmId,
        flags,
        ops: ops
          .map((o) => {
            const syncs = (o.syncs ?? []).map((s) => ({
              flags: s.flags,
              handle: s.handle,
              timeline_value: s.timelineValue ?? 0n,
            }));
            return `${HEX(o.flags ?? 0)}:${o.boHandle ?? 0}:${HEX(o.va)}+${HEX(o.size)}[${syncsDetail(syncs)}]`;
          })
          .join(" "),
      },
      ret: r.ret,
    });
    return r.ret;
  }

  /** BO_CREATE: handle and size, or the negative errno in `ret`. */
  boCreate(
    size: bigint,
    flags: number,
    exclusiveVmId: number,
  ): { ret: number; handle: number; size: bigint } {
    const r = this.client.boCreate(size, flags, exclusiveVmId);
    this.trace.record({
      kind: "ioctl",
      op: "BO_CREATE",
      args: { size, flags, exclusive_vm_id: exclusiveVmId },
      ret: r.ret,
      out: r.ret === 0 ? { handle: r.handle, size: r.size } : {},
    });
    return r;
  }

  /** BO_SET_LABEL. */
  boSetLabel(handle: number, label: string): number {
    const ret = this.client.boSetLabel(handle, label);
    this.trace.record({ kind: "ioctl", op: "BO_SET_LABEL", args: { handle, label }, ret });
    return ret;
  }

  /** BO_MMAP_OFFSET: the fake offset, or the negative errno in `ret`. */
  boMmapOffset(handle: number): { ret: number; offset: bigint } {
    const r = this.client.boMmapOffset(handle);
    this.trace.record({
      kind: "ioctl",
      op: "BO_MMAP_OFFSET",
      args: { handle },
      ret: r.ret,
      out: r.ret === 0 ? { offset: r.offset } : {},
    });
    return r;
  }

  /** GROUP_CREATE as {@link PanthorClient.groupCreate} builds it; `args` for the trace. */
  groupCreate(
    vmId: number,
    queues: readonly { priority: number; ringbufSize: number }[],
    over: Parameters<PanthorClient["groupCreate"]>[2],
    args: Record<string, PanKmodTraceValue>,
  ): { ret: number; handle: number } {
    const r = this.client.groupCreate(vmId, queues, over);
    this.trace.record({
      kind: "ioctl",
      op: "GROUP_CREATE",
      args,
      ret: r.ret,
      out: r.ret === 0 ? { group_handle: r.handle } : {},
    });
    return r;
  }

  /** GROUP_DESTROY. */
  groupDestroy(handle: number): number {
    return this.io(
      "GROUP_DESTROY",
      DRM_IOCTL_PANTHOR_GROUP_DESTROY,
      DrmPanthorGroupDestroy,
      { group_handle: handle, pad: 0 },
      "",
      { group_handle: handle },
    ).ret;
  }

  /** GROUP_GET_STATE: the struct written back, or the negative errno in `ret`. */
  groupGetState(handle: number): { ret: number; out: DrmPanthorGroupGetStateArgs } {
    const v = DrmPanthorGroupGetState.zero();
    v.group_handle = handle;
    return this.io(
      "GROUP_GET_STATE",
      DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
      DrmPanthorGroupGetState,
      v,
      "",
      { group_handle: handle },
      (o) => ({ state: o.state, fatal_queues: o.fatal_queues }),
    );
  }

  /** GROUP_SUBMIT of `submits` to group `handle`. */
  groupSubmit(handle: number, submits: readonly PanKmodQueueSubmit[]): number {
    const user = this.client.user;
    const allocs: bigint[] = [];
    const values = submits.map((s) => {
      const v = DrmPanthorQueueSubmit.zero();
      v.queue_index = s.queueIndex;
      v.stream_addr = s.streamAddr;
      v.stream_size = s.streamSize;
      v.latest_flush = s.latestFlush;
      v.syncs = writeObjArray(user, DrmPanthorSyncOp, s.syncs);
      if (v.syncs.count > 0) allocs.push(v.syncs.array);
      return v;
    });
    const arg = DrmPanthorGroupSubmit.zero();
    arg.group_handle = handle;
    arg.queue_submits = writeObjArray(user, DrmPanthorQueueSubmit, values);
    if (arg.queue_submits.count > 0) allocs.push(arg.queue_submits.array);
    const r = this.io(
      "GROUP_SUBMIT",
      DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
      DrmPanthorGroupSubmit,
      arg,
      "",
      {
        group_handle: handle,
        submits: submits
          .map(
            (s) =>
              `q${s.queueIndex}:${HEX(s.streamAddr)}+${s.streamSize}:flush=${s.latestFlush}[${syncsDetail(s.syncs)}]`,
          )
          .join(" "),
      },
    );
    for (const p of allocs) user.free(p);
    return r.ret;
  }

  /** TILER_HEAP_CREATE: the struct written back, or the negative errno in `ret`. */
  tilerHeapCreate(v: DrmPanthorTilerHeapCreateArgs): {
    ret: number;
    out: DrmPanthorTilerHeapCreateArgs;
  } {
    return this.io(
      "TILER_HEAP_CREATE",
      DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
      DrmPanthorTilerHeapCreate,
      v,
      "",
      {
        vm_id: v.vm_id,
        initial_chunk_count: v.initial_chunk_count,
        chunk_size: v.chunk_size,
        max_chunks: v.max_chunks,
        target_in_flight: v.target_in_flight,
      },
      (o) => ({
        handle: o.handle,
        tiler_heap_ctx_gpu_va: o.tiler_heap_ctx_gpu_va,
        first_heap_chunk_gpu_va: o.first_heap_chunk_gpu_va,
      }),
    );
  }

  /** TILER_HEAP_DESTROY. */
  tilerHeapDestroy(handle: number): number {
    return this.io(
      "TILER_HEAP_DESTROY",
      DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
      DrmPanthorTilerHeapDestroy,
      { handle, pad: 0 },
      "",
      { handle },
    ).ret;
  }
}
