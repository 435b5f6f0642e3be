/** The command line: list, scenario, demo, --json, exit statuses, option errors. */
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import {
  COMPOSED_PACKAGE_NAMES,
  EXIT_CHECK_FAILED,
  EXIT_USAGE,
  GPU_CHOICES,
  SCENARIOS,
  type Scenario,
  type ScenarioReport,
} from "../src/index.js";
import { plain, runCli } from "./helpers.js";

/** A scenario whose second check fails, as a deliberately broken run. */
const BROKEN: Scenario = {
  name: "broken",
  summary: "a run whose check fails",
  defaults: {},
  run: (o): ScenarioReport => ({
    scenario: "broken",
    gpu: o.gpu,
    seed: o.seed,
    clients: o.clients,
    narrative: ["nothing ran"],
    tables: [{ title: "t", head: ["a"], rows: [[1]] }],
    checks: [
      { name: "holds", ok: true, detail: "yes" },
      { name: "does not hold", ok: false, detail: "no" },
    ],
    slotHistory: [],
    virtualNs: 0,
    hostMs: 0,
  }),
};

describe("panmmu CLI", () => {
  it("list names every scenario and GPU", async () => {
    const r = await runCli(["list"]);
    for (const s of SCENARIOS) expect(r.out).toContain(s.name);
    for (const g of GPU_CHOICES) expect(r.out).toContain(g.name);
    expect(r.code).toBeUndefined();
  });

  it("demo prints the banner, the tables and the checks, and exits 0", async () => {
    const r = await runCli(["demo"]);
    const text = plain(r.out);
    for (const n of COMPOSED_PACKAGE_NAMES) expect(text).toContain(n);
    expect(text).toContain("scenario main (gpu mali-t860, 12 clients, seed 1)");
    expect(text).toContain("AS slots over time");
    expect(text).toContain("Clients (jobs, faults, memory)");
    expect(text).toContain("TLB and MMU commands");
    expect(text).toMatch(/all \d+ checks held/);
    expect(r.code).toBe(0);
  });

  it("scenario --json prints parseable JSON only, and exits 0", async () => {
    const r = await runCli(["scenario", "heap", "--json", "--seed", "5"]);
    const report = JSON.parse(r.out) as ScenarioReport;
    expect(report.scenario).toBe("heap");
    expect(report.seed).toBe(5);
    expect(report.checks.every((c) => c.ok)).toBe(true);
    expect(r.code).toBe(0);
  });

  it("--gpu, --clients and --seed reach the scenario", async () => {
    const r = await runCli([
      "scenario",
      "isolation",
      "--gpu",
      "mali-g57-aarch64",
      "--clients",
      "3",
      "--seed",
      "9",
      "--json",
    ]);
    const report = JSON.parse(r.out) as ScenarioReport;
    expect([report.gpu, report.clients, report.seed]).toEqual(["mali-g57-aarch64", 3, 9]);
    expect(report.narrative[0]).toContain("ARM_64_LPAE_S1");
    expect(r.code).toBe(0);
  });

  it("a failing check makes the run exit non-zero, and says so", async () => {
    const r = await runCli(["scenario", "broken"], [...SCENARIOS, BROKEN]);
    expect(r.code).toBe(EXIT_CHECK_FAILED);
    expect(plain(r.out)).toContain("1 of 2 checks failed");
    const j = await runCli(["scenario", "broken", "--json"], [BROKEN]);
    expect(j.code).toBe(EXIT_CHECK_FAILED);
    expect((JSON.parse(j.out) as ScenarioReport).checks[1]?.ok).toBe(false);
  });

  it("a real scenario whose check fails exits non-zero too", async () => {
    // Fewer clients than AS slots: the main scenario's contention check cannot hold.
    const r = await runCli(["scenario", "main", "--clients", "5", "--json"]);
    expect(r.code).toBe(EXIT_CHECK_FAILED);
  });

  it("unknown scenario or GPU: usage exit status, message on stderr, nothing on stdout", async () => {
    const a = await runCli(["scenario", "nope"]);
    expect(a.code).toBe(EXIT_USAGE);
    expect(a.err).toContain('unknown scenario "nope"');
    const b = await runCli(["scenario", "main", "--gpu", "mali-g610", "--json"]);
    expect(b.code).toBe(EXIT_USAGE);
    expect(b.err).toContain('unknown GPU "mali-g610"');
    expect(b.out).toBe("");
  });

  it("options a scenario cannot run with: usage exit status", async () => {
    const r = await runCli(["scenario", "heap", "--clients", "9"]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toContain("at most 8 clients");
    const i = await runCli(["scenario", "isolation", "--clients", "2"]);
    expect(i.code).toBe(EXIT_USAGE);
    // A GPU without the forced-AArch64 quirk cannot run the aarch64 scenario: a usage error
    // naming the GPUs that can, not a run whose page-table check fails.
    for (const gpu of ["mali-t860", "mali-g52", "mali-g57"]) {
      const a = await runCli(["scenario", "aarch64", "--gpu", gpu, "--json"]);
      expect(a.code).toBe(EXIT_USAGE);
      expect(a.err).toContain("mali-g57-aarch64");
      expect(a.out).toBe("");
    }
  });

  it("malformed numbers are rejected by the parser", async () => {
    await expect(runCli(["scenario", "main", "--clients", "many"])).rejects.toBeInstanceOf(
      CommanderError,
    );
    await expect(runCli(["scenario", "main", "--seed", "-1"])).rejects.toBeInstanceOf(
      CommanderError,
    );
  });
});
