/**
 * Scheduling groups: a file's groups (ids 1..128), each bound to one of the file's VMs, with
 * its firmware suspend buffers (in the MCU VM), its queues' sync objects (in its VM) and its
 * queues. GROUP_CREATE / GROUP_DESTROY / GROUP_GET_STATE act on them.
 */
import type { DrmGemDevice } from "@panmmu/drm";
import {
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_GROUP_STATE_INNOCENT,
  DRM_PANTHOR_GROUP_STATE_TIMEDOUT,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  type DrmPanthorGroupCreateArgs,
  type DrmPanthorQueueCreateArgs,
  EBUSY,
  EINVAL,
  PANTHOR_GROUP_PRIORITY_REALTIME,
} from "@panmmu/uapi";
import type { PanthorVmPool } from "../file/vm-pool.js";
import {
  type PanthorKernelBo,
  panthorKernelBoCreate,
  panthorKernelBoDestroy,
  panthorKernelBoVmap,
} from "../gem/kernel-bo.js";
import type { PanthorVm } from "../vm/vm.js";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "../vm/vm-types.js";
import { PANTHOR_SYNCOBJ_64B_SIZE } from "./job-instrs.js";
import { groupCreateQueue, groupFreeQueue, type PanthorQueue, queueKernelBos } from "./queue.js";
import type { RunListHolder } from "./run-list.js";

/** Group ids per file: 1..128. Mirrors MAX_GROUPS_PER_POOL. */
export const MAX_GROUPS_PER_POOL = 128;
/** Priorities (LOW, MEDIUM, HIGH, REALTIME). Mirrors PANTHOR_CSG_PRIORITY_COUNT. */
export const PANTHOR_CSG_PRIORITY_COUNT = PANTHOR_GROUP_PRIORITY_REALTIME + 1;

/** Group life-cycle states. Mirrors `enum panthor_group_state`. */
export enum PanthorGroupState {
  /** Created, never scheduled. */
  Created = 0,
  /** On a CSG slot. */
  Active = 1,
  /** Evicted from its slot, its state in the suspend buffer. */
  Suspended = 2,
  /** Terminated: it will never run again. */
  Terminated = 3,
  /** The firmware left it in an unknown state (a reset follows). */
  UnknownState = 4,
}

/** What group creation needs of the device. */
export interface PanthorGroupEnv {
  /** GEM device. */
  readonly drm: DrmGemDevice;
  /** The MCU VM (suspend buffers and queue interfaces live there). */
  readonly mcuVm: PanthorVm;
  /** SHADER_PRESENT. */
  readonly shaderPresent: bigint;
  /** TILER_PRESENT. */
  readonly tilerPresent: bigint;
  /** CSG_SUSPEND_SIZE of the firmware's CSG slots. */
  readonly suspendSize: number;
  /** CSG_PROTM_SUSPEND_SIZE. */
  readonly protmSuspendSize: number;
}

/** A group. Mirrors `struct panthor_group`. */
export class PanthorGroup {
  /**
   * GPU time (system-counter ticks) and cycles of the group's profiled jobs since fdinfo last
   * gathered them. Mirrors `group->fdinfo.data`.
   */
  readonly usage: PanthorGpuUsage = { time: 0, cycles: 0 };
  /** Life-cycle state. */
  state = PanthorGroupState.Created;
  /** The CSG slot it is on, or -1. */
  csgId = -1;
  /** Queues whose work is done (bit per queue). */
  idleQueues = 0;
  /** Queues blocked on a sync wait (bit per queue). */
  blockedQueues = 0;
  /** Queues that hit a fatal error (bit per queue). */
  fatalQueues = 0;
  /** A job of the group timed out. */
  timedout = false;
  /** The group was a victim of a reset another group caused. */
  innocent = false;
  /** GROUP_DESTROY was called. */
  destroyed = false;
  /** The queues. */
  readonly queues: PanthorQueue[] = [];
  /** Bytes of every kernel BO of the group (fdinfo's `kbo_sizes`). */
  kboSizes = 0;
  /** The scheduler list it is in (`run_node`). */
  runList: RunListHolder | null = null;
  /** Whether it is on the scheduler's waiting list (`wait_node`). */
  waiting = false;
  /** Queues with a tiler OOM event to process (bit per queue). */
  tilerOom = 0;
  /** Called once the last reference is gone, before the resources go (the scheduler's teardown of the queues). */
  onRelease: (() => void) | null = null;
  private refs = 1;

  /**
   * @param args - the creation arguments (priority, core masks and limits).
   * @param vm - the group's VM (one reference held).
   * @param suspendBuf - normal-mode suspend buffer (MCU VM).
   * @param protmSuspendBuf - protected-mode suspend buffer (MCU VM).
   * @param syncobjs - the queues' 16-byte sync objects (group VM, vmapped).
   */
  constructor(
    readonly args: Readonly<DrmPanthorGroupCreateArgs>,
    readonly vm: PanthorVm,
    readonly suspendBuf: PanthorKernelBo,
    readonly protmSuspendBuf: PanthorKernelBo,
    readonly syncobjs: PanthorKernelBo,
  ) {}

  /** The group's priority. */
  get priority(): number {
    return this.args.priority;
  }

  /** Takes a reference. Mirrors group_get(). */
  get(): this {
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one frees the queues and kernel BOs and the VM reference. Mirrors group_put() and group_release_work(). */
  put(): void {
    if (--this.refs > 0) return;
    this.release();
  }

  /**
   * Frees everything once no operation runs on the VMs the kernel BOs live in (the kernel's
   * release work would sleep on their `op_lock`).
   */
  private release(): void {
    const busy = [this.vm, this.suspendBuf.vm].find((v) => v.opLock.held);
    if (busy !== undefined) {
      busy.opLock.whenFree(() => this.release());
      return;
    }
    this.onRelease?.();
    for (const q of this.queues) groupFreeQueue(q);
    this.queues.length = 0;
    panthorKernelBoDestroy(this.suspendBuf);
    panthorKernelBoDestroy(this.protmSuspendBuf);
    panthorKernelBoDestroy(this.syncobjs);
    this.vm.put();
  }

  /** Whether every queue is idle or blocked. Mirrors group_is_idle(). */
  get isIdle(): boolean {
    const inactive = (this.idleQueues | this.blockedQueues) >>> 0;
    let n = 0;
    for (let m = inactive; m !== 0; m &= m - 1) n++;
    return n === this.queues.length;
  }

  /** References held. */
  get refCount(): number {
    return this.refs;
  }

  /** Whether the group may take jobs: not terminated, destroyed, timed out or fatal. Mirrors group_can_run(). */
  get canRun(): boolean {
    return (
      this.state !== PanthorGroupState.Terminated &&
      this.state !== PanthorGroupState.UnknownState &&
      !this.destroyed &&
      this.fatalQueues === 0 &&
      !this.timedout
    );
  }
}

/** GPU usage of profiled jobs. Mirrors `struct panthor_gpu_usage`. */
export interface PanthorGpuUsage {
  /** GPU time, in ticks of the system counter (the job's timestamps after − before). */
  time: number;
  /** GPU cycles (the job's cycle counts after − before). */
  cycles: number;
}

/** A file's groups. Mirrors `struct panthor_group_pool`. */
export class PanthorGroupPool {
  private readonly groups = new Map<number, PanthorGroup>();

  /** Live groups. */
  get size(): number {
    return this.groups.size;
  }

  /** The group of `handle`, or null. */
  get(handle: number): PanthorGroup | null {
    return this.groups.get(handle) ?? null;
  }

  /** The lowest free id in 1..128, or -EBUSY. Mirrors xa_alloc(XA_LIMIT(1, MAX_GROUPS_PER_POOL)). */
  allocId(): number {
    for (let id = 1; id <= MAX_GROUPS_PER_POOL; id++) if (!this.groups.has(id)) return id;
    return -EBUSY;
  }

  /** Registers `group` at `id`. */
  set(id: number, group: PanthorGroup): void {
    this.groups.set(id, group);
  }

  /** Removes and returns the group at `id`. */
  erase(id: number): PanthorGroup | null {
    const g = this.groups.get(id) ?? null;
    this.groups.delete(id);
    return g;
  }

  /** Every (id, group), in id order. */
  entries(): Array<[number, PanthorGroup]> {
    return [...this.groups.entries()].sort((a, b) => a[0] - b[0]);
  }
}

function popcount64(v: bigint): number {
  let n = 0;
  for (let x = v; x !== 0n; x &= x - 1n) n++;
  return n;
}

/**
 * Creates a group: -EINVAL for a non-zero pad, a priority past REALTIME, core masks outside
 * what is present or with fewer cores than the maxima, an unknown VM; then the suspend
 * buffers, the sync objects (zeroed), the id (-EBUSY past 128 groups) and each queue (its
 * own checks). Returns the id, or the errno with nothing left behind. Mirrors
 * panthor_group_create().
 */
export function panthorGroupCreate(
  env: PanthorGroupEnv,
  vms: PanthorVmPool,
  pool: PanthorGroupPool,
  args: DrmPanthorGroupCreateArgs,
  queueArgs: readonly DrmPanthorQueueCreateArgs[],
  clientId: number,
): number {
  if (args.pad !== 0) return -EINVAL;
  if (args.priority >= PANTHOR_CSG_PRIORITY_COUNT) return -EINVAL;
  if (
    (args.compute_core_mask & ~env.shaderPresent) !== 0n ||
    (args.fragment_core_mask & ~env.shaderPresent) !== 0n ||
    (args.tiler_core_mask & ~env.tilerPresent) !== 0n
  ) {
    return -EINVAL;
  }
  if (
    popcount64(args.compute_core_mask) < args.max_compute_cores ||
    popcount64(args.fragment_core_mask) < args.max_fragment_cores ||
    popcount64(args.tiler_core_mask) < args.max_tiler_cores
  ) {
    return -EINVAL;
  }
  // The pool's lookup takes the reference the group keeps (panthor_vm_pool_get_vm()).
  const vm = vms.get(args.vm_id);
  if (vm === null) return -EINVAL;
  const made: PanthorKernelBo[] = [];
  const fail = (ret: number): number => {
    for (const bo of made) panthorKernelBoDestroy(bo);
    vm.put();
    return ret;
  };
  const create = (
    target: PanthorVm,
    size: number,
    mapFlags: number,
    label: string,
  ): PanthorKernelBo | number => {
    const bo = panthorKernelBoCreate(
      env.drm,
      target,
      size,
      DRM_PANTHOR_BO_NO_MMAP,
      mapFlags,
      PANTHOR_VM_KERNEL_AUTO_VA,
      label,
    );
    if (typeof bo !== "number") made.push(bo);
    return bo;
  };
  // panthor_fw_alloc_suspend_buf_mem(): NOEXEC, cached, in the MCU VM.
  const suspendBuf = create(
    env.mcuVm,
    env.suspendSize,
    DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
    "FW suspend buffer",
  );
  if (typeof suspendBuf === "number") return fail(suspendBuf);
  const protm = create(
    env.mcuVm,
    env.protmSuspendSize,
    DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
    "FW suspend buffer",
  );
  if (typeof protm === "number") return fail(protm);
  const count = queueArgs.length;
  const syncobjs = create(
    vm,
    count * PANTHOR_SYNCOBJ_64B_SIZE,
    DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
    "Group sync objects",
  );
  if (typeof syncobjs === "number") return fail(syncobjs);
  const ret = panthorKernelBoVmap(syncobjs);
  if (ret !== 0) return fail(ret);
  syncobjs.kmap?.write(0, new Uint8Array(count * PANTHOR_SYNCOBJ_64B_SIZE));
  const gid = pool.allocId();
  if (gid < 0) return fail(gid);
  const group = new PanthorGroup({ ...args }, vm, suspendBuf, protm, syncobjs);
  // From here the group owns the VM reference and the kernel BOs: put() releases them.
  pool.set(gid, group);
  for (let i = 0; i < count; i++) {
    const q = groupCreateQueue(
      env,
      vm,
      queueArgs[i] as DrmPanthorQueueCreateArgs,
      clientId,
      gid,
      i,
    );
    if (typeof q === "number") {
      pool.erase(gid);
      group.put();
      return q;
    }
    group.queues.push(q);
  }
  group.idleQueues = count >= 32 ? 0xffff_ffff : (1 << count) - 1;
  group.kboSizes = [suspendBuf, protm, syncobjs, ...group.queues.flatMap(queueKernelBos)].reduce(
    (n, bo) => n + bo.obj.size,
    0,
  );
  return gid;
}

/** What group destruction tells the scheduler. */
export interface PanthorGroupSched {
  /** The group is destroyed: terminated at the next tick or now. */
  groupDestroyed(group: PanthorGroup): void;
}

/**
 * Destroys group `handle` (-EINVAL for an unknown one): it leaves the pool, is marked
 * destroyed (the scheduler terminates it: at the next tick when it is on a CSG slot, now
 * otherwise) and the pool's reference is dropped (its queues and buffers go with the last
 * reference). Mirrors panthor_group_destroy().
 */
export function panthorGroupDestroy(
  pool: PanthorGroupPool,
  handle: number,
  sched: PanthorGroupSched | null = null,
): number {
  const group = pool.erase(handle);
  if (group === null) return -EINVAL;
  if (sched !== null) sched.groupDestroyed(group);
  else {
    group.destroyed = true;
    group.state = PanthorGroupState.Terminated;
  }
  group.put();
  return 0;
}

/** GROUP_GET_STATE's answer. */
export interface PanthorGroupStateInfo {
  /** `DRM_PANTHOR_GROUP_STATE_*` flags. */
  readonly state: number;
  /** Queues with a fatal fault. */
  readonly fatalQueues: number;
}

/**
 * The state of group `handle`, or -EINVAL: TIMEDOUT, FATAL_FAULT with the fatal queues,
 * INNOCENT. Mirrors panthor_group_get_state().
 */
export function panthorGroupGetState(
  pool: PanthorGroupPool,
  handle: number,
): PanthorGroupStateInfo | number {
  const group = pool.get(handle);
  if (group === null) return -EINVAL;
  let state = 0;
  if (group.timedout) state |= DRM_PANTHOR_GROUP_STATE_TIMEDOUT;
  if (group.fatalQueues !== 0) state |= DRM_PANTHOR_GROUP_STATE_FATAL_FAULT;
  if (group.innocent) state |= DRM_PANTHOR_GROUP_STATE_INNOCENT;
  return { state, fatalQueues: group.fatalQueues };
}

/** Destroys every group of a closing file. Mirrors panthor_group_pool_destroy(). */
export function panthorGroupPoolDestroy(
  pool: PanthorGroupPool,
  sched: PanthorGroupSched | null = null,
): void {
  for (const [id] of pool.entries()) panthorGroupDestroy(pool, id, sched);
}
