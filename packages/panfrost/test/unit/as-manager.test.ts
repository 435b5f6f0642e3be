import { EventLoopSim } from "@panmmu/hw";
import { CollectingWarningSink, EAGAIN, EBUSY } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { type AsClient, AsSlotManager, lowestClear } from "../../src/mmu/as-manager.js";
import { MmuHw } from "../../src/mmu/hw-ops.js";
import { AsLock } from "../../src/mmu/serial-lock.js";
import {
  AS_COMMAND,
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_FLUSH_PT,
  AS_COMMAND_UPDATE,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_LO,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
} from "../../src/regs.js";
import { FakeMmuMmio } from "../helpers/fake-mmu-mmio.js";

function setup(asPresent = 0xf, latencyNs = 0) {
  const loop = new EventLoopSim({ seed: 7 });
  const mmio = new FakeMmuMmio(loop, latencyNs);
  const warnings = new CollectingWarningSink();
  const stuck: number[] = [];
  const hw = new MmuHw(mmio, loop, (as) => stuck.push(as));
  const lock = new AsLock();
  const mgr = new AsSlotManager(hw, mmio, lock, asPresent, 3, warnings);
  return { loop, mmio, warnings, hw, lock, mgr, stuck };
}

let nextId = 1;
function ctx(base = 0x100000): AsClient {
  const id = nextId++;
  return {
    id,
    as: -1,
    asCount: 0,
    asConfig: {
      transtab: { lo: (base + id * 0x1000) | 7, hi: 0 },
      memattr: { lo: 0x88888888, hi: 0x88888888 },
      transcfg: { lo: 0, hi: 0 },
    },
  };
}

describe("AS slot manager (panfrost_mmu_as_get/put)", () => {
  it("lowestClear is ffz", () => {
    expect(lowestClear(0)).toBe(0);
    expect(lowestClear(0b1011)).toBe(2);
    expect(lowestClear(0xffffffff)).toBe(-1);
  });

  it("binds free slots first, programs TRANSTAB/MEMATTR/TRANSCFG and UPDATE", () => {
    const { mgr, mmio, warnings } = setup();
    const a = ctx();
    expect(mgr.asGet(a)).toBe(0);
    expect(a.asCount).toBe(1);
    expect(mmio.regs.get(AS_TRANSTAB_LO(0))).toBe(a.asConfig.transtab.lo);
    expect(mmio.regs.get(AS_TRANSCFG_LO(0))).toBe(0);
    expect(mmio.commands()).toEqual([
      [0, 2], // LOCK (whole range)
      [0, AS_COMMAND_FLUSH_MEM],
      [0, AS_COMMAND_UPDATE],
    ]);
    // Fast path: same slot, count 2, no register traffic.
    const n = mmio.writes.length;
    expect(mgr.asGet(a)).toBe(0);
    expect(a.asCount).toBe(2);
    expect(mmio.writes.length).toBe(n);
    mgr.asPut(a);
    mgr.asPut(a);
    expect(a.asCount).toBe(0);
    expect(mgr.snapshot()[0]).toMatchObject({ as: 0, state: "allocated", ctx: a.id });
    expect(warnings.warnings).toEqual([]);
  });

  it("steals only an allocated slot with count 0, oldest first (never one in use)", () => {
    const { mgr, warnings } = setup(0x3);
    const a = ctx();
    const b = ctx();
    const c = ctx();
    expect(mgr.asGet(a)).toBe(0);
    expect(mgr.asGet(b)).toBe(1);
    // Both in use: c must wait, and nothing changes.
    expect(mgr.asGet(c)).toBe(-EBUSY);
    expect(c.as).toBe(-1);
    expect([a.as, b.as, a.asCount, b.asCount]).toEqual([0, 1, 1, 1]);
    // b goes idle: it is the only candidate even though a is older.
    mgr.asPut(b);
    expect(mgr.asGet(c)).toBe(1);
    expect(b.as).toBe(-1);
    expect(c.asCount).toBe(1);
    // Now a and c idle; a is the least recently used.
    mgr.asPut(a);
    mgr.asPut(c);
    expect(mgr.asGet(b)).toBe(0);
    expect(a.as).toBe(-1);
    expect(mgr.counters.steals).toBe(2);
    expect(warnings.warnings).toEqual([]);
  });

  it("LRU order follows use: a recently used context is not the victim", () => {
    const { mgr } = setup(0x3);
    const [a, b, c] = [ctx(), ctx(), ctx()];
    mgr.asGet(a);
    mgr.asGet(b);
    mgr.asPut(a);
    mgr.asPut(b);
    mgr.asGet(a); // a becomes most recent
    mgr.asPut(a);
    expect(mgr.asGet(c)).toBe(1); // b (older) is stolen
    expect(b.as).toBe(-1);
    expect(a.as).toBe(0);
  });

  it("warns when a context's use count exceeds job slots + 1", () => {
    const { mgr, warnings } = setup();
    const a = ctx();
    for (let i = 0; i < 4; i++) mgr.asGet(a);
    expect(warnings.warnings.map((w) => w.where)).toEqual(["panfrost_mmu_as_get"]);
  });

  it("asPut below zero warns and clamps", () => {
    const { mgr, warnings } = setup();
    const a = ctx();
    mgr.asPut(a);
    expect(a.asCount).toBe(0);
    expect(warnings.warnings[0]?.where).toBe("panfrost_mmu_as_put");
  });

  it("re-enables a faulty slot when its owner next gets it (clear + unmask its IRQ)", () => {
    const { mgr, mmio, lock } = setup();
    const a = ctx();
    mgr.asGet(a);
    lock.tryWith(() => mgr.killFaultyLocked(0, 0x10001));
    expect(mgr.faultyMask).toBe(0x10001);
    expect(mmio.regs.get(AS_TRANSCFG_LO(0))).toBe(1); // UNMAPPED
    mmio.writes.length = 0;
    expect(mgr.asGet(a)).toBe(0);
    expect(mgr.faultyMask).toBe(0);
    expect(mmio.writes[0]).toMatchObject({ offset: MMU_INT_CLEAR, value: 0x10001 });
    expect(mmio.writes[1]).toMatchObject({ offset: MMU_INT_MASK, value: 0xffffffff });
    expect(mmio.regs.get(AS_TRANSTAB_LO(0))).toBe(a.asConfig.transtab.lo);
    expect(mmio.regs.get(AS_TRANSCFG_LO(0))).toBe(0);
    expect(mgr.counters.faultyReenables).toBe(1);
  });

  it("a slot left faulty by its previous owner is unmasked for the context that steals it", () => {
    // One slot: b steals it from a, whose unhandled fault left it faulty and masked. Without
    // the clear, b's own faults (e.g. heap growth) would never be delivered.
    const { mgr, mmio, lock } = setup(0x1);
    const [a, b] = [ctx(), ctx()];
    expect(mgr.asGet(a)).toBe(0);
    lock.tryWith(() => mgr.killFaultyLocked(0, 0x10001));
    mgr.asPut(a);
    mmio.writes.length = 0;
    expect(mgr.asGet(b)).toBe(0);
    expect(a.as).toBe(-1);
    expect(mgr.faultyMask).toBe(0);
    expect(mmio.writes).toContainEqual(
      expect.objectContaining({ offset: MMU_INT_CLEAR, value: 0x10001 }),
    );
    expect(mmio.regs.get(MMU_INT_MASK)).toBe(0xffffffff);
    expect(mmio.regs.get(AS_TRANSTAB_LO(0))).toBe(b.asConfig.transtab.lo);
  });

  it("a faulty slot freed by its owner's release is unmasked for the next owner", () => {
    const { mgr, mmio, lock } = setup(0x1);
    const [a, b] = [ctx(), ctx()];
    mgr.asGet(a);
    lock.tryWith(() => mgr.killFaultyLocked(0, 0x10001));
    mgr.asPut(a);
    lock.tryWith(() => mgr.releaseLocked(a));
    expect(mgr.faultyMask).toBe(0);
    expect(mmio.regs.get(MMU_INT_MASK)).toBe(0xffffffff);
    expect(mgr.asGet(b)).toBe(0);
  });

  it("reset frees every slot and unbinds every context", () => {
    const { mgr, lock, mmio } = setup();
    const [a, b] = [ctx(), ctx()];
    mgr.asGet(a);
    mgr.asGet(b);
    lock.tryWith(() => mgr.resetLocked());
    expect([a.as, b.as, a.asCount, b.asCount, mgr.allocMask]).toEqual([-1, -1, 0, 0, 0]);
    expect(mmio.regs.get(MMU_INT_MASK)).toBe(0xffffffff);
    expect(mgr.snapshot().every((s) => s.state === "free")).toBe(true);
  });

  it("seed hazard: MMU operations never target an AS after it was reassigned", () => {
    // Commands take 50 µs, so a flush polls AS_ACTIVE and other events run meanwhile.
    const { mgr, mmio, loop, lock } = setup(0x1, 50_000);
    const a = ctx();
    const b = ctx();
    mgr.asGet(a);
    loop.runUntilIdle();
    mgr.asPut(a);
    let bResult: number | undefined;
    // While a's flush is in progress, b's job start wants an AS (would steal AS 0 from a).
    loop.schedule(
      20_000,
      () => {
        bResult = mgr.asGet(b);
      },
      "b start",
    );
    const retries: number[] = [];
    mgr.onAvailable(() => {
      if (b.as < 0) retries.push(mgr.asGet(b));
    });
    mmio.writes.length = 0;
    const t0 = loop.now;
    expect(mgr.flushRange(a, 0x2000000, 0x1000)).toBe(0);
    expect(bResult).toBe(-EAGAIN);
    // The flush's LOCK and FLUSH_PT both target AS 0 while a still owns it; b, which spun on
    // the lock, steals the slot at the release (its UPDATE comes after the flush).
    const cmds = mmio.writes.filter((w) => w.offset === AS_COMMAND(0));
    expect(cmds.map((w) => w.value).slice(0, 2)).toEqual([2, AS_COMMAND_FLUSH_PT]);
    expect(cmds.at(-1)?.value).toBe(AS_COMMAND_UPDATE);
    expect(loop.now).toBeGreaterThan(t0);
    expect(lock.isHeld).toBe(false);
    expect(lock.waiting).toBe(0);
    expect(retries).toEqual([0]);
    expect(b.as).toBe(0);
    expect(a.as).toBe(-1);
    // After the reassignment, a flush for a is a no-op.
    const n = mmio.writes.length;
    expect(mgr.flushRange(a, 0x2000000, 0x1000)).toBe(0);
    expect(mmio.writes.length).toBe(n);
  });

  it("wait_ready timeout reports the AS stuck (reset scheduled) after 100 ms", () => {
    const { mgr, mmio, loop, stuck } = setup();
    const a = ctx();
    mgr.asGet(a);
    mmio.stuck = true;
    const t0 = loop.now;
    expect(mgr.flushRange(a, 0x2000000, 0x1000)).toBe(-110);
    expect(stuck.length).toBeGreaterThan(0);
    expect(loop.now - t0).toBeGreaterThanOrEqual(100_000_000);
    expect(mgr.hw.counters.stuck).toBeGreaterThan(0);
  });
});
