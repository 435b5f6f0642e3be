/** The panthor scenario: its checks hold, its tables and JSON carry what happened, seeds replay. */
import { describe, expect, it } from "vitest";
import { EXIT_USAGE, renderJson, type ScenarioReport } from "../src/index.js";
import { failedChecks, reportTable, runCli, runScenario } from "./helpers.js";

describe("panthor scenario", () => {
  it("4 processes on 2 user AS slots of a G610: every check holds", () => {
    const r = runScenario("panthor");
    expect(failedChecks(r)).toEqual([]);
    expect([r.scenario, r.gpu, r.clients]).toEqual(["panthor", "mali-g610", 4]);
    // 10 checks of the first half, 10 of the groups on the firmware board.
    expect(r.checks.length).toBe(20);
    // Slots: only AS1 and AS2 are handed out, every process held one, slots were stolen.
    const events = reportTable(r, "AS slot events");
    expect(new Set(events.rows.map((row) => row[1]))).toEqual(new Set(["AS1", "AS2"]));
    expect(new Set(r.slotHistory.map((t) => t.client))).toEqual(
      new Set(["p01", "p02", "p03", "p04"]),
    );
    expect(r.slotHistory.filter((t) => t.stolen).length).toBeGreaterThan(0);
    // Processes: reads saw old and new data and nothing else; the last one is unusable.
    const procs = reportTable(r, "Processes");
    expect(procs.rows.map((row) => row[10])).toEqual(["usable", "usable", "usable", "UNUSABLE"]);
    expect(procs.rows.every((row) => row[8] === 0)).toBe(true);
    expect(Number(procs.rows[3]?.[4])).toBeGreaterThan(0);
    // The huge page was split into 4 KiB pages around the hole; the 4K-folio block stayed whole.
    const blocks = reportTable(r, "Partial unmaps");
    expect(blocks.rows.map((row) => row.slice(0, 3))).toEqual([
      ["p01", "2 MiB (THP)", "1 × 2 MiB block + 508 × 4 KiB pages"],
      ["p04", "4 KiB", "1 × 2 MiB block"],
    ]);
    expect(blocks.rows[0]?.[3]).toBe("[0x200000000, 0x200100000) [0x200104000, 0x200400000)");
    // One fault: p01's read of the hole.
    const faults = reportTable(r, "MMU faults");
    expect(faults.rows).toHaveLength(1);
    expect(faults.rows[0]?.slice(3, 5)).toEqual(["0x200100100", "p01"]);
    expect(reportTable(r, "Page tables").rows).toHaveLength(4);
  });

  it("holds with 3 and with 8 processes, with 3 and 8 rounds, and other seeds", () => {
    expect(failedChecks(runScenario("panthor", { clients: 3, seed: 2 }))).toEqual([]);
    expect(failedChecks(runScenario("panthor", { clients: 8, jobsPerClient: 5, seed: 9 }))).toEqual(
      [],
    );
    expect(failedChecks(runScenario("panthor", { jobsPerClient: 3, seed: 13 }))).toEqual([]);
    expect(failedChecks(runScenario("panthor", { jobsPerClient: 8, seed: 21 }))).toEqual([]);
  });

  it("the same seed gives the same report; another seed another run", () => {
    const strip = (r: ScenarioReport): string => {
      const { hostMs: _h, ...rest } = r;
      return JSON.stringify(rest);
    };
    expect(strip(runScenario("panthor", { seed: 4 }))).toBe(
      strip(runScenario("panthor", { seed: 4 })),
    );
    expect(strip(runScenario("panthor", { seed: 4 }))).not.toBe(
      strip(runScenario("panthor", { seed: 5 })),
    );
  });

  it("--json prints the report: checks, tables and the slot history", async () => {
    const r = await runCli(["scenario", "panthor", "--seed", "3", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as ScenarioReport;
    expect(Object.keys(j).sort()).toEqual(
      [
        "checks",
        "clients",
        "gpu",
        "hostMs",
        "narrative",
        "scenario",
        "seed",
        "slotHistory",
        "tables",
        "virtualNs",
      ].sort(),
    );
    expect([j.scenario, j.seed, j.gpu]).toEqual(["panthor", 3, "mali-g610"]);
    expect(j.checks.every((c) => c.ok)).toBe(true);
    expect(j.tables.map((t) => t.title.split(" ")[0])).toEqual([
      "AS",
      "Processes",
      "Page",
      "Partial",
      "MMU",
      "Groups",
      "CSG",
      "AS",
      "Scheduler",
      "Tiler",
      "GPU",
    ]);
    expect(j.slotHistory[0]).toMatchObject({ as: 1, stolen: false });
    expect(JSON.parse(renderJson(runScenario("panthor", { seed: 3 }))).checks).toEqual(j.checks);
  });

  it("options it cannot run with: another GPU, fewer than 3 or more than 8 processes", async () => {
    for (const args of [
      ["--gpu", "mali-t860"],
      ["--clients", "2"],
      ["--clients", "9"],
    ]) {
      const r = await runCli(["scenario", "panthor", ...args, "--json"]);
      expect(r.code).toBe(EXIT_USAGE);
      expect(r.out).toBe("");
    }
    const g = await runCli(["scenario", "panthor", "--gpu", "g610", "--json"]);
    expect(g.code).toBe(0);
  });
});
