/** Per-address-space statistics, for tests and observability. */
export class AsCounters {
  /** Translations served from the TLB. */
  tlbHits = 0;
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
    for (const k of Object.keys(this) as (keyof AsCounters)[]) {
      if (typeof this[k] === "number") (this as unknown as Record<string, number>)[k] = 0;
    }
  }
}
