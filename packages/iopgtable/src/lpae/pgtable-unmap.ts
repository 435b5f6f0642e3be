/**
 * The unmap path of LPAE page tables: walk down to the level of the unmapped size, clear a run
 * of entries there, unlink and free tables the run covers. Mirrors arm_lpae_unmap_pages() and
 * __arm_lpae_unmap() of io-pgtable-arm.c.
 */

import type { IommuIotlbGather } from "../gather.js";
import * as B from "./bits.js";
import { LpaeTableBase } from "./pgtable-base.js";

// Module-local copies: hot loops then read plain constants, whatever the module loader does
// with imported bindings (vitest's runner turns them into getter calls).
const descriptorAddress = B.descriptorAddress;
const MAX_LEVEL = B.MAX_LEVEL;
const PTE_TYPE_BLOCK = B.PTE_TYPE_BLOCK;
const TWO32 = B.TWO32;
const TWO64 = 2 ** 64;
const TWO63 = 2 ** 63;

/** The unmap path over {@link LpaeTableBase}; {@link ArmLpaeIoPgtable} is the class to use. */
export abstract class LpaeUnmapPath<C> extends LpaeTableBase<C> {
  /**
   * Unmaps up to `pgcount` entries of `pgsize` from `iova` within one table, stopping at the
   * first empty entry. Returns the bytes unmapped (0 on any refusal). A table entry met at the
   * target level is unlinked, flushed with `tlbFlushWalk` and freed. With a non-queued
   * `gather`, `tlbAddPage` is called once per cleared entry. Mirrors arm_lpae_unmap_pages().
   */
  unmapPages(
    iova: number,
    pgsize: number,
    pgcount: number,
    gather: IommuIotlbGather | null = null,
  ): number {
    if (this.freed) return this.afterFree("unmapPages", 0);
    if ((pgsize !== this.granule && !this.sizeInBitmap(pgsize)) || pgcount === 0) {
      this.warn("arm_lpae_unmap_pages", "invalid page size or count");
      return 0;
    }
    if (!(iova >= -TWO63 && iova < TWO64 && Math.floor(iova) === iova)) return 0;
    if (!(pgcount > 0 && Math.floor(pgcount) === pgcount)) return 0;
    const lo = iova >>> 0;
    const hi = ((iova - lo) / TWO32) >>> 0;
    if (!this.iovaInRange(lo, hi)) {
      this.warn("arm_lpae_unmap_pages", "iova out of range");
      return 0;
    }
    if (pgsize === this.granule && this.startLevel < MAX_LEVEL) {
      const cached = this.cachedLastLevel(lo, hi);
      if (cached !== null)
        return this.unmapFrom(cached, MAX_LEVEL, iova, lo, hi, pgsize, pgcount | 0, gather);
    }
    return this.unmapFrom(this.root, this.startLevel, iova, lo, hi, pgsize, pgcount | 0, gather);
  }

  /** Walks down to the level of `size` and clears a run there. Mirrors __arm_lpae_unmap(). */
  protected unmapFrom(
    t: Uint32Array,
    lvl: number,
    iova: number,
    lo: number,
    hi: number,
    size: number,
    count: number,
    gather: IommuIotlbGather | null,
  ): number {
    for (;;) {
      const idx = this.index(lvl, lo, hi);
      const k = idx << 1;
      const dlo = t[k]!;
      const dhi = t[k + 1]!;
      if ((dlo | dhi) === 0) {
        this.warn("__arm_lpae_unmap", "nothing mapped at iova");
        return 0;
      }
      const leafType = lvl === MAX_LEVEL ? this.l3LeafType : PTE_TYPE_BLOCK;
      if (size === this.blockSize[lvl]) {
        return this.clearRun(t, lvl, idx, iova, size, count, gather, leafType);
      }
      if ((dlo & 3) === leafType) {
        this.warn("__arm_lpae_unmap", "Unmap of a partial large IOPTE is not allowed");
        return 0;
      }
      if (lvl === MAX_LEVEL) {
        this.warn("__arm_lpae_unmap", "ran out of page table");
        return 0;
      }
      t = this.tableView(dlo, dhi);
      lvl++;
      if (lvl === MAX_LEVEL) this.cacheLastLevel(lo, hi, t);
    }
  }

  /** Clears up to `count` entries from `idx`, stopping at the first empty one. */
  private clearRun(
    t: Uint32Array,
    lvl: number,
    idx: number,
    iova: number,
    size: number,
    count: number,
    gather: IommuIotlbGather | null,
    leafType: number,
  ): number {
    const max = this.ptesPerTable - (idx & this.tableMask);
    const n = count < max ? count : max;
    const base = idx << 1;
    let i = 0;
    // Quick prefix, four entries at a time: all four are leaves of this level exactly when
    // both the AND and the OR of their type fields equal the leaf type.
    while (i + 3 < n) {
      const k = base + 2 * i;
      const a = t[k]!;
      const b = t[k + 2]!;
      const c = t[k + 4]!;
      const d = t[k + 6]!;
      if ((a & b & c & d & 3) !== leafType || ((a | b | c | d) & 3) !== leafType) break;
      i += 4;
    }
    for (; i < n; i++) {
      const k = base + 2 * i;
      const dlo = t[k]!;
      // `| 0`: an entry past the end of a root smaller than a granule reads as zero here.
      if ((dlo | t[k + 1]!) === 0) {
        this.warn("__arm_lpae_unmap", "hole inside the unmapped run");
        break;
      }
      if ((dlo & 3) !== leafType)
        this.unlinkTable(t, k, lvl, iova + i * size, size, dlo, t[k + 1]!);
    }
    if (i > 0) t.fill(0, base, base + 2 * i);
    if (gather !== null && !gather.queued) {
      const addPage = this.tlb?.tlbAddPage;
      if (addPage !== undefined) {
        for (let j = 0; j < i; j++)
          addPage.call(this.tlb, gather, iova + j * size, size, this.cookie);
      }
    }
    return i * size;
  }

  /** Clears a table entry, flushes walks over its range and frees the subtree. */
  private unlinkTable(
    t: Uint32Array,
    k: number,
    lvl: number,
    at: number,
    size: number,
    dlo: number,
    dhi: number,
  ): void {
    t[k] = 0;
    t[k + 1] = 0;
    this.walkTag.fill(-1);
    this.tlb?.tlbFlushWalk?.(at, size, this.granule, this.cookie);
    if (lvl >= MAX_LEVEL) {
      this.warn("__arm_lpae_free_pgtable", "table descriptor at the last level");
      return;
    }
    this.freeTable(lvl + 1, descriptorAddress(dlo, dhi), this.regionBase(at, size));
  }
}
