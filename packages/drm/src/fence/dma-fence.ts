/**
 * `struct dma_fence`: a one-shot completion point on a timeline, signalled by whoever does the
 * work (the simulated GPU's IRQ handler, the scheduler) and waited on by everyone else.
 */
import type { EventLoop } from "@panmmu/hw";
import { EINVAL, ENOENT } from "@panmmu/uapi";

let nextContext = 1;

/**
 * Allocates `num` consecutive fence context ids and returns the first. Context 0 belongs to the
 * stub fence. Mirrors dma_fence_context_alloc().
 */
export function dmaFenceContextAlloc(num = 1): number {
  const base = nextContext;
  nextContext += Math.max(1, Math.trunc(num));
  return base;
}

/** What a fence knows about the timeline it belongs to. */
export interface DmaFenceTimeline {
  /** Fence context id (from {@link dmaFenceContextAlloc}); fences of one context signal in seqno order. */
  readonly context: number;
  /** Event loop whose virtual clock {@link DmaFence.wait} advances; null for fences never waited on unsignalled (the stub). */
  readonly loop: EventLoop | null;
  /** Name of the driver (`ops->get_driver_name`). */
  readonly driverName: string;
  /** Name of the timeline (`ops->get_timeline_name`). */
  readonly timelineName: string;
}

/** A callback registered with {@link DmaFence.addCallback}; runs once, when the fence signals. */
export type DmaFenceCallback = (fence: DmaFence) => void;

/**
 * A dma_fence. It starts unsignalled, may get an error (`setError`) before signalling, and
 * signals exactly once; callbacks registered before that run once, in registration order, at
 * signal time. Waiting advances the timeline's event loop until the fence signals or the
 * timeout passes in virtual time.
 */
export class DmaFence {
  /** Fence context id. */
  readonly context: number;
  /** Sequence number within the context. */
  readonly seqno: number;
  /** The timeline description (names, loop). */
  readonly timeline: DmaFenceTimeline;
  private isSignaled = false;
  private err = 0;
  private ts = -1;
  private callbacks: DmaFenceCallback[] = [];

  /** Creates an unsignalled fence. Mirrors dma_fence_init(). */
  constructor(timeline: DmaFenceTimeline, seqno: number) {
    this.timeline = timeline;
    this.context = timeline.context;
    this.seqno = seqno;
  }

  /** Whether the fence has signalled. Mirrors dma_fence_is_signaled(). */
  get signaled(): boolean {
    return this.isSignaled;
  }

  /** The error the fence carries: 0, or a negative errno set with {@link setError}. Mirrors dma_fence_get_status() for a signalled fence. */
  get error(): number {
    return this.err;
  }

  /** Virtual time (ns) at which it signalled, or -1. */
  get timestamp(): number {
    return this.ts;
  }

  /**
   * 0 while pending, 1 when signalled without error, the negative errno when signalled with one.
   * Mirrors dma_fence_get_status().
   */
  get status(): number {
    if (!this.isSignaled) return 0;
    return this.err < 0 ? this.err : 1;
  }

  /**
   * Records an error to report when the fence signals; only allowed before signalling and only
   * negative errnos (anything else is ignored). Mirrors dma_fence_set_error().
   */
  setError(error: number): void {
    if (this.isSignaled || !(error < 0) || !Number.isInteger(error)) return;
    this.err = error;
  }

  /**
   * Signals the fence (with `error` set first if given) and runs the callbacks once. Returns 0,
   * or -EINVAL if it was already signalled (nothing happens then). Mirrors dma_fence_signal().
   */
  signal(error?: number): number {
    if (this.isSignaled) return -EINVAL;
    if (error !== undefined) this.setError(error);
    this.isSignaled = true;
    this.ts = this.timeline.loop?.now ?? 0;
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb(this);
    return 0;
  }

  /**
   * Registers `cb` to run when the fence signals. Returns 0, or -ENOENT when the fence is already
   * signalled (the callback is then not registered and not run). Mirrors dma_fence_add_callback().
   */
  addCallback(cb: DmaFenceCallback): number {
    if (this.isSignaled) return -ENOENT;
    this.callbacks.push(cb);
    return 0;
  }

  /** Removes a registered callback; whether it was still pending. Mirrors dma_fence_remove_callback(). */
  removeCallback(cb: DmaFenceCallback): boolean {
    const i = this.callbacks.indexOf(cb);
    if (i < 0) return false;
    this.callbacks.splice(i, 1);
    return true;
  }

  /** Number of callbacks still pending. */
  get pendingCallbacks(): number {
    return this.callbacks.length;
  }

  /**
   * Waits up to `timeoutNs` of virtual time, running the event loop. Returns the remaining time
   * (at least 1) when the fence signalled, 0 on timeout. An unsignalled fence without a loop
   * cannot progress and returns 0. Mirrors dma_fence_wait_timeout().
   */
  wait(timeoutNs: number): number {
    const timeout = Math.max(0, timeoutNs);
    if (this.isSignaled) return Math.max(1, timeout);
    const loop = this.timeline.loop;
    if (loop === null || timeout === 0) return 0;
    const start = loop.now;
    if (!loop.runUntil(() => this.isSignaled, timeout)) return 0;
    return Math.max(1, timeout - (loop.now - start));
  }

  /** Whether this fence is later than `other` on the same context. Mirrors dma_fence_is_later(). */
  isLater(other: DmaFence): boolean {
    return this.context === other.context && this.seqno > other.seqno;
  }

  /** Human-readable name: `driver:timeline#context.seqno`. */
  toString(): string {
    return `${this.timeline.driverName}:${this.timeline.timelineName}#${this.context}.${this.seqno}`;
  }
}

const STUB_TIMELINE: DmaFenceTimeline = {
  context: 0,
  loop: null,
  driverName: "stub",
  timelineName: "signaled",
};

/** A new already-signalled fence on the stub context. Mirrors dma_fence_allocate_private_stub(). */
export function dmaFenceAllocateStub(): DmaFence {
  const f = new DmaFence(STUB_TIMELINE, 0);
  f.signal();
  return f;
}

const STUB = dmaFenceAllocateStub();

/** The shared already-signalled stub fence. Mirrors dma_fence_get_stub(). */
export function dmaFenceGetStub(): DmaFence {
  return STUB;
}
