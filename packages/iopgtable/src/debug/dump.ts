/**
 * The canonical page-table dump of the golden vectors, and its inverse.
 */

import type { IoPgtableFormat } from "../constants.js";
import { descriptorAddress, LEVEL_BLOCK_SIZE, MAX_LEVEL, PTES_PER_TABLE } from "../lpae/bits.js";
import type { ArmLpaeIoPgtable } from "../lpae/pgtable.js";
import type { PageTableMemory } from "../memory.js";
import { type DescriptorKind, descriptorKind } from "./decode.js";
import { hex64, hex64LoHi, splitU64 } from "./hex.js";

/** One row of a canonical dump (the golden files' `dump` arrays, field for field). */
export interface DumpRow {
  /** Level of the table holding the entry (0..3). */
  level: number;
  /** Entry position inside its table. */
  index: number;
  /** First iova the entry translates, `0x` + 16 hex digits. */
  vaBase: string;
  /** The descriptor, `0x` + 16 hex digits; for tables with bits 47:12 (the address) cleared. */
  desc: string;
  /** What the entry is at its level. */
  kind: DescriptorKind;
  /** For tables: the child table's number in depth-first pre-order (root = 0). */
  table?: number;
  /** Set on non-zero entries past the end of a root smaller than 512 entries. */
  outsidePgd?: true;
}

/** Where a table tree lives, for {@link dumpPageTable}. */
export interface PageTableLocation {
  /** Format (decides what a level-3 page looks like). */
  fmt: IoPgtableFormat;
  /** Physical address of the root table. */
  rootPa: number;
  /** Level of the root. */
  startLevel: number;
  /** Entries of the root (2^pgdBits). */
  pgdEntries: number;
}

/**
 * The canonical dump: one row per non-zero entry reachable from the root, depth first, a
 * table's row followed at once by its subtree's rows. Table descriptors lose their address
 * bits and name their child by pre-order number; leaves are raw. For a root smaller than 512
 * entries, non-zero entries in the rest of its page follow with `outsidePgd: true`.
 */
export function dumpPageTable(memory: PageTableMemory, where: PageTableLocation): DumpRow[] {
  const rows: DumpRow[] = [];
  let tables = 0;
  const visit = (pa: number, level: number, vaBase: number, isRoot: boolean): void => {
    const t = memory.pageU32(pa);
    const blk = LEVEL_BLOCK_SIZE[level]!;
    for (let i = 0; i < PTES_PER_TABLE; i++) {
      const lo = t[2 * i]!;
      const hi = t[2 * i + 1]!;
      if ((lo | hi) === 0) continue;
      const outside = isRoot && i >= where.pgdEntries;
      const kind = descriptorKind(where.fmt, level, lo);
      const va = vaBase + i * blk;
      if (kind === "table" && !outside) {
        const n = ++tables;
        rows.push({
          level,
          index: i,
          vaBase: hex64(va),
          desc: hex64LoHi(lo & 0xfff, hi & 0xffff0000),
          kind,
          table: n,
        });
        if (level < MAX_LEVEL) visit(descriptorAddress(lo, hi), level + 1, va, false);
        continue;
      }
      const row: DumpRow = { level, index: i, vaBase: hex64(va), desc: hex64LoHi(lo, hi), kind };
      if (outside) row.outsidePgd = true;
      rows.push(row);
    }
  };
  visit(where.rootPa, where.startLevel, 0, true);
  return rows;
}

/** {@link dumpPageTable} of a live page table. */
export function dumpIoPgtable<C>(ops: ArmLpaeIoPgtable<C>): DumpRow[] {
  return dumpPageTable(ops.memory, {
    fmt: ops.fmt,
    rootPa: ops.rootPa,
    startLevel: ops.startLevel,
    pgdEntries: ops.pgdEntries,
  });
}

/** Options of {@link loadDump}. */
export interface LoadDumpOptions {
  /** Level of the root table (the golden `result.startLevel`). */
  startLevel: number;
  /** Existing zeroed root page to fill; by default a new page is allocated from `memory`. */
  rootPa?: number;
}

/** What {@link loadDump} built. */
export interface LoadedTables {
  /** Physical address of the root. */
  rootPa: number;
  /** Every page allocated (root first if it was allocated here), in allocation order. */
  pages: number[];
}

/** A dump row as read from JSON: `desc` may be a hex string, a number or a bigint. */
export type DumpRowInput = Pick<DumpRow, "level" | "index" | "kind"> & {
  desc: string | number | bigint;
};

/**
 * Writes a canonical dump back into page-table memory, allocating one page per table row, so
 * that the tables translate exactly as the dumped ones (table addresses differ, as the dump
 * does not keep them). Rows must be in the dump's depth-first order. Throws on a row whose
 * parent table has not been opened or on allocation failure.
 */
export function loadDump(
  memory: PageTableMemory,
  rows: readonly DumpRowInput[],
  options: LoadDumpOptions,
): LoadedTables {
  const pages: number[] = [];
  const alloc = (): number => {
    const pa = memory.allocPage();
    if (pa === null) throw new Error("loadDump: page allocation failed");
    pages.push(pa);
    return pa;
  };
  const rootPa = options.rootPa ?? alloc();
  const open: (Uint32Array | undefined)[] = [];
  open[options.startLevel] = memory.pageU32(rootPa);
  for (const row of rows) {
    const t = open[row.level];
    if (t === undefined || row.index < 0 || row.index >= PTES_PER_TABLE) {
      throw new Error(`loadDump: row level ${row.level} index ${row.index} has no open table`);
    }
    const { lo, hi } = splitU64(row.desc);
    if (row.kind === "table") {
      const child = alloc();
      const cLo = child >>> 0;
      const cHi = (child - cLo) / 4294967296;
      t[2 * row.index] = (lo & 0xfff) | (cLo & 0xfffff000);
      t[2 * row.index + 1] = (hi & 0xffff0000) | (cHi & 0xffff);
      open[row.level + 1] = memory.pageU32(child);
      for (let l = row.level + 2; l <= MAX_LEVEL; l++) open[l] = undefined;
    } else {
      t[2 * row.index] = lo;
      t[2 * row.index + 1] = hi;
    }
  }
  return { rootPa, pages };
}
