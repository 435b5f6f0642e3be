/**
 * The asynchronous operations of a command stream: what an instruction left to do when it
 * completes (its memory effect), and the scoreboard slot it holds until then.
 */

/** Kinds of asynchronous operations. */
export enum CsAsyncKind {
  /** No memory effect (RUN_*, LOAD/STORE_MULTIPLE slot hold, HEAP_OPERATION, FINISH_FRAGMENT). */
  None = 0,
  /** SYNC_ADD32/64. */
  SyncAdd = 1,
  /** SYNC_SET32/64. */
  SyncSet = 2,
  /** STORE_STATE. */
  StoreState = 3,
  /** FLUSH_CACHE2 that performs a flush. */
  Flush = 4,
}

/** One asynchronous operation in flight. */
export interface CsAsyncOp {
  /** What it does at completion. */
  readonly kind: CsAsyncKind;
  /** Scoreboard slot it holds. */
  readonly slot: number;
  /** SYNC_* / STORE_STATE: target VA. */
  readonly va: number;
  /** 64-bit access (SYNC_*64, STORE_STATE). */
  readonly wide: boolean;
  /** Operand (or STORE_STATE value), low word. */
  readonly lo: number;
  /** Operand high word. */
  readonly hi: number;
  /** SYNC_*: the stream's error state to write to the status word, or -1 when not propagated. */
  readonly status: number;
  /** SYNC_*: system scope (raises the CSG's SYNC_UPDATE). */
  readonly system: boolean;
  /** Flush: a full flush (advances LATEST_FLUSH_ID). */
  readonly full: boolean;
}

/** A 64-bit add of `hi:lo` + `bhi:blo` modulo 2^64, as [lo, hi]. */
export function add64(lo: number, hi: number, blo: number, bhi: number): [number, number] {
  const sum = lo + blo;
  const carry = sum >= 0x1_0000_0000 ? 1 : 0;
  return [sum >>> 0, (hi + bhi + carry) >>> 0];
}

/**
 * Whether the value `vlo:vhi` (`wide`: 64-bit, else the low word) compared with the reference
 * `rlo:rhi` meets SYNC_WAIT condition `cond` (LE 0, GT 1; unsigned), or null for another
 * condition.
 */
export function syncWaitMet(
  cond: number,
  wide: boolean,
  vlo: number,
  vhi: number,
  rlo: number,
  rhi: number,
): boolean | null {
  let cmp: number;
  if (wide && vhi !== rhi) cmp = vhi > rhi ? 1 : -1;
  else cmp = vlo === rlo ? 0 : vlo > rlo ? 1 : -1;
  if (cond === 0) return cmp <= 0;
  if (cond === 1) return cmp > 0;
  return null;
}

/** Whether the signed 32-bit `v` meets BRANCH condition `cond` (against 0), or null if invalid. */
export function branchTaken(cond: number, v: number): boolean | null {
  const s = v | 0;
  switch (cond) {
    case 0:
      return s <= 0;
    case 1:
      return s > 0;
    case 2:
      return s === 0;
    case 3:
      return s !== 0;
    case 4:
      return s < 0;
    case 5:
      return s >= 0;
    case 6:
      return true;
    default:
      return null;
  }
}
