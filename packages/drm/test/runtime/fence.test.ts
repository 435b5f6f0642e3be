import { EventLoopSim } from "@panmmu/hw";
import { CollectingWarningSink, EINVAL, EIO, ENOENT } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DmaFence,
  DmaFenceChain,
  DmaFenceContext,
  DmaResv,
  DmaResvUsage,
  dmaFenceChainFindSeqno,
  dmaFenceContextAlloc,
  dmaFenceGetStub,
} from "../../src/index.js";

describe("DmaFence", () => {
  it("signals once, runs callbacks once in order, keeps its error", () => {
    const loop = new EventLoopSim();
    const ctx = new DmaFenceContext(loop, "toy", "ring0");
    const f = ctx.createFence();
    expect([f.context, f.seqno]).toEqual([ctx.context, 1]);
    expect(ctx.createFence().seqno).toBe(2);
    const calls: string[] = [];
    expect(f.addCallback(() => calls.push("a"))).toBe(0);
    const b = (): void => {
      calls.push("b");
    };
    expect(f.addCallback(b)).toBe(0);
    expect(f.addCallback(() => calls.push("c"))).toBe(0);
    expect(f.removeCallback(b)).toBe(true);
    expect(f.status).toBe(0);
    loop.advance(100);
    expect(f.signal(-EIO)).toBe(0);
    expect(f.signal()).toBe(-EINVAL);
    f.setError(-EINVAL);
    expect(calls).toEqual(["a", "c"]);
    expect([f.signaled, f.error, f.status, f.timestamp]).toEqual([true, -EIO, -EIO, 100]);
    expect(f.addCallback(() => calls.push("late"))).toBe(-ENOENT);
    expect(calls).toEqual(["a", "c"]);
  });

  it("wait advances the virtual clock and times out on it", () => {
    const loop = new EventLoopSim();
    const ctx = new DmaFenceContext(loop, "toy", "ring0");
    const f = ctx.createFence();
    loop.schedule(5000, () => f.signal(), "irq");
    expect(f.wait(1000)).toBe(0);
    expect(loop.now).toBe(1000);
    expect(f.wait(10_000)).toBe(6000);
    expect(loop.now).toBe(5000);
    expect(f.wait(0)).toBe(1);
    const never = ctx.createFence();
    expect(never.wait(0)).toBe(0);
    expect(loop.now).toBe(5000);
    expect(never.wait(250)).toBe(0);
    expect(loop.now).toBe(5250);
  });

  it("contexts are distinct and the stub is signalled", () => {
    const a = dmaFenceContextAlloc(2);
    const b = dmaFenceContextAlloc(1);
    expect(b).toBe(a + 2);
    expect(dmaFenceGetStub().signaled).toBe(true);
    expect(dmaFenceGetStub().wait(10)).toBe(10);
  });

  it("property: whatever the order of signal/add/remove calls, each callback runs at most once and only after signal", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("add", "remove", "signal"), { maxLength: 30 }),
        (ops) => {
          const f = new DmaFence(
            { context: 99, loop: null, driverName: "t", timelineName: "t" },
            1,
          );
          const runs = new Map<number, number>();
          const cbs: (() => void)[] = [];
          let signaled = false;
          for (const op of ops) {
            if (op === "add") {
              const id = cbs.length;
              const cb = (): void => {
                runs.set(id, (runs.get(id) ?? 0) + 1);
                expect(f.signaled).toBe(true);
              };
              cbs.push(cb);
              expect(f.addCallback(cb)).toBe(signaled ? -ENOENT : 0);
            } else if (op === "remove" && cbs.length > 0) {
              f.removeCallback(cbs[cbs.length - 1] as () => void);
            } else if (op === "signal") {
              expect(f.signal()).toBe(signaled ? -EINVAL : 0);
              signaled = true;
            }
          }
          for (const n of runs.values()) expect(n).toBe(1);
        },
      ),
    );
  });
});

describe("DmaFenceChain", () => {
  it("signals a point only after its fence and every earlier point", () => {
    const loop = new EventLoopSim();
    const ctx = new DmaFenceContext(loop, "toy", "q");
    const f1 = ctx.createFence();
    const f2 = ctx.createFence();
    const p1 = new DmaFenceChain(null, f1, 1);
    const p3 = new DmaFenceChain(p1, f2, 3);
    expect(p3.context).toBe(p1.context);
    expect(p3.prevSeqno).toBe(1);
    f2.signal();
    expect(p3.signaled).toBe(false);
    f1.signal();
    expect([p1.signaled, p3.signaled]).toEqual([true, true]);
    // a point not later than the head starts a new context
    const p2 = new DmaFenceChain(p3, ctx.createFence(), 2);
    expect(p2.context).not.toBe(p3.context);
    expect(p2.seqno).toBe(3);
  });

  it("find_seqno picks the covering point, null once signalled, -EINVAL beyond the head", () => {
    const loop = new EventLoopSim();
    const ctx = new DmaFenceContext(loop, "toy", "q");
    const fs = [ctx.createFence(), ctx.createFence(), ctx.createFence()];
    let head: DmaFence | null = null;
    const points = [2, 5, 9];
    const nodes: DmaFenceChain[] = [];
    fs.forEach((f, i) => {
      const n: DmaFenceChain = new DmaFenceChain(head, f, points[i] as number);
      nodes.push(n);
      head = n;
    });
    const h = head as unknown as DmaFence;
    expect(dmaFenceChainFindSeqno(h, 10)).toBe(-EINVAL);
    expect(dmaFenceChainFindSeqno(fs[0] as DmaFence, 1)).toBe(-EINVAL);
    expect(dmaFenceChainFindSeqno(h, 0)).toEqual({ fence: h });
    expect(dmaFenceChainFindSeqno(h, 7)).toEqual({ fence: nodes[2] });
    expect(dmaFenceChainFindSeqno(h, 5)).toEqual({ fence: nodes[1] });
    expect(dmaFenceChainFindSeqno(h, 1)).toEqual({ fence: nodes[0] });
    fs[0]?.signal();
    expect(dmaFenceChainFindSeqno(h, 1)).toEqual({ fence: null });
  });
});

describe("DmaResv", () => {
  it("filters by usage, replaces fences of one context, tests and waits", () => {
    const loop = new EventLoopSim();
    const warnings = new CollectingWarningSink();
    const resv = new DmaResv(warnings);
    const a = new DmaFenceContext(loop, "toy", "a");
    const b = new DmaFenceContext(loop, "toy", "b");
    const k = a.createFence();
    const w = b.createFence();
    const r = new DmaFenceContext(loop, "toy", "c").createFence();
    const bk = new DmaFenceContext(loop, "toy", "d").createFence();
    resv.reserveFences(4);
    resv.addFence(k, DmaResvUsage.KERNEL);
    resv.addFence(w, DmaResvUsage.WRITE);
    resv.addFence(r, DmaResvUsage.READ);
    resv.addFence(bk, DmaResvUsage.BOOKKEEP);
    expect(resv.fences(DmaResvUsage.KERNEL)).toEqual([k]);
    expect(resv.fences(DmaResvUsage.WRITE)).toEqual([k, w]);
    expect(resv.fences(DmaResvUsage.READ)).toEqual([k, w, r]);
    expect(resv.fences(DmaResvUsage.BOOKKEEP)).toEqual([k, w, r, bk]);
    // a later fence of the write context replaces the earlier one without a new slot
    const w2 = b.createFence();
    resv.addFence(w2, DmaResvUsage.WRITE);
    expect(resv.fences(DmaResvUsage.WRITE)).toEqual([k, w2]);
    expect(warnings.warnings).toEqual([]);
    k.signal();
    w.signal();
    expect(resv.testSignaled(DmaResvUsage.WRITE)).toBe(false);
    loop.schedule(300, () => w2.signal(), "w2");
    loop.schedule(900, () => r.signal(), "r");
    expect(resv.waitTimeout(DmaResvUsage.WRITE, 1000)).toBe(700);
    expect(loop.now).toBe(300);
    expect(resv.testSignaled(DmaResvUsage.READ)).toBe(false);
    expect(resv.waitTimeout(DmaResvUsage.READ, 100)).toBe(0);
    expect(loop.now).toBe(400);
    expect(resv.waitTimeout(DmaResvUsage.READ, 1000)).toBe(500);
    expect(resv.testSignaled(DmaResvUsage.READ)).toBe(true);
    expect(resv.testSignaled(DmaResvUsage.BOOKKEEP)).toBe(false);
    // signalled entries are reused without a reservation
    const before = resv.entries().length;
    resv.addFence(new DmaFenceContext(loop, "toy", "e").createFence(), DmaResvUsage.READ);
    expect(resv.entries().length).toBe(before);
    expect(warnings.warnings).toEqual([]);
    // adding beyond the reservation is warned about
    const fresh = new DmaResv(warnings);
    fresh.addFence(new DmaFenceContext(loop, "toy", "f").createFence(), DmaResvUsage.READ);
    expect(warnings.warnings.map((x) => x.where)).toEqual(["dma_resv_add_fence"]);
  });
  it("a later fence of one context never downgrades a stronger usage (READ after WRITE keeps both)", () => {
    const loop = new EventLoopSim();
    const warnings = new CollectingWarningSink();
    const resv = new DmaResv(warnings);
    const ring = new DmaFenceContext(loop, "toy", "ring");
    const write = ring.createFence();
    const read = ring.createFence();
    resv.reserveFences(2);
    resv.addFence(write, DmaResvUsage.WRITE);
    resv.addFence(read, DmaResvUsage.READ);
    // the WRITE entry stays: implicit-sync readers still wait for the write
    expect(resv.entries().map((e) => [e.fence, e.usage])).toEqual([
      [write, DmaResvUsage.WRITE],
      [read, DmaResvUsage.READ],
    ]);
    expect(resv.fences(DmaResvUsage.WRITE)).toEqual([write]);
    // a later WRITE of the context takes the first slot whose usage is not stronger: the WRITE one
    const write2 = ring.createFence();
    resv.addFence(write2, DmaResvUsage.WRITE);
    expect(resv.entries().map((e) => [e.fence, e.usage])).toEqual([
      [write2, DmaResvUsage.WRITE],
      [read, DmaResvUsage.READ],
    ]);
    // BOOKKEEP after KERNEL on one context: both kept
    const mm = new DmaResv(warnings);
    const k = ring.createFence();
    const bk = ring.createFence();
    mm.reserveFences(2);
    mm.addFence(k, DmaResvUsage.KERNEL);
    mm.addFence(bk, DmaResvUsage.BOOKKEEP);
    expect(mm.fences(DmaResvUsage.KERNEL)).toEqual([k]);
    expect(mm.fences(DmaResvUsage.BOOKKEEP)).toEqual([k, bk]);
    expect(warnings.warnings).toEqual([]);
  });
});
