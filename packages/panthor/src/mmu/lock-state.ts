/**
 * The per-VM locked region of panthor's atomic page-table updates: a VM_BIND operation locks its
 * VA range on the MMU before touching the page table so GPU accesses there wait, and a later
 * request widens the lock to the union of both ranges.
 */
import { packRegionRange } from "./region.js";
import { u64 } from "./u64.js";

/** The VM's current locked region; `size` 0 means nothing is locked. */
export interface LockedRegion {
  /** First byte of the locked region. */
  readonly start: bigint;
  /** Size of the locked region in bytes (0: nothing locked). */
  readonly size: bigint;
}

/** Everything one {@link vmLockRegionStep} decided. */
export interface LockStep {
  /** 0, or the LOCK command's error. */
  readonly ret: number;
  /** The request was already covered by the locked region: nothing changed. */
  readonly alreadyLocked: boolean;
  /** A LOCK command is to be issued, with {@link LockStep.lockaddr}. */
  readonly lockIssued: boolean;
  /** AS_LOCKADDR value written before the LOCK command (null when none is issued). */
  readonly lockaddr: bigint | null;
  /** The VM's locked region after the step. */
  readonly locked: LockedRegion;
  /** The kernel WARNs: the request does not overlap the region already locked (the union is taken anyway). */
  readonly warnedDisjoint: boolean;
}

/**
 * Decides one lock request as a pure state step. `bound` says whether the VM holds an address
 * space; `sendLock(lockaddr)` issues the LOCK command and returns its status (called only when the
 * VM is bound and the region is non-empty). Mirrors the logic of panthor_vm_lock_region().
 */
export function vmLockRegionStep(
  current: LockedRegion,
  bound: boolean,
  reqStart: bigint,
  reqSize: bigint,
  sendLock: (lockaddr: bigint) => number,
): LockStep {
  const curEnd = u64(current.start + current.size);
  const reqEnd = u64(reqStart + reqSize);
  if (reqStart >= current.start && reqEnd <= curEnd) {
    return {
      ret: 0,
      alreadyLocked: true,
      lockIssued: false,
      lockaddr: null,
      locked: current,
      warnedDisjoint: false,
    };
  }
  let start = reqStart;
  let size = reqSize;
  let warnedDisjoint = false;
  if (current.size !== 0n) {
    warnedDisjoint = reqEnd <= current.start || reqStart >= curEnd;
    const unionStart = reqStart < current.start ? reqStart : current.start;
    const unionEnd = reqEnd > curEnd ? reqEnd : curEnd;
    start = unionStart;
    size = u64(unionEnd - unionStart);
  }
  let ret = 0;
  let lockaddr: bigint | null = null;
  if (bound && size !== 0n) {
    const packed = packRegionRange(start, size);
    lockaddr = packed.lockaddr;
    start = packed.start;
    size = packed.size;
    ret = sendLock(lockaddr);
  }
  return {
    ret,
    alreadyLocked: false,
    lockIssued: lockaddr !== null,
    lockaddr,
    locked: ret === 0 ? { start, size } : current,
    warnedDisjoint,
  };
}
