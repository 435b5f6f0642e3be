/**
 * A slow, literal model of io-pgtable-arm's map/unmap algorithm for differential tests: 64-bit
 * descriptors as `bigint`, one recursive-style walk per call, no caches, no fast paths and its
 * own prot encoding. It writes into its own `ArrayPageTableMemory`, allocating and freeing in the
 * same order as the kernel, so table addresses, dumps and callback logs can be compared
 * one-to-one with `ArmLpaeIoPgtable`.
 */
import type { ArrayPageTableMemory } from "../../src/index.js";

const ADDR_MASK = ((1n << 48n) - 1n) & ~0xfffn;
const SW_SYNC = 1n << 55n;
const NSTABLE = 1n << 63n;
const QUIRK_NS = 1 << 0;
const QUIRK_TTBR1 = 1 << 5;
const QUIRK_HD = 1 << 7;

/** What the model needs to know about the table it mirrors. */
export interface KernelModelSetup {
  /** Memory for the model's own tables (allocates like the table under test). */
  memory: ArrayPageTableMemory;
  /** Mali format (true) or ARM_64_LPAE_S1 (false). */
  mali: boolean;
  /** Walks are coherent (no SW_SYNC bit on tables). */
  coherent: boolean;
  /** IO_PGTABLE_QUIRK_* bits. */
  quirks: number;
  /** Adjusted ias. */
  ias: number;
  /** Adjusted oas. */
  oas: number;
  /** Adjusted page-size bitmap. */
  bitmap: bigint;
  /** Root level. */
  startLevel: number;
  /** Index bits of the root. */
  pgdBits: number;
  /** Translation granule (4096 unless given). */
  granule?: number;
  /** Orders (4 KiB pages) of the root's and the other tables' allocations (0 unless given). */
  rootOrder?: number;
  tableOrder?: number;
}

/** The kernel's map/unmap steps over `bigint` descriptors, logging callbacks into `events`. */
export class KernelModel {
  /** Callback log: `alloc L`, `free L`, `walk iova size`, `add iova size` (hex). */
  readonly events: string[] = [];
  /** Root table address. */
  readonly root: number;

  /** log2(granule) and the index bits per level (ARM_LPAE_LVL_SHIFT's ingredients). */
  private readonly pgShift: number;
  private readonly bpl: number;
  private readonly granule: bigint;

  /** Allocates the model's root table. */
  constructor(private readonly s: KernelModelSetup) {
    const granule = s.granule ?? 4096;
    this.granule = BigInt(granule);
    this.pgShift = Math.log2(granule);
    this.bpl = this.pgShift - 3;
    const root = s.memory.allocBlock(s.rootOrder ?? 0);
    if (root === null) throw new Error("kernel model: no root page");
    this.root = root;
  }

  /** ARM_LPAE_BLOCK_SIZE(lvl). */
  private blockSize(lvl: number): bigint {
    return 1n << BigInt(this.pgShift + this.bpl * (3 - lvl));
  }

  /** iopte_to_paddr(): bits 47:12, rotated back to 51:16 with the 64 KiB granule. */
  private toPaddr(pte: bigint): bigint {
    const pa = pte & ADDR_MASK;
    if (this.granule < 0x10000n) return pa;
    return (pa | (pa << 36n)) & (ADDR_MASK << 4n);
  }

  /** arm_lpae_max_entries() with min_t(int, count, …). */
  private runLength(idx: number, count: bigint): number {
    const n = Number(BigInt.asIntN(32, count));
    const per = 1 << this.bpl;
    const max = per - (idx & (per - 1));
    return n < max ? n : max;
  }

  /** map_pages(): `[ret, mapped]` with `mapped` as u64. */
  map(iova: bigint, paddr: bigint, size: bigint, count: bigint, prot: number): [number, bigint] {
    const s = this.s;
    if (size === 0n || (size & s.bitmap) !== size) return [-22, 0n];
    let ext = BigInt.asIntN(64, iova) >> BigInt(s.ias);
    if (s.quirks & QUIRK_TTBR1) ext = ~ext;
    if (ext !== 0n || paddr >> BigInt(s.oas) !== 0n) return [-34, 0n];
    if ((prot & 3) === 0) return [-22, 0n];
    const attrs = this.protToPte(prot);
    let table = BigInt(this.root);
    for (let lvl = s.startLevel; ; lvl++) {
      const idx = this.index(iova, lvl);
      if (size === this.blockSize(lvl)) {
        const n = this.runLength(idx, count);
        for (let k = 0; k < n; k++) {
          const pte = this.read(table, idx + k);
          if (this.isLeaf(pte, lvl)) return [-17, 0n];
          if ((pte & 3n) === 3n) {
            const at = iova + BigInt(k) * size;
            if (this.unmapAt(at, size, 1n, false, table, lvl) !== size) return [-22, 0n];
          }
        }
        const type = !s.mali && lvl === 3 ? 3n : 1n;
        for (let k = 0; k < n; k++) {
          const pa = paddr + BigInt(k) * size;
          this.write(table, idx + k, attrs | type | ((pa | (pa >> 36n)) & ADDR_MASK));
        }
        return [0, BigInt.asUintN(64, BigInt(n) * size)];
      }
      if (lvl >= 3) return [-22, 0n];
      let pte = this.read(table, idx);
      if (pte === 0n) {
        const page = s.memory.allocBlock(s.tableOrder ?? 0);
        if (page === null) return [-12, 0n];
        this.events.push(`alloc ${lvl + 1}`);
        pte = BigInt(page) | 3n;
        if (s.quirks & QUIRK_NS) pte |= NSTABLE;
        if (!s.coherent) pte |= SW_SYNC;
        this.write(table, idx, pte);
      } else if (this.isLeaf(pte, lvl)) {
        return [-17, 0n];
      }
      table = this.toPaddr(pte);
    }
  }

  /** unmap_pages(): bytes unmapped. */
  unmap(iova: bigint, size: bigint, count: bigint, gather: boolean): bigint {
    const s = this.s;
    if (size === 0n || (size & s.bitmap) !== size || count === 0n) return 0n;
    let ext = BigInt.asIntN(64, iova) >> BigInt(s.ias);
    if (s.quirks & QUIRK_TTBR1) ext = ~ext;
    if (ext !== 0n) return 0n;
    return this.unmapAt(iova, size, count, gather, BigInt(this.root), s.startLevel);
  }

  /**
   * iova_to_phys() as the kernel's generic walk computes it, u64 wrap-around included: the walk
   * visits entries from the iova's index while its cursor is below iova + 1, moving the cursor
   * past each leaf, and the last entry visited decides. 0 when the walk fails.
   */
  lookup(iova: bigint): bigint {
    const w = { addr: iova, end: BigInt.asUintN(64, iova + 1n), pte: -1n, lvl: -1 };
    if (!this.walk(w, BigInt(this.root), this.s.startLevel) || w.lvl < 0) return 0n;
    if (!this.isLeaf(w.pte, w.lvl)) return 0n;
    return this.toPaddr(w.pte) | (iova & (this.blockSize(w.lvl) - 1n));
  }

  private walk(
    w: { addr: bigint; end: bigint; pte: bigint; lvl: number },
    table: bigint,
    lvl: number,
  ): boolean {
    const max = lvl === this.s.startLevel ? 1 << this.s.pgdBits : 1 << this.bpl;
    for (let idx = this.index(w.addr, lvl); idx < max && w.addr < w.end; idx++) {
      const pte = this.read(table, idx);
      w.pte = pte;
      w.lvl = lvl;
      if (this.isLeaf(pte, lvl)) {
        w.addr = BigInt.asUintN(64, w.addr + this.blockSize(lvl));
        continue;
      }
      if (lvl === 3 || (pte & 3n) !== 3n) return false;
      if (!this.walk(w, this.toPaddr(pte), lvl + 1)) return false;
    }
    return true;
  }

  private unmapAt(
    iova: bigint,
    size: bigint,
    count: bigint,
    gather: boolean,
    from: bigint,
    fromLevel: number,
  ): bigint {
    let table = from;
    for (let lvl = fromLevel; lvl <= 3; lvl++) {
      const idx = this.index(iova, lvl);
      const pte = this.read(table, idx);
      if (pte === 0n) return 0n;
      if (size === this.blockSize(lvl)) {
        const n = this.runLength(idx, count);
        let cleared = 0;
        for (; cleared < n; cleared++) {
          const e = this.read(table, idx + cleared);
          if (e === 0n) break;
          if (!this.isLeaf(e, lvl)) {
            this.write(table, idx + cleared, 0n);
            const at = iova + BigInt(cleared) * size;
            this.events.push(`walk ${at.toString(16)} ${size.toString(16)}`);
            this.freeTable(lvl + 1, this.toPaddr(e));
          }
        }
        for (let k = 0; k < cleared; k++) this.write(table, idx + k, 0n);
        if (gather) {
          for (let k = 0; k < cleared; k++) {
            this.events.push(`add ${(iova + BigInt(k) * size).toString(16)} ${size.toString(16)}`);
          }
        }
        return BigInt(cleared) * size;
      }
      if (this.isLeaf(pte, lvl)) return 0n;
      table = this.toPaddr(pte);
    }
    return 0n;
  }

  private freeTable(lvl: number, pa: bigint): void {
    if (lvl < 3) {
      for (let e = 0; e < 1 << this.bpl; e++) {
        const pte = this.read(pa, e);
        if (pte !== 0n && !this.isLeaf(pte, lvl)) this.freeTable(lvl + 1, this.toPaddr(pte));
      }
    }
    this.events.push(`free ${lvl}`);
    this.s.memory.freeBlock(Number(pa), this.s.tableOrder ?? 0);
  }

  private protToPte(prot: number): bigint {
    const s = this.s;
    let pte = 0n;
    if (s.mali) {
      if (prot & 1) pte |= 1n << 6n;
      if (prot & 2) pte |= 1n << 7n;
    } else {
      pte |= 1n << 11n;
      if ((prot & 2) === 0 && (prot & 1) !== 0) pte |= 1n << 7n;
      else if (s.quirks & QUIRK_HD) pte |= 1n << 51n;
      if ((prot & 32) === 0) pte |= 1n << 6n;
      pte |= 1n << 10n;
    }
    if (prot & 16) pte |= 2n << 2n;
    else if (prot & 4) pte |= 1n << 2n;
    pte |= (prot & 4) !== 0 && !s.mali ? 3n << 8n : 2n << 8n;
    if (prot & 8) pte |= 3n << 53n;
    if (s.quirks & QUIRK_NS) pte |= 1n << 5n;
    return pte;
  }

  private isLeaf(pte: bigint, lvl: number): boolean {
    return lvl === 3 && !this.s.mali ? (pte & 3n) === 3n : (pte & 3n) === 1n;
  }

  private index(iova: bigint, lvl: number): number {
    const bits = lvl === this.s.startLevel ? this.s.pgdBits : this.bpl;
    const shift = BigInt(this.pgShift + this.bpl * (3 - lvl));
    return Number((BigInt.asUintN(64, iova) >> shift) & ((1n << BigInt(bits)) - 1n));
  }

  /**
   * Entry `i` of the table at `table`, read page by page. An entry past the end of the root's
   * allocation (a run of root blocks past a small pgd) lies in no live page: it reads as zero and
   * writes to it are dropped, as in the implementation under test.
   */
  private read(table: bigint, i: number): bigint {
    const page = Number(table) + Math.floor(i / 512) * 4096;
    if (!this.s.memory.isLive(page)) return 0n;
    const t = this.s.memory.pageU32(page);
    const w = (i % 512) * 2;
    return BigInt(t[w] ?? 0) | (BigInt(t[w + 1] ?? 0) << 32n);
  }

  private write(table: bigint, i: number, v: bigint): void {
    const page = Number(table) + Math.floor(i / 512) * 4096;
    if (!this.s.memory.isLive(page)) return;
    const t = this.s.memory.pageU32(page);
    const w = (i % 512) * 2;
    t[w] = Number(v & 0xffffffffn);
    t[w + 1] = Number(v >> 32n);
  }
}
