import type { AsSlotSnapshot } from "@panmmu/panfrost";
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
  it("turns snapshots into tenures: free gets, steals, releases, peaks", () => {
    let state: AsSlotSnapshot[] = [slot(0, null), slot(1, null)];
    const h = new SlotHistory({ snapshot: () => state }, (ctx) => `c${ctx}`);
    h.sample(0);
    state = [slot(0, 1, 1), slot(1, null)];
    h.sample(10);
    state = [slot(0, 1, 2), slot(1, 2, 1)];
    h.sample(20);
    state = [slot(0, 3, 1), slot(1, 2, 0)];
    h.sample(30);
    state = [slot(0, 3, 0), slot(1, null)];
    h.sample(40);
    expect(h.tenures).toEqual([
      { as: 0, client: "c1", from: 10, to: 30, stolen: false, maxCount: 2 },
      { as: 1, client: "c2", from: 20, to: 40, stolen: false, maxCount: 1 },
      { as: 0, client: "c3", from: 30, to: null, stolen: true, maxCount: 1 },
    ]);
    expect(h.observedSteals).toBe(1);
    expect(h.peakInUse).toBe(2);
    expect(h.peakBound).toBe(2);
    expect(h.holdersOf(0)).toEqual(["c1", "c3"]);
    expect(h.samples).toBe(5);
  });
});
