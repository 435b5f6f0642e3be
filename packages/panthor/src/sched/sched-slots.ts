/**
 * Programming CSG and CS slots through the firmware interface and reading their state back:
 * a bound group's queues written into its CS slots and its endpoint/AS/suspend-buffer
 * configuration into its CSG slot, batched CSG requests rung and waited for, and the group and
 * queue states the firmware acknowledged (state, priority, idle/blocked queues).
 */
import {
  CS_IDLE_EMPTY,
  CS_IDLE_SYNC_WAIT,
  CS_STATE_MASK,
  CS_STATE_START,
  CS_STATE_STOP,
  CS_STATUS_BLOCKED_REASON_SYNC_WAIT,
  CS_STATUS_BLOCKED_REASON_UNBLOCKED,
  CS_STATUS_WAIT_SYNC_64B,
  CS_STATUS_WAIT_SYNC_COND_GT,
  CS_STATUS_WAIT_SYNC_COND_MASK,
  CSF_CS_INPUT,
  CSF_CS_OUTPUT,
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSF_RINGBUF_INPUT,
  CSG_ENDPOINT_CONFIG,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_STATUS_UPDATE,
  csConfigDoorbell,
  csConfigPriority,
  csgEpReqCompute,
  csgEpReqFragment,
  csgEpReqPriority,
  csgEpReqPriorityGet,
  csgEpReqTiler,
  MAX_CSGS,
} from "@panmmu/hw";
import { EINVAL, ETIMEDOUT } from "@panmmu/uapi";
import { fwToggleBlockReqs, fwUpdateBlockReqs } from "../fw/fw-iface.js";
import { type PanthorGroup, PanthorGroupState } from "./group.js";
import type { PanthorQueue } from "./queue.js";
import { MAX_CSG_PRIO, SchedBase } from "./sched-base.js";

/** Batched CSG requests. Mirrors `struct panthor_csg_slots_upd_ctx`. */
export interface CsgSlotsUpdCtx {
  /** Slots with requests. */
  updateMask: number;
  /** Slots whose requests timed out. */
  timedoutMask: number;
  /** Per slot: request value and mask. */
  readonly requests: { value: number; mask: number }[];
}

/** An empty batch. Mirrors csgs_upd_ctx_init(). */
export function csgsUpdCtxInit(): CsgSlotsUpdCtx {
  return {
    updateMask: 0,
    timedoutMask: 0,
    requests: Array.from({ length: MAX_CSGS }, () => ({ value: 0, mask: 0 })),
  };
}

const lo32 = (v: bigint): number => Number(v & 0xffff_ffffn);
const hi32 = (v: bigint): number => Number((v >> 32n) & 0xffff_ffffn);

/** Slot programming and state synchronisation. */
export abstract class SchedSlots extends SchedBase {
  /** Adds a request for slot `csgId` to the batch. Mirrors csgs_upd_ctx_queue_reqs(). */
  protected csgsUpdCtxQueueReqs(
    ctx: CsgSlotsUpdCtx,
    csgId: number,
    value: number,
    mask: number,
  ): void {
    if (mask === 0 || csgId >= this.csgSlotCount) {
      this.env.warnings.warn("csgs_upd_ctx_queue_reqs", "empty mask or slot out of range");
      return;
    }
    const r = ctx.requests[csgId] as { value: number; mask: number };
    r.value = ((r.value & ~mask) | (value & mask)) >>> 0;
    r.mask = (r.mask | mask) >>> 0;
    ctx.updateMask |= 1 << csgId;
  }

  /**
   * Writes every request of the batch, rings the slots' doorbells, then waits (100 ms per
   * slot) for each slot's acknowledgements and takes in what changed: priority (ENDPOINT_CONFIG),
   * state, queue states (STATUS_UPDATE). A slot left unacknowledged is in `timedoutMask`
   * (-ETIMEDOUT). Mirrors csgs_upd_ctx_apply_locked().
   */
  protected csgsUpdCtxApply(ctx: CsgSlotsUpdCtx): number {
    if (ctx.updateMask === 0) return 0;
    for (let id = 0; id < this.csgSlotCount; id++) {
      if (((ctx.updateMask >>> id) & 1) === 0) continue;
      const r = ctx.requests[id] as { value: number; mask: number };
      fwUpdateBlockReqs(this.csgIface(id).input, CSF_CSG_INPUT.req, r.value, r.mask);
    }
    this.env.fw.ringCsgDoorbells(ctx.updateMask);
    for (let id = 0; id < this.csgSlotCount; id++) {
      if (((ctx.updateMask >>> id) & 1) === 0) continue;
      const mask = (ctx.requests[id] as { mask: number }).mask;
      const { ret, acked } = this.env.fw.csgWaitAcks(id, mask, 100);
      if ((acked & CSG_ENDPOINT_CONFIG) !== 0) this.csgSlotSyncPriority(id);
      if ((acked & CSG_STATE_MASK) !== 0) this.csgSlotSyncState(id);
      if ((acked & CSG_STATUS_UPDATE) !== 0) this.csgSlotSyncQueuesState(id);
      const csg = this.csgIface(id);
      const pending =
        (csg.input.read(CSF_CSG_INPUT.req) ^ csg.output.read(CSF_CSG_OUTPUT.ack)) & mask;
      if (ret !== 0 && acked !== mask && pending !== 0) ctx.timedoutMask |= 1 << id;
    }
    return ctx.timedoutMask !== 0 ? -ETIMEDOUT : 0;
  }

  /**
   * Programs CS slot `csId` of slot `csgId` with its queue: ring base/size, interface VAs,
   * priority and doorbell, every interrupt, then START with IDLE_SYNC_WAIT|IDLE_EMPTY; a queue
   * with work resumes its timeout. Mirrors cs_slot_prog_locked().
   */
  private csSlotProg(csgId: number, csId: number, group: PanthorGroup): void {
    const queue = group.queues[csId] as PanthorQueue;
    const cs = this.csIface(csgId, csId);
    const kmap = queue.iface.mem.kmap;
    if (kmap !== null) {
      // input->extract = output->extract
      kmap.writeU32(CSF_RINGBUF_INPUT.extract, kmap.readU32(4096));
      kmap.writeU32(CSF_RINGBUF_INPUT.extract + 4, kmap.readU32(4096 + 4));
    }
    if (queue.insert < queue.extract)
      this.env.warnings.warn("cs_slot_prog_locked", "insert < extract");
    cs.input.write(CSF_CS_INPUT.ringbuf_base, queue.ringbuf.gpuVa >>> 0);
    cs.input.write(CSF_CS_INPUT.ringbuf_base + 4, Math.floor(queue.ringbuf.gpuVa / 2 ** 32));
    cs.input.write(CSF_CS_INPUT.ringbuf_size, queue.ringbuf.size);
    cs.input.write(CSF_CS_INPUT.ringbuf_input, queue.iface.inputFwVa);
    cs.input.write(CSF_CS_INPUT.ringbuf_input + 4, 0);
    cs.input.write(CSF_CS_INPUT.ringbuf_output, queue.iface.outputFwVa);
    cs.input.write(CSF_CS_INPUT.ringbuf_output + 4, 0);
    cs.input.write(
      CSF_CS_INPUT.config,
      csConfigPriority(queue.priority) | csConfigDoorbell(queue.doorbellId),
    );
    cs.input.write(CSF_CS_INPUT.ack_irq_mask, 0xffff_ffff);
    fwUpdateBlockReqs(
      cs.input,
      CSF_CS_INPUT.req,
      CS_IDLE_SYNC_WAIT | CS_IDLE_EMPTY | CS_STATE_START,
      CS_IDLE_SYNC_WAIT | CS_IDLE_EMPTY | CS_STATE_MASK,
    );
    if (queue.insert !== queue.extract) this.resumeTimeout(queue);
  }

  /** STOP for CS slot `csId`, the queue's timeout suspended. Mirrors cs_slot_reset_locked(). */
  protected csSlotReset(csgId: number, csId: number, group: PanthorGroup): void {
    fwUpdateBlockReqs(
      this.csIface(csgId, csId).input,
      CSF_CS_INPUT.req,
      CS_STATE_STOP,
      CS_STATE_MASK,
    );
    const q = group.queues[csId];
    if (q !== undefined) this.suspendTimeout(q, group);
  }

  /** The slot's priority as the firmware took it. Mirrors csg_slot_sync_priority_locked(). */
  private csgSlotSyncPriority(csgId: number): void {
    const slot = this.csgSlots[csgId];
    if (slot === undefined) return;
    slot.priority = csgEpReqPriorityGet(
      this.csgIface(csgId).input.read(CSF_CSG_INPUT.endpoint_req),
    );
  }

  /**
   * A queue's state from its CS status: unblocked with nothing left in the ring and no
   * scoreboard pending → idle; blocked in SYNC_WAIT → the group joins the waiting list, the
   * queue is blocked (unless operations are pending) and what it waits on is recorded.
   * Mirrors cs_slot_sync_queue_state_locked().
   */
  private csSlotSyncQueueState(csgId: number, csId: number, group: PanthorGroup): void {
    const queue = group.queues[csId] as PanthorQueue;
    const out = this.csIface(csgId, csId).output;
    const reason = out.read(CSF_CS_OUTPUT.status_blocked_reason);
    const scoreboards = out.read(CSF_CS_OUTPUT.status_scoreboards);
    if (reason === CS_STATUS_BLOCKED_REASON_UNBLOCKED) {
      if (queue.insert === queue.extract && scoreboards === 0) group.idleQueues |= 1 << csId;
    } else if (reason === CS_STATUS_BLOCKED_REASON_SYNC_WAIT) {
      this.addWaiting(group);
      if (scoreboards === 0) group.blockedQueues |= 1 << csId;
      const wait = out.read(CSF_CS_OUTPUT.status_wait);
      const ptr = out.read(CSF_CS_OUTPUT.status_wait_sync_ptr);
      const ptrHi = out.read(CSF_CS_OUTPUT.status_wait_sync_ptr + 4);
      queue.syncwait.gpuVa = ptrHi * 2 ** 32 + ptr;
      queue.syncwait.gt = (wait & CS_STATUS_WAIT_SYNC_COND_MASK) === CS_STATUS_WAIT_SYNC_COND_GT;
      let ref = BigInt(out.read(CSF_CS_OUTPUT.status_wait_sync_value));
      queue.syncwait.sync64 = (wait & CS_STATUS_WAIT_SYNC_64B) !== 0;
      if (queue.syncwait.sync64)
        ref |= BigInt(out.read(CSF_CS_OUTPUT.status_wait_sync_value_hi)) << 32n;
      queue.syncwait.ref = ref;
    }
  }

  /** Every queue's state. Mirrors csg_slot_sync_queues_state_locked(). */
  protected csgSlotSyncQueuesState(csgId: number): void {
    const group = this.csgSlots[csgId]?.group ?? null;
    if (group === null) return;
    group.idleQueues = 0;
    group.blockedQueues = 0;
    for (let i = 0; i < group.queues.length; i++) this.csSlotSyncQueueState(csgId, i, group);
  }

  /**
   * The group's state from the slot's acknowledged state (START/RESUME → active, TERMINATE →
   * terminated, SUSPEND → suspended with its queues' states read, anything else → unknown and a
   * reset); a group leaving ACTIVE has its CS slots stopped. Mirrors csg_slot_sync_state_locked().
   */
  protected csgSlotSyncState(csgId: number): void {
    const group = this.csgSlots[csgId]?.group ?? null;
    if (group === null) return;
    const old = group.state;
    const state = this.csgIface(csgId).output.read(CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK;
    let next: PanthorGroupState;
    if (state === CSG_STATE_START || state === CSG_STATE_RESUME) next = PanthorGroupState.Active;
    else if (state === CSG_STATE_TERMINATE) next = PanthorGroupState.Terminated;
    else if (state === CSG_STATE_SUSPEND) next = PanthorGroupState.Suspended;
    else next = PanthorGroupState.UnknownState;
    if (old === next) return;
    if (next === PanthorGroupState.UnknownState) this.env.scheduleReset();
    if (next === PanthorGroupState.Suspended) this.csgSlotSyncQueuesState(csgId);
    if (old === PanthorGroupState.Active) {
      for (let i = 0; i < group.queues.length; i++) this.csSlotReset(csgId, i, group);
    }
    group.state = next;
  }

  /**
   * Programs slot `csgId` for its bound group at CSG priority `priority`: every queue into its
   * CS slot, the core masks and endpoint request, the AS, the suspend buffers, every
   * interrupt, the queues' doorbell bits toggled. -EINVAL for a priority past 15.
   * Mirrors csg_slot_prog_locked().
   */
  protected csgSlotProg(csgId: number, priority: number): number {
    if (priority > MAX_CSG_PRIO) return -EINVAL;
    const group = this.csgSlots[csgId]?.group ?? null;
    if (group === null || group.state === PanthorGroupState.Active) return 0;
    const csg = this.csgIface(csgId);
    let queueMask = 0;
    for (let i = 0; i < group.queues.length; i++) {
      this.csSlotProg(csgId, i, group);
      queueMask |= 1 << i;
    }
    const a = group.args;
    csg.input.write(CSF_CSG_INPUT.allow_compute, lo32(a.compute_core_mask));
    csg.input.write(CSF_CSG_INPUT.allow_compute + 4, hi32(a.compute_core_mask));
    csg.input.write(CSF_CSG_INPUT.allow_fragment, lo32(a.fragment_core_mask));
    csg.input.write(CSF_CSG_INPUT.allow_fragment + 4, hi32(a.fragment_core_mask));
    csg.input.write(CSF_CSG_INPUT.allow_other, lo32(a.tiler_core_mask));
    csg.input.write(
      CSF_CSG_INPUT.endpoint_req,
      (csgEpReqCompute(a.max_compute_cores) |
        csgEpReqFragment(a.max_fragment_cores) |
        csgEpReqTiler(a.max_tiler_cores) |
        csgEpReqPriority(priority)) >>>
        0,
    );
    csg.input.write(CSF_CSG_INPUT.config, group.vm.asId);
    csg.input.write(CSF_CSG_INPUT.suspend_buf, group.suspendBuf.gpuVa >>> 0);
    csg.input.write(CSF_CSG_INPUT.suspend_buf + 4, Math.floor(group.suspendBuf.gpuVa / 2 ** 32));
    csg.input.write(CSF_CSG_INPUT.protm_suspend_buf, group.protmSuspendBuf.gpuVa >>> 0);
    csg.input.write(
      CSF_CSG_INPUT.protm_suspend_buf + 4,
      Math.floor(group.protmSuspendBuf.gpuVa / 2 ** 32),
    );
    csg.input.write(CSF_CSG_INPUT.ack_irq_mask, 0xffff_ffff);
    fwToggleBlockReqs(
      csg.input,
      CSF_CSG_INPUT.doorbell_req,
      csg.output,
      CSF_CSG_OUTPUT.doorbell_ack,
      queueMask,
    );
    return 0;
  }
}
