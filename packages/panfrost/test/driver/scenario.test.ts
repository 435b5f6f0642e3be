/**
 * The main scenario on both page-table formats: more clients than AS slots, each writing and
 * verifying its own buffers over several rounds, one heap client growing on fault, one client
 * touching an unmapped VA and being reported.
 */
import { ProgramBuilder } from "@panmmu/hw";
import { PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { type ProgramSubmission, submitProgram, waitSubmission } from "../../src/client/program.js";
import { FORMAT_PRESETS, makeStack } from "../helpers/stack.js";

const MS = 1_000_000;
const MIB = 1 << 20;

describe.each(FORMAT_PRESETS)("12 clients on 8 AS slots on $label", ({ preset, probe }) => {
  it("every good client verifies its buffers, the heap grows, the bad client is reported", () => {
    const s = makeStack(preset, probe);
    const good = Array.from({ length: 10 }, (_, i) => s.open(`worker-${i}`));
    const heapClient = s.open("heap");
    const bad = s.open("misbehaving");
    const bufs = good.map((c) => c.createBo(64 * 1024, PANFROST_BO_NOEXEC));
    const heap = heapClient.createBo(64 * MIB, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    for (let round = 0; round < 3; round++) {
      const subs: Array<[PanfrostClient, ProgramSubmission, boolean]> = [];
      good.forEach((c, i) => {
        const b = bufs[i] as { offset: number; handle: number };
        const v = (0x1000 * (i + 1) + round) >>> 0;
        const prog = new ProgramBuilder()
          .fill32(b.offset, 64 * 1024, v)
          .delay(MS)
          .checkFill32(b.offset, 64 * 1024, v)
          .end();
        subs.push([c, submitProgram(c, prog.buildBytes(), [b.handle]), true]);
      });
      const hp = new ProgramBuilder();
      for (let k = 0; k < 4; k++) hp.write32(heap.offset + (round * 4 + k) * 2 * MIB + 64, k);
      subs.push([
        heapClient,
        submitProgram(heapClient, hp.end().buildBytes(), [heap.handle]),
        true,
      ]);
      if (round === 1) {
        subs.push([
          bad,
          submitProgram(bad, new ProgramBuilder().write32(0x7000_0000, 1).end().buildBytes()),
          false,
        ]);
      }
      for (const [c, sub, ok] of subs) {
        expect(sub.ret).toBe(0);
        expect(waitSubmission(c, sub, 500 * MS)).toBe(true);
        if (ok) expect(c.fenceError(sub.outSync)).toBe(0);
        else expect(c.fenceError(sub.outSync)).not.toBe(0);
        c.gemClose(sub.jobBo);
      }
    }
    const heapBo = [...s.dev.bos].find((b) => b.isHeap);
    expect(heapBo?.heapRssSize).toBe(12 * 2 * MIB);
    const faults = s.dev.mmu.faultLog.records;
    expect(faults.length).toBe(1);
    expect(faults[0]).toMatchObject({
      fileName: "misbehaving",
      va: 0x7000_0000,
      accessName: "WRITE",
    });
    expect(s.dev.mmu.slots.counters.steals).toBeGreaterThan(0);
    expect(s.dev.jobs.counters.completed).toBe(3 * 11);
    for (const c of [...good, heapClient, bad]) expect(c.close()).toBe(0);
    s.sim.loop.runUntilIdle(1_000_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });
});
