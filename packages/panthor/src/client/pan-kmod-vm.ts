/**
 * The VM half of {@link PanKmodClient}: the VM with activity tracking (a timeline syncobj every
 * asynchronous VM operation and every job signals the next point of) and automatic VAs (the
 * client's own allocator, ranges of asynchronous unmaps given back once their point signalled).
 */
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_SYNC_OP_WAIT,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_PANTHOR_VM_STATE_UNUSABLE,
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  EINVAL,
} from "@panmmu/uapi";
import type { PanthorDevice } from "../device/device.js";
import type { BindOp, SyncOp } from "./client.js";
import type { PanKmodFd } from "./pan-kmod-fd.js";
import type { PanKmodTrace } from "./pan-kmod-trace.js";
import {
  PAN_VA_USER_END,
  PAN_VA_USER_START,
  type PanKmodOptions,
  type PanKmodProps,
  type PanKmodVaEvent,
  type PanKmodVm,
  type PanKmodVmOp,
  type PanKmodVmOpMode,
} from "./pan-kmod-types.js";
import { type PanKmodVaCollect, PanKmodVaHeap } from "./pan-kmod-va.js";

const U64_MAX = (1n << 64n) - 1n;

/** The device, its properties and the VM of a kmod client; {@link PanKmodClient} adds the BOs. */
export abstract class PanKmodVmBase {
  /** The file and its traced calls. */
  readonly fd: PanKmodFd;
  /** What the device told at creation. */
  readonly props: PanKmodProps;
  /** The VM, once created. */
  vm: PanKmodVm | null = null;
  /** Every VA event so far. */
  readonly vaEvents: PanKmodVaEvent[] = [];
  /** Virtual time standing for an infinite wait. */
  readonly waitTimeoutNs: number;
  private readonly onVaEvent: ((event: PanKmodVaEvent) => void) | undefined;

  /** @param fd - the open file; @param props - what it told; @param o - the client's options. */
  protected constructor(fd: PanKmodFd, props: PanKmodProps, o: PanKmodOptions) {
    this.fd = fd;
    this.props = props;
    this.waitTimeoutNs = o.waitTimeoutNs ?? 10_000_000_000;
    this.onVaEvent = o.onVaEvent;
  }

  /** The trace of the client's calls. */
  get trace(): PanKmodTrace {
    return this.fd.trace;
  }

  /** The device. */
  get dev(): PanthorDevice {
    return this.fd.dev;
  }

  /** Whether the uAPI is at least 1.`minor`. Mirrors pan_kmod_driver_version_at_least(). */
  versionAtLeast(minor: number): boolean {
    const v = this.props.version;
    return v.major > 1 || (v.major === 1 && v.minor >= minor);
  }

  /**
   * The user VA range the kmod layer allows: the lower half of the GPU's VA space (3 GiB of a
   * 32-bit one). Mirrors panthor_kmod_dev_query_user_va_range().
   */
  userVaRange(): { start: bigint; size: bigint } {
    const vaBits = BigInt(this.props.gpu.mmu_features & 0xff);
    return { start: 0n, size: vaBits === 32n ? (1n << 30n) * 3n : 1n << (vaBits - 1n) };
  }

  /**
   * Creates the VM with automatic VAs and activity tracking over Gallium's user range
   * ([32 MiB, 2^48) clamped to {@link userVaRange}): the timeline syncobj (created signalled),
   * then VM_CREATE with `user_va_range` = the range's end. 0, or the negative errno.
   * Mirrors panthor_kmod_vm_create() as panfrost_open_device() calls it.
   */
  vmCreate(): number {
    if (this.vm !== null) return -EINVAL;
    const r = this.userVaRange();
    const clamp = (va: bigint): bigint =>
      va < r.start ? r.start : va > r.start + r.size ? r.start + r.size : va;
    const start = clamp(PAN_VA_USER_START);
    const end = clamp(PAN_VA_USER_END);
    const sync = this.fd.syncobjCreate(DRM_SYNCOBJ_CREATE_SIGNALED, "SIGNALED");
    if (sync < 0) return sync;
    const vm = this.fd.vmCreate(end);
    if (vm.ret < 0) {
      this.fd.syncobjDestroy(sync);
      return vm.ret;
    }
    this.vm = {
      id: vm.id,
      syncHandle: sync,
      point: 0n,
      heap: new PanKmodVaHeap(start, end - start),
      gc: [],
    };
    return 0;
  }

  /**
   * VM_GET_STATE: whether the VM can still be used ("faulty" on UNUSABLE or an error).
   * Mirrors panthor_kmod_vm_query_state().
   */
  vmQueryState(): "usable" | "faulty" {
    const vm = this.requireVm();
    const state = this.fd.vmGetState(vm.id);
    return state < 0 || state === DRM_PANTHOR_VM_STATE_UNUSABLE ? "faulty" : "usable";
  }

  /** The VM (throws when it was not created). */
  protected requireVm(): PanKmodVm {
    if (this.vm === null) throw new Error("pan_kmod: no VM");
    return this.vm;
  }

  /** Records a VA event and tells the listener. */
  protected vaEvent(kind: PanKmodVaEvent["kind"], va: bigint, size: bigint, point = 0n): void {
    const e: PanKmodVaEvent = { kind, va, size, point, at: this.fd.now };
    this.vaEvents.push(e);
    this.onVaEvent?.(e);
  }

  /**
   * Gives back the ranges whose asynchronous unmap completed: from the newest entry back, a
   * zero-timeout SYNCOBJ_TIMELINE_WAIT on its point until one has signalled; that one and every
   * older one are free (unmaps complete in order). Mirrors panthor_kmod_vm_collect_freed_vas().
   */
  private collectFreedVas(vm: PanKmodVm): void {
    let done = false;
    for (let i = vm.gc.length - 1; i >= 0; i--) {
      const req = vm.gc[i] as PanKmodVaCollect;
      if (!done) {
        const ret = this.fd.syncobjTimelineWait(
          [vm.syncHandle],
          [req.syncPoint],
          0n,
          DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
        );
        if (ret < 0) continue;
        done = true;
      }
      vm.gc.splice(i, 1);
      vm.heap.release(req.va, req.size);
      this.vaEvent("collect", req.va, req.size, req.syncPoint);
    }
  }

  /** The VA alignment of a `size`-byte mapping: the largest page size not above it. Mirrors pan_choose_gpu_va_alignment(). */
  vaAlignment(size: bigint): bigint {
    let align = 0n;
    for (let bit = 0n; bit < 64n; bit++) {
      const pgsize = 1n << bit;
      if ((this.props.pgsizeBitmap & pgsize) === 0n) continue;
      if (pgsize > size) break;
      align = pgsize;
    }
    return align === 0n ? 0x1000n : align;
  }

  /** A VA for `size` bytes, after collecting freed ranges; 0 when none is left. Mirrors panthor_kmod_vm_alloc_va(). */
  private allocVa(vm: PanKmodVm, size: bigint): bigint {
    this.collectFreedVas(vm);
    const va = vm.heap.alloc(size, this.vaAlignment(size));
    if (va !== 0n) this.vaEvent("alloc", va, size);
    return va;
  }

  /**
   * Runs `ops` on the VM as `mode` says: IMMEDIATE is a synchronous VM_BIND; ASYNC is refused
   * (the VM has automatic VAs); DEFER_TO_NEXT_IDLE_POINT is asynchronous, each op signalling the
   * next VM timeline point; DEFER ops also wait for the VM's current point (everything queued so
   * far), and a deferred UNMAP's range is only given back once its point signalled. MAPs with
   * "auto" VAs get one here. 0, or -EINVAL / the ioctl's errno (nothing kept then).
   * Mirrors panthor_kmod_vm_bind().
   */
  vmBind(mode: PanKmodVmOpMode, ops: PanKmodVmOp[]): number {
    const vm = this.requireVm();
    const async = mode !== "immediate";
    if (mode === "async") return -EINVAL;
    if (ops.length === 0) return 0;
    // pan_kmod_vm_op_check(): on an AUTO_VA VM every MAP takes an automatic VA.
    if (ops.some((op) => op.type === "map" && op.va !== "auto")) return -EINVAL;
    const orig = vm.point;
    let next = orig;
    const collect: PanKmodVaCollect[] = [];
    const allocated: (bigint | null)[] = ops.map(() => null);
    const bindOps: BindOp[] = [];
    let ret = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as PanKmodVmOp;
      const syncs: SyncOp[] = [];
      const timeline = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ;
      let signalPoint = 0n;
      if (async) {
        signalPoint = ++next;
        syncs.push({
          flags: DRM_PANTHOR_SYNC_OP_SIGNAL | timeline,
          handle: vm.syncHandle,
          timelineValue: signalPoint,
        });
      }
      if (mode === "defer-to-next-idle-point") {
        syncs.push({
          flags: DRM_PANTHOR_SYNC_OP_WAIT | timeline,
          handle: vm.syncHandle,
          timelineValue: orig,
        });
        if (op.type === "unmap" && op.size !== 0n && op.va !== "auto") {
          collect.push({ syncPoint: signalPoint, va: op.va, size: op.size });
        }
      }
      if (op.type === "map") {
        const bo = op.bo;
        if (bo === undefined) {
          ret = -EINVAL;
          break;
        }
        const va = this.allocVa(vm, op.size);
        if (va === 0n) {
          ret = -EINVAL;
          break;
        }
        allocated[i] = va;
        let flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;
        flags |=
          bo.flags.executable === true
            ? DRM_PANTHOR_VM_BIND_OP_MAP_READONLY
            : DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC;
        if (bo.flags.gpuUncached === true) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;
        bindOps.push({
          flags,
          boHandle: bo.handle,
          boOffset: op.boOffset ?? 0n,
          va,
          size: op.size,
          syncs,
        });
      } else if (op.type === "unmap") {
        bindOps.push({
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
          va: op.va === "auto" ? 0n : op.va,
          size: op.size,
          syncs,
        });
      } else {
        bindOps.push({ flags: DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY, va: 0n, size: 0n, syncs });
      }
    }
    if (ret === 0) {
      ret = this.fd.vmBind(vm.id, bindOps, async ? DRM_PANTHOR_VM_BIND_ASYNC : 0, async);
      if (ret === 0) {
        for (const c of collect) {
          vm.gc.push(c);
          this.vaEvent("defer-free", c.va, c.size, c.syncPoint);
        }
      }
    }
    vm.point = ret === 0 ? next : orig;
    ops.forEach((op, i) => {
      const va = allocated[i] ?? null;
      if (op.type === "map" && va !== null) {
        if (ret === 0) op.va = va;
        else {
          vm.heap.release(va, op.size);
          this.vaEvent("free", va, op.size);
        }
      }
      if (op.type === "unmap" && !async && ret === 0 && op.va !== "auto") {
        vm.heap.release(op.va, op.size);
        this.vaEvent("free", op.va, op.size);
      }
    });
    return ret;
  }

  /** An absolute deadline `waitTimeoutNs` from now: what stands for INT64_MAX. */
  infiniteDeadline(): bigint {
    const t = BigInt(this.fd.now) + BigInt(this.waitTimeoutNs);
    return t > U64_MAX ? U64_MAX : t;
  }

  /**
   * Destroys the VM: VM_DESTROY, then its timeline syncobj; pending ranges are dropped.
   * 0, or VM_DESTROY's errno. Mirrors panthor_kmod_vm_destroy().
   */
  vmDestroy(): number {
    const vm = this.requireVm();
    const ret = this.fd.vmDestroy(vm.id);
    this.fd.syncobjDestroy(vm.syncHandle);
    vm.gc.length = 0;
    this.vm = null;
    return ret;
  }
}
