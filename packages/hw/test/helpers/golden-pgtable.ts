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
  entries: Map<number, { row: DumpRow; child?: DumpTable }>;
}

const TWO32 = 4294967296;

/** Splits a 64-bit hex string into u32 halves. */
export function splitHex64(hex: string): { lo: number; hi: number } {
  const v = BigInt(hex);
  return { lo: Number(v & 0xffffffffn), hi: Number((v >> 32n) & 0xffffffffn) };
}

/**
 * Writes the dump into freshly allocated pages of `mem` (root first, children in the dump's
 * depth-first order) and returns the root table.
 */
export function rebuildDump(
  mem: SystemMemory,
  rows: readonly DumpRow[],
  startLevel: number,
): DumpTable {
  const alloc = (level: number): DumpTable => {
    const pa = mem.allocPage();
    if (pa === null) throw new Error("out of memory rebuilding the dump");
    return { pa, level, entries: new Map() };
  };
  const root = alloc(startLevel);
  const current: (DumpTable | undefined)[] = [];
  current[startLevel] = root;
  for (const row of rows) {
    const t = current[row.level];
    if (t === undefined) throw new Error(`dump row at level ${row.level} has no parent table`);
    const { lo, hi } = splitHex64(row.desc);
    const words = mem.pageU32(t.pa);
    if (row.kind === "table") {
      const child = alloc(row.level + 1);
      words[row.index * 2] = (lo | (child.pa % TWO32)) >>> 0;
      words[row.index * 2 + 1] = (hi | Math.floor(child.pa / TWO32)) >>> 0;
      t.entries.set(row.index, { row, child });
      current[row.level + 1] = child;
    } else {
      words[row.index * 2] = lo;
      words[row.index * 2 + 1] = hi;
      t.entries.set(row.index, { row });
    }
  }
  return root;
}

/** Index of `va` at `level` (9 bits per level, 4 KiB granule). */
export function levelIndex(va: bigint, level: number): number {
  return Number((va >> BigInt(12 + 9 * (3 - level))) & 511n);
}

/** What the dump says about `va`: the leaf row, or the level where the lookup found nothing. */
export type DumpLookup = { mapped: true; row: DumpRow } | { mapped: false; level: number };

/** Looks `va` up in the rebuilt dump tree. */
export function lookupDump(root: DumpTable, va: bigint): DumpLookup {
  let t: DumpTable = root;
  for (;;) {
    const e = t.entries.get(levelIndex(va, t.level));
    if (e === undefined) return { mapped: false, level: t.level };
    if (e.child !== undefined) {
      t = e.child;
      continue;
    }
    if (e.row.kind === "block" || e.row.kind === "page") return { mapped: true, row: e.row };
    return { mapped: false, level: t.level };
  }
}

/** Output address a hardware walk produces for `va` through leaf `row`: OA bits below the leaf size are RES0. */
export function hardwareOutput(row: DumpRow, va: bigint): bigint {
  const size = 1n << BigInt(12 + 9 * (3 - row.level));
  const oa = BigInt(row.desc) & 0x0000_ffff_ffff_f000n;
  return (oa & ~(size - 1n)) | (va & (size - 1n));
}

/** Output address the kernel's software lookup gives (OR of the stored OA and the offset). */
export function softwareOutput(row: DumpRow, va: bigint): bigint {
  const size = 1n << BigInt(12 + 9 * (3 - row.level));
  const oa = BigInt(row.desc) & 0x0000_ffff_ffff_f000n;
  return oa | (va & (size - 1n));
}
