/**
 * Ordered workqueues on the virtual clock: work items that run one at a time, in queueing order,
 * each from its own event, the way an `alloc_ordered_workqueue()` runs its `work_struct`s.
 *
 * A work item is queued at most once at a time (queueing a pending item does nothing), which is
 * what makes "wake the waiter" idempotent. A queue may have a {@link WorkqueueGate}: a lock that
 * the first step of every item would spin on. Items do not start while the gate is closed; the
 * queue asks the gate to wake it once when it opens. Delaying the start of a work item is always
 * a behaviour the kernel can show (a workqueue promises no start latency), whereas running half
 * of a handler and deferring the rest is not.
 */
import type { EventHandle, EventLoop } from "@panmmu/hw";

/**
 * Something every item of a queue must be able to take before it starts: in practice a lock that
 * is held across polling (while it is held, other events run nested inside the holder).
 */
export interface WorkqueueGate {
  /** Whether an item may start now. */
  readonly isOpen: boolean;
  /**
   * Calls `wake` once, when the gate next opens. Registering the same function again before that
   * is a no-op.
   */
  whenOpen(wake: () => void): void;
}

/** A work item. Mirrors `struct work_struct`. */
export class DrmWork {
  /** Queued on a workqueue and not started yet. Set only by the workqueue. */
  pending = false;
  /** Currently running. Set only by the workqueue. */
  running = false;

  /**
   * @param fn - what the item does when it runs.
   * @param name - event label (for traces).
   */
  constructor(
    readonly fn: () => void,
    readonly name: string,
  ) {}
}

/** A work item queued after a delay. Mirrors `struct delayed_work`. */
export class DrmDelayedWork extends DrmWork {
  /** The pending timer, or null. Set only by the workqueue. */
  timer: EventHandle | null = null;

  /** Whether the item waits for its timer or to run (`delayed_work_pending()`). */
  get isPending(): boolean {
    return this.timer !== null || this.pending;
  }
}

/**
 * An ordered workqueue: at most one item runs at a time, in queueing order, each from an event
 * on the loop (never inside the caller that queued it).
 *
 * Mirrors alloc_ordered_workqueue() and the queue_work()/queue_delayed_work()/cancel_work()
 * family.
 */
export class OrderedWorkqueue {
  private readonly items: DrmWork[] = [];
  private current: DrmWork | null = null;
  private runEvent: EventHandle | null = null;
  private readonly wake = (): void => this.kick();

  /**
   * @param loop - event loop the items run on.
   * @param name - label of the queue's events.
   * @param gate - optional gate items wait on before they start.
   */
  constructor(
    private readonly loop: EventLoop,
    readonly name: string,
    private readonly gate: WorkqueueGate | null = null,
  ) {}

  /** Items queued and not started, oldest first. */
  get queued(): readonly DrmWork[] {
    return this.items;
  }

  /** The item running now, if any. */
  get running(): DrmWork | null {
    return this.current;
  }

  /**
   * Queues `work` unless it is already pending; returns whether it was queued. An item that is
   * running may be queued again (it runs once more afterwards). Mirrors queue_work().
   */
  queueWork(work: DrmWork): boolean {
    if (work.pending || (work instanceof DrmDelayedWork && work.timer !== null)) return false;
    work.pending = true;
    this.items.push(work);
    this.kick();
    return true;
  }

  /**
   * Queues `work` after `delayNs` virtual ns unless it is already pending (waiting for its timer
   * or to run); returns whether it was armed. Mirrors queue_delayed_work().
   */
  queueDelayedWork(work: DrmDelayedWork, delayNs: number): boolean {
    if (work.isPending) return false;
    this.arm(work, delayNs);
    return true;
  }

  /**
   * Re-arms `work` to run `delayNs` from now, whether or not it was pending; returns whether it
   * was pending. Mirrors mod_delayed_work().
   */
  modDelayedWork(work: DrmDelayedWork, delayNs: number): boolean {
    const was = this.cancelDelayedWork(work);
    this.arm(work, delayNs);
    return was;
  }

  /**
   * Takes `work` off the queue if it has not started; returns whether it was pending. A running
   * item is not waited for. Mirrors cancel_work().
   */
  cancelWork(work: DrmWork): boolean {
    if (!work.pending) return false;
    const i = this.items.indexOf(work);
    if (i >= 0) this.items.splice(i, 1);
    work.pending = false;
    return true;
  }

  /**
   * Stops `work`'s timer or takes it off the queue; returns whether it was pending. A running
   * item is not waited for. Mirrors cancel_delayed_work().
   */
  cancelDelayedWork(work: DrmDelayedWork): boolean {
    if (work.timer !== null) {
      this.loop.cancel(work.timer);
      work.timer = null;
      return true;
    }
    return this.cancelWork(work);
  }

  private arm(work: DrmDelayedWork, delayNs: number): void {
    if (delayNs <= 0) {
      this.queueWork(work);
      return;
    }
    work.timer = this.loop.schedule(
      delayNs,
      () => {
        work.timer = null;
        this.queueWork(work);
      },
      `${work.name}:timer`,
    );
  }

  /** Makes sure an event will look at the queue (one at a time). */
  private kick(): void {
    if (this.runEvent !== null || this.items.length === 0) return;
    this.runEvent = this.loop.schedule(0, () => this.runNext(), this.name);
  }

  private runNext(): void {
    this.runEvent = null;
    // Ordered: the next item starts only when the running one returned (it may poll, running
    // this event nested inside it).
    if (this.current !== null || this.items.length === 0) return;
    if (this.gate !== null && !this.gate.isOpen) {
      this.gate.whenOpen(this.wake);
      return;
    }
    const work = this.items.shift() as DrmWork;
    work.pending = false;
    work.running = true;
    this.current = work;
    try {
      work.fn();
    } finally {
      work.running = false;
      this.current = null;
      this.kick();
    }
  }
}
