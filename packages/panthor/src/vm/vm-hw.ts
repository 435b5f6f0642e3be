/**
 * The hardware side of a VM operation: page-table pages for io-pgtable (the root at creation,
 * then only the running operation's reservation) and the locked MMU region around the update.
 */
import {
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_LOCKADDR_LO,
  asReg,
  CACHE_CLEAN,
  CACHE_INV,
} from "@panmmu/hw";
import { SZ_4K } from "@panmmu/iopgtable";
import { sendCmdAndWait, write64n } from "../mmu/as-regs.js";
import type { PanthorMmuEnv } from "../mmu/env.js";
import { type LockedRegion, vmLockRegionStep } from "../mmu/lock-state.js";
import { u64 } from "../mmu/u64.js";
import type { PanthorVmOpCtx } from "./op-ctx.js";
import type { PtCache } from "./pt-cache.js";
import type { PtStats } from "./vm-types.js";

/** What these helpers read and update on a VM. */
export interface VmHwState {
  /** The MMU block's environment. */
  readonly mmu: { readonly env: PanthorMmuEnv };
  /** The page-table page cache. */
  readonly ptCache: PtCache;
  /** Page-table accounting. */
  readonly ptStats: PtStats;
  /** The running operation. */
  readonly opCtx: PanthorVmOpCtx | null;
  /** The root table, or null before creation / after free. */
  rootPageTable: number | null;
  /** Bound AS, or -1. */
  readonly asId: number;
  /** Debug option: send LOCK/UNLOCK (true) or not. */
  readonly atomicUpdates: boolean;
  /** The region locked on the MMU. */
  lockedRegion: LockedRegion;
}

/**
 * io-pgtable's table allocator: the root table at init, then only pages the running
 * operation reserved (a WARN and null otherwise). Mirrors alloc_pt().
 */
export function vmAllocPt(vm: VmHwState, size: number): number | null {
  const env = vm.mmu.env;
  if (vm.rootPageTable === null) {
    if (vm.opCtx !== null)
      env.warnings.warn("alloc_pt", "root table allocated during an operation");
    const pa = env.memory.allocPage();
    vm.rootPageTable = pa;
    return pa;
  }
  if (size !== SZ_4K) {
    env.warnings.warn("alloc_pt", `table of ${size} bytes`);
    return null;
  }
  const ctx = vm.opCtx;
  if (ctx === null || ctx.remainingPages === 0) {
    env.warnings.warn("alloc_pt", ctx === null ? "no operation context" : "reservation short");
    return null;
  }
  const pa = vm.ptCache.takeReserved();
  if (pa === null) return null;
  ctx.rsvd.ptr++;
  vm.ptStats.used++;
  return pa;
}

/** io-pgtable's table release: the root goes back to memory, others to the cache. Mirrors free_pt(). */
export function vmFreePt(vm: VmHwState, pa: number, size: number): void {
  if (pa === vm.rootPageTable) {
    vm.mmu.env.memory.freePage(pa);
    vm.rootPageTable = null;
    return;
  }
  if (size !== SZ_4K) {
    vm.mmu.env.warnings.warn("free_pt", `table of ${size} bytes`);
    return;
  }
  vm.ptStats.freed++;
  vm.ptCache.free(pa);
}

/**
 * Locks `[start, start + size)` on the MMU (widened to the union with a region already locked,
 * rounded to what AS_LOCKADDR can express) before the page table is touched; without an AS (or
 * with `atomicUpdates` off) only the request is remembered. Mirrors panthor_vm_lock_region().
 */
export function vmLockRegion(vm: VmHwState, start: bigint, size: bigint): number {
  const env = vm.mmu.env;
  const as = vm.asId;
  const bound = as >= 0 && vm.atomicUpdates;
  const step = vmLockRegionStep(vm.lockedRegion, bound, u64(start), u64(size), (lockaddr) => {
    write64n(env, asReg(as, AS_LOCKADDR_LO), lockaddr);
    return sendCmdAndWait(env, as, AS_COMMAND_LOCK);
  });
  if (step.warnedDisjoint) {
    env.warnings.warn("panthor_vm_lock_region", "new region disjoint from the locked one");
  }
  if (step.ret === 0) vm.lockedRegion = step.locked;
  return step.ret;
}

/**
 * Ends an update: flushes the GPU caches and unlocks the region (a failure schedules a reset),
 * then forgets the region. With `atomicUpdates` off only the caches are flushed. Mirrors
 * panthor_vm_unlock_region().
 */
export function vmUnlockRegion(vm: VmHwState): void {
  const env = vm.mmu.env;
  if (vm.asId >= 0) {
    let ret = env.flushCaches(CACHE_CLEAN | CACHE_INV, CACHE_CLEAN | CACHE_INV, CACHE_INV);
    if (ret === 0 && vm.atomicUpdates) ret = sendCmdAndWait(env, vm.asId, AS_COMMAND_UNLOCK);
    if (ret !== 0) env.scheduleReset();
  }
  vm.lockedRegion = { start: 0n, size: 0n };
}
