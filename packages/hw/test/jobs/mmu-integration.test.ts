/**
 * Jobs on the real MMU: page tables hand-written in Mali LPAE format, the AS programmed through
 * its registers the way panfrost does, faults handled through MMU_INT_CLEAR or by disabling the AS.
 */
import { describe, expect, it } from "vitest";
import { createPlatform } from "../../src/gpu/platform.js";
import { JobException } from "../../src/jobs/exception-codes.js";
import { IGT_FAULT_ADDRESS, igtWriteValueJobImage } from "../../src/jobs/igt-images.js";
import { ProgramBuilder } from "../../src/jobs/program/builder.js";
import { encodeProgramJob } from "../../src/jobs/program/program-job.js";
import { JsCommand, JsReg, jsRegOffset } from "../../src/jobs/registers.js";
import { encodeWriteValueJob, WriteValueType } from "../../src/jobs/write-value.js";
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  AS_MEMATTR_LO,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  AS_TRANSTAB_LPAE_ADRMODE_TABLE,
  AS_TRANSTAB_LPAE_ADRMODE_UNMAPPED,
  asReg,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
} from "../../src/regs/mmu-regs.js";
import { LpaeTables } from "./lpae-tables.js";

const AS = 1;
const SLOT = 1;
const JOB_VA = 0x10_0000;
const DATA_VA = 0x40_0000; // another 2 MiB region: its level-2 entry is missing at first

function setup() {
  const sim = createPlatform("g52");
  const mmio = sim.platform.mmio;
  const tables = new LpaeTables(sim.memory);
  const cpu = new Map<number, number>();
  const mapNew = (va: number) => {
    const pa = tables.page();
    tables.map(va, pa);
    cpu.set(va, pa);
    return pa;
  };
  const write = (va: number, bytes: Uint8Array) => {
    const pa = cpu.get(va - (va % 4096))!;
    sim.memory.pageU8(pa).set(bytes, va % 4096);
  };
  const u32 = (va: number) => sim.memory.pageU32(cpu.get(va - (va % 4096))!)[(va % 4096) / 4]!;
  // panfrost_mmu_enable(): TRANSTAB, MEMATTR, then UPDATE.
  const enable = (transtab: number) => {
    mmio.write32(asReg(AS, AS_TRANSTAB_LO), transtab % 2 ** 32);
    mmio.write32(asReg(AS, AS_TRANSTAB_HI), Math.floor(transtab / 2 ** 32));
    mmio.write32(asReg(AS, AS_MEMATTR_LO), 0x88888888);
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UPDATE);
    sim.loop.advance(10_000);
  };
  enable(tables.root + AS_TRANSTAB_LPAE_ADRMODE_TABLE);
  mmio.write32(MMU_INT_MASK, 0xffffffff);
  mmio.write32(0x1008, 0xffffffff);
  const submit = (jc: number) => {
    mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.HEAD_NEXT_LO), jc);
    mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.HEAD_NEXT_HI), 0);
    mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.CONFIG_NEXT), AS | 0x3300 | (8 << 16));
    mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.COMMAND_NEXT), JsCommand.START);
  };
  const jobRaw = () => mmio.read32(0x1000);
  return { sim, mmio, tables, mapNew, write, u32, enable, submit, jobRaw };
}

describe("jobs through the real MMU", () => {
  it("a job touching an unmapped VA faults, and completes after the mapping appears and the IRQ is cleared", () => {
    const t = setup();
    t.mapNew(JOB_VA);
    const code = new ProgramBuilder()
      .write32(DATA_VA + 0x10, 0x600dcafe)
      .check32(DATA_VA + 0x10, 0x600dcafe)
      .buildBytes();
    const job = new Uint8Array(48);
    encodeProgramJob(job, 0, {
      header: { index: 1 },
      programVa: JOB_VA + 0x100,
      programLength: code.length,
    });
    t.write(JOB_VA, job);
    t.write(JOB_VA + 0x100, code);
    t.submit(JOB_VA);
    t.sim.loop.advance(1_000_000);
    // The write faulted: translation fault at level 2 (no table there), write access, source id = slot.
    expect(t.mmio.read32(MMU_INT_RAWSTAT)).toBe(1 << AS);
    const fs = t.mmio.read32(asReg(AS, AS_FAULTSTATUS));
    expect(fs & 0xff).toBe(0xc2);
    expect((fs >>> 8) & 3).toBe(3);
    expect(fs >>> 16).toBe(SLOT);
    expect(t.mmio.read32(asReg(AS, AS_FAULTADDRESS_LO))).toBe(DATA_VA + 0x10);
    expect(t.mmio.read32(asReg(AS, AS_FAULTADDRESS_HI))).toBe(0);
    expect(t.jobRaw()).toBe(0);
    expect(t.sim.gpu.jobs!.slotStalled(SLOT)).toBe(true);
    // The "driver" maps the page (a new level-2 table and level-3 table) and clears the fault.
    t.mapNew(DATA_VA);
    t.mmio.write32(MMU_INT_CLEAR, 1 << AS);
    t.sim.loop.advance(1_000_000);
    expect(t.jobRaw()).toBe(1 << SLOT);
    expect(t.mmio.read32(0x1000 + jsRegOffset(SLOT, JsReg.STATUS))).toBe(JobException.DONE);
    expect(t.u32(JOB_VA)).toBe(1);
    expect(t.u32(DATA_VA + 0x10)).toBe(0x600dcafe);
  });

  it("pan-unhandled-pagefault: disabling the AS fails the stalled job; the header stays 0", () => {
    const t = setup();
    t.mapNew(JOB_VA);
    t.write(JOB_VA, igtWriteValueJobImage(JOB_VA, true));
    t.submit(JOB_VA);
    t.sim.loop.advance(1_000_000);
    expect(t.mmio.read32(asReg(AS, AS_FAULTADDRESS_LO))).toBe(IGT_FAULT_ADDRESS % 2 ** 32);
    expect(t.mmio.read32(asReg(AS, AS_FAULTADDRESS_HI))).toBe(0xdead);
    t.enable(AS_TRANSTAB_LPAE_ADRMODE_UNMAPPED);
    t.mmio.write32(MMU_INT_CLEAR, 1 << AS);
    t.sim.loop.advance(1_000_000);
    expect(t.jobRaw()).toBe(1 << (16 + SLOT));
    const status = t.mmio.read32(0x1000 + jsRegOffset(SLOT, JsReg.STATUS));
    expect(status).toBeGreaterThan(0x3f);
    expect(t.u32(JOB_VA)).toBe(0);
  });
});

describe("address spaces the GPU lacks", () => {
  it("a chain naming an AS outside AS_PRESENT fails with JOB_CONFIG_FAULT instead of reaching the MMU", () => {
    const t = setup();
    const present = t.sim.gpu.preset.asPresent;
    const missing = 31 - Math.clz32(present) + 1; // the first AS above the highest present one
    expect((present >>> missing) & 1).toBe(0);
    t.mapNew(JOB_VA);
    t.write(JOB_VA, igtWriteValueJobImage(JOB_VA, false));
    t.mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.HEAD_NEXT_LO), JOB_VA);
    t.mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.HEAD_NEXT_HI), 0);
    t.mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.CONFIG_NEXT), missing | 0x3300 | (8 << 16));
    t.mmio.write32(0x1000 + jsRegOffset(SLOT, JsReg.COMMAND_NEXT), JsCommand.START);
    t.sim.loop.advance(1_000_000);
    expect(t.jobRaw()).toBe(1 << (16 + SLOT));
    expect(t.mmio.read32(0x1000 + jsRegOffset(SLOT, JsReg.STATUS))).toBe(
      JobException.JOB_CONFIG_FAULT,
    );
    expect(t.mmio.read32(MMU_INT_RAWSTAT)).toBe(0);
    expect(t.u32(JOB_VA)).toBe(0);
  });
});

describe("two slots in two address spaces on the real MMU", () => {
  it("run interleaved, each in its own tables", () => {
    const sim = createPlatform("g57");
    const mmio = sim.platform.mmio;
    mmio.write32(0x1008, 0xffffffff);
    const pages = new Map<string, number>();
    for (const as of [1, 2]) {
      const tables = new LpaeTables(sim.memory);
      for (const va of [JOB_VA, DATA_VA]) {
        const pa = tables.page();
        tables.map(va, pa);
        pages.set(`${as}:${va}`, pa);
      }
      mmio.write32(
        asReg(as, AS_TRANSTAB_LO),
        (tables.root % 2 ** 32) + AS_TRANSTAB_LPAE_ADRMODE_TABLE,
      );
      mmio.write32(asReg(as, AS_TRANSTAB_HI), Math.floor(tables.root / 2 ** 32));
      mmio.write32(asReg(as, AS_COMMAND), AS_COMMAND_UPDATE);
      // v9 (G57): 128-byte aligned descriptors. Ten SYSTEM_TIMESTAMP jobs per chain.
      const chain = new Uint8Array(4096);
      for (let i = 0; i < 10; i++) {
        encodeWriteValueJob(chain, i * 128, {
          header: { index: i + 1, next: i < 9 ? JOB_VA + (i + 1) * 128 : 0 },
          address: DATA_VA + i * 8,
          valueType: WriteValueType.SYSTEM_TIMESTAMP,
        });
      }
      sim.memory.pageU8(pages.get(`${as}:${JOB_VA}`)!).set(chain);
    }
    sim.loop.advance(10_000);
    for (const [slot, as] of [
      [0, 1],
      [1, 2],
    ] as const) {
      mmio.write32(0x1000 + jsRegOffset(slot, JsReg.HEAD_NEXT_LO), JOB_VA);
      mmio.write32(0x1000 + jsRegOffset(slot, JsReg.CONFIG_NEXT), as);
      mmio.write32(0x1000 + jsRegOffset(slot, JsReg.COMMAND_NEXT), JsCommand.START);
    }
    sim.loop.advance(1_000_000);
    expect(mmio.read32(0x1000)).toBe(0b11);
    const stamps = [1, 2].map((as) => {
      const w = sim.memory.pageU32(pages.get(`${as}:${DATA_VA}`)!);
      return Array.from({ length: 10 }, (_, i) => w[i * 2]!);
    }) as [number[], number[]];
    expect(stamps[0][0]!).toBeLessThan(stamps[1][9]!);
    expect(stamps[1][0]!).toBeLessThan(stamps[0][9]!);
    // Both chains together take about as long as one: the slots ran side by side.
    const span = Math.max(stamps[0][9]!, stamps[1][9]!) - Math.min(stamps[0][0]!, stamps[1][0]!);
    expect(span).toBeLessThan(10 * 2000 * 1.5);
  });
});
