/**
 * The deterministic virtual-time event loop every simulated platform runs on.
 */
import type { EventHandle, EventLoop } from "../platform/interfaces.js";
import { SimRng } from "./rng.js";

/**
 * Picks which of several simultaneously-due events runs next. Receives the candidates in their
 * seeded order and returns an index into that array (out-of-range answers are clamped).
 */
export type EventChooser = (candidates: readonly EventHandle[]) => number;

/** Options of {@link EventLoopSim}. */
export interface EventLoopOptions {
  /** Seed of the tie-break order among events due at the same time (default 1). */
  seed?: number;
  /** Optional chooser consulted whenever more than one event is due at the earliest time. */
  chooser?: EventChooser;
  /** Optional observer told about every event just before it runs (for traces). */
  onRun?: (event: EventHandle, now: number) => void;
}

/** A pending event inside the loop. */
interface SimEvent extends EventHandle {
  /** The callback. */
  readonly fn: () => void;
  /** Seeded tie-break key among events with the same `due`. */
  readonly tie: number;
  /** Set once run or cancelled. */
  done: boolean;
}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.due !== b.due) return a.due < b.due;
  if (a.tie !== b.tie) return a.tie < b.tie;
  return a.id < b.id;
}

/**
 * A deterministic event loop on a virtual nanosecond clock. Events due at the same time run in
 * an order fixed by the seed (each event draws a random tie key when scheduled); an optional
 * {@link EventChooser} can instead pick among them, to explore interleavings.
 */
export class EventLoopSim implements EventLoop {
  private time = 0;
  private nextId = 1;
  private live = 0;
  private readonly heap: SimEvent[] = [];
  private readonly rng: SimRng;
  private chooser: EventChooser | undefined;
  private readonly onRun: ((event: EventHandle, now: number) => void) | undefined;
  /** Number of events run so far. */
  eventsRun = 0;

  /** Creates a loop at virtual time 0. */
  constructor(options: EventLoopOptions = {}) {
    this.rng = new SimRng(options.seed ?? 1);
    this.chooser = options.chooser;
    this.onRun = options.onRun;
  }

  /** Current virtual time in nanoseconds. */
  get now(): number {
    return this.time;
  }

  /** Number of events pending. */
  get pending(): number {
    return this.live;
  }

  /** Installs (or with `undefined` removes) the chooser among simultaneously-due events. */
  setChooser(chooser: EventChooser | undefined): void {
    this.chooser = chooser;
  }

  /** Schedules `fn` at `now + delayNs`; throws RangeError on a negative or non-finite delay. */
  schedule(delayNs: number, fn: () => void, label: string): EventHandle {
    if (!(delayNs >= 0) || !Number.isFinite(delayNs)) {
      throw new RangeError(`event delay must be a finite number >= 0, got ${delayNs}`);
    }
    const ev: SimEvent = {
      id: this.nextId++,
      due: this.time + delayNs,
      label,
      fn,
      tie: this.rng.nextU32(),
      done: false,
    };
    this.push(ev);
    this.live++;
    return ev;
  }

  /** Cancels a pending event; false if it already ran or was cancelled. */
  cancel(handle: EventHandle): boolean {
    const ev = handle as SimEvent;
    if (ev.done === undefined || ev.done) return false;
    ev.done = true;
    this.live--;
    return true;
  }

  /** Due time of the next pending event, or undefined. */
  nextDue(): number | undefined {
    this.dropDone();
    return this.heap[0]?.due;
  }

  /** Runs the next due event (advancing time to it); false when none is pending. */
  step(): boolean {
    const ev = this.takeNext();
    if (ev === undefined) return false;
    this.run(ev);
    return true;
  }

  /** Runs events until none is pending or `maxEvents` ran; returns how many ran. */
  runUntilIdle(maxEvents = Number.POSITIVE_INFINITY): number {
    let n = 0;
    while (n < maxEvents && this.step()) n++;
    return n;
  }

  /**
   * Runs every event due within `ns` from now, then sets time to `now + ns` — or leaves it
   * where an event that waited inside (a nested {@link runUntil}) took it, if that is later:
   * time never goes back.
   */
  advance(ns: number): void {
    if (!(ns >= 0) || !Number.isFinite(ns)) {
      throw new RangeError(`advance needs a finite number >= 0, got ${ns}`);
    }
    const deadline = this.time + ns;
    for (;;) {
      const due = this.nextDue();
      if (due === undefined || due > deadline) break;
      this.step();
    }
    this.time = Math.max(this.time, deadline);
  }

  /** Runs events until `done()` or `timeoutNs` passed; whether `done()` became true. */
  runUntil(done: () => boolean, timeoutNs: number): boolean {
    if (done()) return true;
    const deadline = this.time + Math.max(0, timeoutNs);
    for (;;) {
      const due = this.nextDue();
      if (due === undefined || due > deadline) break;
      this.step();
      if (done()) return true;
    }
    this.time = Math.max(this.time, deadline);
    return done();
  }

  private run(ev: SimEvent): void {
    ev.done = true;
    this.live--;
    this.time = ev.due;
    this.eventsRun++;
    this.onRun?.(ev, this.time);
    ev.fn();
  }

  private takeNext(): SimEvent | undefined {
    this.dropDone();
    const first = this.heap[0];
    if (first === undefined) return undefined;
    if (this.chooser === undefined) return this.pop();
    const tied: SimEvent[] = [];
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (top === undefined || top.due !== first.due) break;
      const ev = this.pop();
      if (ev !== undefined && !ev.done) tied.push(ev);
    }
    if (tied.length <= 1) return tied[0];
    const raw = this.chooser(tied);
    const idx = Math.min(tied.length - 1, Math.max(0, Math.trunc(raw) || 0));
    for (let i = 0; i < tied.length; i++) {
      const ev = tied[i];
      if (i !== idx && ev !== undefined) this.push(ev);
    }
    return tied[idx];
  }

  private dropDone(): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || !top.done) return;
      this.pop();
    }
  }

  private push(ev: SimEvent): void {
    const h = this.heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as SimEvent;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as SimEvent, h[l] as SimEvent)) c = r;
      const child = h[c] as SimEvent;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
