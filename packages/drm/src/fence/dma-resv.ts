/**
 * `struct dma_resv`: the fences attached to a buffer, each with a usage that says what it
 * guards (kernel memory management, an implicit-sync write, a read, or bookkeeping only).
 */
import type { WarningSink } from "@panmmu/uapi";
import { NULL_WARNING_SINK } from "@panmmu/uapi";
import type { DmaFence } from "./dma-fence.js";

/**
 * How a fence in a {@link DmaResv} is used, ordered: a query for a usage sees every fence of
 * that usage and of every lower one. Mirrors `enum dma_resv_usage`.
 */
export const DmaResvUsage = {
  /** Kernel memory management (moves, clears); always waited for. */
  KERNEL: 0,
  /** Implicit-sync writers. */
  WRITE: 1,
  /** Implicit-sync readers. */
  READ: 2,
  /** Bookkeeping only (e.g. VM page-table updates); never implicitly waited for. */
  BOOKKEEP: 3,
} as const;
/** One of the {@link DmaResvUsage} values. */
export type DmaResvUsage = (typeof DmaResvUsage)[keyof typeof DmaResvUsage];

/** One slot of a {@link DmaResv}. */
export interface DmaResvEntry {
  /** The fence. */
  readonly fence: DmaFence;
  /** What it guards. */
  readonly usage: DmaResvUsage;
}

/**
 * A reservation object. Adding a fence needs a slot reserved first with {@link reserveFences}
 * (as in the kernel; a missing reservation is reported as a warning). A new fence replaces an
 * older (or the same) fence of its context whose usage is not stronger than the new one's (so the
 * new entry keeps the strongest usage), and any fence already signalled,
 * so the list stays short. The ww_mutex of the kernel object is not modelled: entry points are
 * synchronous.
 */
export class DmaResv {
  private list: DmaResvEntry[] = [];
  private reserved = 0;

  /** @param warnings - where a missing reservation is reported. */
  constructor(private readonly warnings: WarningSink = NULL_WARNING_SINK) {}

  /** Reserves room for `num` more fences; always 0 here (JS arrays do not fail). Mirrors dma_resv_reserve_fences(). */
  reserveFences(num: number): number {
    this.reserved += Math.max(0, Math.trunc(num));
    return 0;
  }

  /** Adds `fence` with `usage`, consuming one reserved slot unless it replaces an entry. Mirrors dma_resv_add_fence(). */
  addFence(fence: DmaFence, usage: DmaResvUsage): void {
    for (let i = 0; i < this.list.length; i++) {
      const old = this.list[i] as DmaResvEntry;
      // Only a fence of equal or stronger usage (numerically lower or equal) may take the
      // slot of an older fence of its context: a READ must never hide a pending WRITE.
      const sameTimeline =
        old.fence.context === fence.context && old.usage >= usage && fence.seqno >= old.fence.seqno;
      if (sameTimeline || old.fence.signaled) {
        this.list[i] = { fence, usage };
        return;
      }
    }
    if (this.reserved <= 0) {
      this.warnings.warn("dma_resv_add_fence", "adding a fence without a reserved slot");
    } else {
      this.reserved--;
    }
    this.list.push({ fence, usage });
  }

  /** Replaces every fence of `context` by `replacement` with `usage` (or drops them when null). Mirrors dma_resv_replace_fences(). */
  replaceFences(context: number, replacement: DmaFence | null, usage: DmaResvUsage): void {
    const kept: DmaResvEntry[] = [];
    for (const e of this.list) {
      if (e.fence.context !== context) kept.push(e);
      else if (replacement !== null) kept.push({ fence: replacement, usage });
    }
    this.list = kept;
  }

  /** Fences whose usage is `usage` or lower, oldest first. Mirrors dma_resv_for_each_fence(). */
  fences(usage: DmaResvUsage): DmaFence[] {
    const out: DmaFence[] = [];
    for (const e of this.list) if (e.usage <= usage) out.push(e.fence);
    return out;
  }

  /** Every entry (fence and usage). */
  entries(): readonly DmaResvEntry[] {
    return this.list;
  }

  /** Whether every fence of `usage` or lower has signalled. Mirrors dma_resv_test_signaled(). */
  testSignaled(usage: DmaResvUsage): boolean {
    for (const e of this.list) if (e.usage <= usage && !e.fence.signaled) return false;
    return true;
  }

  /**
   * Waits up to `timeoutNs` of virtual time for every fence of `usage` or lower. Returns the
   * remaining time (at least 1) when all signalled, 0 on timeout. Mirrors dma_resv_wait_timeout().
   */
  waitTimeout(usage: DmaResvUsage, timeoutNs: number): number {
    let remaining = Math.max(0, timeoutNs);
    let result = Math.max(1, remaining);
    for (const f of this.fences(usage)) {
      if (f.signaled) continue;
      const r = f.wait(remaining);
      if (r === 0) return 0;
      remaining = r;
      result = r;
    }
    return result;
  }

  /** Drops entries whose fence has signalled. */
  prune(): void {
    this.list = this.list.filter((e) => !e.fence.signaled);
  }
}
