/**
 * The panthor scenario's second half: groups on a G610 probed with firmware. Its checks hold,
 * its tables show the rotation, the binds, the heap and the fatal group, and a seed replays it.
 */
import { describe, expect, it } from "vitest";
import type { ScenarioReport } from "../src/index.js";
import { plain, reportTable, runCli, runScenario } from "./helpers.js";

/** How the second half's checks start, in order. */
const GROUP_CHECKS = [
  "groups rotated through AS and CSG slots",
  "every job of every other group finished",
  "the values in memory are right",
  "async VM_BINDs queued while the groups ran all completed",
  "the tiler heap grew by one chunk per injected tiler OOM",
  "the faulting group: one MMU fault at its stray store",
  "the other groups went on while it was fatal",
  "no job timed out and no GPU reset was needed",
  "no page leaked on the firmware board",
  "no WARN_ON from any layer of the firmware board",
];

/** The tables of the second half. */
const GROUP_TABLES = [
  "Groups (firmware board",
  "CSG slots",
  "AS slots of the firmware board",
  "Scheduler (firmware board)",
  "Tiler heap of g01",
  "GPU faults on the firmware board",
];

const names = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `g${String(i + 1).padStart(2, "0")}`);

describe("panthor scenario: groups on the firmware board", () => {
  const r = runScenario("panthor");

  it("adds its ten checks after the first half's, and every one holds", () => {
    const checks = r.checks.slice(10);
    expect(checks.map((c, i) => c.name.startsWith(GROUP_CHECKS[i] as string))).toEqual(
      GROUP_CHECKS.map(() => true),
    );
    expect(checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
    expect(checks[9]?.detail).toBe("warning sink empty");
  });

  it("the groups table: 9 groups finish every job with the right words, g10 is FATAL_FAULT", () => {
    const t = reportTable(r, "Groups (firmware board");
    expect(t.rows.map((row) => row[0])).toEqual(names(10));
    expect(t.rows.map((row) => row[1])).toEqual([
      "tiler heap",
      ...Array<string>(8).fill("stores"),
      "faulting",
    ]);
    const col = (h: string): number => t.head.indexOf(h);
    for (const row of t.rows.slice(0, 9)) {
      expect(row[col("jobs ok/submitted")]).toBe("4/4");
      expect(row[col("words right")]).toBe("4/4");
      expect(row[col("fence errors")]).toBe("0");
      expect(row[col("group state")]).toBe("ok");
      expect(row[col("CSG tenures")]).toBeGreaterThan(0);
    }
    const rogue = t.rows[9] ?? [];
    expect(rogue[col("group state")]).toBe("FATAL_FAULT");
    expect(rogue[col("fence errors")]).toContain("-EINVAL");
    expect(rogue[col("submits refused")]).toContain("-EINVAL");
    expect(rogue[col("VM state")]).toBe("usable");
    expect(t.rows.every((row) => row[col("binds done/queued")] === "2/2")).toBe(true);
    expect(t.rows.some((row) => Number(row[col("under load")]) > 0)).toBe(true);
  });

  it("the slot tables: 8 CSG slots and 8 AS (AS0 the MCU's), every group held both kinds", () => {
    const csg = reportTable(r, "CSG slots");
    expect(csg.rows.map((row) => row[0])).toEqual(names(8).map((_, i) => `CSG${i}`));
    const held = new Set(csg.rows.flatMap((row) => String(row[1]).split(" ")));
    for (const n of names(10)) expect(held).toContain(n);
    const as = reportTable(r, "AS slots of the firmware board");
    expect(as.rows.map((row) => row[0])).toEqual(names(8).map((_, i) => `AS${i}`));
    expect(as.rows[0]?.[1]).toBe("MCU");
    // More VMs than user slots: at least one AS changed hands.
    expect(as.rows.slice(1).some((row) => Number(row[2]) > 1)).toBe(true);
    const sched = reportTable(r, "Scheduler (firmware board)");
    expect(sched.rows.find((row) => row[0] === "job timeouts / GPU resets")?.[1]).toBe("0 / 0");
    expect(sched.rows.find((row) => String(row[0]).startsWith("most groups"))?.[1]).toBe("7 / 7");
  });

  it("the heap table: 2 chunks before, 5 after three tiler OOMs; the fault log names g10", () => {
    const heap = reportTable(r, "Tiler heap of g01");
    expect(heap.rows.map((row) => [row[0], row[1], row[3]])).toEqual([
      ["before", 2, 0],
      ["after", 5, 3],
    ]);
    expect(String(heap.rows[1]?.[4]).split(", ")).toHaveLength(3);
    // The initial chunks stay at the tail; the grown ones come first.
    expect(String(heap.rows[1]?.[2]).endsWith(String(heap.rows[0]?.[2]))).toBe(true);
    const faults = reportTable(r, "GPU faults on the firmware board");
    expect(faults.rows).toHaveLength(1);
    expect(faults.rows[0]?.[4]).toBe("g10");
    expect(faults.rows[0]?.[5]).toMatch(/^TRANSLATION_FAULT_\d \(WRITE\)$/);
    expect(faults.rows[0]?.[6]).toMatch(/^no mapping within \d+ bytes/);
  });

  it("the CLI prints the new tables and narration, and exits 0", async () => {
    const out = await runCli(["scenario", "panthor"]);
    const text = plain(out.out);
    expect(out.code).toBe(0);
    for (const title of GROUP_TABLES) expect(text).toContain(title);
    expect(text).toContain("probed with the reference CSF firmware");
    expect(text).toContain("all 20 checks held");
  });

  it("is deterministic for a seed, groups half included; another seed changes it", () => {
    const strip = (x: ScenarioReport): string => {
      const { hostMs: _h, ...rest } = x;
      return JSON.stringify(rest);
    };
    const half = (x: ScenarioReport): string =>
      JSON.stringify([x.tables.slice(5), x.checks.slice(10), x.narrative.slice(4)]);
    const a = runScenario("panthor", { seed: 6 });
    const b = runScenario("panthor", { seed: 6 });
    expect(strip(a)).toBe(strip(b));
    expect(half(a)).toBe(half(b));
    const c = runScenario("panthor", { seed: 8 });
    expect(half(c)).not.toBe(half(a));
    expect(c.checks.every((x) => x.ok)).toBe(true);
  });
});
