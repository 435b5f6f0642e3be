import type { Tlb } from "./tlb.js";

/** Per-address-space statistics, for tests and observability. */
export class AsCounters {
  /** @param tlb - the AS's TLB, which counts its own hits on the hot path. */
  constructor(private readonly tlb: Tlb) {}

  /** Translations served from the TLB. */
  get tlbHits(): number {
    return this.tlb.hits;
  }
  /** Translations that missed the TLB. */
  tlbMisses = 0;
  /** Page-table walks performed. */
  walks = 0;
  /** Descriptors read by walks. */
  descriptorReads = 0;
  /** Faults raised (every kind). */
  faults = 0;
  /** Faults raised while an earlier fault was still latched (registers kept the first one). */
  faultsWhileLatched = 0;
  /** Accesses refused because they fell in the locked region. */
  lockedAccesses = 0;
  /** AS_COMMAND writes accepted. */
  commands = 0;
  /** Commands completed. */
  commandsCompleted = 0;
  /** UPDATE commands completed. */
  updates = 0;
  /** LOCK commands accepted. */
  locks = 0;
  /** UNLOCK / FLUSH_PT / FLUSH_MEM commands completed (region flushes). */
  flushes = 0;
  /** FLUSH_PT / FLUSH_MEM commands completed (cache flushes). */
  cacheFlushes = 0;
  /** TLB entries invalidated by UPDATE and flushes. */
  tlbInvalidations = 0;
  /** Commands written while AS_ACTIVE was set, or unknown command codes. */
  protocolErrors = 0;
  /** Stalled accesses resumed (fault cleared or region unlocked). */
  retries = 0;
  /** Stalled accesses aborted (AS disabled or GPU reset). */
  aborts = 0;

  /** Zeroes every counter. */
  reset(): void {
    this.tlb.hits = 0;
    const self = this as unknown as Record<string, unknown>;
    for (const k of Object.keys(self)) {
      if (typeof self[k] === "number") self[k] = 0;
    }
  }
}
