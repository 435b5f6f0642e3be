/**
 * A deliberately simple model of what an LPAE table translates, for property tests: sets and
 * maps keyed by 2 MiB region and 4 KiB page, with the kernel's rules for runs, -EEXIST,
 * blocks over tables, holes and table lifetime written out directly. It covers 4 KiB pages and
 * 2 MiB blocks in a window of 2 MiB regions starting at {@link MODEL_BASE}.
 */

/** First iova of region 0: three regions below a 1 GiB boundary, the rest above it. */
export const MODEL_BASE = 0x3fa00000;
/** Regions in the window. */
export const MODEL_REGIONS = 8;

const SZ_4K = 0x1000;
const SZ_2M = 0x200000;

/** Index of region `r` inside its level-2 table. */
function l2Index(r: number): number {
  return ((MODEL_BASE + r * SZ_2M) / SZ_2M) % 512;
}

/** The 1 GiB region holding region `r`. */
function gigOf(r: number): number {
  return Math.floor((MODEL_BASE + r * SZ_2M) / 0x40000000);
}

/** Model state. */
export class ReferenceModel {
  /** 1 GiB regions whose level-2 table exists. */
  readonly l2Tables = new Set<number>();
  /** 2 MiB regions holding a level-3 table. */
  readonly l3Tables = new Set<number>();
  /** 2 MiB regions holding a block: region → block paddr. */
  readonly blocks = new Map<number, number>();
  /** Mapped 4 KiB pages: `r * 512 + p` → page paddr. */
  readonly pages = new Map<number, number>();

  /** Predicted `{ret, mapped}` of mapping `count` 4 KiB pages at region r, page p. */
  map4k(r: number, p: number, paddr: number, count: number): { ret: number; mapped: number } {
    this.l2Tables.add(gigOf(r));
    if (this.blocks.has(r)) return { ret: -17, mapped: 0 };
    this.l3Tables.add(r);
    const n = Math.min(count, 512 - p);
    for (let i = 0; i < n; i++) if (this.pages.has(r * 512 + p + i)) return { ret: -17, mapped: 0 };
    for (let i = 0; i < n; i++) this.pages.set(r * 512 + p + i, paddr + i * SZ_4K);
    return { ret: 0, mapped: n * SZ_4K };
  }

  /** Predicted result of mapping `count` 2 MiB blocks from region r. */
  map2m(r: number, paddr: number, count: number): { ret: number; mapped: number } {
    this.l2Tables.add(gigOf(r));
    const n = Math.min(count, 512 - l2Index(r));
    for (let i = 0; i < n; i++) {
      if (this.blocks.has(r + i)) return { ret: -17, mapped: 0 };
      if (this.l3Tables.has(r + i)) this.dropTable(r + i);
    }
    for (let i = 0; i < n; i++) this.blocks.set(r + i, paddr + i * SZ_2M);
    return { ret: 0, mapped: n * SZ_2M };
  }

  /** Predicted bytes unmapped by a 4 KiB unmap of `count` pages at region r, page p. */
  unmap4k(r: number, p: number, count: number): number {
    if (!this.l2Tables.has(gigOf(r)) || this.blocks.has(r) || !this.l3Tables.has(r)) return 0;
    const n = Math.min(count, 512 - p);
    let i = 0;
    while (i < n && this.pages.has(r * 512 + p + i)) {
      this.pages.delete(r * 512 + p + i);
      i++;
    }
    return i * SZ_4K;
  }

  /** Predicted bytes unmapped by a 2 MiB unmap of `count` entries from region r. */
  unmap2m(r: number, count: number): number {
    if (!this.l2Tables.has(gigOf(r))) return 0;
    const n = Math.min(count, 512 - l2Index(r));
    let i = 0;
    while (i < n && r + i < MODEL_REGIONS + 512) {
      const q = r + i;
      if (this.blocks.has(q)) this.blocks.delete(q);
      else if (this.l3Tables.has(q)) this.dropTable(q);
      else break;
      i++;
    }
    return i * SZ_2M;
  }

  /** Predicted `iova_to_phys` of byte `off` of page p in region r. */
  lookup(r: number, p: number, off: number): number {
    const block = this.blocks.get(r);
    if (block !== undefined) return block + p * SZ_4K + off;
    const page = this.pages.get(r * 512 + p);
    return page === undefined ? 0 : page + off;
  }

  /** Predicted `iova_to_phys(iova)` for an iova inside the window. */
  lookupIova(iova: number): number {
    const off = iova - MODEL_BASE;
    const r = Math.floor(off / SZ_2M);
    const p = Math.floor((off % SZ_2M) / SZ_4K);
    return this.lookup(r, p, off % SZ_4K);
  }

  private dropTable(r: number): void {
    this.l3Tables.delete(r);
    for (let p = 0; p < 512; p++) this.pages.delete(r * 512 + p);
  }
}

/** iova of byte `off` of page p in region r. */
export function modelIova(r: number, p: number, off = 0): number {
  return MODEL_BASE + r * SZ_2M + p * SZ_4K + off;
}
