/**
 * Property tests: random map/unmap sequences agree with a simple reference model on every
 * result and on iova_to_phys, and tearing everything down returns every page.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  decodeDescriptor,
  dumpIoPgtable,
  dumpPageTable,
  IOMMU_READ,
  IOMMU_WRITE,
  IommuIotlbGather,
  IoPgtableFormat,
  loadDump,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "../src/index.js";
import { MODEL_BASE, MODEL_REGIONS, modelIova, ReferenceModel } from "./support/reference-model.js";

type Op =
  | { kind: "map4k"; r: number; p: number; count: number; pfn: number }
  | { kind: "map2m"; r: number; count: number; pfn: number }
  | { kind: "unmap4k"; r: number; p: number; count: number }
  | { kind: "unmap2m"; r: number; count: number };

const region = fc.integer({ min: 0, max: MODEL_REGIONS - 1 });
const page = fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 500, max: 511 }));
const count = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 600 }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("map4k" as const),
    r: region,
    p: page,
    count,
    pfn: fc.integer({ min: 1, max: 0xfffff }),
  }),
  fc.record({
    kind: fc.constant("map2m" as const),
    r: region,
    count: fc.integer({ min: 1, max: 6 }),
    pfn: fc.integer({ min: 1, max: 0x7ff }),
  }),
  fc.record({ kind: fc.constant("unmap4k" as const), r: region, p: page, count }),
  fc.record({
    kind: fc.constant("unmap2m" as const),
    r: region,
    count: fc.integer({ min: 1, max: 6 }),
  }),
);

const fmtArb = fc.constantFrom(IoPgtableFormat.ARM_64_LPAE_S1, IoPgtableFormat.ARM_MALI_LPAE);

describe("map/unmap sequences agree with the reference model", () => {
  it("on every result and on iova_to_phys", () => {
    fc.assert(
      fc.property(
        fmtArb,
        fc.boolean(),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        (fmt, coherentWalk, ops) => {
          const memory = new ArrayPageTableMemory();
          const table = allocIoPgtableOps(
            fmt,
            {
              pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G,
              ias: 48,
              oas: 40,
              coherentWalk,
              memory,
            },
            null,
          );
          if (table === null) throw new Error("refused");
          const model = new ReferenceModel();
          const gather = new IommuIotlbGather();
          const touched: [number, number][] = [];
          for (const op of ops) {
            if (op.kind === "map4k") {
              const paddr = op.pfn * SZ_4K;
              const ret = table.mapPages(
                modelIova(op.r, op.p),
                paddr,
                SZ_4K,
                op.count,
                IOMMU_READ | IOMMU_WRITE,
              );
              expect({ ret, mapped: table.mapped }).toEqual(
                model.map4k(op.r, op.p, paddr, op.count),
              );
              touched.push([op.r, op.p]);
            } else if (op.kind === "map2m") {
              const paddr = op.pfn * SZ_2M;
              const ret = table.mapPages(modelIova(op.r, 0), paddr, SZ_2M, op.count, IOMMU_READ);
              expect({ ret, mapped: table.mapped }).toEqual(model.map2m(op.r, paddr, op.count));
              touched.push([op.r, 0], [op.r, 511]);
            } else if (op.kind === "unmap4k") {
              const got = table.unmapPages(modelIova(op.r, op.p), SZ_4K, op.count, gather);
              expect(got).toBe(model.unmap4k(op.r, op.p, op.count));
            } else {
              const got = table.unmapPages(modelIova(op.r, 0), SZ_2M, op.count, null);
              expect(got).toBe(model.unmap2m(op.r, op.count));
            }
            for (const [r, p] of touched) {
              expect(table.iovaToPhys(modelIova(r, p, 0x9a8))).toBe(model.lookup(r, p, 0x9a8));
              const next = modelIova(r, p + 1);
              if (r < MODEL_REGIONS - 1 || p < 511) {
                expect(table.iovaToPhys(next)).toBe(model.lookupIova(next));
              }
            }
          }
          // Every leaf in the dump decodes to what the model says is mapped there.
          for (const row of dumpIoPgtable(table)) {
            if (row.kind !== "page" && row.kind !== "block") continue;
            const va = Number(BigInt(row.vaBase));
            const r = Math.floor((va - MODEL_BASE) / SZ_2M);
            const p = ((va - MODEL_BASE) % SZ_2M) / SZ_4K;
            const d = BigInt(row.desc);
            const decoded = decodeDescriptor(
              fmt,
              row.level,
              Number(d & 0xffffffffn),
              Number(d >> 32n),
            );
            expect(decoded.address).toBe(model.lookup(r, p, 0));
          }
          // Unmapping everything with 2 MiB unmaps frees every level-3 table.
          for (let r = 0; r < MODEL_REGIONS; r++) table.unmapPages(modelIova(r, 0), SZ_2M, 1, null);
          for (const [r, p] of touched) expect(table.iovaToPhys(modelIova(r, p))).toBe(0);
          const upper = table.tablePages;
          expect(memory.livePages).toBe(upper);
          expect(upper).toBeLessThanOrEqual(4);
          table.free();
          expect(memory.livePages).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("free() after arbitrary sequences returns every page, and loadDump rebuilds the same tree", () => {
    fc.assert(
      fc.property(fmtArb, fc.array(opArb, { minLength: 1, maxLength: 30 }), (fmt, ops) => {
        const memory = new ArrayPageTableMemory();
        const table = allocIoPgtableOps(
          fmt,
          { pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G, ias: 40, oas: 40, coherentWalk: false, memory },
          null,
        );
        if (table === null) throw new Error("refused");
        for (const op of ops) {
          if (op.kind === "map4k")
            table.mapPages(modelIova(op.r, op.p), op.pfn * SZ_4K, SZ_4K, op.count, 3);
          else if (op.kind === "map2m")
            table.mapPages(modelIova(op.r, 0), op.pfn * SZ_2M, SZ_2M, op.count, 7);
          else if (op.kind === "unmap4k")
            table.unmapPages(modelIova(op.r, op.p), SZ_4K, op.count, null);
          else table.unmapPages(modelIova(op.r, 0), SZ_2M, op.count, null);
        }
        const dump = dumpIoPgtable(table);
        const other = new ArrayPageTableMemory({ base: 0x10_0000_0000 });
        const loaded = loadDump(other, dump, { startLevel: table.startLevel });
        expect(loaded.pages.length).toBe(table.tablePages);
        const again = dumpPageTable(other, {
          fmt,
          rootPa: loaded.rootPa,
          startLevel: table.startLevel,
          pgdEntries: table.pgdEntries,
        });
        expect(again).toEqual(dump);
        expect(memory.livePages).toBe(table.tablePages);
        table.free();
        expect(memory.livePages).toBe(0);
      }),
      { numRuns: 100 },
    );
  });
});
