import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  AS_TRANSCFG_HI_DISABLE_AF_FAULT,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  asReg,
  createPlatform,
  GpuAccessKind,
  type GpuPresetName,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
  TRANSLATE_FAULTED,
} from "../src/index.js";
import {
  A64_PAGE_RO,
  A64_PAGE_RW,
  HandTables,
  MALI_PAGE_RO,
  MALI_PAGE_RW,
  programAarch64,
  programMali,
  waitReady,
  XN_HI,
} from "./helpers/hand-tables.js";

const AS = 3;
const VA = 0x12_3456_7000;

function setup(preset: GpuPresetName = "g52", aarch64 = false, cfgHi = 0) {
  const sim = createPlatform(preset);
  const { mmio } = sim.platform;
  const t = new HandTables(sim.memory);
  const page = sim.memory.allocPage() as number;
  if (aarch64) programAarch64(mmio, AS, t.root, 48, cfgHi);
  else programMali(mmio, AS, t.root);
  waitReady(mmio, sim.loop, AS);
  const regs = () => ({
    status: mmio.read32(asReg(AS, AS_FAULTSTATUS)),
    addr:
      mmio.read32(asReg(AS, AS_FAULTADDRESS_HI)) * 2 ** 32 +
      mmio.read32(asReg(AS, AS_FAULTADDRESS_LO)),
    raw: mmio.read32(MMU_INT_RAWSTAT),
  });
  return { sim, mmio, t, page, mmu: sim.gpu.mmu, regs };
}

describe("MMU faults", () => {
  it("translation fault at the level where the walk found nothing", () => {
    const { mmu, regs, t, page, mmio } = setup();
    expect(mmu.translate(AS, VA + 0x44, GpuAccessKind.Read, 0x1234)).toBe(TRANSLATE_FAULTED);
    expect(regs()).toEqual({ status: 0x1234_02c0, addr: VA + 0x44, raw: 1 << AS });
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    t.map(VA + 0x1000, page, 3, MALI_PAGE_RW);
    expect(mmu.translate(AS, VA, GpuAccessKind.Write, 7)).toBe(TRANSLATE_FAULTED);
    expect(regs()).toEqual({ status: 0x0007_03c3, addr: VA, raw: 1 << AS });
  });

  it("permission faults for write to read-only and execute of XN pages", () => {
    const { mmu, regs, t, page, mmio } = setup();
    t.map(VA, page, 3, MALI_PAGE_RO, XN_HI);
    expect(mmu.translate(AS, VA + 8, GpuAccessKind.Read, 1)).toBe(page + 8);
    expect(mmu.translate(AS, VA + 8, GpuAccessKind.Write, 1)).toBe(TRANSLATE_FAULTED);
    expect(regs()).toEqual({ status: 0x0001_03cb, addr: VA + 8, raw: 1 << AS });
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    expect(mmu.translate(AS, VA, GpuAccessKind.Execute, 2)).toBe(TRANSLATE_FAULTED);
    expect(regs()).toEqual({ status: 0x0002_01cb, addr: VA, raw: 1 << AS });
  });

  it("AArch64: read-only AP, access flag (unless disabled) and hierarchical APTable", () => {
    const a = setup("g610", true);
    a.t.map(VA, a.page, 3, A64_PAGE_RO);
    a.t.map(VA + 0x1000, a.page, 3, A64_PAGE_RW & ~0x400);
    expect(a.mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(a.page);
    expect(a.mmu.translate(AS, VA, GpuAccessKind.Write, 0)).toBe(TRANSLATE_FAULTED);
    expect(a.regs().status).toBe(0x3cb);
    a.mmio.write32(MMU_INT_CLEAR, 1 << AS);
    expect(a.mmu.translate(AS, VA + 0x1000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    // On CSF GPUs bits 16+n report command completion (the UPDATE above), not bus errors.
    expect(a.regs()).toEqual({
      status: 0x2db,
      addr: VA + 0x1000,
      raw: (1 << AS) | (1 << (16 + AS)),
    });

    const b = setup("g610", true, AS_TRANSCFG_HI_DISABLE_AF_FAULT);
    b.t.map(VA, b.page, 3, A64_PAGE_RW & ~0x400);
    expect(b.mmu.translate(AS, VA, GpuAccessKind.Write, 0)).toBe(b.page);
    // APTable[1] (bit 62) on the level-2 table descriptor makes the subtree read-only.
    const l2 = b.t.table(VA, 2);
    const w = b.sim.memory.pageU32(b.t.table(VA, 1));
    const i = ((Math.floor(VA / 2 ** 30) % 512) * 2 + 1) as number;
    expect(((w[i - 1] as number) & 0xfffff000) >>> 0).toBe(l2 % 2 ** 32);
    w[i] = ((w[i] as number) | 0x4000_0000) >>> 0;
    b.t.map(VA + 0x2000, b.page, 3, A64_PAGE_RW);
    expect(b.mmu.translate(AS, VA + 0x2000, GpuAccessKind.Read, 0)).toBe(b.page);
    expect(b.mmu.translate(AS, VA + 0x3000 - 0x1000, GpuAccessKind.Write, 0)).toBe(
      TRANSLATE_FAULTED,
    );
    expect(b.regs().status & 0xff).toBe(0xcb);
  });

  it("address size faults: input beyond VA bits, output beyond PA bits", () => {
    const { mmu, regs, t, mmio } = setup();
    expect(mmu.translate(AS, 2 ** 48 + 0x1000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(regs()).toEqual({ status: 0x2e0, addr: 2 ** 48 + 0x1000, raw: 1 << AS });
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    t.map(VA, 2 ** 41, 3, MALI_PAGE_RW);
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(regs().status).toBe(0x2e7);
  });

  it("a root table beyond the PA bits is an address-size fault at the start level, not a bus fault", () => {
    const { mmu, regs, mmio, sim } = setup();
    mmio.write32(asReg(AS, AS_TRANSTAB_HI), 0x100); // root at 2^40 + ..., PA bits are 40
    mmio.write32(asReg(AS, AS_COMMAND), 1);
    waitReady(mmio, sim.loop, AS);
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(regs()).toEqual({ status: 0x2e4, addr: VA, raw: 1 << AS });

    const a = setup("g610", true);
    a.mmio.write32(asReg(AS, AS_TRANSTAB_HI), 0x100);
    a.mmio.write32(asReg(AS, AS_COMMAND), 1);
    waitReady(a.mmio, a.sim.loop, AS);
    expect(a.mmu.translate(AS, VA, GpuAccessKind.Write, 0)).toBe(TRANSLATE_FAULTED);
    expect(a.regs().status).toBe(0x3e4);
  });

  it("bus faults while walking: slave (unallocated) vs decoder (outside memory); a page-fault bit on JM too", () => {
    const { mmu, regs, t, mmio, sim } = setup();
    t.set(VA, 2, (0x9000_0000 | 3) >>> 0, 0); // level-2 entry points at an unallocated page
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    // TRANSTAB_BUS_FAULT is reported like every walk fault, on bit n (kbase handles the code in
    // its page-fault worker, which bits 0-15 feed); bit 16+n stays clear.
    expect(regs()).toEqual({ status: 0x2d3, addr: VA, raw: 1 << AS });
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    expect(sim.gpu.mmu.slot(AS).stalled).toBe(false);
    t.set(VA, 2, 0x0010_0003, 0); // below the memory range: nothing decodes it
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(regs().status).toBe(0x6d3);

    const csf = setup("g610", true);
    csf.mmu.injectBusFault(AS);
    expect(csf.mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(csf.regs().status).toBe(0x2d0);
    expect(csf.mmio.read32(MMU_INT_RAWSTAT) & 0xffff).toBe(1 << AS);
  });

  it("keeps the first fault latched until cleared", () => {
    const { mmu, regs, mmio } = setup();
    mmu.translate(AS, VA, GpuAccessKind.Read, 1);
    mmu.translate(AS, VA + 0x5000, GpuAccessKind.Write, 2);
    expect(regs()).toEqual({ status: 0x0001_02c0, addr: VA, raw: 1 << AS });
    expect(mmu.slot(AS).counters.faultsWhileLatched).toBe(1);
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    mmu.translate(AS, VA + 0x5000, GpuAccessKind.Write, 2);
    expect(regs().addr).toBe(VA + 0x5000);
  });

  it("masked faults raise RAWSTAT but not the line; unmasking delivers the handler as an event", () => {
    const { mmu, mmio, sim } = setup();
    let calls = 0;
    sim.platform.irqs.mmu.setHandler(() => {
      calls++;
      mmio.write32(MMU_INT_CLEAR, mmio.read32(MMU_INT_STAT));
    });
    mmio.write32(MMU_INT_MASK, 0);
    mmu.translate(AS, VA, GpuAccessKind.Read, 0);
    sim.loop.runUntilIdle();
    expect(calls).toBe(0);
    expect(sim.platform.irqs.mmu.level).toBe(false);
    expect(mmio.read32(MMU_INT_STAT)).toBe(0);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(1 << AS);
    mmio.write32(MMU_INT_MASK, 0xffff_ffff);
    expect(sim.platform.irqs.mmu.level).toBe(true);
    expect(calls).toBe(0);
    sim.loop.runUntilIdle();
    expect(calls).toBe(1);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(0);
  });

  it("CLEAR retries a stalled access after the driver maps the page", () => {
    const { mmu, mmio, sim, t, page } = setup();
    const log: string[] = [];
    const attempt = () => {
      const pa = mmu.translate(AS, VA + 4, GpuAccessKind.Write, 0);
      if (pa < 0) {
        log.push("stall");
        mmu.waitRetry(AS, attempt, (code) => log.push(`abort ${code}`));
      } else log.push(`ok ${pa - page}`);
    };
    attempt();
    sim.loop.runUntilIdle();
    expect(log).toEqual(["stall"]);
    t.map(VA, page, 3, MALI_PAGE_RW);
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    sim.loop.runUntilIdle();
    expect(log).toEqual(["stall", "ok 4"]);
    expect(mmu.slot(AS).counters.retries).toBe(1);
  });

  it("disabling the AS aborts the stalled access with the fault's code", () => {
    const { mmu, mmio, sim } = setup();
    const log: string[] = [];
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    mmu.waitRetry(
      AS,
      () => log.push("resume"),
      (code) => log.push(`abort 0x${code.toString(16)}`),
    );
    mmio.write32(asReg(AS, AS_TRANSTAB_LO), 0);
    mmio.write32(asReg(AS, AS_TRANSTAB_HI), 0);
    mmio.write32(asReg(AS, AS_COMMAND), 1);
    sim.loop.runUntilIdle();
    expect(log).toEqual(["abort 0xc0"]);
    expect(mmu.translate(AS, VA, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
  });

  it("an access through an AS the GPU lacks fails and its retry aborts with JOB_CONFIG_FAULT", () => {
    const sim = createPlatform("g52", { overrides: { asPresent: 0x3 } });
    expect(sim.gpu.mmu.translate(5, 0x1000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    const codes: number[] = [];
    sim.gpu.mmu.waitRetry(
      5,
      () => codes.push(-1),
      (c) => codes.push(c),
    );
    sim.loop.runUntilIdle();
    expect(codes).toEqual([0x40]);
    expect(sim.gpu.mmu.absentAsAccesses).toBe(1);
    expect(sim.platform.mmio.read32(MMU_INT_RAWSTAT)).toBe(0);
  });

  it("identity and unmapped modes", () => {
    const sim = createPlatform("g52");
    const { mmio } = sim.platform;
    mmio.write32(asReg(0, AS_TRANSTAB_LO), 2);
    mmio.write32(asReg(0, AS_COMMAND), 1);
    waitReady(mmio, sim.loop, 0);
    expect(sim.gpu.mmu.translate(0, 0x8000_1234, GpuAccessKind.Write, 0)).toBe(0x8000_1234);
    expect(sim.gpu.mmu.translate(0, 2 ** 40, GpuAccessKind.Write, 0)).toBe(TRANSLATE_FAULTED);
    expect(mmio.read32(asReg(0, AS_FAULTSTATUS)) & 0xff).toBe(0xc7);
    expect(sim.gpu.mmu.translate(1, 0x1000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(mmio.read32(asReg(1, AS_FAULTSTATUS)) & 0xff).toBe(0xc0);
  });
});
