/** The same seed gives the same report, apart from host time; another seed changes the run. */
import { describe, expect, it } from "vitest";
import { renderJson, resolveOptions, SCENARIOS, type ScenarioReport } from "../src/index.js";

function run(name: string, seed: number): Omit<ScenarioReport, "hostMs"> {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(name);
  const { hostMs: _host, ...rest } = s.run(resolveOptions(s, { seed }, () => {}));
  return rest;
}

describe("determinism", () => {
  it.each(["main", "fault", "isolation", "panthor"])("%s: same seed, identical report", (name) => {
    const a = run(name, 7);
    const b = run(name, 7);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it("another seed gives another run (addresses, patterns, slot order)", () => {
    const a = run("main", 7);
    const b = run("main", 8);
    expect(a.seed).toBe(7);
    expect(JSON.stringify(a.tables)).not.toBe(JSON.stringify(b.tables));
    expect(b.checks.every((c) => c.ok)).toBe(true);
  });

  it("the JSON form differs only in hostMs between two runs", () => {
    const s = SCENARIOS.find((x) => x.name === "heap");
    if (s === undefined) throw new Error("heap");
    const strip = (t: string): unknown => {
      const o = JSON.parse(t) as Record<string, unknown>;
      expect(typeof o.hostMs).toBe("number");
      delete o.hostMs;
      return o;
    };
    const a = strip(renderJson(s.run(resolveOptions(s, {}, () => {}))));
    const b = strip(renderJson(s.run(resolveOptions(s, {}, () => {}))));
    expect(a).toEqual(b);
  });
});
