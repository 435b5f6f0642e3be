import type { AsEvent, AsSlotSnapshot } from "@panmmu/panfrost";
import { describe, expect, it } from "vitest";
import { SlotHistory } from "../src/index.js";

function slot(as: number, ctx: number | null, count = 0): AsSlotSnapshot {
  return {
    as,
    state: ctx === null ? "free" : count > 0 ? "in-use" : "allocated",
    ctx,
    count,
    faulty: false,
    lruPos: ctx === null ? null : 0,
  };
}

describe("SlotHistory", () => {
  it("turns the driver's slot events into tenures at their times; counts and peaks from samples", () => {
    let state: AsSlotSnapshot[] = [slot(0, null), slot(1, null)];
    const history: AsEvent[] = [];
    const h = new SlotHistory({ snapshot: () => state, history }, (ctx) => `c${ctx}`);
    h.sample(0);
    history.push({ time: 7, as: 0, ctx: 1, kind: "bind" });
    state = [slot(0, 1, 1), slot(1, null)];
    h.sample(10);
    history.push({ time: 15, as: 1, ctx: 2, kind: "bind" });
    state = [slot(0, 1, 2), slot(1, 2, 1)];
    h.sample(20);
    // Two changes between samples: both are kept, at their own times.
    history.push({ time: 23, as: 0, ctx: 3, kind: "steal", from: 1 });
    history.push({ time: 24, as: 0, ctx: 3, kind: "fault" });
    history.push({ time: 25, as: 1, ctx: 2, kind: "release" });
    history.push({ time: 26, as: 1, ctx: 4, kind: "bind" });
    state = [slot(0, 3, 1), slot(1, 4, 0)];
    h.sample(30);
    history.push({ time: 33, as: 0, ctx: 3, kind: "reset" });
    history.push({ time: 33, as: 1, ctx: 4, kind: "reset" });
    state = [slot(0, null), slot(1, null)];
    h.sample(40);
    expect(h.tenures).toEqual([
      { as: 0, client: "c1", from: 7, to: 23, stolen: false, maxCount: 2 },
      { as: 1, client: "c2", from: 15, to: 25, stolen: false, maxCount: 1 },
      { as: 0, client: "c3", from: 23, to: 33, stolen: true, maxCount: 1 },
      { as: 1, client: "c4", from: 26, to: 33, stolen: false, maxCount: 0 },
    ]);
    expect(h.observedSteals).toBe(1);
    expect(h.peakInUse).toBe(2);
    expect(h.peakBound).toBe(2);
    expect(h.holdersOf(0)).toEqual(["c1", "c3"]);
    expect(h.samples).toBe(5);
    expect(h.events.map((e) => [e.time, e.kind, e.client, e.from ?? null])).toEqual([
      [7, "bind", "c1", null],
      [15, "bind", "c2", null],
      [23, "steal", "c3", "c1"],
      [24, "fault", "c3", null],
      [25, "release", "c2", null],
      [26, "bind", "c4", null],
      [33, "reset", "c3", null],
      [33, "reset", "c4", null],
    ]);
  });

  it("keeps its place when the driver drops its oldest events", () => {
    const history: AsEvent[] = [];
    const h = new SlotHistory({ snapshot: () => [], history }, (ctx) => `c${ctx}`);
    history.push({ time: 1, as: 0, ctx: 1, kind: "bind" });
    h.sample(1);
    history.push({ time: 2, as: 0, ctx: 1, kind: "release" });
    history.shift();
    history.push({ time: 3, as: 0, ctx: 2, kind: "bind" });
    h.sample(3);
    expect(h.tenures).toEqual([
      { as: 0, client: "c1", from: 1, to: 2, stolen: false, maxCount: 0 },
      { as: 0, client: "c2", from: 3, to: null, stolen: false, maxCount: 0 },
    ]);
  });
});
