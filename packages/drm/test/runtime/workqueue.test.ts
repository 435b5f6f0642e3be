/**
 * Ordered workqueues (queue once, FIFO, one at a time, delayed work, cancel, a start gate) and
 * the scheduler's timeout handler running on one.
 */
import { EventLoopSim } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DmaFenceContext,
  DrmDelayedWork,
  DrmGpuSchedStat,
  DrmGpuScheduler,
  DrmSchedEntity,
  DrmSchedJob,
  DrmSchedPriority,
  DrmWork,
  OrderedWorkqueue,
  type WorkqueueGate,
} from "../../src/index.js";

/** A gate that is a plain flag, waking its waiters (each once) when opened. */
class FlagGate implements WorkqueueGate {
  closed = false;
  private readonly waiters = new Set<() => void>();
  get isOpen(): boolean {
    return !this.closed;
  }
  get waiting(): number {
    return this.waiters.size;
  }
  whenOpen(wake: () => void): void {
    this.waiters.add(wake);
  }
  open(): void {
    this.closed = false;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

describe("OrderedWorkqueue", () => {
  it("runs items from events, in queueing order, and queues a pending item only once", () => {
    const loop = new EventLoopSim();
    const wq = new OrderedWorkqueue(loop, "wq");
    const log: string[] = [];
    const a = new DrmWork(() => log.push("a"), "a");
    const b = new DrmWork(() => log.push("b"), "b");
    expect(wq.queueWork(a)).toBe(true);
    expect(wq.queueWork(b)).toBe(true);
    expect(wq.queueWork(a)).toBe(false);
    expect(log).toEqual([]);
    expect(wq.queued).toEqual([a, b]);
    loop.runUntilIdle();
    expect(log).toEqual(["a", "b"]);
    expect(a.pending || b.pending).toBe(false);
    // Once run, an item can be queued again.
    expect(wq.queueWork(a)).toBe(true);
    loop.runUntilIdle();
    expect(log).toEqual(["a", "b", "a"]);
  });

  it("starts nothing while an item runs, even when the item polls the loop", () => {
    const loop = new EventLoopSim();
    const wq = new OrderedWorkqueue(loop, "wq");
    const log: string[] = [];
    const second = new DrmWork(() => log.push(`second@${loop.now}`), "second");
    const first = new DrmWork(() => {
      log.push("first:start");
      wq.queueWork(second);
      loop.advance(1_000);
      log.push(`first:end@${loop.now}`);
    }, "first");
    wq.queueWork(first);
    loop.runUntilIdle();
    expect(log).toEqual(["first:start", "first:end@1000", "second@1000"]);
    expect(wq.running).toBeNull();
  });

  it("a running item may be queued again and runs once more afterwards", () => {
    const loop = new EventLoopSim();
    const wq = new OrderedWorkqueue(loop, "wq");
    let runs = 0;
    const w: DrmWork = new DrmWork(() => {
      runs++;
      if (runs === 1) {
        expect(w.running).toBe(true);
        expect(wq.queueWork(w)).toBe(true);
        expect(wq.queueWork(w)).toBe(false);
      }
    }, "w");
    wq.queueWork(w);
    loop.runUntilIdle();
    expect(runs).toBe(2);
  });

  it("delayed work: armed once, re-armed by mod, cancelled before its timer or before it starts", () => {
    const loop = new EventLoopSim();
    const wq = new OrderedWorkqueue(loop, "wq");
    const times: number[] = [];
    const d = new DrmDelayedWork(() => times.push(loop.now), "d");
    expect(wq.queueDelayedWork(d, 100)).toBe(true);
    expect(wq.queueDelayedWork(d, 10)).toBe(false);
    expect(d.isPending).toBe(true);
    loop.runUntilIdle();
    expect(times).toEqual([100]);
    expect(d.isPending).toBe(false);
    expect(wq.queueDelayedWork(d, 100)).toBe(true);
    expect(wq.modDelayedWork(d, 30)).toBe(true);
    loop.runUntilIdle();
    expect(times).toEqual([100, 130]);
    expect(wq.queueDelayedWork(d, 50)).toBe(true);
    expect(wq.cancelDelayedWork(d)).toBe(true);
    expect(wq.cancelDelayedWork(d)).toBe(false);
    loop.runUntilIdle();
    expect(times).toEqual([100, 130]);
    // Queued (timer expired) but not started: cancel still takes it off.
    const gate = new FlagGate();
    const gated = new OrderedWorkqueue(loop, "gated", gate);
    gate.closed = true;
    expect(gated.queueDelayedWork(d, 10)).toBe(true);
    loop.runUntilIdle();
    expect(d.pending).toBe(true);
    expect(gated.cancelDelayedWork(d)).toBe(true);
    gate.open();
    loop.runUntilIdle();
    expect(times).toEqual([100, 130]);
  });

  it("a closed gate holds every item back and wakes the queue once when it opens", () => {
    const loop = new EventLoopSim();
    const gate = new FlagGate();
    const wq = new OrderedWorkqueue(loop, "wq", gate);
    const log: string[] = [];
    gate.closed = true;
    for (const n of ["a", "b", "c"]) wq.queueWork(new DrmWork(() => log.push(n), n));
    loop.advance(1_000_000);
    expect(log).toEqual([]);
    expect(gate.waiting).toBe(1);
    gate.open();
    expect(log).toEqual([]); // the items still run from events
    loop.runUntilIdle();
    expect(log).toEqual(["a", "b", "c"]);
    expect(gate.waiting).toBe(0);
  });
});

class Job extends DrmSchedJob {
  constructor(readonly durationNs: number) {
    super();
  }
}

describe("scheduler timeout on a gated workqueue", () => {
  function setup() {
    const loop = new EventLoopSim();
    const warnings = new CollectingWarningSink();
    const hw = new DmaFenceContext(loop, "toy", "hw");
    const gate = new FlagGate();
    const wq = new OrderedWorkqueue(loop, "reset-wq", gate);
    const timedOut: Array<{ job: Job; pendingDuringHandler: number }> = [];
    const freed: Job[] = [];
    const sched: DrmGpuScheduler<Job> = new DrmGpuScheduler<Job>(
      loop,
      {
        runJob(job) {
          const f = hw.createFence();
          loop.schedule(job.durationNs, () => f.signal(), "hw");
          return f;
        },
        timedoutJob(job) {
          timedOut.push({ job, pendingDuringHandler: sched.pendingList.length });
          return DrmGpuSchedStat.NO_HANG;
        },
        freeJob(job) {
          freed.push(job);
        },
      },
      { name: "js0", creditLimit: 2, timeoutNs: 1_000, timeoutWq: wq },
      warnings,
    );
    const entity = new DrmSchedEntity(sched, DrmSchedPriority.NORMAL);
    const push = (durationNs: number): Job => {
      const job = new Job(durationNs);
      expect(job.init(entity, 1)).toBe(0);
      job.arm();
      job.push();
      return job;
    };
    return { loop, warnings, gate, sched, timedOut, freed, push };
  }

  it("the expired job stays on the pending list until the handler can start", () => {
    const t = setup();
    const job = t.push(5_000);
    t.loop.advance(10);
    t.gate.closed = true;
    t.loop.advance(2_000);
    expect(t.timedOut).toEqual([]);
    expect(t.sched.pendingList).toEqual([job]);
    expect(t.sched.timeoutArmed).toBe(true);
    t.gate.open();
    t.loop.advance(0);
    expect(t.timedOut).toEqual([{ job, pendingDuringHandler: 0 }]);
    // NO_HANG put it back; it completes and is freed normally.
    expect(t.sched.pendingList).toEqual([job]);
    t.loop.runUntilIdle();
    expect(t.freed).toEqual([job]);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("freeing the job cancels a handler that is queued but not started", () => {
    const t = setup();
    const job = t.push(1_500);
    t.loop.advance(10);
    t.gate.closed = true;
    t.loop.advance(1_000);
    expect(t.sched.timeoutArmed).toBe(true);
    t.loop.advance(1_000);
    expect(t.freed).toEqual([job]);
    expect(t.sched.timeoutArmed).toBe(false);
    t.gate.open();
    t.loop.runUntilIdle();
    expect(t.timedOut).toEqual([]);
  });
});
