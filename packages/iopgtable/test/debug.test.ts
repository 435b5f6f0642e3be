import { loadGoldenCases } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  decodeDescriptorU64,
  dumpPageTable,
  hex64,
  hex64LoHi,
  IoPgtableFormat,
  loadDump,
  splitU64,
  tableAllocationBytes,
} from "../src/index.js";
import { asIopgtableCase } from "./support/golden-runner.js";

const S1 = IoPgtableFormat.ARM_64_LPAE_S1;
const MALI = IoPgtableFormat.ARM_MALI_LPAE;

describe("decodeDescriptor", () => {
  it("decodes stage-1 leaves", () => {
    const page = decodeDescriptorU64(S1, 3, 0x0060_0000_8000_1e43n);
    expect(page).toMatchObject({
      kind: "page",
      address: 0x80001000,
      attrIndx: 0,
      sh: 2,
      read: true,
      write: true,
      unprivileged: true,
      executeNever: true,
      af: true,
      nG: true,
    });
    expect(decodeDescriptorU64(S1, 2, "0x0000000040200ec1")).toMatchObject({
      kind: "block",
      address: 0x40200000,
      write: false,
    });
    expect(decodeDescriptorU64(S1, 3, 0xf4b).attrIndx).toBe(2);
    expect(decodeDescriptorU64(S1, 3, 0xf47).sh).toBe(3);
    expect(decodeDescriptorU64(S1, 3, 0xe03).unprivileged).toBe(false);
  });

  it("decodes Mali leaves: type 1 pages, HAP permissions, no AF", () => {
    expect(decodeDescriptorU64(MALI, 3, 0x241)).toMatchObject({
      kind: "page",
      read: true,
      write: false,
      af: false,
    });
    expect(decodeDescriptorU64(MALI, 3, 0x281)).toMatchObject({ read: false, write: true });
    expect(decodeDescriptorU64(MALI, 3, 0x2c5)).toMatchObject({ attrIndx: 1, sh: 2 });
    expect(decodeDescriptorU64(MALI, 3, 0x2c3).kind).toBe("invalid");
    expect(decodeDescriptorU64(S1, 3, 0x2c1).kind).toBe("invalid");
  });

  it("decodes tables with their software and NS bits", () => {
    expect(decodeDescriptorU64(S1, 1, 0x8080_0000_8000_3003n)).toMatchObject({
      kind: "table",
      address: 0x80003000,
      swSync: true,
      nsTable: true,
    });
    expect(decodeDescriptorU64(MALI, 0, 0).kind).toBe("invalid");
  });
});

describe("hex helpers", () => {
  it("format and split 64-bit values", () => {
    expect(hex64(0x1234)).toBe("0x0000000000001234");
    expect(hex64(-4096)).toBe("0xfffffffffffff000");
    expect(hex64LoHi(0xf404ff44, 0xffffffff)).toBe("0xfffffffff404ff44");
    expect(splitU64("0xffff8000000011ab")).toEqual({ lo: 0x11ab, hi: 0xffff8000 });
  });
});

describe("loadDump", () => {
  it("rebuilds every golden final table so that it dumps identically", () => {
    let n = 0;
    for (const gc of loadGoldenCases("iopgtable")) {
      const c = asIopgtableCase(gc.data);
      if (c.final === null || c.result === null) continue;
      const startLevel = c.result.startLevel as number;
      const pgdEntries = c.result.pgdEntries as number;
      const granule = c.result.granule as number;
      // The root's allocation as the kernel makes it: PAGE_SIZE << get_order(pgd size).
      const rootBytes = tableAllocationBytes(
        c.result.pgdSizeBytes as number,
        c.config.pageSize ?? 4096,
      );
      const memory = new ArrayPageTableMemory();
      const loadOptions = { startLevel, granule, rootBytes };
      const { rootPa, pages } = loadDump(memory, c.final.dump, loadOptions);
      expect(pages.length).toBe(c.final.tablesLive);
      const fmt = c.config.fmt === "ARM_MALI_LPAE" ? MALI : S1;
      const where = { fmt, rootPa, startLevel, pgdEntries, granule, rootBytes };
      expect(dumpPageTable(memory, where)).toEqual(c.final.dump);
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });

  it("rejects rows without an open parent table", () => {
    const memory = new ArrayPageTableMemory();
    expect(() =>
      loadDump(memory, [{ level: 2, index: 0, desc: "0x0000000000000003", kind: "table" }], {
        startLevel: 0,
      }),
    ).toThrow();
  });
});
