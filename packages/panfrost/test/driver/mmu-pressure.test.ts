/**
 * Work must not be lost while MMU operations hold the AS lock: a job that times out during
 * another file's (stuck) MMU operation is reset and cancelled like any other timed-out job, and
 * jobs waiting for the lock start as soon as it is released, each waiter queued once.
 */
import { ProgramBuilder } from "@panmmu/hw";
import { ECANCELED, PANFROST_BO_NOEXEC, PANFROST_JD_REQ_FS } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanfrostClient } from "../../src/client/client.js";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import type { PanfrostDevice } from "../../src/device/device.js";
import { makeStack } from "../helpers/stack.js";
import { stuckableDevice } from "../helpers/stuck-as.js";

const MS = 1_000_000;
const END = new ProgramBuilder().end().buildBytes();

function open(dev: PanfrostDevice, name: string): PanfrostClient {
  const c = PanfrostClient.open(dev, name);
  if (typeof c === "number") throw new Error(`open failed: ${c}`);
  return c;
}

describe("MMU pressure", () => {
  it("a job timing out while another file's stuck MMU operation holds the AS lock is reset and cancelled, not lost", () => {
    const s = makeStack();
    const { dev, stuck } = stuckableDevice(s);
    const base = s.sim.memory.allocatedPages;
    const a = open(dev, "hung");
    const b = open(dev, "stuck-as");
    // B gets an AS bound, so its next mapping flushes (and gets stuck).
    const warm = submitProgram(b, END);
    expect(waitSubmission(b, warm, 100 * MS)).toBe(true);
    expect(b.handle.priv.ctx.as).toBeGreaterThanOrEqual(0);
    // A's job runs far past the 500 ms timeout.
    const hung = submitProgram(
      a,
      new ProgramBuilder()
        .delay(4_000 * MS)
        .end()
        .buildBytes(),
    );
    expect(hung.ret).toBe(0);
    s.sim.loop.advance(450 * MS);
    // B's CREATE_BO flushes a stuck AS: the AS lock is held for the whole 100 ms poll, during
    // which A's timeout expires; the stuck command also schedules a reset.
    stuck.on = true;
    const t0 = s.sim.loop.now;
    expect(b.createBo(4096, PANFROST_BO_NOEXEC).ret).toBe(0);
    stuck.on = false;
    expect(s.sim.loop.now - t0).toBeGreaterThanOrEqual(100 * MS);
    expect(dev.mmu.hw.counters.stuck).toBeGreaterThan(0);
    // The timed-out job ends -ECANCELED (drm_sched_stop put it back, its karma made it guilty).
    expect(waitSubmission(a, hung, 200 * MS)).toBe(true);
    expect(a.fenceError(hung.outSync)).toBe(-ECANCELED);
    expect(dev.jobs.counters.timeouts).toBe(1);
    // One reset covered both requests (the reset work found nothing pending any more).
    expect(dev.hwResets).toBe(1);
    // Its credit came back: more jobs than the slot's credit limit run on the same slot.
    const more = [0, 1, 2].map(() => submitProgram(a, END));
    for (const m of more) {
      expect(waitSubmission(a, m, 100 * MS)).toBe(true);
      expect(a.fenceError(m.outSync)).toBe(0);
    }
    expect(a.close()).toBe(0);
    expect(b.close()).toBe(0);
    s.sim.loop.runUntilIdle(100_000);
    expect(dev.bos.size).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("a timeout handler that could not start before its job completed is cancelled, not run", () => {
    const s = makeStack();
    const { dev, stuck } = stuckableDevice(s);
    const a = open(dev, "slow");
    const b = open(dev, "stuck-as");
    const warm = submitProgram(b, END);
    expect(waitSubmission(b, warm, 100 * MS)).toBe(true);
    // A's job needs 520 ms: its 500 ms timeout expires during B's stuck flush, but the job is
    // done before the timeout handling could start, so it is not a hang.
    const slow = submitProgram(
      a,
      new ProgramBuilder()
        .delay(520 * MS)
        .end()
        .buildBytes(),
    );
    s.sim.loop.advance(450 * MS);
    stuck.on = true;
    expect(b.createBo(4096, PANFROST_BO_NOEXEC).ret).toBe(0);
    stuck.on = false;
    expect(waitSubmission(a, slow, 200 * MS)).toBe(true);
    expect(a.fenceError(slow.outSync)).toBe(0);
    expect(dev.jobs.counters.timeouts).toBe(0);
    a.close();
    b.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("jobs waiting for the AS lock start when it is released, each waiter queued once", () => {
    const s = makeStack();
    const a = s.open("mapper");
    const b = s.open("submitter");
    const warm = submitProgram(a, END);
    expect(waitSubmission(a, warm, 100 * MS)).toBe(true);
    expect(a.handle.priv.ctx.as).toBeGreaterThanOrEqual(0);
    // One job per job slot, each writing its own BO (no implicit dependency between them); the
    // schedulers' run work is queued, not run yet.
    const bo0 = b.createBo(4096, PANFROST_BO_NOEXEC);
    const bo1 = b.createBo(4096, PANFROST_BO_NOEXEC);
    const j0 = submitProgram(b, new ProgramBuilder().write32(bo0.offset, 1).end().buildBytes(), [
      bo0.handle,
    ]);
    const j1 = submitProgram(
      b,
      new ProgramBuilder().write32(bo1.offset, 2).end().buildBytes(),
      [bo1.handle],
      PANFROST_JD_REQ_FS,
    );
    const submits0 = s.dev.jobs.counters.hwSubmits;
    const contended0 = s.dev.mmu.lock.contended;
    // A's first CREATE_BO flushes its bound AS; B's jobs reach run_job during that flush, find
    // the lock held, and take their AS when the flush releases it.
    expect(a.createBo(4096, PANFROST_BO_NOEXEC).ret).toBe(0);
    expect(s.dev.jobs.counters.hwSubmits - submits0).toBe(2);
    expect(b.handle.priv.ctx.as).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 30; i++) expect(a.createBo(4096, PANFROST_BO_NOEXEC).ret).toBe(0);
    // Each slot found the lock held at most once: nothing was re-queued.
    expect(s.dev.mmu.lock.contended - contended0).toBeLessThanOrEqual(2);
    expect(s.dev.mmu.lock.waiting).toBe(0);
    expect(waitSubmission(b, j0, 10 * MS)).toBe(true);
    expect(waitSubmission(b, j1, 10 * MS)).toBe(true);
    expect(b.fenceError(j0.outSync)).toBe(0);
    expect(b.fenceError(j1.outSync)).toBe(0);
    a.close();
    b.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("a job whose completion interrupt comes late is not a hang: it is handled and freed", () => {
    // 600 ms from level to handler: the 500 ms timeout runs before the job IRQ handler does.
    const s = makeStack("t860", {}, { timing: { irqNs: 600 * MS } });
    const c = s.open("late-irq");
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const sub = submitProgram(c, new ProgramBuilder().write32(bo.offset, 7).end().buildBytes(), [
      bo.handle,
    ]);
    expect(waitSubmission(c, sub, 550 * MS)).toBe(true);
    expect(c.fenceError(sub.outSync)).toBe(0);
    expect(s.dev.jobs.counters.timeouts).toBe(0);
    expect(s.dev.hwResets).toBe(0);
    expect(c.close()).toBe(0);
    s.sim.loop.runUntilIdle(100_000);
    // The timeout handler's NO_HANG put the job back on the pending list, so it was freed.
    expect(s.dev.bos.size).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });
});
