/**
 * MMU translation speed: TLB hits and 4-level walks on TLB misses, against a raw typed-array
 * lookup doing the same index arithmetic (the baseline). Each bench call performs BATCH
 * translations, so translations/s = hz × BATCH.
 */
import { bench, describe } from "vitest";
import { createPlatform, GpuAccessKind } from "../src/index.js";
import { HandTables, MALI_PAGE_RW, programMali } from "../test/helpers/hand-tables.js";

const BATCH = 10_000;
const HOT_PAGES = 256;
const COLD_PAGES = 32_768;

const sim = createPlatform("g52", {
  timing: { mmuCommandNs: 0 },
  memory: { size: 512 * 1024 * 1024 },
});
const t = new HandTables(sim.memory);
const page = sim.memory.allocPage() as number;
const BASE = 0x10_0000_0000;
for (let i = 0; i < COLD_PAGES; i++) t.map(BASE + i * 4096, page, 3, MALI_PAGE_RW);
programMali(sim.platform.mmio, 0, t.root);
const mmu = sim.gpu.mmu;
// Hoisted so the loops measure the MMU, not the module loader's live-binding accessors.
const READ = GpuAccessKind.Read;
const WRITE = GpuAccessKind.Write;

// Baseline: a direct-mapped lookup in plain typed arrays with the same address arithmetic.
const tags = new Float64Array(512).fill(-1);
const pas = new Float64Array(512);
for (let i = 0; i < HOT_PAGES; i++) {
  tags[(BASE / 4096 + i) & 511] = BASE / 4096 + i;
  pas[(BASE / 4096 + i) & 511] = page;
}

let sink = 0;
let cursor = 0;

describe("MMU translation (per call: 10 000 translations)", () => {
  bench("baseline: raw typed-array lookup", () => {
    let s = 0;
    for (let i = 0; i < BATCH; i++) {
      const va = BASE + (i % HOT_PAGES) * 4096 + 8;
      const vpn = Math.floor(va / 4096);
      const j = vpn & 511;
      if (tags[j] === vpn) s += (pas[j] as number) + (va & 0xfff);
    }
    sink += s;
  });

  bench("TLB hit: Mmu.translate", () => {
    let s = 0;
    for (let i = 0; i < BATCH; i++) {
      s += mmu.translate(0, BASE + (i % HOT_PAGES) * 4096 + 8, READ, 0);
    }
    sink += s;
  });

  bench("TLB miss: 4-level walk + fill", () => {
    let s = 0;
    let c = cursor;
    for (let i = 0; i < BATCH; i++) {
      // Stride 513 pages: every access maps to a TLB index whose tag differs (a miss).
      c = (c + 513) % COLD_PAGES;
      s += mmu.translate(0, BASE + c * 4096, WRITE, 0);
    }
    cursor = c;
    sink += s;
  });
});

export { sink };
