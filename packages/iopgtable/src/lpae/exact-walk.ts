/**
 * The kernel's generic table walk for `iova_to_phys`, step for step, for the iovas where its
 * arithmetic wraps: at the top of the 64-bit space `addr += size` overflows and the walk keeps
 * visiting following entries; for the very last iova `end = iova + 1` wraps to 0 and nothing is
 * visited. Rarely used, so it favours exactness over speed (no allocation still).
 */
import * as B from "./bits.js";

const TWO32 = B.TWO32;
const MAX_LEVEL = B.MAX_LEVEL;

/** What the walk needs from a page table. */
export interface ExactWalkTable {
  /** Level of the root. */
  readonly startLevel: number;
  /** Entries of the root. */
  readonly pgdEntries: number;
  /** Entries of every other table. */
  readonly ptesPerTable: number;
  /** Type of a level-3 leaf (3 for S1 pages, 1 for Mali). */
  readonly leafTypeL3: number;
  /** Bytes one entry maps, by level. */
  readonly blockSize: ArrayLike<number>;
  /** The root table. */
  rootView(): Uint32Array;
  /** The table a table descriptor points to. */
  childView(dlo: number, dhi: number): Uint32Array;
  /** Index of the iova `lo`/`hi` in a table of `level` (root mask applied at the root). */
  indexAt(level: number, lo: number, hi: number): number;
  /** The leaf `dlo`/`dhi` at `level`: its output address ORed with the iova's offset in it. */
  leafOutput(level: number, dlo: number, dhi: number, lo: number, hi: number): number;
}

/** Walk state, reused: the walk is synchronous and not re-entrant. */
const st = { addrLo: 0, addrHi: 0, endLo: 0, endHi: 0, pteLo: 0, pteHi: 0, level: -1 };

function walk(table: ExactWalkTable, t: Uint32Array, lvl: number): boolean {
  const max = lvl === table.startLevel ? table.pgdEntries : table.ptesPerTable;
  for (let idx = table.indexAt(lvl, st.addrLo, st.addrHi); idx < max; idx++) {
    if (!(st.addrHi < st.endHi || (st.addrHi === st.endHi && st.addrLo < st.endLo))) break;
    const dlo = t[2 * idx]!;
    const dhi = t[2 * idx + 1]!;
    st.pteLo = dlo;
    st.pteHi = dhi;
    st.level = lvl;
    const type = dlo & 3;
    if (type === (lvl === MAX_LEVEL ? table.leafTypeL3 : B.PTE_TYPE_BLOCK)) {
      const size = table.blockSize[lvl]!;
      const sum = st.addrLo + (size % TWO32);
      st.addrLo = sum >>> 0;
      st.addrHi = (st.addrHi + Math.floor(size / TWO32) + (sum >= TWO32 ? 1 : 0)) >>> 0;
      continue;
    }
    if (lvl === MAX_LEVEL || type !== B.PTE_TYPE_TABLE) return false;
    if (!walk(table, table.childView(dlo, dhi), lvl + 1)) return false;
  }
  return true;
}

/**
 * `iova_to_phys` of the 64-bit iova `lo`/`hi` exactly as the kernel's walk computes it: the last
 * entry visited decides. Mirrors arm_lpae_iova_to_phys() over __arm_lpae_iopte_walk().
 */
export function exactIovaToPhys(table: ExactWalkTable, lo: number, hi: number): number {
  st.addrLo = lo;
  st.addrHi = hi;
  st.endLo = (lo + 1) >>> 0;
  st.endHi = lo === 0xffffffff ? (hi + 1) >>> 0 : hi;
  st.level = -1;
  if (!walk(table, table.rootView(), table.startLevel) || st.level < 0) return 0;
  return table.leafOutput(st.level, st.pteLo, st.pteHi, lo, hi);
}
