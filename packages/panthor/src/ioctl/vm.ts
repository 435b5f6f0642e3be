/**
 * VM ioctls: VM_CREATE, VM_DESTROY, VM_GET_STATE and VM_BIND.
 */
import { DmaResvUsage, type DrmFile, type DrmUserMemory } from "@panmmu/drm";
import {
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MASK,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  type DrmPanthorVmBindArgs,
  DrmPanthorVmBindOp,
  type DrmPanthorVmBindOpArgs,
  EINVAL,
  ENODEV,
  getUobjArray,
} from "@panmmu/uapi";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { PanthorBo } from "../gem/bo.js";
import { vmCreateCheckArgs } from "../mmu/va-range.js";
import type { PanthorVmBindJob } from "../vm/bind-queue.js";
import type { PanthorVm } from "../vm/vm.js";
import type { BoLookup, VmBindOp } from "../vm/vm-types.js";
import type { PanthorIoctlDevice } from "./device-api.js";
import { PanthorSubmitCtx } from "./submit-ctx.js";

/** `DRM_PANTHOR_VM_STATE_USABLE`. */
export const DRM_PANTHOR_VM_STATE_USABLE = 0;
/** `DRM_PANTHOR_VM_STATE_UNUSABLE`. */
export const DRM_PANTHOR_VM_STATE_UNUSABLE = 1;

/** A `drm_panthor_vm_bind_op` as the VM code takes it. */
function toVmBindOp(op: DrmPanthorVmBindOpArgs): VmBindOp {
  return {
    flags: op.flags,
    boHandle: op.bo_handle,
    boOffset: op.bo_offset,
    va: op.va,
    size: op.size,
    syncsCount: op.syncs.count,
  };
}

/** The panthor BOs of `file`, by handle. */
export function fileBoLookup(file: DrmFile): BoLookup {
  return (handle) => {
    const obj = file.gemObjectLookup(handle);
    return obj instanceof PanthorBo ? obj : null;
  };
}

/**
 * VM_CREATE: flags and the user VA range checked (-EINVAL), a VM created with the kernel
 * auto-VA range above the user range, stored in the file's pool (-EBUSY past 32). Returns the
 * id and the value written back to `user_va_range` (the kernel range's start).
 * Mirrors panthor_ioctl_vm_create() and panthor_vm_pool_create_vm().
 */
export function vmCreate(
  dev: PanthorIoctlDevice,
  priv: PanthorFilePriv,
  flags: number,
  userVaRange: bigint,
): { id: number; userVaRange: bigint } | number {
  if (dev.unplugged) return -ENODEV;
  const vaBits = dev.mmu.env.mmuFeatures & 0xff;
  const layout = vmCreateCheckArgs(vaBits, userVaRange, flags, dev.taskSize);
  if (layout.ret !== 0) return layout.ret;
  const start = Number(layout.kernelVaStart);
  const size = Number(layout.kernelVaRange);
  const vm = dev.createVm(false, start, size, start, size);
  if (typeof vm === "number") return vm;
  const id = priv.vms.add(vm);
  if (id < 0) {
    vm.put();
    return id;
  }
  return { id, userVaRange: layout.reportedUserVaRange };
}

/**
 * VM_DESTROY: -EINVAL for a non-zero pad or an unknown id; else the VM is destroyed (every
 * mapping removed) and the pool's reference dropped. Mirrors panthor_ioctl_vm_destroy().
 */
export function vmDestroy(priv: PanthorFilePriv, id: number, pad: number): number {
  if (pad !== 0) return -EINVAL;
  const vm = priv.vms.erase(id);
  if (vm === null) return -EINVAL;
  vm.destroy();
  return 0;
}

/** VM_GET_STATE: USABLE or UNUSABLE, -EINVAL for an unknown id. Mirrors panthor_ioctl_vm_get_state(). */
export function vmGetState(priv: PanthorFilePriv, id: number): number {
  const vm = priv.vms.get(id);
  if (vm === null) return -EINVAL;
  const state = vm.unusable ? DRM_PANTHOR_VM_STATE_UNUSABLE : DRM_PANTHOR_VM_STATE_USABLE;
  vm.put();
  return state;
}

/**
 * Whether `op` is a user MAP or UNMAP whose range `[va, va + size)` intersects the VM's kernel
 * VA range — refused with -EINVAL only under
 * {@link PanthorIoctlDevice.rejectKernelRangeUserBinds} (a later kernel's behaviour; Linux
 * 6.18 lets such binds through). A wrapping range counts as intersecting.
 */
function bindIntersectsKernelRange(dev: PanthorIoctlDevice, vm: PanthorVm, op: VmBindOp): boolean {
  if (!dev.rejectKernelRangeUserBinds || op.size === 0n) return false;
  const type = (op.flags & DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
  if (type !== DRM_PANTHOR_VM_BIND_OP_TYPE_MAP && type !== DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP)
    return false;
  const kStart = BigInt(vm.kernelAutoVa.start);
  const kEnd = BigInt(vm.kernelAutoVa.end) + 1n;
  return op.va < kEnd && op.va + op.size > kStart;
}

/**
 * VM_BIND. Synchronous: the VM looked up (-EINVAL), the ops array read (obj_array rules), each
 * op run in order; on the first failure `ops.count` becomes that op's index and its errno is
 * returned, earlier ops staying applied. Asynchronous: see {@link vmBindAsync}.
 * Mirrors panthor_ioctl_vm_bind() / panthor_ioctl_vm_bind_sync().
 */
export function vmBind(
  dev: PanthorIoctlDevice,
  file: DrmFile<PanthorFilePriv>,
  priv: PanthorFilePriv,
  args: DrmPanthorVmBindArgs,
  user: DrmUserMemory,
): number {
  if (dev.unplugged) return -ENODEV;
  if ((args.flags & DRM_PANTHOR_VM_BIND_ASYNC) !== 0)
    return vmBindAsync(dev, file, priv, args, user);
  const vm = priv.vms.get(args.vm_id);
  if (vm === null) return -EINVAL;
  try {
    const ops = getUobjArray(user, args.ops, DrmPanthorVmBindOp);
    if (typeof ops === "number") return ops;
    const lookup = fileBoLookup(file);
    for (let i = 0; i < ops.length; i++) {
      const op = toVmBindOp(ops[i] as (typeof ops)[number]);
      const ret = bindIntersectsKernelRange(dev, vm, op) ? -EINVAL : vm.bindExecSyncOp(lookup, op);
      if (ret !== 0) {
        args.ops.count = i;
        return ret;
      }
    }
    return 0;
  } finally {
    vm.put();
  }
}

/**
 * Asynchronous VM_BIND: the VM looked up (-EINVAL), the ops read, one bind job per op created
 * (a destroyed or unusable VM, or a bad op: its errno) with its sync ops; the batch's signal
 * points collected, wait ops turned into dependencies, the jobs armed and pushed to the VM's
 * bind queue in order, their finished fences added to the VM's reservation objects
 * (BOOKKEEP) and installed in the signal syncobjs. Any failure before the push queues nothing
 * and leaves every syncobj untouched. Mirrors panthor_ioctl_vm_bind_async().
 */
export function vmBindAsync(
  dev: PanthorIoctlDevice,
  file: DrmFile<PanthorFilePriv>,
  priv: PanthorFilePriv,
  args: DrmPanthorVmBindArgs,
  user: DrmUserMemory,
): number {
  const vm = priv.vms.get(args.vm_id);
  if (vm === null) return -EINVAL;
  const ctx = new PanthorSubmitCtx<PanthorVmBindJob>(file, user, dev.platform.warnings);
  try {
    const ops = getUobjArray(user, args.ops, DrmPanthorVmBindOp);
    if (typeof ops === "number") return ops;
    const lookup = fileBoLookup(file);
    for (const raw of ops) {
      const op = toVmBindOp(raw);
      if (bindIntersectsKernelRange(dev, vm, op)) return -EINVAL;
      const job = vm.bindJobCreate(lookup, op);
      if (typeof job === "number") return job;
      const ret = ctx.addJob(job, raw.syncs);
      if (ret !== 0) return ret;
    }
    let ret = ctx.collectSignalOps();
    if (ret !== 0) return ret;
    ret = ctx.addDepsAndArmJobs();
    if (ret !== 0) return ret;
    // Mirrors panthor_vm_bind_job_update_resvs(): explicit sync, the fence is only bookkept.
    ctx.pushJobs((job) =>
      vm.addBindFence(job.finished, DmaResvUsage.BOOKKEEP, job.ctx.mapVmBo?.obj ?? null),
    );
    return 0;
  } finally {
    ctx.cleanup();
    vm.put();
  }
}
