/**
 * Test helpers for the io-pgtable golden vectors: rebuild a canonical dump in SystemMemory (our
 * own code, not @panmmu/iopgtable) and answer lookups from the dump rows themselves, so the
 * expectations do not come from the walker under test.
 */
import type { SystemMemory } from "../../src/index.js";

/** One row of a canonical dump. */
export interface DumpRow {
  level: number;
  index: number;
  vaBase: string;
  desc: string;
  kind: "table" | "block" | "page" | "invalid";
  table?: number;
  outsidePgd?: boolean;
}

/** A table rebuilt from the dump: its entries by index. */
export interface DumpTable {
  pa: number;
  level: number;
  /** Translation granule of the tree (4096 or 65536). */
  granule: number;
  entries: Map<number, { row: DumpRow; child?: DumpTable }>;
}

const TWO32 = 4294967296;

/** Splits a 64-bit hex string into u32 halves. */
export function splitHex64(hex: string): { lo: number; hi: number } {
  const v = BigInt(hex);
  return { lo: Number(v & 0xffffffffn), hi: Number((v >> 32n) & 0xffffffffn) };
}

/** log2 of `granule`. */
function pgShiftOf(granule: number): number {
  return Math.log2(granule);
}

/**
 * Writes the dump into freshly allocated tables of `mem` (root first, children in the dump's
 * depth-first order; every table a naturally aligned block of one granule) and returns the
 * root table.
 */
export function rebuildDump(
  mem: SystemMemory,
  rows: readonly DumpRow[],
  startLevel: number,
  granule = 4096,
): DumpTable {
  const pages = granule / 4096;
  const alloc = (level: number): DumpTable => {
    const pa = pages === 1 ? mem.allocPage() : mem.allocContiguous(pages, pages);
    if (pa === null) throw new Error("out of memory rebuilding the dump");
    return { pa, level, granule, entries: new Map() };
  };
  const root = alloc(startLevel);
  const current: (DumpTable | undefined)[] = [];
  current[startLevel] = root;
  for (const row of rows) {
    const t = current[row.level];
    if (t === undefined) throw new Error(`dump row at level ${row.level} has no parent table`);
    const { lo, hi } = splitHex64(row.desc);
    const words = mem.pageU32(t.pa + Math.floor(row.index / 512) * 4096);
    const w = (row.index % 512) * 2;
    if (row.kind === "table") {
      const child = alloc(row.level + 1);
      words[w] = (lo | (child.pa % TWO32)) >>> 0;
      words[w + 1] = (hi | Math.floor(child.pa / TWO32)) >>> 0;
      t.entries.set(row.index, { row, child });
      current[row.level + 1] = child;
    } else {
      words[w] = lo;
      words[w + 1] = hi;
      t.entries.set(row.index, { row });
    }
  }
  return root;
}

/** log2 of the bytes a level-`level` entry maps with `granule`. */
function levelShift(level: number, granule: number): number {
  const pgShift = pgShiftOf(granule);
  return pgShift + (pgShift - 3) * (3 - level);
}

/** Index of `va` at `level` (log2(granule) − 3 bits per level). */
export function levelIndex(va: bigint, level: number, granule = 4096): number {
  const mask = BigInt(granule / 8 - 1);
  return Number((va >> BigInt(levelShift(level, granule))) & mask);
}

/** What the dump says about `va`: the leaf row, or the level where the lookup found nothing. */
export type DumpLookup = { mapped: true; row: DumpRow } | { mapped: false; level: number };

/** Looks `va` up in the rebuilt dump tree. */
export function lookupDump(root: DumpTable, va: bigint): DumpLookup {
  let t: DumpTable = root;
  for (;;) {
    const e = t.entries.get(levelIndex(va, t.level, t.granule));
    if (e === undefined) return { mapped: false, level: t.level };
    if (e.child !== undefined) {
      t = e.child;
      continue;
    }
    if (e.row.kind === "block" || e.row.kind === "page") return { mapped: true, row: e.row };
    return { mapped: false, level: t.level };
  }
}

/**
 * The output address field of a leaf: bits 47:12, except that with the 64 KiB granule bits
 * 15:12 are OA[51:48] (the 52-bit layout, which is also how the kernel reads 64 KiB leaves).
 */
function leafOa(row: DumpRow, granule: number): bigint {
  const a = BigInt(row.desc) & 0x0000_ffff_ffff_f000n;
  if (granule < 65536) return a;
  return (a | (a << 36n)) & 0x000f_ffff_ffff_0000n;
}

/** Output address a hardware walk produces for `va` through leaf `row`: OA bits below the leaf size are RES0. */
export function hardwareOutput(row: DumpRow, va: bigint, granule = 4096): bigint {
  const size = 1n << BigInt(levelShift(row.level, granule));
  return (leafOa(row, granule) & ~(size - 1n)) | (va & (size - 1n));
}

/** Output address the kernel's software lookup gives (OR of the stored OA and the offset). */
export function softwareOutput(row: DumpRow, va: bigint, granule = 4096): bigint {
  const size = 1n << BigInt(levelShift(row.level, granule));
  return leafOa(row, granule) | (va & (size - 1n));
}
