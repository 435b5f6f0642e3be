import { describe, expect, it } from "vitest";
import { EventLoopSim } from "../src/index.js";

function tieOrder(seed: number): string[] {
  const loop = new EventLoopSim({ seed });
  const out: string[] = [];
  for (const name of ["a", "b", "c", "d", "e", "f"]) loop.schedule(10, () => out.push(name), name);
  loop.runUntilIdle();
  return out;
}

describe("EventLoopSim", () => {
  it("runs events in time order and advances the clock", () => {
    const loop = new EventLoopSim();
    const seen: [string, number][] = [];
    loop.schedule(30, () => seen.push(["late", loop.now]), "late");
    loop.schedule(10, () => seen.push(["early", loop.now]), "early");
    expect(loop.pending).toBe(2);
    expect(loop.runUntilIdle()).toBe(2);
    expect(seen).toEqual([
      ["early", 10],
      ["late", 30],
    ]);
    expect(loop.now).toBe(30);
    expect(loop.pending).toBe(0);
  });

  it("orders ties reproducibly per seed", () => {
    expect(tieOrder(7)).toEqual(tieOrder(7));
    const orders = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((s) => tieOrder(s).join("")));
    expect(orders.size).toBeGreaterThan(1);
  });

  it("lets a chooser pick among simultaneously-due events", () => {
    const loop = new EventLoopSim({ seed: 3, chooser: (c) => c.findIndex((e) => e.label === "z") });
    const out: string[] = [];
    for (const n of ["x", "y", "z"]) loop.schedule(5, () => out.push(n), n);
    loop.step();
    expect(out).toEqual(["z"]);
    loop.setChooser((c) => c.length - 1);
    loop.runUntilIdle();
    expect(out).toHaveLength(3);
  });

  it("cancels, advances and runs until a condition", () => {
    const loop = new EventLoopSim();
    let hits = 0;
    const h = loop.schedule(5, () => hits++, "x");
    expect(loop.cancel(h)).toBe(true);
    expect(loop.cancel(h)).toBe(false);
    loop.schedule(50, () => hits++, "y");
    loop.advance(20);
    expect(loop.now).toBe(20);
    expect(hits).toBe(0);
    expect(loop.runUntil(() => hits === 1, 100)).toBe(true);
    expect(loop.now).toBe(50);
    expect(loop.runUntil(() => hits === 2, 100)).toBe(false);
    expect(loop.now).toBe(150);
    expect(() => loop.schedule(-1, () => {}, "bad")).toThrow(RangeError);
  });

  it("advance never takes time back: an event that waited inside (a nested runUntil) past the deadline leaves the clock there", () => {
    const loop = new EventLoopSim();
    const seen: number[] = [];
    loop.schedule(10, () => loop.runUntil(() => false, 500), "waits 500 ns");
    loop.schedule(300, () => seen.push(loop.now), "inside the wait");
    loop.advance(100);
    expect(loop.now).toBe(510);
    expect(seen).toEqual([300]);
    loop.advance(10);
    expect(loop.now).toBe(520);
  });
});
