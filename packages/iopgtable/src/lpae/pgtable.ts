/**
 * The Arm LPAE page-table engine behind both formats: map, unmap, lookup and teardown over
 * descriptors stored as lo/hi u32 pairs in tables of one granule (4, 16 or 64 KiB). Mirrors the
 * operations of drivers/iommu/io-pgtable-arm.c (v6.15 era).
 *
 * Hot paths use plain numbers and typed arrays only: an iova is split once into its low and
 * high 32 bits, indices come from per-level shifts computed from the granule when the table is
 * created, and a run of leaves is written by one loop.
 *
 * The engine is split by path: construction, caches and table memory (pgtable-base.ts), unmap
 * (pgtable-unmap.ts), map (pgtable-map.ts) and the lookup walk here; each builds on the one
 * before, so the hot paths reach fields and helpers directly on one object.
 */

import * as B from "./bits.js";
import { exactIovaToPhys } from "./exact-walk.js";
import * as P from "./pgtable-base.js";
import { LpaeMapPath } from "./pgtable-map.js";

export type { ArmLpaeSetup, IoPgtableConfig } from "./pgtable-setup.js";

// Module-local copies: hot loops then read plain constants, whatever the module loader does
// with imported bindings (vitest's runner turns them into getter calls).
const MAX_LEVEL = B.MAX_LEVEL;
const PTE_ADDR_HI_MASK = B.PTE_ADDR_HI_MASK;
const PTE_ADDR_LO_MASK = B.PTE_ADDR_LO_MASK;
const PTE_TYPE_BLOCK = B.PTE_TYPE_BLOCK;
const PTE_TYPE_TABLE = B.PTE_TYPE_TABLE;
const TWO32 = B.TWO32;
const TWO64 = 2 ** 64;
/** Below this high word no geometry needs the exact lookup walk (2^32 − 2^15; 16 KiB level 0). */
const EXACT_HI_MIN = 0xffff8000;
const TWO63 = 2 ** 63;
const INV_TWO32 = 1 / 4294967296;
const WALK_CACHE_SLOTS = P.WALK_CACHE_SLOTS;

/**
 * Page-table operations of one LPAE table (`struct io_pgtable_ops` with its
 * `struct arm_lpae_io_pgtable`). Created by `allocIoPgtableOps`; destroyed by {@link free}.
 *
 * Results follow the kernel: `mapPages` returns 0 or a negative errno and leaves the bytes it
 * mapped in {@link mapped} (a field, so the hot path allocates no result object);
 * `unmapPages` returns the bytes unmapped; `iovaToPhys` returns the physical address or 0.
 */
export class ArmLpaeIoPgtable<C = unknown> extends LpaeMapPath<C> {
  /**
   * Translates `iova` by walking the table in software: the leaf's output address ORed with
   * the offset inside the leaf, or 0. No range check: bits above what the root resolves are
   * ignored, as in the kernel. Mirrors arm_lpae_iova_to_phys().
   */
  iovaToPhys(iova: number): number {
    const lo = iova >>> 0;
    if (lo === iova) return this.iovaToPhysLoHi(lo, 0);
    if (!(iova >= -TWO63 && iova < TWO64 && Math.floor(iova) === iova)) return 0;
    return this.iovaToPhysLoHi(lo, ((iova - lo) * INV_TWO32) >>> 0);
  }

  /**
   * {@link iovaToPhys} for a 64-bit iova given as its low and high 32 bits, for iovas that a
   * number cannot hold exactly (such as `0xffff8000000011ab`).
   */
  iovaToPhysLoHi(lo: number, hi: number): number {
    lo >>>= 0;
    hi >>>= 0;
    if (this.freed) return this.afterFree("iovaToPhys", 0);
    // Near the top of the 64-bit space the kernel's walk can wrap: take the exact path.
    // (The constant pre-test keeps the common case free of field loads.)
    if (hi >= EXACT_HI_MIN && hi >= this.exactHiFrom) {
      return exactIovaToPhys(this.exactWalk, lo, hi);
    }
    // Walk cache hit: straight to the level-3 table; a miss takes the full walk.
    const ks = this.walkKeyShift;
    const key = ((lo >>> ks) | (hi << (32 - ks))) & this.walkKeyMask;
    const slot = key & (WALK_CACHE_SLOTS - 1);
    if (this.walkTag[slot] !== key || this.startLevel === MAX_LEVEL) return this.lookupWalk(lo, hi);
    const t = this.walkView[slot]!;
    // Level-3 index, page offset and address masks all follow from pgShift (and the 64 KiB
    // fold), computed here rather than loaded.
    const p = this.pgShift;
    const k = ((lo >>> p) & ((1 << (p - 3)) - 1)) << 1;
    const dlo = t[k]!;
    if ((dlo & 3) !== this.l3LeafType) return 0;
    const fold = this.foldMask;
    return (
      ((t[k + 1]! & PTE_ADDR_HI_MASK) | ((dlo & fold) << 4)) * TWO32 +
      (((dlo & PTE_ADDR_LO_MASK & ~fold) | (lo & ((1 << p) - 1))) >>> 0)
    );
  }

  /** The lookup walk from the root; fills the walk cache on the way to level 3. */
  private lookupWalk(lo: number, hi: number): number {
    let t = this.root;
    let lvl = this.startLevel;
    for (;;) {
      const k = this.index(lvl, lo, hi) << 1;
      const dlo = t[k]!;
      const type = dlo & 3;
      if (lvl === MAX_LEVEL) {
        return type === this.l3LeafType ? this.leafOutput(lvl, dlo, t[k + 1]!, lo, hi) : 0;
      }
      if (type !== PTE_TYPE_TABLE) {
        return type === PTE_TYPE_BLOCK ? this.leafOutput(lvl, dlo, t[k + 1]!, lo, hi) : 0;
      }
      t = this.tableView(dlo, t[k + 1]!);
      lvl++;
      if (lvl === MAX_LEVEL) this.cacheLastLevel(lo, hi, t);
    }
  }
}
