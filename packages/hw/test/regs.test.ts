/** The register definitions checked against golden/regs (the kernel's headers as data). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packagedGoldenRoot } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import * as hw from "../src/index.js";

type Json = Record<string, unknown>;
const load = (f: string): Json =>
  JSON.parse(readFileSync(join(packagedGoldenRoot(), "regs", f), "utf8")) as Json;
const panfrost = load("panfrost.json");
const panthor = load("panthor.json");
const exceptions = load("exceptions.json");
const models = load("gpu-models.json");
const exported = hw as unknown as Record<string, unknown>;

interface Bit {
  name: string;
  value?: number | string;
  hex?: string;
}
const num = (b: Bit): number => Number(b.hex ?? b.value);

/** Golden names whose TS constant has another name. */
const RENAMED: Record<string, string> = {
  GPU_SOFT_RESET: "CSF_GPU_CMD_SOFT_RESET",
  GPU_HARD_RESET: "CSF_GPU_CMD_HARD_RESET",
  AS_COMMAND_FLUSH: "AS_COMMAND_FLUSH_PT",
};

function checkBits(bits: Bit[], min: number): void {
  let matched = 0;
  for (const b of bits) {
    if (b.value === undefined && b.hex === undefined) continue;
    const name = RENAMED[b.name] ?? b.name;
    const mine = exported[name];
    if (typeof mine !== "number") continue;
    expect(mine, b.name).toBe(num(b));
    matched++;
  }
  expect(matched).toBeGreaterThanOrEqual(min);
}

describe("GPU_CONTROL", () => {
  it("JM offsets match panfrost_regs.h", () => {
    const regs = panfrost.gpu_control as { name: string; offset: number }[];
    for (const r of regs) {
      const key = r.name.replace("(n)", "_BASE") as keyof typeof hw.JM_GPU_REGS;
      expect(hw.JM_GPU_REGS[key], r.name).toBe(r.offset);
      const flat = exported[key];
      if (typeof flat === "number") expect(flat, r.name).toBe(r.offset);
    }
    expect(Object.keys(hw.JM_GPU_REGS)).toHaveLength(regs.length);
  });

  it("CSF offsets match panthor_regs.h", () => {
    const regs = panthor.gpu_control as { name: string; offset: number }[];
    for (const r of regs) {
      const key = r.name.replace("(n)", "_BASE") as keyof typeof hw.CSF_GPU_REGS;
      expect(hw.CSF_GPU_REGS[key], r.name).toBe(r.offset);
    }
    expect(Object.keys(hw.CSF_GPU_REGS)).toHaveLength(regs.length);
  });

  it("the CSF USER page offset matches panthor_regs.h", () => {
    const csf = panthor.csf as Record<string, unknown>;
    expect(hw.CSF_GPU_LATEST_FLUSH_ID).toBe(Number(csf.CSF_GPU_LATEST_FLUSH_ID));
  });

  it("interrupt bits and commands match", () => {
    checkBits(panfrost.gpu_irq_bits as Bit[], 9);
    checkBits(panthor.gpu_irq_bits as Bit[], 8);
    checkBits(panfrost.gpu_cmd_values as Bit[], 8);
    checkBits(panthor.gpu_cmd_values as Bit[], 4);
    const flush = (
      panthor.gpu_cmd_values as { name: string; example_clean_inv_all?: string }[]
    ).find((c) => c.example_clean_inv_all !== undefined);
    expect(hw.csfFlushCachesCmd(3, 3, 3)).toBe(Number(flush?.example_clean_inv_all));
  });
});

describe("MMU registers", () => {
  for (const [label, doc] of [
    ["panfrost", panfrost],
    ["panthor", panthor],
  ] as const) {
    const mmu = doc.mmu as Json;
    it(`${label}: MMU_INT and per-AS offsets for AS 0..15`, () => {
      for (const r of (mmu.interrupts as Json).registers as { name: string; offset: number }[]) {
        expect(exported[r.name], r.name).toBe(r.offset);
      }
      const regs = mmu.as_registers as { name: string; values: Record<string, string> }[];
      for (const r of regs) {
        const base = r.name.replace("(as)", "");
        const rel = exported[base] ?? exported[`${base}_LO`];
        expect(typeof rel, r.name).toBe("number");
        for (const [as, off] of Object.entries(r.values)) {
          expect(hw.asReg(Number(as), rel as number), `${r.name} as ${as}`).toBe(Number(off));
        }
      }
      expect(hw.mmuAs(15)).toBe(0x2400 + (15 << 6));
    });

    it(`${label}: AS commands, status and fault-status fields`, () => {
      checkBits(mmu.as_command_values as Bit[], 6);
      checkBits(mmu.as_status_bits as Bit[], 1);
      const fs = (mmu.as_faultstatus as Json).fields as {
        name: string;
        mask: string;
        values?: Bit[];
      }[];
      for (const f of fs) {
        if (f.values !== undefined) checkBits(f.values, 4);
      }
      expect(fs.find((f) => f.name === "DECODER_FAULT")?.mask).toBe("0x400");
      expect(hw.AS_FAULTSTATUS_DECODER_FAULT).toBe(0x400);
      expect(fs.find((f) => f.name === "SOURCE_ID")?.mask).toBe("0xffff0000");
      expect(0xffff << hw.AS_FAULTSTATUS_SOURCE_ID_SHIFT).toBe(0xffff0000 | 0);
    });

    it(`${label}: lock region packing and decoding`, () => {
      const lr = mmu.lock_region as Json;
      expect(hw.AS_LOCK_REGION_MIN_SIZE).toBe((lr.AS_LOCK_REGION_MIN_SIZE as Json).value);
      const examples = lr.examples_computed_with_that_formula as Record<string, string | number>[];
      const sim = hw.createPlatform(label === "panfrost" ? "g52" : "g610", {
        timing: { mmuCommandNs: 0 },
      });
      for (const e of examples) {
        const packed = hw.packLockRegion(Number(e.region_start), Number(e.size));
        const lockaddr = packed.hi * 2 ** 32 + packed.lo;
        expect(lockaddr, JSON.stringify(e)).toBe(Number(e.lockaddr));
        expect(packed.regionSize).toBe(Number(e.locked_bytes));
        sim.platform.mmio.write32(hw.asReg(1, hw.AS_LOCKADDR_LO), packed.lo);
        sim.platform.mmio.write32(hw.asReg(1, hw.AS_LOCKADDR_HI), packed.hi);
        const [start, end] = sim.gpu.mmu.lockRegion(sim.gpu.mmu.slot(1));
        expect(end - start).toBe(Number(e.locked_bytes));
        expect(start).toBe(packed.regionStart);
      }
    });
  }

  it("LPAE TRANSTAB, TRANSCFG and MEMATTR values", () => {
    checkBits((panfrost.mmu as Json).transtab_lpae as Bit[], 5);
    expect(hw.AS_TRANSTAB_LPAE_ADDR_SPACE_MASK_LO).toBe(0xfffff000);
    const transcfg = (panthor.mmu as Json).transcfg as (Bit & { expr?: string })[];
    checkBits(transcfg, 12);
    expect(hw.asTranscfgInaBits(7)).toBe(7 << 6);
    expect(hw.asTranscfgOutaBits(3)).toBe(3 << 14);
    const memattr = (panthor.mmu as Json).memattr as (Bit & {
      examples?: Record<string, string>;
    })[];
    checkBits(memattr, 7);
    const expl = memattr.find((m) => m.examples !== undefined)?.examples ?? {};
    expect(hw.asMemattrAarch64InnerAllocExpl(false, false)).toBe(Number(expl["(0,0)"]));
    expect(hw.asMemattrAarch64InnerAllocExpl(true, true)).toBe(Number(expl["(1,1)"]));
  });
});

describe("exception codes", () => {
  const byName = new Map<string, number>();
  for (const e of [
    ...(exceptions.panfrost as { name: string; code: number }[]),
    ...(exceptions.panthor as { name: string; code: number }[]),
  ]) {
    byName.set(e.name, e.code);
  }
  it("level-indexed MMU codes match both drivers' enums", () => {
    for (let l = 0; l < 4; l++) {
      expect(hw.EXCEPTION_TRANSLATION_FAULT_0 + l).toBe(byName.get(`TRANSLATION_FAULT_${l}`));
      expect(hw.EXCEPTION_PERM_FAULT_0 + l).toBe(byName.get(`PERM_FAULT_${l}`));
      expect(hw.EXCEPTION_TRANSTAB_BUS_FAULT_0 + l).toBe(byName.get(`TRANSTAB_BUS_FAULT_${l}`));
      expect(hw.EXCEPTION_ACCESS_FLAG_0 + l).toBe(byName.get(`ACCESS_FLAG_${l}`));
      expect(hw.EXCEPTION_ADDR_SIZE_FAULT_OUT_0 + l).toBe(byName.get(`ADDR_SIZE_FAULT_OUT${l}`));
      expect(hw.EXCEPTION_MEM_ATTR_FAULT_0 + l).toBe(byName.get(`MEM_ATTR_FAULT_${l}`));
    }
    expect(hw.EXCEPTION_ADDR_SIZE_FAULT_IN).toBe(byName.get("ADDR_SIZE_FAULT_IN"));
    expect(hw.EXCEPTION_TRANSLATION_FAULT_IDENTITY).toBe(byName.get("TRANSLATION_FAULT_IDENTITY"));
    expect(hw.EXCEPTION_TERMINATED).toBe(byName.get("TERMINATED"));
    expect(hw.EXCEPTION_GPU_BUS_FAULT).toBe(byName.get("GPU_BUS_FAULT"));
    expect(hw.EXCEPTION_JOB_CONFIG_FAULT).toBe(byName.get("JOB_CONFIG_FAULT"));
    expect(hw.isTranslationFault(0xc3)).toBe(true);
    expect(hw.isTranslationFault(0xc8)).toBe(false);
  });
});

describe("GPU presets", () => {
  const wellKnown = models.well_known_gpus as { gpu: string; product_id: string }[];
  for (const p of [hw.MALI_T860, hw.MALI_G52, hw.MALI_G57]) {
    it(`${p.name} has the kernel's product id and reads it back through MMIO`, () => {
      const entry = wellKnown.find((w) => w.gpu === p.name);
      expect(entry).toBeDefined();
      expect(hw.productIdOf(p)).toBe(Number.parseInt(entry?.product_id ?? "", 16));
      const sim = hw.createPlatform(p.key as hw.GpuPresetName);
      const mmio = sim.platform.mmio;
      expect(mmio.read32(hw.GPU_ID)).toBe(p.gpuId >>> 0);
      expect(hw.mmuFeaturesVaBits(mmio.read32(hw.GPU_MMU_FEATURES))).toBe(p.vaBits);
      expect(hw.mmuFeaturesPaBits(mmio.read32(hw.GPU_MMU_FEATURES))).toBe(p.paBits);
      expect(mmio.read32(hw.GPU_AS_PRESENT)).toBe(p.asPresent);
      expect(mmio.read32(hw.GPU_JS_PRESENT)).toBe(p.jsPresent);
    });
  }

  it("AArch64 MMU exactly where the kernel's model table has HW_FEATURE_AARCH64_MMU", () => {
    const table = (models.panfrost as { models: { id: number; hw_features: string[] }[] }).models;
    for (const p of [hw.MALI_T860, hw.MALI_G52, hw.MALI_G57]) {
      const entry = table.find((m) => m.id === hw.productIdOf(p));
      expect(entry, p.name).toBeDefined();
      expect(p.aarch64Mmu, p.name).toBe(entry?.hw_features.includes("HW_FEATURE_AARCH64_MMU"));
    }
    expect(hw.MALI_G52.aarch64Mmu).toBe(false);
  });

  it("real-id presets read a chip's product id; masked with 0xf00f it is the kernel's model key", () => {
    const table = (models.panfrost as { models: { id: number; hw_features: string[] }[] }).models;
    const cases: Array<[hw.GpuPresetName, number, number]> = [
      ["g52-7212", 0x7212, 0x7002],
      ["g52-7402", 0x7402, 0x7002],
      ["g57-9091", 0x9091, 0x9001],
      ["g57-9093", 0x9093, 0x9003],
    ];
    for (const [key, id, modelKey] of cases) {
      const p = hw.GPU_PRESETS[key];
      expect(p.key).toBe(key);
      expect(hw.productIdOf(p)).toBe(id);
      expect(hw.productIdOf(p) & 0xf00f).toBe(modelKey);
      const sim = hw.createPlatform(key);
      expect(sim.platform.mmio.read32(hw.GPU_ID) >>> 16).toBe(id);
      // Same GPU as the masked-key preset: same MMU features.
      const base = modelKey === 0x7002 ? hw.MALI_G52 : hw.MALI_G57;
      expect(p.aarch64Mmu).toBe(base.aarch64Mmu);
      const entry = table.find((m) => m.id === (modelKey === 0x9003 ? 0x9001 : modelKey));
      expect(p.aarch64Mmu, key).toBe(entry?.hw_features.includes("HW_FEATURE_AARCH64_MMU"));
    }
  });

  it("Mali-G52: TRANSCFG exists (legacy/unmapped honoured), the GPU has no AArch64 mode (it faults)", () => {
    const sim = hw.createPlatform("g52");
    const mmio = sim.platform.mmio;
    const as = 2;
    const page = sim.memory.allocPage() as number;
    mmio.write32(hw.asReg(as, hw.AS_TRANSCFG_LO), hw.AS_TRANSCFG_ADRMODE_IDENTITY);
    mmio.write32(hw.asReg(as, hw.AS_COMMAND), hw.AS_COMMAND_UPDATE);
    sim.loop.runUntilIdle();
    expect(mmio.read32(hw.asReg(as, hw.AS_TRANSCFG_LO))).toBe(hw.AS_TRANSCFG_ADRMODE_IDENTITY);
    expect(sim.gpu.mmu.translate(as, page + 4, hw.GpuAccessKind.Read, 0)).toBe(page + 4);
    mmio.write32(hw.asReg(as, hw.AS_TRANSCFG_LO), hw.AS_TRANSCFG_ADRMODE_AARCH64_4K);
    mmio.write32(hw.asReg(as, hw.AS_TRANSTAB_LO), page);
    mmio.write32(hw.asReg(as, hw.AS_COMMAND), hw.AS_COMMAND_UPDATE);
    sim.loop.runUntilIdle();
    expect(sim.gpu.mmu.slot(as).cfg.mode).toBe(hw.TranslationMode.Unsupported);
    expect(sim.gpu.mmu.translate(as, 0x1000, hw.GpuAccessKind.Read, 0)).toBe(hw.TRANSLATE_FAULTED);
    expect(sim.gpu.mmioStats.unknownWrites).toBe(0);
  });

  it("Mali-G610 decodes to panthor's model name", () => {
    const table = (models.panthor as Json).models as {
      arch_major: number;
      product_major: number;
      name: string;
    }[];
    const id = hw.MALI_G610.gpuId;
    const match = table.find(
      (m) => m.arch_major === id >>> 28 && m.product_major === ((id >>> 16) & 0xf),
    );
    expect(match?.name).toBe("Mali-G610");
    const sim = hw.createPlatform("g610");
    expect(sim.platform.mmio.read32(hw.GPU_ID)).toBe(id);
    expect(sim.gpu.jobs).toBeUndefined();
  });

  for (const [preset, doc] of [
    ["g52", panfrost],
    ["g610", panthor],
  ] as const) {
    it(`${preset}: every GPU_CONTROL register of the kernel header is implemented`, () => {
      const sim = hw.createPlatform(preset);
      const regs = doc.gpu_control as {
        name: string;
        offset: number;
        access?: string;
        values?: Record<string, string>;
      }[];
      let reads = 0;
      for (const r of regs) {
        if (r.access === "WO") continue;
        const offsets = r.values === undefined ? [r.offset] : Object.values(r.values).map(Number);
        for (const o of offsets) {
          sim.platform.mmio.read32(o);
          reads++;
        }
      }
      expect(reads).toBeGreaterThan(40);
      expect([...sim.gpu.unknownReadOffsets.keys()].map((o) => o.toString(16))).toEqual([]);
    });
  }

  it("unknown offsets read 0 and are counted", () => {
    const sim = hw.createPlatform("t860");
    const mmio = sim.platform.mmio;
    expect(mmio.read32(0x3000)).toBe(0);
    expect(mmio.read32(hw.asReg(1, hw.AS_TRANSCFG_LO))).toBe(0);
    expect(mmio.read32(hw.asReg(9, hw.AS_STATUS))).toBe(0);
    expect(sim.gpu.mmioStats.unknownReads).toBe(3);
    expect(sim.gpu.unknownReadOffsets.get(0x3000)).toBe(1);
    mmio.write32(hw.GPU_ID, 5);
    expect(sim.gpu.mmioStats.unknownWrites).toBe(1);
    expect(mmio.read32(hw.GPU_ID)).toBe(hw.MALI_T860.gpuId);
  });
});
