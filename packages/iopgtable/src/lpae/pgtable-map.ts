/**
 * The map path of LPAE page tables: walk down (allocating tables) to the level of the mapped
 * size and write a run of leaves there. Mirrors arm_lpae_map_pages(), __arm_lpae_map() and
 * arm_lpae_init_pte() of io-pgtable-arm.c.
 */

import * as K from "../constants.js";
import * as B from "./bits.js";
import { LpaeUnmapPath } from "./pgtable-unmap.js";
import { attrHi as attrHiOf, attrLo as attrLoOf, leafAttributes } from "./prot.js";

// Module-local copies: hot loops then read plain constants, whatever the module loader does
// with imported bindings (vitest's runner turns them into getter calls).
const EEXIST = K.EEXIST;
const EINVAL = K.EINVAL;
const ENOMEM = K.ENOMEM;
const ERANGE = K.ERANGE;
const IOMMU_READ = K.IOMMU_READ;
const IOMMU_WRITE = K.IOMMU_WRITE;
const MAX_LEVEL = B.MAX_LEVEL;
const PTE_ADDR_HI_MASK = B.PTE_ADDR_HI_MASK;
const PTE_ADDR_LO_MASK = B.PTE_ADDR_LO_MASK;
const PTE_TYPE_BLOCK = B.PTE_TYPE_BLOCK;
const PTE_TYPE_TABLE = B.PTE_TYPE_TABLE;
const TWO32 = B.TWO32;
const TWO64 = 2 ** 64;
const TWO63 = 2 ** 63;
const INV_TWO32 = 1 / 4294967296;

/** The map path over {@link LpaeUnmapPath}; {@link ArmLpaeIoPgtable} is the class to use. */
export abstract class LpaeMapPath<C> extends LpaeUnmapPath<C> {
  /**
   * Maps `pgcount` pages of `pgsize` bytes from `iova` to `paddr` with IOMMU_* `prot`, within
   * the one table that holds `iova` (callers loop, as the kernel's do). Returns 0 or −EINVAL,
   * −ERANGE, −EEXIST, −ENOMEM; the bytes mapped are left in {@link mapped}.
   * Mirrors arm_lpae_map_pages().
   */
  mapPages(iova: number, paddr: number, pgsize: number, pgcount: number, prot: number): number {
    this.mapped = 0;
    if (this.freed) return this.afterFree("mapPages", -EINVAL);
    if (pgsize !== this.granule && !this.sizeInBitmap(pgsize)) {
      this.warn("arm_lpae_map_pages", "page size not supported by the table");
      return -EINVAL;
    }
    if (!(iova >= -TWO63 && iova < TWO64 && Math.floor(iova) === iova)) return -ERANGE;
    if (!(pgcount >= 0 && Math.floor(pgcount) === pgcount)) return -EINVAL;
    const lo = iova >>> 0;
    const hi = ((iova - lo) / TWO32) >>> 0;
    if (!this.iovaInRange(lo, hi) || !(paddr >= 0 && paddr < this.oasLimit)) {
      this.warn("arm_lpae_map_pages", "iova or paddr out of range");
      return -ERANGE;
    }
    if (Math.floor(paddr) !== paddr) return -EINVAL;
    if ((prot & (IOMMU_READ | IOMMU_WRITE)) === 0) return -EINVAL;

    // arm_lpae_prot_to_pte(): leaf attributes without type and address.
    const attrs = leafAttributes(this.isMali, this.quirks, prot);
    const attrLo = attrLoOf(attrs);
    const attrHi = attrHiOf(attrs);

    const count = pgcount | 0; // the kernel's min_t(int, pgcount, …)
    let t = this.root;
    let lvl = this.startLevel;
    let fresh = false;
    if (pgsize === this.granule && lvl < MAX_LEVEL) {
      // Walk cache hit: every entry above is a table, so go straight to level 3.
      const cached = this.cachedLastLevel(lo, hi);
      if (cached !== null) {
        t = cached;
        lvl = MAX_LEVEL;
      }
    }
    for (;;) {
      const idx = this.index(lvl, lo, hi);
      if (pgsize === this.blockSize[lvl]) {
        return this.installLeaves(t, lvl, idx, iova, paddr, pgsize, count, attrLo, attrHi, fresh);
      }
      if (lvl >= MAX_LEVEL) {
        this.warn("__arm_lpae_map", "no table below the last level");
        return -EINVAL;
      }
      const k = idx << 1;
      const dlo = t[k]!;
      const dhi = t[k + 1]!;
      if ((dlo | dhi) === 0) {
        const blk = this.blockSize[lvl]!;
        const pa = this.allocTable(lvl + 1, this.regionBase(iova, blk));
        if (pa < 0) return -ENOMEM;
        const paLo = pa >>> 0;
        const paHi = (pa - paLo) / TWO32;
        t[k + 1] = (paHi & PTE_ADDR_HI_MASK) | this.tableHi;
        t[k] = ((paLo | (paHi >>> 4)) & PTE_ADDR_LO_MASK) | PTE_TYPE_TABLE;
        t = this.viewOf(pa, this.tableOrder);
        fresh = true;
      } else if ((dlo & 3) === PTE_TYPE_BLOCK) {
        this.warn("__arm_lpae_map", "mapping over an existing block");
        return -EEXIST;
      } else {
        t = this.tableView(dlo, dhi);
      }
      lvl++;
      if (lvl === MAX_LEVEL) this.cacheLastLevel(lo, hi, t);
    }
  }

  /**
   * Writes a run of leaves after checking every target (unless `fresh`: the table was just
   * allocated, so every entry is zero). Mirrors arm_lpae_init_pte().
   */
  private installLeaves(
    t: Uint32Array,
    lvl: number,
    idx: number,
    iova: number,
    paddr: number,
    size: number,
    count: number,
    attrLo: number,
    attrHi: number,
    fresh: boolean,
  ): number {
    const max = this.ptesPerTable - (idx & this.tableMask);
    const n = count < max ? count : max;
    const leafType = lvl === MAX_LEVEL ? this.l3LeafType : PTE_TYPE_BLOCK;
    const base = idx << 1;
    // A table allocated by this call is all zeros: nothing to check. Otherwise a quick pass
    // ORs the low words together: only a type with bit 0 set (block, page, table) needs the
    // exact per-entry check below.
    let acc = 0;
    if (!fresh) {
      const end = base + 2 * n;
      let k = base;
      for (; k + 6 < end; k += 8) acc |= t[k]! | t[k + 2]! | t[k + 4]! | t[k + 6]!;
      for (; k < end; k += 2) acc |= t[k]!;
    }
    for (let i = 0; i < n && (acc & 1) !== 0; i++) {
      const type = t[base + 2 * i]! & 3;
      if (type === leafType) {
        this.warn("arm_lpae_init_pte", "mapping over an existing leaf");
        return -EEXIST;
      }
      if (type === PTE_TYPE_TABLE) {
        // A block replaces a table: unmap (and free) the table first.
        const at = iova + i * size;
        const alo = at >>> 0;
        const ahi = ((at - alo) / TWO32) >>> 0;
        if (this.unmapFrom(t, lvl, at, alo, ahi, size, 1, null) !== size) {
          this.warn("arm_lpae_init_pte", "could not unmap the table under a new block");
          return -EINVAL;
        }
      }
    }
    // Write loop, in segments over which the address's high word stays constant: the low
    // word then advances by `size` in int32 arithmetic and the high word is loop-invariant.
    // A segment ends when the low word wraps (high word + 1) or, for leaves of 4 GiB and more,
    // after every entry (high word + size / 2^32).
    let pLo = paddr >>> 0;
    let pHi = (paddr - pLo) * INV_TWO32;
    const hiStep = size >= TWO32 ? size * INV_TWO32 : 1;
    let k = base;
    const end = base + 2 * n;
    while (k < end) {
      const room = Math.ceil((TWO32 - pLo) / size);
      const segEnd = Math.min(end, k + 2 * room);
      const hiWord = (pHi & PTE_ADDR_HI_MASK) | attrHi;
      const loExtra = ((pHi >>> 4) & PTE_ADDR_LO_MASK) | attrLo | leafType;
      let lo = pLo | 0;
      for (; k < segEnd; k += 2) {
        t[k] = (lo & PTE_ADDR_LO_MASK) | loExtra;
        t[k + 1] = hiWord;
        lo = (lo + size) | 0;
      }
      // Either the run is done or the high word moves on.
      pLo = lo >>> 0;
      pHi += hiStep;
    }
    this.mapped = n * size;
    return 0;
  }
}
