/**
 * AS slot history: which client held which AS slot, and when. The bindings come from the
 * driver's own slot events ({@link AsSlotManager.history}: bind, steal, release, reset, each at
 * the virtual time it happened); use counts and peaks come from sampling the slot manager's
 * state ({@link AsSlotManager.snapshot}) between simulation events.
 */
import type { AsEvent, AsSlotManager } from "@panmmu/panfrost";

/** One period during which a context held an AS slot. */
export interface SlotTenure {
  /** AS slot number. */
  readonly as: number;
  /** Name of the file owning the context (or `ctx N` once it is gone). */
  readonly client: string;
  /** Virtual time (ns) the driver bound the slot to the context. */
  readonly from: number;
  /** Virtual time (ns) the slot was stolen, released or reset, or null while still bound. */
  to: number | null;
  /** Whether the driver stole the slot from another context for this one. */
  readonly stolen: boolean;
  /** Highest use count seen at a sample (jobs on the hardware holding the slot at once). */
  maxCount: number;
}

/** One driver slot event, with client names instead of context ids. */
export interface SlotEvent {
  /** Virtual time (ns) it happened at. */
  readonly time: number;
  /** AS slot number. */
  readonly as: number;
  /** bind, steal, release, reset, fault or reenable. */
  readonly kind: AsEvent["kind"];
  /** Client concerned (for a steal: the one that got the slot). */
  readonly client: string;
  /** For a steal: the client that lost the slot. */
  readonly from?: string;
}

/** Resolves a context id to the name of the file that owns it (null if unknown). */
export type ContextNamer = (ctx: number) => string | null;

/**
 * Records which context held which AS slot over time from the driver's slot events, and the
 * use counts and peaks seen by sampling the slot manager.
 */
export class SlotHistory {
  /** Every tenure, in the order they began. */
  readonly tenures: SlotTenure[] = [];
  /** Every driver slot event taken in, oldest first. */
  readonly events: SlotEvent[] = [];
  /** Most slots in use (held by jobs) at one sample. */
  peakInUse = 0;
  /** Most slots bound to a context at one sample. */
  peakBound = 0;
  /** Samples taken. */
  samples = 0;
  /** Per slot: the open tenure and the id of its context (ids are process-wide, so kept out of reports). */
  private readonly current = new Map<number, { tenure: SlotTenure; ctx: number }>();
  private readonly names = new Map<number, string>();
  /** The last driver event taken in (the history drops its oldest events past its limit). */
  private lastEvent: AsEvent | null = null;

  /**
   * @param slots - the driver's slot manager.
   * @param namer - maps a context id to its file's name.
   */
  constructor(
    private readonly slots: Pick<AsSlotManager, "snapshot" | "history">,
    private readonly namer: ContextNamer,
  ) {}

  /** Takes in the driver's new slot events, then samples the slots as they are now. */
  sample(_now: number): void {
    this.samples++;
    this.takeEvents();
    let inUse = 0;
    let bound = 0;
    for (const s of this.slots.snapshot()) {
      if (s.state === "in-use") inUse++;
      if (s.ctx !== null) bound++;
      const cur = this.current.get(s.as);
      if (cur !== undefined && cur.ctx === s.ctx && s.count > cur.tenure.maxCount) {
        cur.tenure.maxCount = s.count;
      }
    }
    if (inUse > this.peakInUse) this.peakInUse = inUse;
    if (bound > this.peakBound) this.peakBound = bound;
  }

  /** Steals in the history (a slot passing directly from one context to another). */
  get observedSteals(): number {
    return this.tenures.filter((t) => t.stolen).length;
  }

  /** Distinct clients that held slot `as`. */
  holdersOf(as: number): string[] {
    return [...new Set(this.tenures.filter((t) => t.as === as).map((t) => t.client))];
  }

  private takeEvents(): void {
    const events = this.slots.history;
    const start = this.lastEvent === null ? 0 : events.lastIndexOf(this.lastEvent) + 1;
    for (let i = start; i < events.length; i++) this.apply(events[i] as AsEvent);
    this.lastEvent = events.at(-1) ?? this.lastEvent;
  }

  private apply(e: AsEvent): void {
    const named: SlotEvent = { time: e.time, as: e.as, kind: e.kind, client: this.nameOf(e.ctx) };
    this.events.push(e.from === undefined ? named : { ...named, from: this.nameOf(e.from) });
    switch (e.kind) {
      case "bind":
      case "steal": {
        this.close(e.as, e.time);
        const t: SlotTenure = {
          as: e.as,
          client: this.nameOf(e.ctx),
          from: e.time,
          to: null,
          stolen: e.kind === "steal",
          maxCount: 0,
        };
        this.tenures.push(t);
        this.current.set(e.as, { tenure: t, ctx: e.ctx });
        break;
      }
      case "release":
      case "reset":
        this.close(e.as, e.time);
        break;
      default:
        // fault / reenable: the owner does not change.
        break;
    }
  }

  private close(as: number, time: number): void {
    const cur = this.current.get(as);
    if (cur === undefined) return;
    cur.tenure.to = time;
    this.current.delete(as);
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
