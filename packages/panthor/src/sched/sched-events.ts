/**
 * What the firmware tells the scheduler, and what follows: the job interrupt's bits processed
 * under the scheduler lock (global IDLE, each CSG's events — SYNC_UPDATE, IDLE, PROGRESS_TIMER
 * — and each stream's FATAL, FAULT, TILER_OOM), job completion when a queue's sync object
 * moves, blocked queues re-evaluated on sync updates, tiler heaps grown for OOM, and the end
 * of a terminated group (its fences failed, its sync objects released).
 */
import { DmaFenceContext } from "@panmmu/drm";
import {
  CS_EVT_MASK,
  CS_FATAL,
  CS_FAULT,
  CS_TILER_OOM,
  CSF_CS_INPUT,
  CSF_CS_OUTPUT,
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSG_EVT_MASK,
  CSG_IDLE,
  CSG_PROGRESS_TIMER_EVENT,
  CSG_SYNC_UPDATE,
  csExceptionType,
  GLB_EVT_MASK,
  GLB_IDLE,
  JOB_INT_GLOBAL_IF,
} from "@panmmu/hw";
import { ECANCELED, EINVAL, ENOMEM, ETIMEDOUT } from "@panmmu/uapi";
import { fwToggleBlockReqs, fwUpdateBlockReqs } from "../fw/fw-iface.js";
import { PanthorBo } from "../gem/bo.js";
import { panthorHeapGrow, panthorHeapReturnChunk } from "../heap/heap.js";
import { panthorVmHeapPool } from "../heap/vm-heap-pool.js";
import type { PanthorGroup } from "./group.js";
import {
  PANTHOR_DEVICE_PROFILING_CYCLES,
  PANTHOR_DEVICE_PROFILING_TIMESTAMP,
  PANTHOR_JOB_PROFILING_DATA_SIZE,
  PANTHOR_SYNCOBJ_64B_SIZE,
} from "./job-instrs.js";
import type { PanthorQueue, QueueJob } from "./queue.js";
import { PANTHOR_CSG_PRIORITY_RT } from "./sched-base.js";
import { SchedSlots } from "./sched-slots.js";

/** DRM_PANTHOR_EXCEPTION_CS_UNRECOVERABLE: the stream cannot go on; the GPU is reset. */
const EXCEPTION_CS_UNRECOVERABLE = 0x41;

/** Firmware event processing. */
export abstract class SchedEvents extends SchedSlots {
  /** Job interrupt bits not processed yet (`fw_events`). */
  private fwEvents = 0;

  /** The firmware's job interrupt status, for the events work. Mirrors panthor_sched_report_fw_events(). */
  reportFwEvents(events: number): void {
    this.fwEvents = (this.fwEvents | events) >>> 0;
    this.queueWork("fw-events", () => this.withLock(() => this.processFwEvents()));
  }

  /** Mirrors process_fw_events_work(). */
  private processFwEvents(): void {
    let events = this.fwEvents;
    this.fwEvents = 0;
    if ((events & JOB_INT_GLOBAL_IF) !== 0) {
      this.processGlobalIrq();
      events = (events & ~JOB_INT_GLOBAL_IF) >>> 0;
    }
    for (let id = 0; events !== 0; id++, events >>>= 1) {
      if ((events & 1) !== 0) this.processCsgIrq(id);
    }
  }

  /** Global events: IDLE acknowledged and a tick asked for. Mirrors sched_process_global_irq_locked(). */
  private processGlobalIrq(): void {
    const g = this.env.fw.iface?.global;
    if (g === undefined) return;
    const evts =
      (g.input.read(CSF_GLB_INPUT.req) ^ g.output.read(CSF_GLB_OUTPUT.ack)) & GLB_EVT_MASK;
    if ((evts & GLB_IDLE) !== 0) {
      fwUpdateBlockReqs(g.input, CSF_GLB_INPUT.req, g.output.read(CSF_GLB_OUTPUT.ack), GLB_IDLE);
      this.queueTick(0);
    }
  }

  /**
   * One CSG slot's events: cs_irq_ack caught up first, SYNC_UPDATE/IDLE/PROGRESS_TIMER
   * acknowledged, IDLE and PROGRESS_TIMER handled, each stream's events, then the sync update
   * and the slot's doorbell (with the streams whose FAULT/TILER_OOM need one).
   * Mirrors sched_process_csg_irq_locked().
   */
  protected processCsgIrq(csgId: number): void {
    if (csgId >= this.csgSlotCount) {
      this.env.warnings.warn("sched_process_csg_irq_locked", "CSG slot out of range");
      return;
    }
    const csg = this.csgIface(csgId);
    const req = csg.input.read(CSF_CSG_INPUT.req);
    const ack = csg.output.read(CSF_CSG_OUTPUT.ack);
    const csIrqReq = csg.output.read(CSF_CSG_OUTPUT.cs_irq_req);
    const csIrqAck = csg.input.read(CSF_CSG_INPUT.cs_irq_ack);
    const csgEvents = (req ^ ack) & CSG_EVT_MASK;
    if (req === ack && csIrqReq === csIrqAck) return;
    csg.input.write(CSF_CSG_INPUT.cs_irq_ack, csIrqReq);
    fwUpdateBlockReqs(
      csg.input,
      CSF_CSG_INPUT.req,
      ack,
      CSG_SYNC_UPDATE | CSG_IDLE | CSG_PROGRESS_TIMER_EVENT,
    );
    if ((csgEvents & CSG_IDLE) !== 0) {
      this.mightHaveIdleGroups = true;
      this.queueTick(0);
    }
    if ((csgEvents & CSG_PROGRESS_TIMER_EVENT) !== 0) {
      const group = this.csgSlots[csgId]?.group ?? null;
      if (group !== null) group.timedout = true;
      this.queueTick(0);
    }
    let ringCsDbMask = 0;
    for (let cs = 0, irqs = (csIrqReq ^ csIrqAck) >>> 0; irqs !== 0; cs++, irqs >>>= 1) {
      if ((irqs & 1) !== 0 && this.processCsIrq(csgId, cs)) ringCsDbMask |= 1 << cs;
    }
    if ((csgEvents & CSG_SYNC_UPDATE) !== 0) this.csgSlotSyncUpdate(csgId);
    if (ringCsDbMask !== 0) {
      fwToggleBlockReqs(
        csg.input,
        CSF_CSG_INPUT.doorbell_req,
        csg.output,
        CSF_CSG_OUTPUT.doorbell_ack,
        ringCsDbMask,
      );
    }
    this.env.fw.ringCsgDoorbells(1 << csgId);
  }

  /**
   * A stream's events: FATAL (the queue is fatal; CS_UNRECOVERABLE asks for a reset, anything
   * else for a tick), FAULT (the jobs at the faulting extract get -EINVAL), TILER_OOM (heap
   * growth queued). FATAL and FAULT are acknowledged now, TILER_OOM once handled. True when the
   * stream needs its doorbell. Mirrors cs_slot_process_irq_locked().
   */
  private processCsIrq(csgId: number, csId: number): boolean {
    const cs = this.csIface(csgId, csId);
    const req = cs.input.read(CSF_CS_INPUT.req);
    const ack = cs.output.read(CSF_CS_OUTPUT.ack);
    const events = (req ^ ack) & CS_EVT_MASK;
    const group = this.csgSlots[csgId]?.group ?? null;
    if ((events & CS_FATAL) !== 0) {
      if (group !== null) group.fatalQueues |= 1 << csId;
      if (csExceptionType(cs.output.read(CSF_CS_OUTPUT.fatal)) === EXCEPTION_CS_UNRECOVERABLE) {
        this.env.scheduleReset();
        this.cancelTick();
      } else {
        this.queueTick(0);
      }
    }
    if ((events & CS_FAULT) !== 0 && group !== null) {
      const queue = group.queues[csId];
      if (queue !== undefined) {
        const extract = queue.extract;
        for (const job of queue.inFlight) {
          if (extract >= job.ringbuf.end) continue;
          if (extract < job.ringbuf.start) break;
          job.doneFence?.setError(-EINVAL);
        }
      }
    }
    if ((events & CS_TILER_OOM) !== 0) {
      if (group === null)
        this.env.warnings.warn("cs_slot_process_tiler_oom_event_locked", "no group");
      else {
        group.tilerOom |= 1 << csId;
        group.get();
        this.env.loop.schedule(0, () => this.groupTilerOomWork(group), "panthor-sched:tiler-oom");
      }
    }
    fwUpdateBlockReqs(cs.input, CSF_CS_INPUT.req, ack, CS_FATAL | CS_FAULT);
    return (events & (CS_FAULT | CS_TILER_OOM)) !== 0;
  }

  /** A slot's SYNC_UPDATE: its group's jobs checked, blocked queues re-evaluated. Mirrors csg_slot_sync_update_locked(). */
  protected csgSlotSyncUpdate(csgId: number): void {
    const group = this.csgSlots[csgId]?.group ?? null;
    if (group !== null) this.groupSyncUpd(group);
    this.queueWork("sync-upd", () => this.withLock(() => this.syncUpdWork()));
  }

  /** Checks every queue of `group` for completed jobs (a work item). Mirrors group_sync_upd_work(). */
  protected groupSyncUpd(group: PanthorGroup): void {
    group.get();
    this.env.loop.schedule(
      0,
      () => {
        for (const q of group.queues) this.queueCheckJobCompletion(group, q);
        group.put();
      },
      "panthor-sched:group-sync-upd",
    );
  }

  /** The queue's 64-bit sync object `{seqno, status}` in the group's sync object BO. */
  protected syncobjOf(group: PanthorGroup, queueIdx: number): { seqno: number; status: number } {
    const kmap = group.syncobjs.kmap;
    const off = queueIdx * PANTHOR_SYNCOBJ_64B_SIZE;
    if (kmap === null) return { seqno: 0, status: 0 };
    return {
      seqno: kmap.readU32(off + 4) * 2 ** 32 + kmap.readU32(off),
      status: kmap.readU32(off + 8),
    };
  }

  /**
   * Signals the done fences of the queue's jobs whose seqno the sync object passed, in order;
   * an empty queue stops its timer, progress restarts it. True on progress (or nothing
   * pending). Mirrors queue_check_job_completion().
   */
  protected queueCheckJobCompletion(group: PanthorGroup, queue: PanthorQueue): boolean {
    let progress = false;
    const seqno = this.syncobjOf(group, group.queues.indexOf(queue)).seqno;
    let done = 0;
    for (const job of queue.inFlight) {
      const f = job.doneFence;
      if (f === null || seqno < f.seqno) break;
      f.signal();
      done++;
    }
    const finished = queue.inFlight.splice(0, done);
    this.counters.jobsDone += finished.length;
    for (const job of finished) if (job.profiling.mask !== 0) updateFdinfoStats(group, queue, job);
    if (queue.inFlight.length === 0) {
      this.suspendTimeout(queue, group);
      progress = true;
    } else if (finished.length > 0) {
      this.resetTimeout(queue);
      progress = true;
    }
    return progress;
  }

  /**
   * Re-evaluates every waiting group's blocked queues against their sync objects; unblocked
   * queues make a group that is off its slot runnable (a real-time one asks for an immediate
   * tick). Mirrors sync_upd_work().
   */
  protected syncUpdWork(): void {
    let immediateTick = false;
    for (const group of [...this.waiting]) {
      let unblocked = 0;
      for (let cs = 0, tested = group.blockedQueues; tested !== 0; cs++, tested >>>= 1) {
        if ((tested & 1) === 0) continue;
        const r = this.queueEvalSyncwait(group, cs);
        if (r < 0) this.env.warnings.warn("sync_upd_work", "sync object not found");
        if (r > 0) unblocked |= 1 << cs;
      }
      if (unblocked !== 0) {
        group.blockedQueues &= ~unblocked;
        if (group.csgId < 0) {
          this.runnable[group.priority]?.moveHead(group);
          if (group.priority === PANTHOR_CSG_PRIORITY_RT) immediateTick = true;
        }
      }
      if (group.blockedQueues === 0) this.delWaiting(group);
    }
    if (immediateTick) this.queueTick(0);
  }

  /**
   * Whether the sync object queue `cs` waits on now meets its condition: 1 or 0, or -EINVAL
   * when no BO is mapped at its VA. Mirrors panthor_queue_eval_syncwait().
   */
  private queueEvalSyncwait(group: PanthorGroup, cs: number): number {
    const q = group.queues[cs];
    if (q === undefined) return -EINVAL;
    const found = group.vm.getBoForVa(q.syncwait.gpuVa);
    if (typeof found === "number" || !(found.bo instanceof PanthorBo)) return -EINVAL;
    const view = found.bo.vmap();
    if (typeof view === "number") return -EINVAL;
    const lo = BigInt(view.readU32(found.offset));
    const value = q.syncwait.sync64 ? (BigInt(view.readU32(found.offset + 4)) << 32n) | lo : lo;
    view.unmap();
    return (q.syncwait.gt ? value > q.syncwait.ref : value <= q.syncwait.ref) ? 1 : 0;
  }

  /**
   * Grows the tiler heap for each stream of `group` that reported TILER_OOM: the heap context
   * and counters read from the CS output, `panthorHeapGrow()` asked for a chunk, the answer
   * (the chunk, or 0 for -ENOMEM: wait for fragments or run the OOM handler) written to
   * heap_start/heap_end and TILER_OOM acknowledged; any other failure makes the queue fatal. A
   * group scheduled out meanwhile gives the chunk back. Mirrors group_tiler_oom_work() and
   * group_process_tiler_oom().
   */
  private groupTilerOomWork(group: PanthorGroup): void {
    // Growing maps a chunk in the group's VM: wait for an operation in progress there.
    if (group.vm.opLock.held) {
      group.vm.opLock.whenFree(() => this.groupTilerOomWork(group));
      return;
    }
    let oom = group.tilerOom;
    group.tilerOom = 0;
    for (let cs = 0; oom !== 0; cs++, oom >>>= 1) {
      if ((oom & 1) !== 0) this.withLock(() => this.processTilerOom(group, cs));
    }
    group.put();
  }

  private processTilerOom(group: PanthorGroup, cs: number): void {
    const csgId = group.csgId;
    if (csgId < 0) return;
    const out = this.csIface(csgId, cs).output;
    const heapAddress =
      out.read(CSF_CS_OUTPUT.heap_address + 4) * 2 ** 32 + out.read(CSF_CS_OUTPUT.heap_address);
    const vtStart = out.read(CSF_CS_OUTPUT.heap_vt_start);
    const vtEnd = out.read(CSF_CS_OUTPUT.heap_vt_end);
    const fragEnd = out.read(CSF_CS_OUTPUT.heap_frag_end);
    const pool = panthorVmHeapPool(group.vm);
    let ret: number;
    let chunk = 0;
    if (pool === null || fragEnd > vtEnd || vtEnd >= vtStart) {
      ret = -EINVAL;
    } else {
      const r = panthorHeapGrow(
        pool,
        heapAddress,
        (vtStart - fragEnd) >>> 0,
        (vtEnd - fragEnd) >>> 0,
      );
      ret = r < 0 ? r : 0;
      chunk = r < 0 ? 0 : r;
    }
    if (ret !== 0 && ret !== -ENOMEM) {
      group.fatalQueues |= 1 << cs;
      this.queueTick(0);
      return;
    }
    if (group.csgId < 0) {
      if (chunk !== 0 && pool !== null) panthorHeapReturnChunk(pool, heapAddress, chunk);
      return;
    }
    const csIf = this.csIface(group.csgId, cs);
    csIf.input.write(CSF_CS_INPUT.heap_start, chunk >>> 0);
    csIf.input.write(CSF_CS_INPUT.heap_start + 4, Math.floor(chunk / 2 ** 32));
    csIf.input.write(CSF_CS_INPUT.heap_end, chunk >>> 0);
    csIf.input.write(CSF_CS_INPUT.heap_end + 4, Math.floor(chunk / 2 ** 32));
    fwUpdateBlockReqs(
      csIf.input,
      CSF_CS_INPUT.req,
      csIf.output.read(CSF_CS_OUTPUT.ack),
      CS_TILER_OOM,
    );
    const csg = this.csgIface(group.csgId);
    fwToggleBlockReqs(
      csg.input,
      CSF_CSG_INPUT.doorbell_req,
      csg.output,
      CSF_CSG_OUTPUT.doorbell_ack,
      1 << cs,
    );
    this.env.fw.ringCsgDoorbells(1 << group.csgId);
  }

  /**
   * The end of a terminated group: every in-flight job's fence signalled with -EINVAL (fatal
   * queue), -ETIMEDOUT (timed out) or -ECANCELED, and each queue's sync object set to
   * `{seqno: last, status: ~0}` so nothing waits on it any more. Mirrors group_term_work() /
   * group_term_post_processing().
   */
  protected groupTermWork(group: PanthorGroup): void {
    group.get();
    this.env.loop.schedule(
      0,
      () => {
        if (group.canRun) {
          this.env.warnings.warn("group_term_post_processing", "group can still run");
        } else {
          group.queues.forEach((q, i) => {
            const err =
              (group.fatalQueues & (1 << i)) !== 0
                ? -EINVAL
                : group.timedout
                  ? -ETIMEDOUT
                  : -ECANCELED;
            const jobs = q.inFlight.splice(0);
            for (const job of jobs) job.doneFence?.signal(err);
            this.counters.jobsDone += jobs.length;
            const kmap = group.syncobjs.kmap;
            const seqno = q.fenceCtx instanceof DmaFenceContext ? q.fenceCtx.lastSeqno : 0;
            if (kmap !== null) {
              const off = i * PANTHOR_SYNCOBJ_64B_SIZE;
              kmap.writeU32(off + 8, 0xffff_ffff);
              kmap.writeU32(off, seqno >>> 0);
              kmap.writeU32(off + 4, Math.floor(seqno / 2 ** 32));
            }
            this.queueWork("sync-upd", () => this.withLock(() => this.syncUpdWork()));
          });
        }
        group.put();
      },
      "panthor-sched:group-term",
    );
  }
}

/**
 * Adds a finished profiled job's GPU cycles and time (after − before in its profiling slot,
 * each only if its flag was set when the job was made) to its group's usage. Mirrors
 * update_fdinfo_stats().
 */
function updateFdinfoStats(group: PanthorGroup, queue: PanthorQueue, job: QueueJob): void {
  const kmap = queue.profilingSlots.kmap;
  if (kmap === null) return;
  const at = job.profiling.slot * PANTHOR_JOB_PROFILING_DATA_SIZE;
  const u64 = (off: number): number =>
    kmap.readU32(at + off + 4) * 2 ** 32 + kmap.readU32(at + off);
  if ((job.profiling.mask & PANTHOR_DEVICE_PROFILING_CYCLES) !== 0)
    group.usage.cycles += u64(8) - u64(0);
  if ((job.profiling.mask & PANTHOR_DEVICE_PROFILING_TIMESTAMP) !== 0)
    group.usage.time += u64(24) - u64(16);
}
