/**
 * The CSG scheduler's state and plumbing: the CSG slots, the group lists (runnable and idle per
 * priority, waiting), the scheduler lock, its work items on the event loop (tick, sync
 * update, firmware events), binding groups to slots (which makes their VM active on an AS),
 * and the per-queue job timeout. The request/ack, event and tick logic build on it.
 */
import type { EventHandle, EventLoop } from "@panmmu/hw";
import type { WarningSink } from "@panmmu/uapi";
import type { PanthorFw } from "../fw/fw.js";
import type { FwIfaceBlocks } from "../fw/fw-iface.js";
import type { PanthorVm } from "../vm/vm.js";
import { PANTHOR_CSG_PRIORITY_COUNT, type PanthorGroup } from "./group.js";
import type { PanthorQueue } from "./queue.js";
import { RunList } from "./run-list.js";

/** How long a queue may make no progress: 5 s. Mirrors JOB_TIMEOUT_MS. */
export const JOB_TIMEOUT_NS = 5_000_000_000;
/** The scheduler tick period: 10 ms. */
export const SCHED_TICK_PERIOD_NS = 10_000_000;
/** Highest CSG priority. Mirrors MAX_CSG_PRIO. */
export const MAX_CSG_PRIO = 0xf;
/** The real-time priority. Mirrors PANTHOR_CSG_PRIORITY_RT. */
export const PANTHOR_CSG_PRIORITY_RT = 3;
/** "No tick planned". Mirrors U64_MAX in `resched_target`. */
export const NO_TICK = Number.POSITIVE_INFINITY;

/** What the scheduler needs of the device. */
export interface PanthorSchedEnv {
  /** Event loop. */
  readonly loop: EventLoop;
  /** WARN sink. */
  readonly warnings: WarningSink;
  /** The booted firmware. */
  readonly fw: PanthorFw;
  /** Makes a VM active on an AS. Mirrors panthor_vm_active(). */
  vmActive(vm: PanthorVm): number;
  /** Releases a VM's AS use. Mirrors panthor_vm_idle(). */
  vmIdle(vm: PanthorVm): void;
  /** Address spaces for GPU contexts (all but the MCU's). */
  readonly asSlotCount: number;
  /** Whether a device reset is pending. Mirrors panthor_device_reset_is_pending(). */
  resetPending(): boolean;
  /** Asks for a device reset. Mirrors panthor_device_schedule_reset(). */
  scheduleReset(): void;
  /** Rings a doorbell. */
  ringDoorbell(id: number): void;
  /** Cleans the L2 and LSC caches (CACHE_CLEAN): 0 or -ETIMEDOUT. Mirrors panthor_gpu_flush_caches(). */
  flushCaches(): number;
  /** `csif_info.cs_reg_count − unpreserved_cs_reg_count`: the kernel's first scratch register. */
  readonly scratchReg: number;
  /** Whether a VM has faults nobody handled. Mirrors panthor_vm_has_unhandled_faults(). */
  vmHasUnhandledFaults(vm: PanthorVm): boolean;
  /**
   * The `op_lock` of a VM (the MCU's or a file's) whose operation is in progress, or null.
   * The tick waits for the firmware, and the firmware may wait for that operation's locked
   * region: in the kernel the operation's thread goes on meanwhile; here the tick runs after it.
   */
  busyVmLock(): { whenFree(fn: () => void): void } | null;
  /** The device's runtime PM. */
  readonly pm: PanthorSchedPm;
}

/** What the scheduler needs of the device's runtime PM. */
export interface PanthorSchedPm {
  /**
   * Takes a reference, resuming the device: 0, -EAGAIN while a PM callback runs (wait with
   * `whenSettled`, as a sleeping caller would), or the resume's errno. Mirrors
   * panthor_device_resume_and_get().
   */
  resumeAndGet(): number;
  /** Drops a reference (autosuspend). Mirrors pm_runtime_mark_last_busy() + pm_runtime_put_autosuspend(). */
  put(): void;
  /** Takes a reference on the active device. Mirrors pm_runtime_get(). */
  get(): void;
  /** Runs `fn` once no PM callback runs. */
  whenSettled(fn: () => void): void;
}

/** A CSG slot. Mirrors `struct panthor_csg_slot`. */
export interface PanthorCsgSlot {
  /** The group bound to it. */
  group: PanthorGroup | null;
  /** The CSG priority it was given. */
  priority: number;
}

/** Counters of the scheduler. */
export interface PanthorSchedCounters {
  /** Ticks run. */
  ticks: number;
  /** Groups started or resumed on a slot. */
  groupStarts: number;
  /** Groups suspended or terminated off a slot. */
  groupEvictions: number;
  /** Jobs written to a ring. */
  jobsRun: number;
  /** Job done fences signalled (with or without error). */
  jobsDone: number;
  /** Queue timeouts. */
  timeouts: number;
}

/** The scheduler's state. */
export abstract class SchedBase {
  /** CSG slots. */
  readonly csgSlots: PanthorCsgSlot[];
  /** Slots used by the firmware interface (≤ 16: one CSG priority each). */
  readonly csgSlotCount: number;
  /** CS slots per CSG. */
  readonly csSlotCount: number;
  /** Scoreboard slots per stream. */
  readonly sbSlotCount: number;
  /** Slots in use after the last tick. */
  usedCsgSlotCount = 0;
  /** Runnable groups per priority. */
  readonly runnable: RunList<PanthorGroup>[];
  /** Idle groups per priority. */
  readonly idle: RunList<PanthorGroup>[];
  /** Groups with queues blocked on a sync object, in the order they blocked. */
  readonly waiting: PanthorGroup[] = [];
  /** When the next tick is due, or {@link NO_TICK}. */
  reschedTarget = NO_TICK;
  /** When the last tick ran. */
  lastTick = 0;
  /** An active group may have become idle: the next schedule asks for a tick. */
  mightHaveIdleGroups = false;
  /** Between pre-reset and post-reset. */
  resetInProgress = false;
  /**
   * The scheduler holds a runtime-PM reference: taken when a scheduled group has work, dropped
   * at a tick that finds every scheduled group idle. Mirrors `sched->pm.has_ref`.
   */
  pmHasRef = false;
  /** Counters. */
  readonly counters: PanthorSchedCounters = {
    ticks: 0,
    groupStarts: 0,
    groupEvictions: 0,
    jobsRun: 0,
    jobsDone: 0,
    timeouts: 0,
  };
  /** Set once the device is unplugged: no work runs any more. */
  unplugged = false;
  private locked = false;
  private readonly lockWaiters: (() => void)[] = [];
  private tickEvent: EventHandle | null = null;
  private tickDue = 0;
  private readonly works = new Map<string, EventHandle>();

  constructor(protected readonly env: PanthorSchedEnv) {
    const iface = env.fw.iface;
    if (iface === null) throw new Error("panthor sched: firmware interface missing");
    const p = iface.profile;
    this.csgSlotCount = Math.min(MAX_CSG_PRIO + 1, Math.min(31, p.groupNum));
    this.csSlotCount = p.streamNum;
    this.sbSlotCount = (p.csFeatures >>> 8) & 0xff;
    this.csgSlots = Array.from({ length: this.csgSlotCount }, () => ({ group: null, priority: 0 }));
    this.runnable = Array.from({ length: PANTHOR_CSG_PRIORITY_COUNT }, () => new RunList());
    this.idle = Array.from({ length: PANTHOR_CSG_PRIORITY_COUNT }, () => new RunList());
  }

  /** CSG slot `csgId`'s interface blocks. */
  protected csgIface(csgId: number): FwIfaceBlocks {
    return this.env.fw.iface?.groups[csgId] as FwIfaceBlocks;
  }

  /** CS slot `csId` of CSG `csgId`'s interface blocks. */
  protected csIface(csgId: number, csId: number): FwIfaceBlocks {
    return this.env.fw.iface?.streams[csgId]?.[csId] as FwIfaceBlocks;
  }

  // ---- the scheduler lock and work items ------------------------------------------------------

  /** Whether the scheduler lock is held (a tick waiting on acknowledgements, say). */
  get isLocked(): boolean {
    return this.locked;
  }

  /**
   * Runs `fn` under the scheduler lock, now or — when the lock is held by code waiting on the
   * firmware — as soon as it is released (where a thread sleeping on the mutex would run).
   */
  protected withLock(fn: () => void): void {
    if (this.locked) {
      this.lockWaiters.push(fn);
      return;
    }
    this.locked = true;
    try {
      fn();
    } finally {
      this.locked = false;
    }
    const next = this.lockWaiters.shift();
    if (next !== undefined) this.withLock(next);
    else
      for (let f = this.unlockWaiters.shift(); f !== undefined; f = this.unlockWaiters.shift()) f();
  }

  /** Code waiting to run once the lock is free (not under it). */
  private readonly unlockWaiters: (() => void)[] = [];

  /** Runs `fn` now if the scheduler lock is free, else right after it is released (outside it). */
  whenUnlocked(fn: () => void): void {
    if (this.locked) this.unlockWaiters.push(fn);
    else fn();
  }

  /** Whether works may be queued: no reset in progress or pending. */
  private get mayQueue(): boolean {
    return !this.unplugged && !this.resetInProgress && !this.env.resetPending();
  }

  /** Queues work `name` (once: queueing a queued work does nothing). Mirrors sched_queue_work(). */
  protected queueWork(name: string, fn: () => void): void {
    if (!this.mayQueue || this.works.has(name)) return;
    const ev = this.env.loop.schedule(
      0,
      () => {
        this.works.delete(name);
        fn();
      },
      `panthor-sched:${name}`,
    );
    this.works.set(name, ev);
  }

  /** Cancels queued work `name`. */
  protected cancelWork(name: string): void {
    const ev = this.works.get(name);
    if (ev !== undefined) this.env.loop.cancel(ev);
    this.works.delete(name);
  }

  /**
   * (Re)arms the tick to run `delayNs` from now (mod_delayed_work: a pending tick is moved).
   * Mirrors sched_queue_delayed_work(sched, tick, delay).
   */
  queueTick(delayNs: number): void {
    if (!this.mayQueue) return;
    const loop = this.env.loop;
    if (this.tickEvent !== null) loop.cancel(this.tickEvent);
    this.tickDue = loop.now + delayNs;
    this.tickEvent = loop.schedule(
      delayNs,
      () => {
        this.tickEvent = null;
        const busy = this.env.busyVmLock();
        if (busy !== null) {
          busy.whenFree(() => this.queueTick(0));
          return;
        }
        this.withLock(() => this.tick());
      },
      "panthor-sched:tick",
    );
  }

  /** Cancels a planned tick. */
  protected cancelTick(): void {
    if (this.tickEvent !== null) this.env.loop.cancel(this.tickEvent);
    this.tickEvent = null;
  }

  /** When the planned tick runs, or null. */
  get plannedTick(): number | null {
    return this.tickEvent === null ? null : this.tickDue;
  }

  /** The tick (with the lock held). */
  protected abstract tick(): void;

  // ---- lists -------------------------------------------------------------------------------

  /** Puts `g` on the waiting list if it is not there. */
  protected addWaiting(g: PanthorGroup): void {
    if (g.waiting) return;
    g.waiting = true;
    this.waiting.push(g);
  }

  /** Takes `g` off the waiting list. Mirrors list_del_init(&wait_node). */
  protected delWaiting(g: PanthorGroup): void {
    if (!g.waiting) return;
    g.waiting = false;
    const i = this.waiting.indexOf(g);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  // ---- slot binding ----------------------------------------------------------------------------

  /**
   * Binds `group` to slot `csgId`: its VM made active on an AS (its errno otherwise), a
   * reference taken, every queue given doorbell `csgId + 1`. Mirrors group_bind_locked().
   */
  protected groupBind(group: PanthorGroup, csgId: number): number {
    const slot = this.csgSlots[csgId];
    if (group.csgId !== -1 || slot === undefined || slot.group !== null) {
      this.env.warnings.warn("group_bind_locked", "group or slot already bound");
      return -22;
    }
    const ret = this.env.vmActive(group.vm);
    if (ret !== 0) return ret;
    group.get();
    group.csgId = csgId;
    for (const q of group.queues) q.doorbellId = csgId + 1;
    slot.group = group;
    return 0;
  }

  /**
   * Unbinds `group` from its slot: its VM idled, tiler OOM events dropped (re-raised when it
   * runs again), doorbells cleared, the reference dropped. Mirrors group_unbind_locked().
   */
  protected groupUnbind(group: PanthorGroup): void {
    const slot = this.csgSlots[group.csgId];
    if (slot === undefined) {
      this.env.warnings.warn("group_unbind_locked", "group not bound");
      return;
    }
    this.env.vmIdle(group.vm);
    group.csgId = -1;
    group.tilerOom = 0;
    for (const q of group.queues) q.doorbellId = -1;
    slot.group = null;
    group.put();
  }

  // ---- queue timeouts --------------------------------------------------------------------------

  /** The queue's timeout fired. */
  protected abstract queueTimeoutWork(queue: PanthorQueue): void;

  /** Whether the timer is stopped (time left kept in `remaining`). */
  protected timeoutSuspended(q: PanthorQueue): boolean {
    return q.timeout.event === null;
  }

  /** Arms the queue's timer `delayNs` from now. */
  private armTimeout(q: PanthorQueue, delayNs: number): void {
    const loop = this.env.loop;
    if (q.timeout.event !== null) loop.cancel(q.timeout.event);
    q.timeout.expires = loop.now + delayNs;
    q.timeout.event = loop.schedule(
      delayNs,
      () => {
        q.timeout.event = null;
        q.timeout.remaining = JOB_TIMEOUT_NS;
        this.queueTimeoutWork(q);
      },
      "panthor-sched:queue-timeout",
    );
  }

  /** Progress: a running timer starts over. Mirrors queue_reset_timeout_locked(). */
  protected resetTimeout(q: PanthorQueue): void {
    if (!this.timeoutSuspended(q)) this.armTimeout(q, JOB_TIMEOUT_NS);
  }

  /**
   * Stops the timer, keeping the time left (the full timeout when no job is in flight) —
   * except for a blocked queue of an idle group that can still run: only an outside signal can
   * unblock it, so that wait stays timed. Mirrors queue_suspend_timeout_locked().
   */
  protected suspendTimeout(q: PanthorQueue, group: PanthorGroup): void {
    if (this.timeoutSuspended(q)) return;
    const job = q.inFlight[0];
    if (
      job !== undefined &&
      group.canRun &&
      (group.blockedQueues & (1 << job.queueIdx)) !== 0 &&
      group.isIdle
    ) {
      return;
    }
    const loop = this.env.loop;
    const expires = q.timeout.expires;
    if (q.timeout.event !== null) loop.cancel(q.timeout.event);
    q.timeout.event = null;
    q.timeout.remaining =
      job === undefined
        ? JOB_TIMEOUT_NS
        : Math.max(0, Math.min(JOB_TIMEOUT_NS, expires - loop.now));
  }

  /** Restarts a stopped timer with the time it had left. Mirrors queue_resume_timeout(). */
  protected resumeTimeout(q: PanthorQueue): void {
    if (this.timeoutSuspended(q)) this.armTimeout(q, q.timeout.remaining);
  }

  /** Stops the timer for good (queue teardown). */
  protected disableTimeout(q: PanthorQueue): void {
    if (q.timeout.event !== null) this.env.loop.cancel(q.timeout.event);
    q.timeout.event = null;
  }
}
