import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_FLUSH_PT,
  AS_COMMAND_UPDATE,
  AS_FAULTSTATUS,
  AS_STATUS,
  AS_TRANSTAB_LO,
  asReg,
  CSF_GPU_CMD_SOFT_RESET,
  CSF_GPU_LATEST_FLUSH_ID,
  CSF_USER_PAGE_SIZE,
  createPlatform,
  csfFlushCachesCmd,
  GPU_CMD,
  GPU_CMD_CLEAN_INV_CACHES,
  GPU_CMD_SOFT_RESET,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  GPU_INT_RAWSTAT,
  GPU_IRQ_CLEAN_CACHES_COMPLETED,
  GPU_IRQ_POWER_CHANGED_ALL,
  GPU_IRQ_RESET_COMPLETED,
  GPU_LATEST_FLUSH_ID,
  GpuAccessKind,
  L2_PWRON_LO,
  L2_READY_LO,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
  SHADER_PWRON_LO,
  SHADER_READY_LO,
  SYSTEM_COUNTER_FREQUENCY_HZ,
  TRANSLATE_FAULTED,
} from "../src/index.js";
import {
  HandTables,
  lockedOp,
  MALI_PAGE_RW,
  programMali,
  waitReady,
} from "./helpers/hand-tables.js";

describe("AS commands", () => {
  it("AS_ACTIVE stays set for the command latency; a command written meanwhile is a protocol error", () => {
    const sim = createPlatform("t860", { timing: { mmuCommandNs: 5000 } });
    const { mmio } = sim.platform;
    mmio.write32(asReg(0, AS_COMMAND), AS_COMMAND_UPDATE);
    expect(mmio.read32(asReg(0, AS_STATUS))).toBe(1);
    mmio.write32(asReg(0, AS_COMMAND), AS_COMMAND_FLUSH_PT);
    expect(sim.gpu.mmu.slot(0).counters.protocolErrors).toBe(1);
    expect(sim.gpu.mmu.protocolErrors).toEqual([
      { time: 0, as: 0, command: AS_COMMAND_FLUSH_PT, running: 1 },
    ]);
    sim.loop.advance(4999);
    expect(mmio.read32(asReg(0, AS_STATUS))).toBe(1);
    sim.loop.advance(1);
    expect(mmio.read32(asReg(0, AS_STATUS))).toBe(0);
    expect(sim.gpu.mmu.slot(0).counters.commandsCompleted).toBe(1);
  });

  it("injected extra latency and a stuck AS_ACTIVE", () => {
    const sim = createPlatform("g52");
    const { mmio } = sim.platform;
    sim.gpu.mmu.injectExtraLatency(2, 9000);
    mmio.write32(asReg(2, AS_COMMAND), AS_COMMAND_UPDATE);
    expect(sim.loop.runUntil(() => mmio.read32(asReg(2, AS_STATUS)) === 0, 1_000_000)).toBe(true);
    expect(sim.loop.now).toBe(10_000);
    sim.gpu.mmu.injectStuckActive(2, AS_COMMAND_FLUSH_PT);
    mmio.write32(asReg(2, AS_COMMAND), AS_COMMAND_UPDATE);
    waitReady(mmio, sim.loop, 2);
    mmio.write32(asReg(2, AS_COMMAND), AS_COMMAND_FLUSH_PT);
    expect(waitReady(mmio, sim.loop, 2)).toBe(false);
    mmio.write32(GPU_CMD, GPU_CMD_SOFT_RESET);
    expect(mmio.read32(asReg(2, AS_STATUS))).toBe(0);
  });

  it("writing MMU_INT_RAWSTAT sets bits (IRQ self-test), like GPU_INT and JOB_INT", () => {
    const sim = createPlatform("t860");
    const { mmio } = sim.platform;
    let calls = 0;
    sim.platform.irqs.mmu.setHandler(() => {
      calls++;
      mmio.write32(MMU_INT_CLEAR, mmio.read32(MMU_INT_STAT));
    });
    mmio.write32(MMU_INT_MASK, 0x1);
    mmio.write32(MMU_INT_RAWSTAT, 0x1);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(1);
    expect(sim.platform.irqs.mmu.level).toBe(true);
    sim.loop.runUntilIdle();
    expect(calls).toBe(1);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(0);
    expect(sim.gpu.mmioStats.unknownWrites).toBe(0);
  });

  it("CSF GPUs signal command completion in MMU_INT bits 16+n", () => {
    const sim = createPlatform("g610");
    const { mmio } = sim.platform;
    mmio.write32(asReg(4, AS_COMMAND), AS_COMMAND_UPDATE);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(0);
    waitReady(mmio, sim.loop, 4);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(1 << 20);
  });
});

describe("GPU control", () => {
  it("soft reset clears AS state, latched faults and TLBs, then raises RESET_COMPLETED", () => {
    const sim = createPlatform("t860");
    const { mmio } = sim.platform;
    const t = new HandTables(sim.memory);
    const page = sim.memory.allocPage() as number;
    t.map(0x10_0000, page, 3, MALI_PAGE_RW);
    programMali(mmio, 1, t.root);
    waitReady(mmio, sim.loop, 1);
    mmio.write32(MMU_INT_MASK, 0xffff);
    expect(sim.gpu.mmu.translate(1, 0x10_0000, GpuAccessKind.Read, 0)).toBe(page);
    expect(sim.gpu.mmu.translate(1, 0x20_0000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
    expect(sim.gpu.mmu.slot(1).tlb.valid).toBe(1);
    const aborted: number[] = [];
    sim.gpu.mmu.waitRetry(
      1,
      () => {},
      (c) => aborted.push(c),
    );
    mmio.write32(GPU_INT_CLEAR, 0xffffffff);
    mmio.write32(GPU_CMD, GPU_CMD_SOFT_RESET);
    expect(mmio.read32(asReg(1, AS_TRANSTAB_LO))).toBe(0);
    expect(mmio.read32(asReg(1, AS_FAULTSTATUS))).toBe(0);
    expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(0);
    expect(mmio.read32(MMU_INT_MASK)).toBe(0);
    expect(sim.gpu.mmu.slot(1).tlb.valid).toBe(0);
    expect(mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED).toBe(0);
    sim.loop.runUntilIdle();
    expect(aborted).toEqual([0xc2]);
    expect(mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED).toBe(GPU_IRQ_RESET_COMPLETED);
    expect(sim.gpu.mmu.translate(1, 0x10_0000, GpuAccessKind.Read, 0)).toBe(TRANSLATE_FAULTED);
  });

  it("CSF soft reset command, cache flushes and power domains", () => {
    const sim = createPlatform("g610");
    const { mmio } = sim.platform;
    let irqs = 0;
    sim.platform.irqs.gpu.setHandler(() => {
      irqs++;
      mmio.write32(GPU_INT_CLEAR, mmio.read32(GPU_INT_RAWSTAT));
    });
    mmio.write32(GPU_INT_MASK, GPU_IRQ_RESET_COMPLETED | GPU_IRQ_CLEAN_CACHES_COMPLETED);
    mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    sim.loop.runUntilIdle();
    expect(irqs).toBe(1);
    mmio.write32(GPU_CMD, csfFlushCachesCmd(3, 3, 2));
    sim.loop.runUntilIdle();
    expect(irqs).toBe(2);
    expect(sim.gpu.control.cacheFlushes).toBe(1);
    mmio.write32(L2_PWRON_LO, 0xffffffff);
    mmio.write32(SHADER_PWRON_LO, 0xffffffff);
    sim.loop.runUntilIdle();
    expect(mmio.read32(L2_READY_LO)).toBe(1);
    expect(mmio.read32(SHADER_READY_LO)).toBe(0x50005);
    expect(mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_POWER_CHANGED_ALL).toBe(
      GPU_IRQ_POWER_CHANGED_ALL,
    );
  });

  it("USR-1: the CSF USER page's LATEST_FLUSH_ID counts completed full cache flushes only", () => {
    const sim = createPlatform("g610");
    const { mmio } = sim.platform;
    const unknown = sim.gpu.mmioStats.unknownReads;
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID)).toBe(0);
    // L2 and LSC cleaned and invalidated: a full flush, counted once it completes.
    mmio.write32(GPU_CMD, csfFlushCachesCmd(3, 3, 0));
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID)).toBe(0);
    sim.loop.runUntilIdle();
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID)).toBe(1);
    // A clean without invalidate, or an LSC left alone, is not a full flush.
    mmio.write32(GPU_CMD, csfFlushCachesCmd(1, 3, 0));
    mmio.write32(GPU_CMD, csfFlushCachesCmd(3, 0, 2));
    sim.loop.runUntilIdle();
    expect(sim.gpu.control.cacheFlushes).toBe(3);
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID)).toBe(1);
    mmio.write32(GPU_CMD, csfFlushCachesCmd(3, 3, 3));
    sim.loop.runUntilIdle();
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID)).toBe(2);
    // The rest of the USER page reads 0 and is a known register window.
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID + 4)).toBe(0);
    expect(mmio.read32(CSF_GPU_LATEST_FLUSH_ID + CSF_USER_PAGE_SIZE - 4)).toBe(0);
    expect(sim.gpu.mmioStats.unknownReads).toBe(unknown);
    // Past the page, and on a JM GPU, nothing is there.
    mmio.read32(CSF_GPU_LATEST_FLUSH_ID + CSF_USER_PAGE_SIZE);
    expect(sim.gpu.mmioStats.unknownReads).toBe(unknown + 1);
    const jm = createPlatform("g57");
    jm.platform.mmio.read32(CSF_GPU_LATEST_FLUSH_ID);
    expect(jm.gpu.mmioStats.unknownReads).toBe(1);
  });

  it("JM cache clean bumps the latest flush id", () => {
    const sim = createPlatform("g57");
    const { mmio } = sim.platform;
    mmio.write32(GPU_CMD, GPU_CMD_CLEAN_INV_CACHES);
    sim.loop.runUntilIdle();
    expect(mmio.read32(GPU_LATEST_FLUSH_ID)).toBe(1);
    expect(mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_CLEAN_CACHES_COMPLETED).not.toBe(0);
    // Core stacks: PWRON at 0xe20 moves STACK_READY (0xe10) for the present stacks only.
    mmio.write32(0xe20, 0xff);
    expect(mmio.read32(0xe40)).toBe(0x3);
    sim.loop.runUntilIdle();
    expect(mmio.read32(0xe10)).toBe(0x3);
    expect(mmio.read32(0xe40)).toBe(0);
    mmio.write32(0xe30, 0x1);
    sim.loop.runUntilIdle();
    expect(mmio.read32(0xe10)).toBe(0x2);
  });
});

describe("determinism", () => {
  function scenario(seed: number): string[] {
    const sim = createPlatform("g52", { seed, trace: true });
    const { mmio } = sim.platform;
    const t = new HandTables(sim.memory);
    const page = sim.memory.allocPage() as number;
    mmio.write32(MMU_INT_MASK, 0xffffffff);
    sim.platform.irqs.mmu.setHandler(() => {
      t.map(0x30_0000, page, 3, MALI_PAGE_RW);
      lockedOp(mmio, sim.loop, 0, 0x30_0000, 0x1000, AS_COMMAND_FLUSH_PT);
      mmio.write32(0x2004, mmio.read32(MMU_INT_RAWSTAT));
    });
    programMali(mmio, 0, t.root);
    programMali(mmio, 1, t.root);
    waitReady(mmio, sim.loop, 0);
    waitReady(mmio, sim.loop, 1);
    for (const as of [0, 1]) {
      const go = () => {
        const pa = sim.gpu.mmu.translate(as, 0x30_0010, GpuAccessKind.Write, as);
        if (pa < 0) sim.gpu.mmu.waitRetry(as, go, () => sim.gpu.trace?.log(`abort ${as}`));
        else sim.gpu.trace?.log(`as${as} ok 0x${pa.toString(16)}`);
      };
      sim.loop.schedule(10, go, `go${as}`);
    }
    sim.loop.runUntilIdle();
    return sim.gpu.trace?.lines ?? [];
  }

  it("the same seed gives the same trace", () => {
    const a = scenario(11);
    expect(a.length).toBeGreaterThan(20);
    expect(a.some((l) => l.includes("ok"))).toBe(true);
    expect(scenario(11)).toEqual(a);
  });
});

describe("CSF identity registers and system counter (G610)", () => {
  it("reads the real G610's GPU_ID, CSF_ID, features and present masks", () => {
    const { mmio } = createPlatform("g610").platform;
    expect(mmio.read32(0x0) >>> 0).toBe(0xa8670005);
    expect(mmio.read32(0x1c) >>> 0).toBe(0x040a0412);
    expect(mmio.read32(0x4) >>> 0).toBe(0x07120306);
    expect(mmio.read32(0x10) >>> 0).toBe(0x301);
    expect(mmio.read32(0x14) >>> 0).toBe(0x2830);
    expect(mmio.read32(0xac) >>> 0).toBe(0x04010000);
    expect([mmio.read32(0x60), mmio.read32(0x64)]).toEqual([0, 0]);
    expect([mmio.read32(0x100), mmio.read32(0x104)]).toEqual([0x50005, 0]);
  });

  it("GPU_TIMESTAMP counts the 24 MHz system counter plus GPU_TIMESTAMP_OFFSET", () => {
    expect(SYSTEM_COUNTER_FREQUENCY_HZ).toBe(24_000_000);
    const sim = createPlatform("g610");
    const { mmio } = sim.platform;
    sim.loop.advance(1_000_000); // 1 ms
    expect([mmio.read32(0x98), mmio.read32(0x9c)]).toEqual([24_000, 0]);
    mmio.write32(0x88, 0xffff_ffff);
    mmio.write32(0x8c, 0x1);
    // 24000 + 0x1_ffff_ffff = 0x2_0000_5dbf
    expect([mmio.read32(0x98) >>> 0, mmio.read32(0x9c)]).toEqual([0x5dbf, 2]);
    // The GPU cycle counter runs at the (1 GHz) GPU clock.
    expect(mmio.read32(0x90)).toBe(1_000_000);
  });
});
