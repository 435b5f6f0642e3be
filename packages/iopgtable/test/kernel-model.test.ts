/**
 * Differential test against a literal model of the kernel's algorithm (test/support/
 * kernel-model.ts): random sequences of maps and unmaps — misaligned iovas and paddrs, runs
 * crossing table ends, pgsize with two bits, pgcount 0 / 2^32 / 2^32+2 / 2^31+5, paddrs at
 * 2^oas, blocks over tables, small and one-entry roots, the NS, TTBR1 and HD quirks,
 * non-coherent walks, the 16 KiB and 64 KiB granules (4 TiB blocks, 52-bit addresses, root
 * runs past a small pgd, kernels with 16/64 KiB pages) — must give the same results, the same
 * callback log, the same table contents (canonical dump) and the same number of live tables
 * after every call.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  dumpIoPgtable,
  dumpPageTable,
  IO_PGTABLE_QUIRK_ARM_HD,
  IO_PGTABLE_QUIRK_ARM_NS,
  IO_PGTABLE_QUIRK_ARM_TTBR1,
  IommuIotlbGather,
  IoPgtableFormat,
  SZ_1G,
  SZ_2M,
  SZ_4K,
  tableAllocationBytes,
} from "../src/index.js";
import { KernelModel } from "./support/kernel-model.js";

interface Config {
  fmt: IoPgtableFormat;
  ias: number;
  oas: number;
  coherent: boolean;
  quirks: number;
  /** Page-size bitmap (its smallest size is the granule). */
  bitmap: number;
  /** The simulated kernel's PAGE_SIZE. */
  pageSize: number;
}

const BM_4K = SZ_4K | SZ_2M | SZ_1G;
const BM_16K = 0x4000 | 0x200_0000;
const BM_64K = 0x1_0000 | 0x2000_0000;
const SZ_4T = 2 ** 42;

const S1 = IoPgtableFormat.ARM_64_LPAE_S1;
const MALI = IoPgtableFormat.ARM_MALI_LPAE;

const s1Quirks = fc.constantFrom(
  0,
  IO_PGTABLE_QUIRK_ARM_NS,
  IO_PGTABLE_QUIRK_ARM_TTBR1,
  IO_PGTABLE_QUIRK_ARM_HD | IO_PGTABLE_QUIRK_ARM_NS,
);

const configArb: fc.Arbitrary<Config> = fc.oneof(
  fc.record({
    fmt: fc.constant(S1),
    ias: fc.constantFrom(48, 40, 39, 36, 32, 30, 25),
    oas: fc.constantFrom(48, 40, 32),
    coherent: fc.boolean(),
    quirks: s1Quirks,
    bitmap: fc.constant(BM_4K),
    pageSize: fc.constant(4096),
  }),
  fc.record({
    fmt: fc.constant(MALI),
    ias: fc.constantFrom(48, 40, 36, 33),
    oas: fc.constantFrom(40, 36),
    coherent: fc.boolean(),
    quirks: fc.constant(0),
    bitmap: fc.constant(BM_4K),
    pageSize: fc.constant(4096),
  }),
  fc.record({
    fmt: fc.constant(S1),
    ias: fc.constantFrom(48, 44, 40, 36, 32, 28),
    oas: fc.constantFrom(48, 40, 32),
    coherent: fc.boolean(),
    quirks: s1Quirks,
    bitmap: fc.constant(BM_16K),
    pageSize: fc.constantFrom(4096, 16384),
  }),
  fc.record({
    fmt: fc.constant(S1),
    ias: fc.constantFrom(52, 48, 44, 42, 40, 36, 32),
    oas: fc.constantFrom(52, 48, 40),
    coherent: fc.boolean(),
    quirks: s1Quirks,
    bitmap: fc.constantFrom(BM_64K, BM_64K + SZ_4T),
    pageSize: fc.constantFrom(4096, 65536),
  }),
);

/** A small deterministic generator, so one fast-check seed drives a long op sequence. */
function lcg(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

function runSequence(c: Config, seed: number, steps: number): void {
  const rnd = lcg(seed);
  const mine = new ArrayPageTableMemory();
  const theirs = new ArrayPageTableMemory();
  const log: string[] = [];
  const ops = allocIoPgtableOps(
    c.fmt,
    {
      pgsizeBitmap: c.bitmap,
      pageSize: c.pageSize,
      ias: c.ias,
      oas: c.oas,
      coherentWalk: c.coherent,
      quirks: c.quirks,
      memory: mine,
      tlb: {
        tlbFlushWalk: (iova, size) => log.push(`walk ${iova.toString(16)} ${size.toString(16)}`),
        tlbAddPage: (_g, iova, size) => log.push(`add ${iova.toString(16)} ${size.toString(16)}`),
      },
      observer: {
        tableAllocated: (_pa, level) => log.push(`alloc ${level}`),
        tableFreed: (_pa, level) => log.push(`free ${level}`),
      },
    },
    null,
  );
  if (ops === null) throw new Error(`refused: ${JSON.stringify(c)}`);
  log.length = 0;
  const model = new KernelModel({
    memory: theirs,
    mali: c.fmt === MALI,
    coherent: c.coherent,
    quirks: c.quirks,
    ias: ops.cfg.ias,
    oas: ops.cfg.oas,
    bitmap: BigInt(ops.cfg.pgsizeBitmap),
    startLevel: ops.startLevel,
    pgdBits: ops.pgdBits,
    granule: ops.granule,
    rootOrder: Math.log2(ops.rootAllocBytes / SZ_4K),
    tableOrder: Math.log2(tableAllocationBytes(ops.granule, c.pageSize) / SZ_4K),
  });
  const g = ops.granule;
  const block = (g * g) / 8;
  const span1 = (block * g) / 8;
  const ttbr1 = (c.quirks & IO_PGTABLE_QUIRK_ARM_TTBR1) !== 0;
  // iovas stay exact as numbers: page-aligned, and at most 2^34 (2^46 with 64 KiB pages) from
  // either end of the space.
  const span = 2 ** Math.min(ops.cfg.ias, g === SZ_4K ? 34 : 46);
  const base = ttbr1 ? 2 ** 64 - span : 0;
  const pages = span / g;
  for (let step = 0; step < steps; step++) {
    const size = [g, block, span1, g + block][rnd(4)] ?? g;
    let iova = base + ((rnd(2 ** 20) * 2 ** 20 + rnd(2 ** 20)) % pages) * g;
    if (!ttbr1 && rnd(8) === 0) iova += rnd(g);
    if (rnd(40) === 0) iova = ttbr1 ? 0x1000 : span; // out of range
    const count =
      rnd(10) === 0
        ? ([0, 2 ** 32 + 2, 2 ** 32, 2 ** 31 + 5, 600][rnd(5)] ?? 1)
        : 1 + rnd(rnd(3) === 0 ? 520 : 6);
    const oasTop = 2 ** ops.cfg.oas;
    const paScale = ops.cfg.oas > 48 && rnd(2) === 0 ? 2 ** 16 : 1;
    const paddr =
      rnd(6) === 0
        ? oasTop - SZ_4K * (1 + rnd(4))
        : rnd(1 << 24) * SZ_4K * paScale + (rnd(5) ? 0 : rnd(4096));
    const what = `step ${step} ${JSON.stringify({ iova, size, count, paddr })}`;
    if (rnd(2) === 0) {
      const prot = rnd(64);
      const ret = ops.mapPages(iova, paddr, size, count, prot);
      const [kret, kmapped] = model.map(
        BigInt(iova),
        BigInt(paddr),
        BigInt(size),
        BigInt(count),
        prot,
      );
      expect([ret, BigInt.asUintN(64, BigInt(ops.mapped))], `map ${what}`).toEqual([kret, kmapped]);
    } else {
      const gather = rnd(2) === 0;
      const got = ops.unmapPages(iova, size, count, gather ? new IommuIotlbGather(false) : null);
      expect(BigInt(got), `unmap ${what}`).toBe(
        model.unmap(BigInt(iova), BigInt(size), BigInt(count), gather),
      );
    }
    expect(log.splice(0), `events ${what}`).toEqual(model.events.splice(0));
    expect(mine.liveAllocations, `tables ${what}`).toBe(theirs.liveAllocations);
    for (let p = 0; p < 6; p++) {
      // Probes inside the last run, anywhere below 2^40 (past ias they alias, like the
      // kernel), and in the top 2^34 bytes of the 64-bit space, where the walk can wrap.
      // A u64 in C: a probe past the top of the space wraps to its low end.
      const q =
        p < 2
          ? BigInt.asUintN(64, BigInt(iova) + BigInt(rnd(block)))
          : p < 4
            ? BigInt(rnd(2 ** 28) * SZ_4K + rnd(SZ_4K))
            : (1n << 64n) - 2n - BigInt(rnd(2 ** 22)) * BigInt(SZ_4K) - BigInt(rnd(SZ_4K));
      const got =
        q < 2n ** 53n
          ? ops.iovaToPhys(Number(q))
          : ops.iovaToPhysLoHi(Number(q & 0xffffffffn), Number(q >> 32n));
      expect(BigInt(got), `probe ${q} after ${what}`).toBe(model.lookup(q));
    }
    const where = {
      fmt: c.fmt,
      startLevel: ops.startLevel,
      pgdEntries: ops.pgdEntries,
      granule: g,
      rootBytes: ops.rootAllocBytes,
    };
    expect(dumpIoPgtable(ops), `dump ${what}`).toEqual(
      dumpPageTable(theirs, { ...where, rootPa: model.root }),
    );
  }
  ops.free();
  expect(mine.livePages).toBe(0);
}

describe("agreement with a literal model of the kernel's map/unmap", () => {
  it("on results, callbacks, table contents and table count after every call", () => {
    fc.assert(
      fc.property(configArb, fc.integer({ min: 1, max: 0x7fffffff }), (c, seed) => {
        runSequence(c, seed, 50);
      }),
      { numRuns: 60 },
    );
  });
});
