/**
 * The canonical page-table dump of the golden vectors, and its inverse.
 */

import type { IoPgtableFormat } from "../constants.js";
import { descriptorAddress, MAX_LEVEL } from "../lpae/bits.js";
import { DEFAULT_PAGE_SIZE, levelShift, tableAllocationBytes } from "../lpae/geometry.js";
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
  /** Set on non-zero entries past the end of a root smaller than a full table. */
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
  /** Translation granule in bytes (4096, 16384 or 65536). Default 4096. */
  granule?: number;
  /**
   * Bytes of the root's allocation; entries past the pgd but inside
   * min(rootBytes, granule) are dumped as `outsidePgd` rows. Default: what a 4 KiB-page
   * kernel allocates for the pgd (at least one 4 KiB page).
   */
  rootBytes?: number;
}

/** Word view and word index of entry `i` of the table at `pa`, read page by page. */
function entryWords(memory: PageTableMemory, pa: number, i: number): [Uint32Array, number] {
  return [memory.pageU32(pa + (i >>> 9) * 4096), (i & 511) << 1];
}

/**
 * The canonical dump: one row per non-zero entry reachable from the root, depth first, a
 * table's row followed at once by its subtree's rows. Table descriptors lose their address
 * bits and name their child by pre-order number; leaves are raw. For a root smaller than a full
 * table, non-zero entries in the rest of its allocation (up to a full table) follow with
 * `outsidePgd: true`. Tables are read page by page, so any `PageTableMemory` will do.
 */
export function dumpPageTable(memory: PageTableMemory, where: PageTableLocation): DumpRow[] {
  const rows: DumpRow[] = [];
  let tables = 0;
  const granule = where.granule ?? DEFAULT_PAGE_SIZE;
  const rootBytes =
    where.rootBytes ?? tableAllocationBytes(8 * where.pgdEntries, DEFAULT_PAGE_SIZE);
  const rootScan = Math.min(rootBytes, granule) / 8;
  const visit = (pa: number, level: number, vaBase: number, isRoot: boolean): void => {
    const blk = 2 ** levelShift(granule, level);
    const entries = isRoot ? rootScan : granule / 8;
    for (let i = 0; i < entries; i++) {
      const [t, w] = entryWords(memory, pa, i);
      const lo = t[w]!;
      const hi = t[w + 1]!;
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
    granule: ops.granule,
    rootBytes: ops.rootAllocBytes,
  });
}

/** Options of {@link loadDump}. */
export interface LoadDumpOptions {
  /** Level of the root table (the golden `result.startLevel`). */
  startLevel: number;
  /** Existing zeroed root to fill; by default a new one is allocated from `memory`. */
  rootPa?: number;
  /** Translation granule in bytes (4096, 16384 or 65536): the size of every table. Default 4096. */
  granule?: number;
  /** Bytes to allocate for the root when `rootPa` is not given. Default: one granule. */
  rootBytes?: number;
}

/** What {@link loadDump} built. */
export interface LoadedTables {
  /** Physical address of the root. */
  rootPa: number;
  /**
   * Every table allocated (root first if it was allocated here), in allocation order: single
   * pages, or the first page of each block with a granule above 4 KiB.
   */
  pages: number[];
}

/** A dump row as read from JSON: `desc` may be a hex string, a number or a bigint. */
export type DumpRowInput = Pick<DumpRow, "level" | "index" | "kind"> & {
  desc: string | number | bigint;
};

/**
 * Writes a canonical dump back into page-table memory, allocating one table (one page, or a
 * naturally aligned block of pages via `memory.allocBlock` for a larger granule) per table
 * row, so that the tables translate exactly as the dumped ones (table addresses differ, as the
 * dump does not keep them). Rows must be in the dump's depth-first order. Throws on a row whose
 * parent table has not been opened, on allocation failure, or when the memory cannot allocate
 * blocks for a granule above 4 KiB.
 */
export function loadDump(
  memory: PageTableMemory,
  rows: readonly DumpRowInput[],
  options: LoadDumpOptions,
): LoadedTables {
  const pages: number[] = [];
  const granule = options.granule ?? DEFAULT_PAGE_SIZE;
  const alloc = (bytes: number): number => {
    const order = Math.log2(Math.max(bytes, 4096) / 4096);
    let pa: number | null;
    if (order === 0) pa = memory.allocPage();
    else if (memory.allocBlock === undefined) {
      throw new Error(`loadDump: the memory cannot allocate ${bytes}-byte tables`);
    } else pa = memory.allocBlock(Math.ceil(order));
    if (pa === null) throw new Error("loadDump: page allocation failed");
    pages.push(pa);
    return pa;
  };
  const rootPa = options.rootPa ?? alloc(options.rootBytes ?? granule);
  const open: (number | undefined)[] = [];
  open[options.startLevel] = rootPa;
  const entries = granule / 8;
  for (const row of rows) {
    const table = open[row.level];
    if (table === undefined || row.index < 0 || row.index >= entries) {
      throw new Error(`loadDump: row level ${row.level} index ${row.index} has no open table`);
    }
    const { lo, hi } = splitU64(row.desc);
    const [t, w] = entryWords(memory, table, row.index);
    if (row.kind === "table") {
      const child = alloc(granule);
      const cLo = child >>> 0;
      const cHi = (child - cLo) / 4294967296;
      t[w] = (lo & 0xfff) | (cLo & 0xfffff000);
      t[w + 1] = (hi & 0xffff0000) | (cHi & 0xffff);
      open[row.level + 1] = child;
      for (let l = row.level + 2; l <= MAX_LEVEL; l++) open[l] = undefined;
    } else {
      t[w] = lo;
      t[w + 1] = hi;
    }
  }
  return { rootPa, pages };
}
