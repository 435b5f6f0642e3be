/**
 * VM operation contexts: everything a VM_BIND operation may need is taken before it runs (the
 * mappings it may create, the page-table pages it may link, the BO's pages), so the operation
 * itself never allocates; what it did not use is given back afterwards.
 */
import type { DrmSgSegment, GpuVmBo } from "@panmmu/drm";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MASK,
  DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
  ENOMEM,
} from "@panmmu/uapi";
import { mapOpPtCount, unmapOpPtCount } from "../mmu/pt-count.js";
import type { PanthorVmBo } from "./bo.js";
import type { PtCache } from "./pt-cache.js";
import type { PtStats } from "./vm-types.js";
import { PanthorVma } from "./vma.js";

/** Flags a MAP op may carry. */
export const PANTHOR_VM_BIND_OP_MAP_FLAGS =
  (DRM_PANTHOR_VM_BIND_OP_MAP_READONLY |
    DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC |
    DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED |
    DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>>
  0;

/** The largest kmalloc() the reservation array may take: 4 MiB, so at most 2^19 pages. */
const KMALLOC_MAX_PTRS = (4 << 20) / 8;

/** Page-table pages reserved by an operation. Mirrors the kernel's `rsvd_page_tables`. */
export interface ReservedPages {
  /** Pages reserved. */
  count: number;
  /** Pages alloc_pt() has taken so far. */
  ptr: number;
}

/** One VM operation's context. Mirrors `struct panthor_vm_op_ctx`. */
export class PanthorVmOpCtx {
  /** Page-table pages reserved up front (`rsvd_page_tables`). */
  readonly rsvd: ReservedPages = { count: 0, ptr: 0 };
  /** Mappings allocated up front for the map and the remap's prev/next (3 for MAP, 2 for UNMAP). */
  readonly preallocatedVmas: (PanthorVma | null)[] = [null, null, null];
  /** The op's type and map flags. */
  flags = 0;
  /** Target VA range (u64). */
  vaAddr = 0n;
  /** Target range size (u64). */
  vaRange = 0n;
  /** MAP: the vm_bo of the BO being mapped (handed to the new mapping by the map step). */
  mapVmBo: GpuVmBo | null = null;
  /** MAP: offset in the BO. */
  mapBoOffset = 0n;
  /** MAP: the BO's pages. */
  mapSgt: readonly DrmSgSegment[] | null = null;

  /** The op's type (DRM_PANTHOR_VM_BIND_OP_TYPE_*). */
  get type(): number {
    return (this.flags & DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0;
  }

  /** Takes a preallocated mapping, or null. Mirrors panthor_vm_op_ctx_get_vma(). */
  takeVma(): PanthorVma | null {
    for (let i = 0; i < this.preallocatedVmas.length; i++) {
      const vma = this.preallocatedVmas[i];
      if (vma !== null && vma !== undefined) {
        this.preallocatedVmas[i] = null;
        return vma;
      }
    }
    return null;
  }

  /** Gives an unused mapping back; false if no room (a WARN). Mirrors panthor_vm_op_ctx_return_vma(). */
  returnVma(vma: PanthorVma): boolean {
    for (let i = 0; i < this.preallocatedVmas.length; i++) {
      if (this.preallocatedVmas[i] === null) {
        this.preallocatedVmas[i] = vma;
        return true;
      }
    }
    return false;
  }

  /** Reserved pages not handed out yet. */
  get remainingPages(): number {
    return this.rsvd.count - this.rsvd.ptr;
  }
}

/** What the op-context helpers need of the VM. */
export interface OpCtxVm {
  /** The page-table page cache. */
  readonly ptCache: PtCache;
  /** The root GEM object of the VM (`panthor_vm_root_gem()`). */
  readonly rootGem: object;
  /** Gets (or creates) the vm_bo of `bo` in this VM: the `drm_gpuvm_bo_create()` + `obtain_prealloc()` pair. */
  obtainVmBo(bo: PanthorVmBo): GpuVmBo | null;
  /** Page-table accounting (`reserved` and `returned` are counted here). */
  readonly ptStats: PtStats;
}

function preallocVmas(ctx: PanthorVmOpCtx): void {
  const type = ctx.type;
  const n =
    type === DRM_PANTHOR_VM_BIND_OP_TYPE_MAP
      ? 3
      : type === DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP
        ? 2
        : 0;
  for (let i = 0; i < n; i++) ctx.preallocatedVmas[i] = new PanthorVma();
}

function reservePages(vm: OpCtxVm, ctx: PanthorVmOpCtx, count: bigint): number {
  if (count > BigInt(KMALLOC_MAX_PTRS)) return -ENOMEM;
  const n = Number(count);
  if (!vm.ptCache.reserveBulk(n)) return -ENOMEM;
  ctx.rsvd.count = n;
  ctx.rsvd.ptr = 0;
  vm.ptStats.reserved += n;
  return 0;
}

/**
 * Prepares a MAP of `[va, va + size)` to `bo` at `offset`: checks the flags, the BO bounds and
 * its exclusive VM (-EINVAL), pins the BO and takes its sg table, gets its vm_bo, and reserves
 * the worst-case page-table pages (-ENOMEM). On failure nothing is held.
 * Mirrors panthor_vm_prepare_map_op_ctx().
 */
export function prepareMapOpCtx(
  ctx: PanthorVmOpCtx,
  vm: OpCtxVm,
  bo: PanthorVmBo | null,
  offset: bigint,
  size: bigint,
  va: bigint,
  flags: number,
): number {
  if (bo === null) return -EINVAL;
  if (
    (flags & ~PANTHOR_VM_BIND_OP_MAP_FLAGS) !== 0 ||
    (flags & DRM_PANTHOR_VM_BIND_OP_TYPE_MASK) >>> 0 !== DRM_PANTHOR_VM_BIND_OP_TYPE_MAP
  ) {
    return -EINVAL;
  }
  const boSize = BigInt(bo.size);
  if (size > boSize || offset > boSize - size) return -EINVAL;
  if (bo.exclusiveVmRootGem !== null && bo.exclusiveVmRootGem !== vm.rootGem) return -EINVAL;
  ctx.flags = flags >>> 0;
  ctx.vaRange = size;
  ctx.vaAddr = va;
  preallocVmas(ctx);
  if (!bo.imported) {
    const ret = bo.pin();
    if (ret < 0) {
      cleanupOpCtx(ctx, vm);
      return ret;
    }
  }
  const sgt = bo.getPagesSgt();
  if (typeof sgt === "number") {
    if (!bo.imported) bo.unpin();
    cleanupOpCtx(ctx, vm);
    return sgt;
  }
  ctx.mapSgt = sgt.segments;
  const vmBo = vm.obtainVmBo(bo);
  if (vmBo === null) {
    if (!bo.imported) bo.unpin();
    cleanupOpCtx(ctx, vm);
    return -ENOMEM;
  }
  ctx.mapVmBo = vmBo;
  ctx.mapBoOffset = offset;
  const ret = reservePages(vm, ctx, mapOpPtCount(va, size));
  if (ret < 0) {
    cleanupOpCtx(ctx, vm);
    return ret;
  }
  vmBo.extobjAdd();
  return 0;
}

/**
 * Prepares an UNMAP of `[va, va + size)`: two mappings and one level-3 table per unaligned end
 * (a 2 MiB block that may have to be split). Mirrors panthor_vm_prepare_unmap_op_ctx().
 */
export function prepareUnmapOpCtx(
  ctx: PanthorVmOpCtx,
  vm: OpCtxVm,
  va: bigint,
  size: bigint,
): number {
  ctx.vaRange = size;
  ctx.vaAddr = va;
  ctx.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP;
  preallocVmas(ctx);
  const count = unmapOpPtCount(va, size);
  if (count > 0) {
    const ret = reservePages(vm, ctx, BigInt(count));
    if (ret < 0) {
      cleanupOpCtx(ctx, vm);
      return ret;
    }
  }
  return 0;
}

/** Prepares a SYNC_ONLY op: nothing to reserve. Mirrors panthor_vm_prepare_sync_only_op_ctx(). */
export function prepareSyncOnlyOpCtx(ctx: PanthorVmOpCtx): void {
  ctx.flags = DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY;
}

/**
 * Gives back what the operation did not use: reserved page-table pages, the vm_bo reference,
 * the mappings. Mirrors panthor_vm_cleanup_op_ctx().
 */
export function cleanupOpCtx(ctx: PanthorVmOpCtx, vm: OpCtxVm): void {
  const unused = ctx.rsvd.count - ctx.rsvd.ptr;
  if (unused > 0) vm.ptCache.unreserve(unused);
  vm.ptStats.returned += unused;
  ctx.rsvd.count = 0;
  ctx.rsvd.ptr = 0;
  if (ctx.mapVmBo !== null) {
    ctx.mapVmBo.put();
    ctx.mapVmBo = null;
  }
  ctx.preallocatedVmas.fill(null);
}
