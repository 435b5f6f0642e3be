/**
 * The MMU IRQ thread's decisions (panfrost_mmu_irq_handler_thread()) on a fake register file:
 * which faults may grow a heap and which are terminal.
 */
import { EventLoopSim, type IrqLine } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { FaultTarget } from "../../src/debug/fault-log.js";
import type { MmuContext } from "../../src/mmu/context.js";
import { PanfrostMmu } from "../../src/mmu/mmu.js";
import {
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
} from "../../src/regs.js";
import { FakeMmuMmio } from "../helpers/fake-mmu-mmio.js";

/** A hand-driven IRQ line. */
class TestIrq implements IrqLine {
  readonly name = "mmu" as const;
  readonly level = false;
  handler: (() => void) | null = null;
  setHandler(h: () => void): void {
    this.handler = h;
  }
  clearHandler(): void {
    this.handler = null;
  }
}

function setup() {
  const loop = new EventLoopSim({ seed: 3 });
  const mmio = new FakeMmuMmio(loop);
  const warnings = new CollectingWarningSink();
  const mmu = new PanfrostMmu({
    mmio,
    loop,
    warnings,
    asPresent: 0xff,
    numJobSlots: 3,
    aarch64Mmu: false,
    onStuck: () => {},
  });
  const grown: number[] = [];
  const resolver = {
    handleFault: (_c: MmuContext, va: number) => {
      grown.push(va);
      return { ret: 0, reason: "heap grown" };
    },
    describe: (): FaultTarget => ({ kind: "unbound" }),
    owner: () => null,
  };
  const irq = new TestIrq();
  mmu.attach(irq, resolver);
  const ctx = {
    id: 99,
    as: -1,
    asCount: 0,
    asConfig: {
      transtab: { lo: 0x1000 | 7, hi: 0 },
      memattr: { lo: 0x88888888, hi: 0x88888888 },
      transcfg: { lo: 0, hi: 0 },
    },
  } as unknown as MmuContext;
  const as = mmu.slots.asGet(ctx);
  expect(as).toBe(0);
  /** Raises a fault of AS0 with `bits` in RAWSTAT and runs the handler. */
  const raise = (bits: number, status: number, va: number): void => {
    mmio.regs.set(MMU_INT_RAWSTAT, bits >>> 0);
    mmio.regs.set(MMU_INT_STAT, bits >>> 0);
    mmio.regs.set(AS_FAULTSTATUS(0), status >>> 0);
    mmio.regs.set(AS_FAULTADDRESS_LO(0), va >>> 0);
    // The fake keeps RAWSTAT as set; the driver's clear is what the hardware would act on.
    const clear = mmio.write32.bind(mmio);
    mmio.write32 = (off: number, v: number) => {
      clear(off, v);
      if (off === MMU_INT_CLEAR) {
        const left = (mmio.regs.get(MMU_INT_RAWSTAT) ?? 0) & ~v;
        mmio.regs.set(MMU_INT_RAWSTAT, left >>> 0);
        mmio.regs.set(MMU_INT_STAT, left >>> 0);
      }
    };
    irq.handler?.();
    mmio.write32 = clear;
  };
  return { loop, mmio, warnings, mmu, grown, raise, ctx };
}

describe("MMU IRQ thread: heap growth only for clean translation faults", () => {
  it("a translation fault on the page-fault bit alone goes to the heap resolver", () => {
    const t = setup();
    t.raise(1 << 0, 0xc1 | (1 << 8), 0x2200000);
    expect(t.grown).toEqual([0x2200000]);
    expect(t.mmu.faultLog.records.length).toBe(0);
    expect(t.mmu.slots.faultyMask).toBe(0);
  });

  it("a bus-error bit (16 + AS) makes even a translation fault terminal: no growth, AS faulty and masked", () => {
    const t = setup();
    const bits = ((1 << 0) | (1 << 16)) >>> 0;
    t.raise(bits, 0xc1 | (1 << 8), 0x2200000);
    expect(t.grown).toEqual([]);
    expect(t.mmu.faultLog.records.length).toBe(1);
    expect(t.mmu.faultLog.records[0]?.busError).toBe(true);
    expect(t.mmu.slots.faultyMask).toBe(bits);
    expect(t.mmio.regs.get(MMU_INT_MASK)).toBe(~bits >>> 0);
    // Only the bus-error bit: terminal as well.
    const u = setup();
    u.raise(1 << 16, 0xc1, 0x2200000);
    expect(u.grown).toEqual([]);
    expect(u.mmu.faultLog.records[0]?.busError).toBe(true);
  });

  it("non-translation exception codes (permission, bus fault on a walk) are terminal", () => {
    for (const code of [0xc8, 0xcb, 0xd0, 0xd8]) {
      const t = setup();
      t.raise(1 << 0, code, 0x2200000);
      expect(t.grown, `code 0x${code.toString(16)}`).toEqual([]);
      expect(t.mmu.faultLog.records.length).toBe(1);
      expect(t.mmu.faultLog.records[0]?.busError).toBe(false);
    }
  });
});
