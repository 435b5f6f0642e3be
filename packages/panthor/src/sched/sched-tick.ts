/**
 * The scheduler tick: which groups hold the CSG slots until the next one. Groups on slots are
 * asked for their status; the highest priorities win, non-idle groups before idle ones, the
 * group that had the highest CSG priority rotated behind its peers, at most as many distinct
 * VMs as there are address spaces; evicted groups are suspended (or terminated when they can
 * no longer run), chosen ones started or resumed with CSG priorities from 15 down. The tick
 * re-arms every 10 ms while groups of a priority compete.
 */
import {
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSG_ENDPOINT_CONFIG,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_STATUS_UPDATE,
  csgEpReqPriority,
} from "@panmmu/hw";
import { EAGAIN } from "@panmmu/uapi";
import { fwUpdateBlockReqs } from "../fw/fw-iface.js";
import type { PanthorVm } from "../vm/vm.js";
import { PANTHOR_CSG_PRIORITY_COUNT, type PanthorGroup, PanthorGroupState } from "./group.js";
import { listDel, RunList } from "./run-list.js";
import {
  MAX_CSG_PRIO,
  NO_TICK,
  PANTHOR_CSG_PRIORITY_RT,
  SCHED_TICK_PERIOD_NS,
} from "./sched-base.js";
import { SchedEvents } from "./sched-events.js";
import { csgsUpdCtxInit } from "./sched-slots.js";

/** A tick's working set. Mirrors `struct panthor_sched_tick_ctx`. */
interface TickCtx {
  /** Groups that were on slots, per priority (highest CSG priority first). */
  readonly oldGroups: RunList<PanthorGroup>[];
  /** Groups chosen for the slots, per priority. */
  readonly groups: RunList<PanthorGroup>[];
  /** Chosen groups that are idle. */
  idleGroupCount: number;
  /** Chosen groups. */
  groupCount: number;
  /** VMs of the chosen groups (each needs an AS). */
  readonly vms: PanthorVm[];
  /** Tick again at once. */
  immediateTick: boolean;
  /** No periodic tick needed. */
  stopTick: boolean;
  /** Slots whose requests timed out. */
  csgUpdFailedMask: number;
}

/** The tick. */
export abstract class SchedTick extends SchedEvents {
  private isFull(ctx: TickCtx): boolean {
    return ctx.groupCount === this.csgSlotCount;
  }

  /** Moves runnable (optionally non-idle only) groups of `list` into the tick. Mirrors tick_ctx_pick_groups_from_list(). */
  private pickGroups(
    ctx: TickCtx,
    list: RunList<PanthorGroup>,
    skipIdle: boolean,
    owned: boolean,
  ): void {
    if (this.isFull(ctx)) return;
    for (const group of [...list.entries]) {
      if (!group.canRun) continue;
      if (skipIdle && group.isIdle) continue;
      const known = ctx.vms.includes(group.vm);
      if (!known && ctx.vms.length === this.env.asSlotCount) continue;
      if (!owned) group.get();
      ctx.groupCount++;
      const target = ctx.groups[group.priority] as RunList<PanthorGroup>;
      if (group.isIdle) ctx.idleGroupCount++;
      else if (target.length > 0) ctx.stopTick = false;
      target.moveTail(group);
      if (!known) ctx.vms.push(group.vm);
      if (this.isFull(ctx)) return;
    }
  }

  /** Puts a slot's group into the old list of its priority, highest CSG priority first. Mirrors tick_ctx_insert_old_group(). */
  private insertOldGroup(ctx: TickCtx, group: PanthorGroup): void {
    const list = ctx.oldGroups[group.priority] as RunList<PanthorGroup>;
    const prio = this.csgSlots[group.csgId]?.priority ?? 0;
    for (const other of list.entries) {
      if (prio > (this.csgSlots[other.csgId]?.priority ?? 0)) {
        list.insertBefore(group, other);
        return;
      }
    }
    list.moveTail(group);
  }

  /**
   * Takes the groups on slots into the tick (a group whose VM has unhandled faults is made
   * fatal) and asks each slot for a STATUS_UPDATE. Mirrors tick_ctx_init().
   */
  private tickCtxInit(): TickCtx {
    const ctx: TickCtx = {
      oldGroups: Array.from({ length: PANTHOR_CSG_PRIORITY_COUNT }, () => new RunList()),
      groups: Array.from({ length: PANTHOR_CSG_PRIORITY_COUNT }, () => new RunList()),
      idleGroupCount: 0,
      groupCount: 0,
      vms: [],
      immediateTick: false,
      stopTick: true,
      csgUpdFailedMask: 0,
    };
    const upd = csgsUpdCtxInit();
    for (let i = 0; i < this.csgSlotCount; i++) {
      const group = this.csgSlots[i]?.group ?? null;
      if (group === null) continue;
      group.get();
      if (this.env.vmHasUnhandledFaults(group.vm)) {
        this.processCsgIrq(i);
        if (group.fatalQueues === 0) group.fatalQueues = (2 ** group.queues.length - 1) >>> 0;
      }
      this.insertOldGroup(ctx, group);
      const ack = this.csgIface(i).output.read(CSF_CSG_OUTPUT.ack);
      this.csgsUpdCtxQueueReqs(upd, i, ack ^ CSG_STATUS_UPDATE, CSG_STATUS_UPDATE);
    }
    if (this.csgsUpdCtxApply(upd) !== 0) {
      this.env.scheduleReset();
      ctx.csgUpdFailedMask |= upd.timedoutMask;
    }
    return ctx;
  }

  /**
   * Applies the tick: evicted groups suspended or terminated, priorities of kept groups
   * updated; once acknowledged, evicted groups' last events processed and unbound; chosen
   * groups bound to free slots, programmed and started (resumed if suspended); the lists
   * updated. Mirrors tick_ctx_apply().
   */
  private tickCtxApply(ctx: TickCtx): void {
    let upd = csgsUpdCtxInit();
    let newPrio = MAX_CSG_PRIO;
    for (let prio = PANTHOR_CSG_PRIORITY_COUNT - 1; prio >= 0; prio--) {
      for (const group of (ctx.oldGroups[prio] as RunList<PanthorGroup>).entries) {
        if (group.csgId < 0) continue;
        const state = group.canRun ? CSG_STATE_SUSPEND : CSG_STATE_TERMINATE;
        this.csgsUpdCtxQueueReqs(upd, group.csgId, state, CSG_STATE_MASK);
      }
      for (const group of (ctx.groups[prio] as RunList<PanthorGroup>).entries) {
        const csgId = group.csgId;
        if (csgId < 0) {
          newPrio--;
          continue;
        }
        if ((this.csgSlots[csgId]?.priority ?? -1) !== newPrio) {
          const csg = this.csgIface(csgId);
          fwUpdateBlockReqs(
            csg.input,
            CSF_CSG_INPUT.endpoint_req,
            csgEpReqPriority(newPrio),
            0xf000_0000,
          );
          this.csgsUpdCtxQueueReqs(
            upd,
            csgId,
            csg.output.read(CSF_CSG_OUTPUT.ack) ^ CSG_ENDPOINT_CONFIG,
            CSG_ENDPOINT_CONFIG,
          );
        }
        newPrio--;
      }
    }
    if (this.csgsUpdCtxApply(upd) !== 0) {
      this.env.scheduleReset();
      ctx.csgUpdFailedMask |= upd.timedoutMask;
      return;
    }
    for (let prio = PANTHOR_CSG_PRIORITY_COUNT - 1; prio >= 0; prio--) {
      for (const group of (ctx.oldGroups[prio] as RunList<PanthorGroup>).entries) {
        if (group.csgId >= 0) {
          this.processCsgIrq(group.csgId);
          this.groupUnbind(group);
          this.counters.groupEvictions++;
        }
      }
    }
    let free = 0;
    for (let i = 0; i < this.csgSlotCount; i++)
      if (this.csgSlots[i]?.group === null) free |= 1 << i;
    upd = csgsUpdCtxInit();
    newPrio = MAX_CSG_PRIO;
    for (let prio = PANTHOR_CSG_PRIORITY_COUNT - 1; prio >= 0; prio--) {
      for (const group of (ctx.groups[prio] as RunList<PanthorGroup>).entries) {
        if (group.csgId >= 0) {
          newPrio--;
          continue;
        }
        const csgId = free === 0 ? -1 : 31 - Math.clz32(free & -free);
        if (csgId < 0) {
          this.env.warnings.warn("tick_ctx_apply", "no free CSG slot");
          break;
        }
        if (this.groupBind(group, csgId) !== 0) continue;
        this.csgSlotProg(csgId, newPrio--);
        const state =
          group.state === PanthorGroupState.Suspended ? CSG_STATE_RESUME : CSG_STATE_START;
        this.csgsUpdCtxQueueReqs(upd, csgId, state, CSG_STATE_MASK);
        const ack = this.csgIface(csgId).output.read(CSF_CSG_OUTPUT.ack);
        this.csgsUpdCtxQueueReqs(upd, csgId, ack ^ CSG_ENDPOINT_CONFIG, CSG_ENDPOINT_CONFIG);
        free &= ~(1 << csgId);
        this.counters.groupStarts++;
      }
    }
    if (this.csgsUpdCtxApply(upd) !== 0) {
      this.env.scheduleReset();
      ctx.csgUpdFailedMask |= upd.timedoutMask;
      return;
    }
    for (let prio = PANTHOR_CSG_PRIORITY_COUNT - 1; prio >= 0; prio--) {
      for (const group of [...(ctx.groups[prio] as RunList<PanthorGroup>).entries]) {
        listDel(group);
        if (group.destroyed) ctx.immediateTick = true;
        group.put();
      }
      for (const group of [...(ctx.oldGroups[prio] as RunList<PanthorGroup>).entries]) {
        if (!group.canRun) continue;
        (group.isIdle ? this.idle[prio] : this.runnable[prio])?.moveTail(group);
        group.put();
      }
    }
    this.usedCsgSlotCount = ctx.groupCount;
    this.mightHaveIdleGroups = ctx.idleGroupCount > 0;
  }

  /** Puts what is left in the tick back on the scheduler's lists. Mirrors tick_ctx_cleanup(). */
  private tickCtxCleanup(ctx: TickCtx): void {
    for (const list of ctx.oldGroups) {
      for (const group of [...list.entries]) {
        if (ctx.csgUpdFailedMask === 0 && group.canRun) {
          this.env.warnings.warn("tick_ctx_cleanup", "runnable group left in the old list");
        }
        if (!group.canRun) {
          listDel(group);
          this.delWaiting(group);
          this.groupTermWork(group);
        } else if (group.csgId >= 0) {
          listDel(group);
        } else {
          (group.isIdle ? this.idle[group.priority] : this.runnable[group.priority])?.moveHead(
            group,
          );
        }
        group.put();
      }
    }
    for (const list of ctx.groups) {
      if (ctx.csgUpdFailedMask === 0 && list.length > 0) {
        this.env.warnings.warn("tick_ctx_cleanup", "group left to schedule");
      }
      for (const group of [...list.entries]) {
        if (group.csgId >= 0) listDel(group);
        else
          (group.isIdle ? this.idle[group.priority] : this.runnable[group.priority])?.moveHead(
            group,
          );
        group.put();
      }
    }
  }

  /** When the next periodic tick is due from the last one. Mirrors tick_ctx_update_resched_target(). */
  private updateReschedTarget(ctx: TickCtx): number {
    if (ctx.stopTick) {
      this.reschedTarget = NO_TICK;
      return NO_TICK;
    }
    const target = this.lastTick + SCHED_TICK_PERIOD_NS;
    if (this.reschedTarget < this.lastTick || target < this.reschedTarget)
      this.reschedTarget = target;
    return this.reschedTarget - this.lastTick;
  }

  /**
   * One tick (with the scheduler lock). A tick forced before its period only lets real-time
   * groups preempt; a full tick rotates. Mirrors tick_work().
   */
  protected tick(): void {
    if (this.unplugged) return;
    const pm = this.env.pm;
    const ret = pm.resumeAndGet();
    if (ret === -EAGAIN) {
      // The device is suspending or resuming: the tick would sleep until it is done.
      pm.whenSettled(() => this.queueTick(0));
      return;
    }
    if (ret !== 0) {
      this.env.warnings.warn("tick_work", `resume failed (${ret})`);
      return;
    }
    try {
      if (!this.env.resetPending()) this.tickLocked();
    } finally {
      pm.put();
    }
  }

  /** The tick with a runtime-PM reference held. */
  private tickLocked(): void {
    this.counters.ticks++;
    const now = this.env.loop.now;
    const target =
      this.reschedTarget === NO_TICK ? this.lastTick + SCHED_TICK_PERIOD_NS : this.reschedTarget;
    const fullTick = now >= target;
    const ctx = this.tickCtxInit();
    if (ctx.csgUpdFailedMask === 0) {
      const C = PANTHOR_CSG_PRIORITY_COUNT;
      if (!fullTick) {
        for (let prio = C - 1; prio >= 0 && !this.isFull(ctx); prio--) {
          this.pickGroups(ctx, ctx.oldGroups[prio] as RunList<PanthorGroup>, true, true);
          if (prio === PANTHOR_CSG_PRIORITY_RT) {
            this.pickGroups(ctx, this.runnable[prio] as RunList<PanthorGroup>, true, false);
          }
        }
      }
      for (let prio = C - 1; prio >= 0 && !this.isFull(ctx); prio--) {
        const old = ctx.oldGroups[prio] as RunList<PanthorGroup>;
        const highest = old.first();
        if (highest !== null) listDel(highest);
        this.pickGroups(ctx, old, true, true);
        this.pickGroups(ctx, this.runnable[prio] as RunList<PanthorGroup>, true, false);
        if (highest !== null) {
          old.moveTail(highest);
          this.pickGroups(ctx, old, true, true);
        }
      }
      for (let prio = C - 1; prio >= 0 && !this.isFull(ctx); prio--) {
        this.pickGroups(ctx, ctx.oldGroups[prio] as RunList<PanthorGroup>, false, true);
        this.pickGroups(ctx, this.idle[prio] as RunList<PanthorGroup>, false, false);
      }
      this.tickCtxApply(ctx);
      if (ctx.csgUpdFailedMask === 0) {
        // The device stays up while a scheduled group has work.
        if (ctx.idleGroupCount === ctx.groupCount) {
          if (this.pmHasRef) {
            this.env.pm.put();
            this.pmHasRef = false;
          }
        } else if (!this.pmHasRef) {
          this.env.pm.get();
          this.pmHasRef = true;
        }
        this.lastTick = now;
        let delay = this.updateReschedTarget(ctx);
        if (ctx.immediateTick) delay = 0;
        if (delay !== NO_TICK) this.queueTick(delay);
      }
    }
    this.tickCtxCleanup(ctx);
  }

  /** Restarts a stopped tick from the last one. Mirrors sched_resume_tick(). */
  private resumeTick(): void {
    const now = this.env.loop.now;
    this.reschedTarget = this.lastTick + SCHED_TICK_PERIOD_NS;
    const delay =
      this.usedCsgSlotCount === this.csgSlotCount && now < this.reschedTarget
        ? this.reschedTarget - now
        : 0;
    this.queueTick(delay);
  }

  /**
   * `group` has new work on the queues of `queueMask`: unless they are all blocked, the group
   * stops being idle (moving to the runnable list) and the scheduler ticks as needed (at once
   * for a real-time group, possibly idle groups or free slots). Mirrors group_schedule_locked().
   */
  protected groupSchedule(group: PanthorGroup, queueMask: number): void {
    if (!group.canRun) return;
    if ((queueMask & group.blockedQueues) === queueMask) return;
    const wasIdle = group.isIdle;
    group.idleQueues &= ~queueMask;
    if (this.resetInProgress) return;
    if (wasIdle && !group.isIdle) this.runnable[group.priority]?.moveTail(group);
    if (group.priority === PANTHOR_CSG_PRIORITY_RT || this.mightHaveIdleGroups) {
      this.queueTick(0);
      return;
    }
    if (this.reschedTarget !== NO_TICK) {
      if (this.usedCsgSlotCount < this.csgSlotCount) this.queueTick(0);
      return;
    }
    this.resumeTick();
  }

  /** Whether the tick is periodic now. */
  get ticking(): boolean {
    return this.reschedTarget !== NO_TICK;
  }

  /** The state of a CSG slot's group, for reports. */
  slotState(csgId: number): string {
    const g = this.csgSlots[csgId]?.group ?? null;
    return g === null ? "free" : (PanthorGroupState[g.state] ?? String(g.state));
  }

  /** Whether `groupSchedule` is needed when a job of `group` is queued on `queueIdx` while resident. */
  protected resumeTickNeeded(group: PanthorGroup, queueMask: number): boolean {
    return (
      group.isIdle &&
      (group.idleQueues & queueMask) !== 0 &&
      (group.blockedQueues & queueMask) === 0 &&
      this.reschedTarget === NO_TICK
    );
  }

  /** Restarts a stopped periodic tick (a resident idle group got work). */
  protected kickTick(): void {
    this.resumeTick();
  }
}
