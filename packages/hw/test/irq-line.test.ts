import { CollectingWarningSink } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { EventLoopSim, IrqLineSim } from "../src/index.js";

function line(latency = 50) {
  const loop = new EventLoopSim();
  const warnings = new CollectingWarningSink();
  const state = { raw: 0, mask: 0 };
  const irq = new IrqLineSim("mmu", loop, () => (state.raw & state.mask) !== 0, latency, warnings);
  return { loop, warnings, state, irq };
}

describe("IrqLineSim", () => {
  it("delivers the handler as an event after the level rises, not synchronously", () => {
    const { loop, state, irq } = line();
    const seen: number[] = [];
    irq.setHandler(() => {
      seen.push(loop.now);
      state.raw = 0;
      irq.update();
    });
    state.mask = 1;
    state.raw = 1;
    irq.update();
    expect(seen).toEqual([]);
    loop.runUntilIdle();
    expect(seen).toEqual([50]);
    expect(irq.delivered).toBe(1);
  });

  it("does not deliver when the level fell before delivery, nor while masked", () => {
    const { loop, state, irq } = line();
    let calls = 0;
    irq.setHandler(() => calls++);
    state.raw = 1;
    irq.update();
    loop.runUntilIdle();
    expect(calls).toBe(0);
    state.mask = 1;
    irq.update();
    state.mask = 0;
    irq.update();
    loop.runUntilIdle();
    expect(calls).toBe(0);
  });

  it("re-delivers while the handler leaves the line high, and stops a storm with a warning", () => {
    const { loop, state, irq, warnings } = line(10);
    let calls = 0;
    irq.setHandler(() => {
      calls++;
      if (calls === 3) {
        state.raw = 0;
        irq.update();
      }
    });
    state.raw = 1;
    state.mask = 1;
    irq.update();
    loop.runUntilIdle();
    expect(calls).toBe(3);
    irq.setHandler(() => calls++);
    state.raw = 1;
    irq.update();
    loop.runUntilIdle();
    expect(irq.storms).toBe(1);
    expect(warnings.warnings).toHaveLength(1);
    expect(calls).toBe(3 + 1000);
  });
});
