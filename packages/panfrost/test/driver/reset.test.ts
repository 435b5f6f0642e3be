/**
 * Timeouts, resets and close: a hung job times out after 500 ms of virtual time, the GPU is
 * reset (every AS returned), the other files' jobs re-run; closing a file hard-stops its jobs.
 */
import { ProgramBuilder } from "@panmmu/hw";
import { ECANCELED, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanfrostClient } from "../../src/client/client.js";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { FORMAT_PRESETS, makeStack } from "../helpers/stack.js";
import { stuckableDevice } from "../helpers/stuck-as.js";

const MS = 1_000_000;

describe.each(FORMAT_PRESETS)("reset and close on $label", ({ preset, probe }) => {
  it("a hung job times out at 500 ms, the GPU resets, queued jobs of other files re-run", () => {
    const s = makeStack(preset, probe);
    const hung = s.open("hung");
    const other = s.open("other");
    const bo = other.createBo(4096, PANFROST_BO_NOEXEC);
    const t0 = s.sim.loop.now;
    const h = submitProgram(
      hung,
      new ProgramBuilder()
        .delay(2_000 * MS)
        .end()
        .buildBytes(),
    );
    const o = submitProgram(other, new ProgramBuilder().write32(bo.offset, 42).end().buildBytes(), [
      bo.handle,
    ]);
    expect(h.ret).toBe(0);
    expect(o.ret).toBe(0);
    expect(waitSubmission(hung, h, 100 * MS)).toBe(false);
    expect(waitSubmission(hung, h, 700 * MS)).toBe(true);
    const elapsed = s.sim.loop.now - t0;
    expect(elapsed).toBeGreaterThanOrEqual(500 * MS);
    expect(elapsed).toBeLessThan(800 * MS);
    expect(hung.fenceError(h.outSync)).toBe(-ECANCELED);
    expect(waitSubmission(other, o, 100 * MS)).toBe(true);
    expect(other.fenceError(o.outSync)).toBe(0);
    expect(s.dev.jobs.counters.timeouts).toBe(1);
    expect(s.dev.hwResets).toBe(1);
    // The hung file can submit again after the reset.
    const again = submitProgram(hung, new ProgramBuilder().end().buildBytes());
    expect(waitSubmission(hung, again, 100 * MS)).toBe(true);
    expect(hung.fenceError(again.outSync)).toBe(0);
    hung.close();
    other.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("closing a file hard-stops its running job; its BO stays valid until the job is gone", () => {
    const s = makeStack(preset, probe);
    const c = s.open("closer");
    const keep = s.open("keeper");
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const sub = submitProgram(
      c,
      new ProgramBuilder()
        .delay(300 * MS)
        .write32(bo.offset, 1)
        .end()
        .buildBytes(),
      [bo.handle],
    );
    expect(sub.ret).toBe(0);
    s.sim.loop.advance(MS);
    expect(c.gemClose(bo.handle)).toBe(0);
    expect(c.gemClose(sub.jobBo)).toBe(0);
    const fence = s.dev.bos.size;
    expect(fence).toBeGreaterThan(0);
    expect(c.close()).toBe(0);
    s.sim.loop.runUntilIdle(100_000);
    expect(s.dev.jobs.counters.cancelled).toBe(1);
    expect(s.dev.jobs.counters.timeouts).toBe(0);
    // The GPU still works for others.
    const kb = keep.createBo(4096, PANFROST_BO_NOEXEC);
    const k = submitProgram(keep, new ProgramBuilder().write32(kb.offset, 5).end().buildBytes(), [
      kb.handle,
    ]);
    expect(waitSubmission(keep, k, 100 * MS)).toBe(true);
    expect(keep.fenceError(k.outSync)).toBe(0);
    keep.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });
});

describe("wait_ready timeout", () => {
  it("an AS stuck ACTIVE for 100 ms makes the MMU operation time out and schedules a GPU reset", () => {
    const s = makeStack();
    const { dev, stuck } = stuckableDevice(s);
    const c = PanfrostClient.open(dev, "stuck") as PanfrostClient;
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const sub = submitProgram(c, new ProgramBuilder().write32(bo.offset, 1).end().buildBytes(), [
      bo.handle,
    ]);
    expect(waitSubmission(c, sub, 100 * MS)).toBe(true);
    expect(c.handle.priv.ctx.as).toBeGreaterThanOrEqual(0);
    stuck.on = true;
    const t0 = s.sim.loop.now;
    // Mapping a new BO flushes the bound AS: LOCK never gets to run.
    expect(c.createBo(4096, PANFROST_BO_NOEXEC).ret).toBe(0);
    expect(s.sim.loop.now - t0).toBeGreaterThanOrEqual(100 * MS);
    expect(dev.mmu.hw.counters.stuck).toBeGreaterThan(0);
    stuck.on = false;
    s.sim.loop.runUntilIdle(100_000);
    expect(dev.hwResets).toBe(1);
    // After the reset the context is unbound and works again.
    expect(c.handle.priv.ctx.as).toBe(-1);
    const again = submitProgram(c, new ProgramBuilder().write32(bo.offset, 2).end().buildBytes(), [
      bo.handle,
    ]);
    expect(waitSubmission(c, again, 100 * MS)).toBe(true);
    expect(c.fenceError(again.outSync)).toBe(0);
    c.close();
  });
});
