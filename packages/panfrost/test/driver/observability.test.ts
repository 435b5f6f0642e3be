/**
 * Observability: the fault log names file, BO and offset; stats and the dump as data and text.
 */
import { ProgramBuilder } from "@panmmu/hw";
import { PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { formatFault } from "../../src/debug/fault-log.js";
import { boStats, deviceDump, fileStats, formatDump } from "../../src/debug/stats.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;

describe("observability", () => {
  it("a write past a BO reports the file and the nearest BO with its distance", () => {
    const s = makeStack();
    const c = s.open("victim");
    const bo = c.createBo(8192, PANFROST_BO_NOEXEC);
    const va = bo.offset + (64 << 20);
    const sub = submitProgram(c, new ProgramBuilder().write32(va, 1).end().buildBytes(), [
      bo.handle,
    ]);
    expect(waitSubmission(c, sub, 100 * MS)).toBe(true);
    const rec = s.dev.mmu.faultLog.records.at(-1);
    if (rec === undefined) throw new Error("no fault");
    expect(rec.fileName).toBe("victim");
    expect(rec.va).toBe(va);
    expect(rec.accessName).toBe("WRITE");
    expect(rec.exceptionName.startsWith("TRANSLATION_FAULT")).toBe(true);
    const text = formatFault(rec);
    expect(text).toContain("Unhandled Page fault in AS");
    expect(text).toContain('file "victim"');
    expect(rec.target.kind).toBe("none");
    if (rec.target.kind === "none") {
      // The nearest mapping is the job BO placed right after `bo` (one page).
      expect(rec.target.nearestDistance).toBe(va - (bo.offset + 8192 + 4096) + 1);
      expect(text).toMatch(/no mapping within \d+ bytes of the address/);
    }
    expect(fileStats(s.dev).find((f) => f.name === "victim")?.faults).toBe(1);
    c.close();
  });

  it("an access past a heap BO's size inside its VA range names the BO and offset", () => {
    const s = makeStack();
    const c = s.open("heapy");
    const heap = c.createBo(2 << 20, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    // Exhaust memory so heap growth fails: the fault is terminal and names the BO.
    const sub = submitProgram(
      c,
      new ProgramBuilder()
        .write32(heap.offset + 0x1234 * 4, 1)
        .end()
        .buildBytes(),
      [heap.handle],
    );
    s.sim.memory.setFailureProbability(1);
    expect(waitSubmission(c, sub, 100 * MS)).toBe(true);
    s.sim.memory.setFailureProbability(0);
    const rec = s.dev.mmu.faultLog.records.at(-1);
    expect(rec?.target).toMatchObject({
      kind: "bo",
      heap: true,
      offset: 0x1234 * 4,
      boVa: heap.offset,
    });
    expect(formatFault(rec!)).toContain(`at offset 0x48D0`);
    c.close();
  });

  it("stats and dump: files, BOs, contexts, AS slots and events, counters", () => {
    const s = makeStack();
    const a = s.open("alpha");
    const b = s.open("beta");
    const ba = a.createBo(3 * 4096, PANFROST_BO_NOEXEC);
    b.createBo(4096, PANFROST_BO_NOEXEC);
    const sub = submitProgram(a, new ProgramBuilder().write32(ba.offset, 3).end().buildBytes(), [
      ba.handle,
    ]);
    expect(waitSubmission(a, sub, 100 * MS)).toBe(true);
    const d = deviceDump(s.dev);
    expect(d.gpu).toMatchObject({ name: "Mali-T860", format: "ARM_MALI_LPAE", asPresent: 0xff });
    expect(d.files.map((f) => f.name)).toEqual(["alpha", "beta"]);
    const fa = d.files[0];
    expect(fa?.jobs).toMatchObject({ submitted: 1, completed: 1, failed: 0 });
    expect(fa?.resident).toBe(3 * 4096 + 4096 * Math.ceil((48 + 16 + 4 * 5 + 4) / 4096));
    expect(d.slots.find((x) => x.ctx === a.handle.priv.ctx.id)?.state).toBe("allocated");
    expect(d.asEvents.map((e) => e.kind)).toContain("bind");
    expect(d.contexts.find((x) => x.label === "alpha")?.mappings.length).toBe(2);
    expect(d.counters["job.completed"]).toBe(1);
    expect(boStats(s.dev).length).toBe(3);
    const text = formatDump(d);
    for (const needle of [
      "AS slots:",
      "AS0: allocated",
      "contexts:",
      'client 1 "alpha"',
      "counters:",
      "AS events",
    ]) {
      expect(text).toContain(needle);
    }
    a.close();
    b.close();
  });
});
