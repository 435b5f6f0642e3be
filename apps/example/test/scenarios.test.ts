/** Every scenario's checks hold with its defaults, and the report says what happened. */
import { describe, expect, it } from "vitest";
import { SCENARIOS } from "../src/index.js";
import { failedChecks, reportTable, runScenario } from "./helpers.js";

describe("scenarios", () => {
  it("lists at least main, heap, fault, isolation and aarch64", () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual(
      expect.arrayContaining(["main", "heap", "fault", "isolation", "aarch64"]),
    );
  });

  it("main: 12 clients on the T860's 8 AS slots, every check holds", () => {
    const r = runScenario("main");
    expect(failedChecks(r)).toEqual([]);
    expect(r.gpu).toBe("mali-t860");
    expect(r.clients).toBe(12);
    expect(r.checks.length).toBeGreaterThanOrEqual(10);
    // One row per AS slot, and every slot had several holders (12 files on 8 slots).
    const slots = reportTable(r, "AS slots over time");
    expect(slots.rows.map((row) => row[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `AS${i}`));
    const holders = slots.rows.map((row) => Number(row[row.length - 2]));
    expect(holders.every((h) => h >= 2)).toBe(true);
    // The table is drawn from the slot history the report carries.
    const steals = slots.rows.reduce((n, row) => n + Number(row[row.length - 1]), 0);
    expect(r.slotHistory.filter((t) => t.stolen)).toHaveLength(steals);
    expect(steals).toBeGreaterThan(0);
    expect(new Set(r.slotHistory.map((t) => t.client)).size).toBe(12);
    // The driver's slot events carry the virtual times they happened at, in order.
    const events = reportTable(r, "AS slot events");
    expect(events.rows.length).toBe(8);
    const bindings = r.slotHistory.map((t) => t.from);
    expect(bindings.every((t, i) => t > 0 && t >= (bindings[i - 1] ?? 0))).toBe(true);
    expect(bindings.at(-1)).toBeLessThanOrEqual(r.virtualNs);
    // Per-client table: 10 buffer clients, the heap client and the misbehaving one.
    const clients = reportTable(r, "Clients");
    expect(clients.rows).toHaveLength(12);
    const rogue = clients.rows.find((row) => row[0] === "rogue");
    expect(rogue?.slice(2, 5)).toEqual(["5/6", 1, 1]);
    const heap = clients.rows.find((row) => row[0] === "heap");
    expect(heap?.[7]).toBe("24 MiB");
    // The fault log has exactly the stray write, with the distance to the nearest mapping.
    const faults = reportTable(r, "Fault log");
    expect(faults.rows).toHaveLength(1);
    expect(faults.rows[0]?.[4]).toBe("rogue");
    expect(String(faults.rows[0]?.[6])).toMatch(/no mapping within \d+ bytes/);
    // TLB totals are non-trivial: lookups hit and miss, and flushes happened.
    const tlb = reportTable(r, "TLB");
    const all = tlb.rows.at(-1) ?? [];
    expect(all[0]).toBe("all");
    expect(Number(all[1])).toBeGreaterThan(0);
    expect(Number(all[2])).toBeGreaterThan(0);
    expect(Number(all[6])).toBeGreaterThan(0);
  });

  it("heap: 64 MiB written through a 256 MiB heap leaves exactly 32 chunks resident", () => {
    const r = runScenario("heap");
    expect(failedChecks(r)).toEqual([]);
    expect(reportTable(r, "Clients").rows[0]?.[7]).toBe("64 MiB");
    expect(r.checks[0]?.name).toContain("32 × 2 MiB");
  });

  it("heap with two clients", () => {
    const r = runScenario("heap", { clients: 2 });
    expect(failedChecks(r)).toEqual([]);
    expect(reportTable(r, "Clients").rows.map((row) => row[7])).toEqual(["64 MiB", "64 MiB"]);
  });

  it("fault: three faults, each attributed, one with the heap BO and offset", () => {
    const r = runScenario("fault");
    expect(failedChecks(r)).toEqual([]);
    const faults = reportTable(r, "Fault log");
    expect(faults.rows.map((row) => row[4])).toEqual(["rogue", "purger", "starved"]);
    expect(String(faults.rows[2]?.[6])).toMatch(/heap.*at offset 0x200000/);
  });

  it("isolation: same VA, different buffers; the prowler's reaches all fault", () => {
    const r = runScenario("isolation");
    expect(failedChecks(r)).toEqual([]);
    expect(reportTable(r, "Fault log").rows).toHaveLength(4);
  });

  it("aarch64: the main scenario on forced AArch64 page tables", () => {
    const r = runScenario("aarch64");
    expect(failedChecks(r)).toEqual([]);
    expect(r.gpu).toBe("mali-g57-aarch64");
    expect(r.narrative[0]).toContain("ARM_64_LPAE_S1");
  });

  it("main also holds on the forced-AArch64 GPU and with fewer, busier clients", () => {
    expect(failedChecks(runScenario("main", { gpu: "g57-aarch64", clients: 10, seed: 3 }))).toEqual(
      [],
    );
    expect(failedChecks(runScenario("main", { clients: 9, jobsPerClient: 3, seed: 4 }))).toEqual(
      [],
    );
  });

  it("main with no more clients than slots fails its contention check", () => {
    const r = runScenario("main", { clients: 6 });
    const contention = r.checks.find((c) => c.name === "more clients than AS slots");
    expect(contention?.ok).toBe(false);
    expect(contention?.detail).toBe("6 files on 8 AS slots");
  });
});
