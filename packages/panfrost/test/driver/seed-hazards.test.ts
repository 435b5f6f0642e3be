/**
 * Every hazard raised in the seed reviews (per-FD address spaces, heap BOs), as a test.
 */

import { DrmMm, PANFROST_PFN_4G as PFN_4G, panfrostColorAdjust } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import { EINVAL, ENOSPC, PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { PanfrostDevice } from "../../src/device/device.js";
import { VaNode } from "../../src/mmu/context.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;

describe("seed review hazards", () => {
  it("drm_mm init resets color_adjust, so the driver installs it after init", () => {
    // The trap: setting the callback before init loses it.
    const wrong = new DrmMm();
    wrong.colorAdjust = panfrostColorAdjust;
    wrong.init(0x2000, 0xfe000);
    expect(wrong.colorAdjust).toBeNull();
    // The driver's contexts keep it.
    const s = makeStack();
    const c = s.open();
    expect(c.handle.priv.ctx.mm.colorAdjust).not.toBeNull();
    c.close();
  });

  it("color_adjust is in force: no executable BO within 16 MiB below 4 GiB", () => {
    const s = makeStack();
    const c = s.open();
    const mm = c.handle.priv.ctx.mm;
    // Occupy [32 MiB, 4 GiB - 8 MiB) with a NOEXEC-coloured node: an 8 MiB hole remains below 4 GiB.
    const filler = new VaNode();
    expect(
      mm.insertNodeInRange(
        filler,
        PFN_4G - 0x2000 - 0x800,
        0,
        PANFROST_BO_NOEXEC,
        0x2000,
        PFN_4G,
        0,
      ),
    ).toBe(0);
    // An executable BO may not start within 16 MiB below the boundary: nowhere to go.
    expect(c.createBo(1 << 20, 0).ret).toBe(-ENOSPC);
    // A NOEXEC one fits in the hole.
    const ok = c.createBo(1 << 20, PANFROST_BO_NOEXEC);
    expect(ok.ret).toBe(0);
    expect(ok.offset).toBe(2 ** 32 - 8 * (1 << 20));
    mm.removeNode(filler);
    // With the space free, executable BOs are aligned to their size and avoid page 0 of a segment.
    const e = c.createBo(1 << 20, 0);
    expect(e.ret).toBe(0);
    expect(e.offset % (1 << 20)).toBe(0);
    expect((e.offset / 4096) % PFN_4G).not.toBe(0);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });

  it("open failure frees everything (no page, no file left behind)", () => {
    const s = makeStack();
    const before = s.sim.memory.allocatedPages;
    const filesBefore = s.dev.files.length;
    s.sim.memory.failNthAllocation(1); // the page-table root
    const r = s.dev.open("doomed");
    expect(r).toBe(-EINVAL);
    expect(s.sim.memory.allocatedPages).toBe(before);
    expect(s.dev.files.length).toBe(filesBefore);
    expect(s.dev.drm.files.length).toBe(0);
    const c = s.open();
    expect(c.createBo(4096).ret).toBe(0);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(before);
  });

  it("an AS is never stolen while its count is > 0: 12 clients on 8 slots all complete", () => {
    const s = makeStack();
    const clients = Array.from({ length: 12 }, (_, i) => s.open(`c${i}`));
    const subs = clients.map((c) => {
      const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
      const v = 0x1000 + c.handle.file.clientId;
      const prog = new ProgramBuilder()
        .write32(bo.offset, v)
        .delay(2 * MS)
        .check32(bo.offset, v)
        .end()
        .buildBytes();
      return { c, bo, sub: submitProgram(c, prog, [bo.handle]) };
    });
    let maxInUse = 0;
    const slotOwner = new Map<number, number | null>();
    let guard = 0;
    while (!s.dev.jobs.idle && guard++ < 1_000_000) {
      if (!s.sim.loop.step()) break;
      const snaps = s.dev.mmu.slots.snapshot();
      for (const snap of snaps) {
        if (snap.state === "in-use") {
          const prev = slotOwner.get(snap.as);
          if (prev !== undefined && prev !== snap.ctx)
            throw new Error(`AS${snap.as} changed owner while in use`);
          slotOwner.set(snap.as, snap.ctx);
        } else {
          slotOwner.delete(snap.as);
        }
      }
      maxInUse = Math.max(maxInUse, snaps.filter((x) => x.state === "in-use").length);
    }
    expect(maxInUse).toBeLessThanOrEqual(8);
    for (const { c, sub } of subs) {
      expect(sub.ret).toBe(0);
      expect(waitSubmission(c, sub, 100 * MS)).toBe(true);
      expect(c.fenceError(sub.outSync)).toBe(0);
    }
    expect(s.dev.mmu.slots.counters.steals).toBeGreaterThan(0);
    for (const { c } of subs) c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("when every AS is in use a job waits for one (not an error, never a crash)", () => {
    const s = makeStack("t860", {}, { overrides: { asPresent: 0x1 } });
    const a = s.open("a");
    const b = s.open("b");
    const ba = a.createBo(4096, PANFROST_BO_NOEXEC);
    const bb = b.createBo(4096, PANFROST_BO_NOEXEC);
    const pa = submitProgram(
      a,
      new ProgramBuilder()
        .delay(5 * MS)
        .write32(ba.offset, 1)
        .end()
        .buildBytes(),
      [ba.handle],
    );
    const pb = submitProgram(b, new ProgramBuilder().write32(bb.offset, 2).end().buildBytes(), [
      bb.handle,
    ]);
    expect(waitSubmission(b, pb, 100 * MS)).toBe(true);
    expect(waitSubmission(a, pa, 100 * MS)).toBe(true);
    expect(a.fenceError(pa.outSync)).toBe(0);
    expect(b.fenceError(pb.outSync)).toBe(0);
    expect(s.dev.jobs.counters.asWaits).toBeGreaterThan(0);
    expect(s.dev.mmu.slots.counters.steals).toBe(1);
    a.close();
    b.close();
    expect(s.warnings.warnings).toEqual([]);
  });

  it("MMU operations never target an AS after it was reassigned (flush after steal is a no-op)", () => {
    const s = makeStack("t860", {}, { overrides: { asPresent: 0x1 } });
    const a = s.open("a");
    const b = s.open("b");
    const boA = a.createBo(4096, PANFROST_BO_NOEXEC);
    const subA = submitProgram(a, new ProgramBuilder().write32(boA.offset, 1).end().buildBytes(), [
      boA.handle,
    ]);
    expect(waitSubmission(a, subA, 100 * MS)).toBe(true);
    expect(a.handle.priv.ctx.as).toBe(0);
    const boB = b.createBo(4096, PANFROST_BO_NOEXEC);
    const subB = submitProgram(b, new ProgramBuilder().write32(boB.offset, 2).end().buildBytes(), [
      boB.handle,
    ]);
    expect(waitSubmission(b, subB, 100 * MS)).toBe(true);
    expect(b.handle.priv.ctx.as).toBe(0);
    expect(a.handle.priv.ctx.as).toBe(-1);
    const flushes = s.dev.mmu.hw.counters.flushPt;
    expect(a.createBo(8192, PANFROST_BO_NOEXEC).ret).toBe(0);
    expect(s.dev.mmu.hw.counters.flushPt).toBe(flushes);
    expect(b.createBo(8192, PANFROST_BO_NOEXEC).ret).toBe(0);
    expect(s.dev.mmu.hw.counters.flushPt).toBe(flushes + 1);
    a.close();
    b.close();
  });

  it("job bookkeeping is not clobbered by a concurrent start on the same slot", () => {
    const s = makeStack();
    const c = s.open();
    // Separate BOs, so implicit synchronisation does not serialise the jobs.
    const bos = [0, 1, 2].map(() => c.createBo(4096, PANFROST_BO_NOEXEC));
    const subs = bos.map((bo, i) =>
      submitProgram(
        c,
        new ProgramBuilder()
          .delay(i === 0 ? MS : 0)
          .write32(bo.offset, i + 1)
          .end()
          .buildBytes(),
        [bo.handle],
      ),
    );
    // The scheduler hands two jobs (its credit limit) to the slot: one runs, one waits in
    // _NEXT; when the first completes, the second must stay tracked and the third start.
    const onHw = () =>
      s.dev.jobs
        .snapshot()
        .find((x) => x.js === 1)
        ?.hw.filter((x) => x !== null).length ?? 0;
    expect(s.sim.loop.runUntil(() => onHw() === 2, MS)).toBe(true);
    for (const p of subs) {
      expect(waitSubmission(c, p, 100 * MS)).toBe(true);
      expect(c.fenceError(p.outSync)).toBe(0);
    }
    bos.forEach((bo, i) => {
      const view = c.map(bo.handle);
      if (typeof view === "number") throw new Error("map");
      expect(view.readU32(0)).toBe(i + 1);
      view.munmap();
    });
    s.sim.loop.runUntilIdle(100_000);
    expect(s.dev.jobs.idle).toBe(true);
    c.close();
    expect(s.warnings.warnings).toEqual([]);
  });

  it("heap BOs: NOEXEC required, rounded to 2 MiB, never mmapped, unmapped with holes skipped", () => {
    const s = makeStack();
    const c = s.open();
    expect(c.createBo(4096, PANFROST_BO_HEAP).ret).toBe(-EINVAL);
    const h = c.createBo(3 << 20, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    expect(h.ret).toBe(0);
    const bo = [...s.dev.bos].find((b) => b.isHeap);
    expect(bo?.size).toBe(4 << 20);
    expect(bo?.residentBytes).toBe(0);
    expect(c.mmapBo(h.handle).ret).toBe(-EINVAL);
    const sub = submitProgram(
      c,
      new ProgramBuilder()
        .write32(h.offset + (2 << 20) + 8, 7)
        .end()
        .buildBytes(),
      [h.handle],
    );
    expect(waitSubmission(c, sub, 100 * MS)).toBe(true);
    expect(c.fenceError(sub.outSync)).toBe(0);
    expect(bo?.residentBytes).toBe(2 << 20);
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("probe refuses forced AArch64 tables without the AArch64 MMU feature", () => {
    const s = makeStack();
    expect(PanfrostDevice.probe(s.sim.platform, { forceAarch64Pgtable: true })).toBe(-EINVAL);
  });
});
