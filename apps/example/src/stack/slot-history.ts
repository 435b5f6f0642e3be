/**
 * AS slot history, derived on the app's side: the driver exposes the slot manager's current
 * state ({@link AsSlotManager.snapshot}) but no history, so the recorder samples that state
 * between simulation events and keeps every change of a slot's owner as a tenure.
 */
import type { AsSlotManager } from "@panmmu/panfrost";

/** One period during which a context held an AS slot. */
export interface SlotTenure {
  /** AS slot number. */
  readonly as: number;
  /** Name of the file owning the context (or `ctx N` once it is gone). */
  readonly client: string;
  /** Virtual time (ns) the binding was first seen. */
  readonly from: number;
  /** Virtual time (ns) it was last seen, or null while still bound. */
  to: number | null;
  /** Whether the slot went straight from another context to this one (a steal). */
  readonly stolen: boolean;
  /** Highest use count seen (jobs on the hardware holding the slot at once). */
  maxCount: number;
}

/** Resolves a context id to the name of the file that owns it (null if unknown). */
export type ContextNamer = (ctx: number) => string | null;

/**
 * Records which context held which AS slot over time, by sampling the slot manager. Sampling
 * sees the state between events, so two changes inside one event show as one.
 */
export class SlotHistory {
  /** Every tenure, in the order they began. */
  readonly tenures: SlotTenure[] = [];
  /** Most slots in use (held by jobs) at one sample. */
  peakInUse = 0;
  /** Most slots bound to a context at one sample. */
  peakBound = 0;
  /** Samples taken. */
  samples = 0;
  /** Per slot: the open tenure and the id of its context (ids are process-wide, so kept out of reports). */
  private readonly current = new Map<number, { tenure: SlotTenure; ctx: number }>();
  private readonly names = new Map<number, string>();

  /**
   * @param slots - the driver's slot manager.
   * @param namer - maps a context id to its file's name.
   */
  constructor(
    private readonly slots: Pick<AsSlotManager, "snapshot">,
    private readonly namer: ContextNamer,
  ) {}

  /** Samples the slots as they are at virtual time `now`. */
  sample(now: number): void {
    this.samples++;
    let inUse = 0;
    let bound = 0;
    for (const s of this.slots.snapshot()) {
      if (s.state === "in-use") inUse++;
      if (s.ctx !== null) bound++;
      const cur = this.current.get(s.as);
      if (cur !== undefined && cur.ctx === s.ctx) {
        if (s.count > cur.tenure.maxCount) cur.tenure.maxCount = s.count;
        continue;
      }
      if (cur !== undefined) {
        cur.tenure.to = now;
        this.current.delete(s.as);
      }
      if (s.ctx === null) continue;
      const t: SlotTenure = {
        as: s.as,
        client: this.nameOf(s.ctx),
        from: now,
        to: null,
        stolen: cur !== undefined,
        maxCount: s.count,
      };
      this.tenures.push(t);
      this.current.set(s.as, { tenure: t, ctx: s.ctx });
    }
    if (inUse > this.peakInUse) this.peakInUse = inUse;
    if (bound > this.peakBound) this.peakBound = bound;
  }

  /** Steals seen (a slot passing directly from one context to another). */
  get observedSteals(): number {
    return this.tenures.filter((t) => t.stolen).length;
  }

  /** Distinct clients that held slot `as`. */
  holdersOf(as: number): string[] {
    return [...new Set(this.tenures.filter((t) => t.as === as).map((t) => t.client))];
  }

  private nameOf(ctx: number): string {
    let n = this.names.get(ctx);
    if (n === undefined) {
      n = this.namer(ctx) ?? `ctx ${ctx}`;
      this.names.set(ctx, n);
    }
    return n;
  }
}
