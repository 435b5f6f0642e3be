/**
 * A panthor VM: a drm_gpuvm VA space over an ARM_64_LPAE_S1 page table whose pages come from
 * the operations' reservations, updated atomically under a locked MMU region, bound to an AS
 * slot while active.
 */
import {
  type DmaFence,
  DmaResv,
  type DmaResvUsage,
  DrmMm,
  type DrmMmNode,
  GPUVM_RESV_PROTECTED,
  GpuVm,
  type GpuVmBo,
  type GpuVmGemObject,
} from "@panmmu/drm";
import { mairToMemattr, mmuFeaturesPaBits, mmuFeaturesVaBits } from "@panmmu/hw";
import {
  type ArmLpaeS1Outputs,
  allocIoPgtableOps,
  type IoPgtableCfg,
  IoPgtableFormat,
  type IoPgtableOps,
  SZ_2M,
  SZ_4K,
} from "@panmmu/iopgtable";
import {
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MASK,
  DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
  ENOENT,
} from "@panmmu/uapi";
import type { AsVm, BindQueueControl, PanthorMmu } from "../mmu/as-manager.js";
import type { LockedRegion } from "../mmu/lock-state.js";
import { OpLock } from "../mmu/op-lock.js";
import { PanthorBindQueue, PanthorVmBindJob } from "./bind-queue.js";
import type { PanthorVmBo } from "./bo.js";
import { kernelVaAlloc } from "./kernel-va.js";
import {
  cleanupOpCtx,
  type OpCtxVm,
  PanthorVmOpCtx,
  prepareMapOpCtx,
  prepareSyncOnlyOpCtx,
  prepareUnmapOpCtx,
} from "./op-ctx.js";
import type { PtCache } from "./pt-cache.js";
import { type StepVm, smStepMap, smStepRemap, smStepUnmap } from "./steps.js";
import { vmAllocPt, vmFreePt, vmLockRegion, vmUnlockRegion } from "./vm-hw.js";
import {
  type BoLookup,
  MCU_VA_RANGE,
  PANTHOR_VM_KERNEL_AUTO_VA,
  type PanthorVmCreateParams,
  type PanthorVmHooks,
  type PtStats,
  type VmBindOp,
} from "./vm-types.js";
import type { PanthorVma } from "./vma.js";

/**
 * A GPU (or MCU) virtual address space. Mirrors `struct panthor_vm` and the VM half of
 * panthor_mmu.c.
 */
export class PanthorVm implements AsVm, StepVm, OpCtxVm, BindQueueControl {
  /** drm_gpuvm VA space (`base`). */
  readonly gpuvm: GpuVm<PanthorVm>;
  /** io-pgtable ops. */
  readonly pgtable: IoPgtableOps<PanthorVm>;
  /** Physical address of the root table (`root_page_table`), or null once freed. */
  rootPageTable: number | null = null;
  /** The operation running now (`op_ctx`). */
  opCtx: PanthorVmOpCtx | null = null;
  /** `op_lock`: held while an operation runs. */
  readonly opLock = new OpLock();
  /** Kernel VA allocator (`mm`). */
  readonly mm = new DrmMm();
  /** Auto-VA range for kernel BOs, inclusive end (`kernel_auto_va`). */
  readonly kernelAutoVa: { readonly start: number; readonly end: number };
  /** Bound AS or -1. */
  asId = -1;
  /** Active users. */
  activeCnt = 0;
  /** Set by destroy(): no more bind requests. */
  destroyed = false;
  /** Set after a failed asynchronous operation (or a page-table inconsistency). */
  unusable = false;
  /** Set by an unhandled fault; cleared when the VM is re-activated. */
  unhandledFault = false;
  /** The region currently locked on the MMU (`locked_region`); size 0: none. */
  lockedRegion: LockedRegion = { start: 0n, size: 0n };
  /** AS_TRANSTAB: the io-pgtable TTBR (the root table's physical address). */
  readonly transtab: number;
  /** AS_MEMATTR low word. */
  readonly memattrLo: number;
  /** AS_MEMATTR high word. */
  readonly memattrHi: number;
  /** Page-table page accounting. */
  readonly ptStats: PtStats = { reserved: 0, used: 0, returned: 0, freed: 0 };
  /** Hooks into the rest of the driver; `heapPoolDestroy` is set with the VM's heap pool. */
  hooks: PanthorVmHooks & { heapPoolDestroy?(vm: PanthorVm): void } = {};
  /** The asynchronous VM_BIND queue (`sched` + `entity`). */
  readonly bindQueue: PanthorBindQueue;
  /**
   * Debug/test option (default true; set at creation or any time between operations). When
   * false, {@link lockRegion} only records the region and {@link unlockRegion} only flushes the
   * GPU caches: no AS_COMMAND_LOCK/UNLOCK is sent, so the page table is rewritten while GPU
   * accesses to the range proceed, and the TLB entries of the range (which UNLOCK invalidates)
   * survive the update — the hazards the atomic-update series closed. It exists so tests can
   * show that their checks catch a driver without atomic updates; the kernel has no such switch.
   */
  atomicUpdates: boolean;
  private freedAll = false;

  private constructor(
    readonly mmu: PanthorMmu,
    readonly ptCache: PtCache,
    readonly forMcu: boolean,
    params: PanthorVmCreateParams,
    pgtable: (vm: PanthorVm) => { ops: IoPgtableOps<PanthorVm>; s1: ArmLpaeS1Outputs } | null,
  ) {
    const env = mmu.env;
    this.atomicUpdates = params.atomicUpdates ?? true;
    const vaRange = forMcu ? MCU_VA_RANGE : 2 ** mmuFeaturesVaBits(env.mmuFeatures);
    this.mm.init(params.kernelVaStart, params.kernelVaSize);
    this.bindQueue = new PanthorBindQueue(env.loop, env.warnings);
    this.kernelAutoVa = {
      start: params.autoKernelVaStart,
      end: params.autoKernelVaStart + params.autoKernelVaSize - 1,
    };
    const made = pgtable(this);
    if (made === null) throw new PgtableRefused();
    this.pgtable = made.ops;
    this.transtab = made.s1.ttbr;
    const memattr = mairToMemattr({ lo: made.s1.mairLo, hi: made.s1.mairHi }, env.coherent);
    this.memattrLo = memattr.lo;
    this.memattrHi = memattr.hi;
    this.gpuvm = new GpuVm<PanthorVm>(
      forMcu ? "panthor-MCU-VM" : "panthor-GPU-VM",
      0,
      vaRange,
      0,
      0,
      {
        vmFree: () => this.free(),
        vmBoFree: (vmBo) => {
          const bo = vmBo.obj as PanthorVmBo;
          if (!bo.imported) bo.unpin();
        },
        smStepMap: (op, vm) => smStepMap(op, vm),
        smStepRemap: (op, vm) => smStepRemap(op, vm),
        smStepUnmap: (op, vm) => smStepUnmap(op, vm),
      },
      {
        flags: GPUVM_RESV_PROTECTED,
        warnings: env.warnings,
        ...(params.resvObj === undefined ? {} : { resvObj: params.resvObj }),
      },
    );
    mmu.addVm(this);
  }

  /**
   * Creates a VM: its page table (root table allocated now), kernel VA allocator and MEMATTR.
   * Returns the VM, or -EINVAL when io-pgtable refuses (including when the root table cannot be
   * had). Mirrors panthor_vm_create().
   */
  static create(
    mmu: PanthorMmu,
    ptCache: PtCache,
    params: PanthorVmCreateParams,
  ): PanthorVm | number {
    const env = mmu.env;
    try {
      return new PanthorVm(mmu, ptCache, params.forMcu, params, (vm) => {
        const cfg: IoPgtableCfg<PanthorVm> = {
          pgsizeBitmap: SZ_4K | SZ_2M,
          ias: mmuFeaturesVaBits(env.mmuFeatures),
          oas: mmuFeaturesPaBits(env.mmuFeatures),
          coherentWalk: env.coherent,
          memory: env.memory,
          alloc: (v, size) => v.allocPt(size),
          free: (v, pa, size) => v.freePt(pa, size),
          warnings: env.warnings,
        };
        const ops = allocIoPgtableOps<PanthorVm>(IoPgtableFormat.ARM_64_LPAE_S1, cfg, vm);
        return ops === null || cfg.s1 === undefined ? null : { ops, s1: cfg.s1 };
      });
    } catch (e) {
      if (e instanceof PgtableRefused) return -EINVAL;
      throw e;
    }
  }

  /** The root GEM object (`panthor_vm_root_gem()`): the VM's reservation object. */
  get rootGem(): GpuVmGemObject {
    return this.gpuvm.resvObj;
  }

  /** Whether a region is locked on the MMU. */
  get regionLocked(): boolean {
    return this.lockedRegion.size !== 0n;
  }

  /** Page size of the VM (4 KiB). Mirrors panthor_vm_page_size(). */
  get pageSize(): number {
    return SZ_4K;
  }

  // ---- page-table pages ------------------------------------------------------------------

  /**
   * io-pgtable's table allocator: the root table at init, then only pages the running
   * operation reserved (a WARN and null otherwise). Mirrors alloc_pt().
   */
  allocPt(size: number): number | null {
    return vmAllocPt(this, size);
  }

  /** io-pgtable's table release: the root goes back to memory, others to the cache. Mirrors free_pt(). */
  freePt(pa: number, size: number): void {
    vmFreePt(this, pa, size);
  }

  /** OpCtxVm: the vm_bo of `bo` (created, or the existing one). */
  obtainVmBo(bo: PanthorVmBo): GpuVmBo | null {
    const pre = this.gpuvm.boCreate(bo);
    if (pre === null) return null;
    return this.gpuvm.boObtainPrealloc(pre);
  }

  // ---- StepVm -------------------------------------------------------------------------------

  /** StepVm: whether `[iova, iova + size)` is inside the locked region. */
  inLockedRegion(iova: number, size: number): boolean {
    const { start, size: len } = this.lockedRegion;
    return BigInt(iova) >= start && BigInt(iova + size) <= start + len;
  }

  /** StepVm: reports a WARN. */
  warn(where: string, message: string): void {
    this.mmu.env.warnings.warn(where, message);
  }

  /**
   * Flags the VM unusable and disables its AS (keeping the slot). Mirrors
   * panthor_vm_declare_unusable().
   */
  declareUnusable(): void {
    if (this.unusable) return;
    this.unusable = true;
    this.mmu.disableVmAs(this);
  }

  /**
   * Locks `[start, start + size)` on the MMU before the page table is touched (see
   * {@link vmLockRegion}). Mirrors panthor_vm_lock_region().
   */
  lockRegion(start: bigint, size: bigint): number {
    return vmLockRegion(this, start, size);
  }

  /** Ends an update: cache flush and UNLOCK (see {@link vmUnlockRegion}). Mirrors panthor_vm_unlock_region(). */
  unlockRegion(): void {
    vmUnlockRegion(this);
  }

  // ---- operations ------------------------------------------------------------------------------

  /**
   * Runs a prepared operation under the locked region: MAP (refused on an unusable VM) or
   * UNMAP through drm_gpuvm's split/merge steps. With `flagUnusableOnFailure` (asynchronous
   * binds) a failure makes the VM unusable. The operation holds the VM's `op_lock`; callers
   * that may find it held wait for it (the bind queue, `vmActiveWhenUnlocked`). Starting an
   * operation while another runs (only a test hook in the middle of one can) is a WARN and
   * -EINVAL, where the kernel's caller would sleep. Mirrors panthor_vm_exec_op().
   */
  execOp(ctx: PanthorVmOpCtx, flagUnusableOnFailure: boolean): number {
    const type = ctx.type;
    if (type === DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY) return 0;
    if (!this.opLock.acquire()) {
      this.warn("panthor_vm_exec_op", "operation started while another one runs");
      return -EINVAL;
    }
    this.opCtx = ctx;
    let ret = this.lockRegion(ctx.vaAddr, ctx.vaRange);
    if (ret === 0) {
      if (type === DRM_PANTHOR_VM_BIND_OP_TYPE_MAP) {
        ret = this.unusable
          ? -EINVAL
          : this.gpuvm.smMap(
              this,
              ctx.vaAddr,
              ctx.vaRange,
              ctx.mapVmBo?.obj ?? null,
              ctx.mapBoOffset,
            );
      } else if (type === DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP) {
        ret = this.gpuvm.smUnmap(this, ctx.vaAddr, ctx.vaRange);
      } else {
        ret = -EINVAL;
      }
      this.unlockRegion();
    }
    if (ret !== 0 && flagUnusableOnFailure) this.declareUnusable();
    this.opCtx = null;
    this.opLock.release();
    return ret;
  }

  /**
   * Validates one VM_BIND op and prepares its context: page alignment, then per type the
   * checks of the kernel in its order (-EINVAL), then the reservations.
   * Mirrors panthor_vm_bind_prepare_op_ctx().
   */
  bindPrepareOpCtx(lookup: BoLookup, op: VmBindOp, ctx: PanthorVmOpCtx): number {
    if ((op.va | op.size | op.boOffset) % BigInt(this.pageSize) !== 0n) return -EINVAL;
    const type = (op.flags & DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
    const extra = op.flags & ~DRM_PANTHOR_VM_BIND_OP_TYPE_MASK;
    if (type === DRM_PANTHOR_VM_BIND_OP_TYPE_MAP) {
      const bo = op.boHandle === 0 ? null : lookup(op.boHandle);
      const ret = prepareMapOpCtx(ctx, this, bo, op.boOffset, op.size, op.va, op.flags);
      bo?.put?.();
      return ret;
    }
    if (type === DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP) {
      if (extra !== 0 || op.boHandle !== 0 || op.boOffset !== 0n) return -EINVAL;
      return prepareUnmapOpCtx(ctx, this, op.va, op.size);
    }
    if (type === DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY) {
      if (extra !== 0 || op.boHandle !== 0 || op.boOffset !== 0n) return -EINVAL;
      if (op.va !== 0n || op.size !== 0n || op.syncsCount === 0) return -EINVAL;
      prepareSyncOnlyOpCtx(ctx);
      return 0;
    }
    return -EINVAL;
  }

  /**
   * A synchronous VM_BIND op: no syncs allowed (-EINVAL), size 0 succeeds at once, else
   * prepare, run, clean up. Mirrors panthor_vm_bind_exec_sync_op().
   */
  bindExecSyncOp(lookup: BoLookup, op: VmBindOp): number {
    if (op.syncsCount !== 0) return -EINVAL;
    if (op.size === 0n) return 0;
    const ctx = new PanthorVmOpCtx();
    const ret = this.bindPrepareOpCtx(lookup, op, ctx);
    if (ret !== 0) return ret;
    const r = this.execOp(ctx, false);
    cleanupOpCtx(ctx, this);
    return r;
  }

  /**
   * Adds `fence` with `usage` to the reservation objects a bind job locked: the VM's, and the
   * BO's it maps (when it maps one), each after reserving its slot (drm_exec preparation).
   * Mirrors panthor_vm_bind_job_prepare_resvs() + drm_gpuvm_resv_add_fence().
   */
  addBindFence(fence: DmaFence, usage: DmaResvUsage, bo: GpuVmGemObject | null): void {
    const resvs = new Set<unknown>([this.gpuvm.resvObj.resv]);
    if (bo !== null) resvs.add(bo.resv);
    for (const r of resvs) {
      if (!(r instanceof DmaResv)) continue;
      r.reserveFences(1);
      r.addFence(fence, usage);
    }
  }

  /** Gives back what an operation did not use. Mirrors panthor_vm_cleanup_op_ctx(). */
  cleanupOpCtx(ctx: PanthorVmOpCtx): void {
    cleanupOpCtx(ctx, this);
  }

  /**
   * Creates an asynchronous VM_BIND job: -EINVAL on a destroyed or unusable VM, else the op is
   * validated and prepared as a synchronous one would be, and the job (holding a VM reference)
   * is bound to the VM's bind queue. Mirrors panthor_vm_bind_job_create().
   */
  bindJobCreate(lookup: BoLookup, op: VmBindOp): PanthorVmBindJob | number {
    if (this.destroyed || this.unusable) return -EINVAL;
    const ctx = new PanthorVmOpCtx();
    const ret = this.bindPrepareOpCtx(lookup, op, ctx);
    if (ret !== 0) return ret;
    const job = new PanthorVmBindJob(this.get(), ctx);
    const r = job.init(this.bindQueue.entity, 1);
    if (r !== 0) {
      job.release();
      return r;
    }
    return job;
  }

  /** Maps a BO range for the kernel (no user checks). Mirrors panthor_vm_map_bo_range(). */
  mapBoRange(bo: PanthorVmBo, offset: number, size: number, va: number, flags: number): number {
    const ctx = new PanthorVmOpCtx();
    const ret = prepareMapOpCtx(ctx, this, bo, BigInt(offset), BigInt(size), BigInt(va), flags);
    if (ret !== 0) return ret;
    const r = this.execOp(ctx, false);
    cleanupOpCtx(ctx, this);
    return r;
  }

  /** Unmaps a VA range for the kernel. Mirrors panthor_vm_unmap_range(). */
  unmapRange(va: number | bigint, size: number | bigint): number {
    const ctx = new PanthorVmOpCtx();
    const ret = prepareUnmapOpCtx(ctx, this, BigInt(va), BigInt(size));
    if (ret !== 0) return ret;
    const r = this.execOp(ctx, false);
    cleanupOpCtx(ctx, this);
    return r;
  }

  // ---- kernel VA ------------------------------------------------------------------------------

  /**
   * Reserves `[va, va + size)` in the kernel VA range, or with {@link PANTHOR_VM_KERNEL_AUTO_VA}
   * picks one in the auto-VA range; see {@link kernelVaAlloc}. Mirrors panthor_vm_alloc_va().
   */
  allocVa(va: number, size: number, node: DrmMmNode): number {
    return kernelVaAlloc(this.mm, this.kernelAutoVa, this.pageSize, va, size, node);
  }

  /** Releases a region from {@link allocVa}. Mirrors panthor_vm_free_va(). */
  freeVa(node: DrmMmNode): void {
    this.mm.removeNode(node);
  }

  /**
   * The BO mapped at `va` and the offset of `va` in it, or -ENOENT. Mirrors
   * panthor_vm_get_bo_for_va() (without the GEM reference, which the caller takes if needed).
   */
  getBoForVa(va: number): { bo: PanthorVmBo; offset: number } | number {
    const gpuva = this.gpuvm.findFirst(va, 1) as PanthorVma | null;
    if (gpuva === null || gpuva.obj === null) return -ENOENT;
    return { bo: gpuva.obj as PanthorVmBo, offset: Number(gpuva.offset) + va - Number(gpuva.addr) };
  }

  /** Mappings in VA order. */
  mappings(): PanthorVma[] {
    return [...this.gpuvm.vas()] as PanthorVma[];
  }

  // ---- lifetime ------------------------------------------------------------------------------

  /** Takes a reference. Mirrors panthor_vm_get(). */
  get(): this {
    this.gpuvm.get();
    return this;
  }

  /** Drops a reference; the last one frees the VM. Mirrors panthor_vm_put(). */
  put(): void {
    this.gpuvm.put();
  }

  /**
   * Destroys the VM for its pool: no more binds, its heap pool destroyed, every mapping
   * removed, the pool's reference dropped. Mirrors panthor_vm_destroy().
   */
  destroy(): void {
    this.destroyed = true;
    if (this.activeCnt > 0) this.hooks.prepareForDestruction?.(this);
    this.hooks.heapPoolDestroy?.(this);
    const ret = this.unmapRange(this.gpuvm.mmStart, this.gpuvm.mmRange);
    if (ret !== 0) this.warn("panthor_vm_destroy", `unmapping everything failed (${ret})`);
    this.put();
  }

  /** The last reference went: AS released, page table and allocator torn down. Mirrors panthor_vm_free(). */
  private free(): void {
    if (this.freedAll) return;
    this.freedAll = true;
    this.mmu.removeVm(this);
    this.bindQueue.fini();
    this.mmu.vmFree(this);
    this.pgtable.free();
    this.mm.takedown();
    this.hooks.freed?.(this);
  }

  /** Stops the bind queue (before a reset). Mirrors panthor_vm_stop(). */
  stopBindQueue(): void {
    this.bindQueue.stop();
  }

  /** Restarts the bind queue (after a reset). Mirrors panthor_vm_start(). */
  startBindQueue(): void {
    this.bindQueue.start();
  }

  /** Whether the VM was freed (last reference dropped). */
  get isFreed(): boolean {
    return this.freedAll;
  }
}

/** Thrown inside {@link PanthorVm.create} when io-pgtable refuses the configuration. */
class PgtableRefused extends Error {}
