/**
 * The Arm LPAE page-table engine behind both formats: map, unmap, lookup and teardown over
 * descriptors stored as lo/hi u32 pairs in tables of one granule (4, 16 or 64 KiB). Mirrors the
 * operations of drivers/iommu/io-pgtable-arm.c (v6.15 era).
 *
 * Hot paths use plain numbers and typed arrays only: an iova is split once into its low and
 * high 32 bits, indices come from per-level shifts computed from the granule when the table is
 * created, and a run of leaves is written by one loop.
 */

import type { IoPgtableFormat } from "../constants.js";
import * as K from "../constants.js";
import type { IommuIotlbGather } from "../gather.js";
import type { PageTableMemory } from "../memory.js";
import type { IommuFlushOps, IoPgtableObserver, IoPgtableWarnSink } from "../types.js";
import * as B from "./bits.js";
import { type ExactWalkTable, exactIovaToPhys } from "./exact-walk.js";
import { type LpaeGeometry, levelShift } from "./geometry.js";
import { attrHi as attrHiOf, attrLo as attrLoOf, leafAttributes } from "./prot.js";
import { allocTableMemory, tableViewOrders } from "./table-memory.js";

// Module-local copies: hot loops then read plain constants, whatever the module loader does
// with imported bindings (vitest's runner turns them into getter calls).
const EEXIST = K.EEXIST;
const EINVAL = K.EINVAL;
const ENOMEM = K.ENOMEM;
const ERANGE = K.ERANGE;
const IO_PGTABLE_QUIRK_ARM_NS = K.IO_PGTABLE_QUIRK_ARM_NS;
const IO_PGTABLE_QUIRK_ARM_TTBR1 = K.IO_PGTABLE_QUIRK_ARM_TTBR1;
const IOMMU_READ = K.IOMMU_READ;
const IOMMU_WRITE = K.IOMMU_WRITE;
const descriptorAddress = B.descriptorAddress;
const MAX_LEVEL = B.MAX_LEVEL;
const PTE_ADDR_HI_MASK = B.PTE_ADDR_HI_MASK;
const PTE_ADDR_LO_MASK = B.PTE_ADDR_LO_MASK;
const PTE_NSTABLE_HI = B.PTE_NSTABLE_HI;
const PTE_SW_SYNC_HI = B.PTE_SW_SYNC_HI;
const PTE_TYPE_BLOCK = B.PTE_TYPE_BLOCK;
const PTE_TYPE_PAGE = B.PTE_TYPE_PAGE;
const PTE_TYPE_TABLE = B.PTE_TYPE_TABLE;
const TWO32 = B.TWO32;

const TWO64 = 2 ** 64;
/** Below this high word no geometry needs the exact lookup walk (2^32 − 2^15; 16 KiB level 0). */
const EXACT_HI_MIN = 0xffff8000;
const TWO63 = 2 ** 63;
const INV_TWO32 = 1 / 4294967296;
const VIEW_CACHE_SLOTS = 256;
const WALK_CACHE_SLOTS = 1024;

/** The adjusted configuration a page table keeps (the kernel's copy in `iop->cfg`). */
export interface IoPgtableConfig {
  /** Format of the table. */
  readonly fmt: IoPgtableFormat;
  /** `IO_PGTABLE_QUIRK_*` bits in force. */
  readonly quirks: number;
  /** Adjusted page-size bitmap (4K|2M|1G, 16K|32M or 64K|512M|4T sizes). */
  readonly pgsizeBitmap: number;
  /** Translation granule chosen by the kernel: 4096, 16384 or 65536. */
  readonly granule: number;
  /** The simulated kernel's `PAGE_SIZE` (sizes every table allocation). */
  readonly pageSize: number;
  /** Adjusted input address size. */
  readonly ias: number;
  /** Adjusted output address size. */
  readonly oas: number;
  /** Whether the walker is cache-coherent. */
  readonly coherentWalk: boolean;
}

/** Everything {@link ArmLpaeIoPgtable} needs, assembled by `allocIoPgtableOps`. */
export interface ArmLpaeSetup<C> {
  /** Adjusted configuration. */
  config: IoPgtableConfig;
  /** Geometry from the adjusted ias. */
  geometry: LpaeGeometry;
  /** Physical address of the already allocated, zeroed root table. */
  rootPa: number;
  /** Table memory. */
  memory: PageTableMemory;
  /** Caller's cookie, passed to every callback. */
  cookie: C;
  /** TLB callbacks, if any. */
  tlb: IommuFlushOps<C> | undefined;
  /** Custom allocator, if any. */
  alloc: ((cookie: C, size: number) => number | null) | undefined;
  /** Custom release, if any. */
  free: ((cookie: C, pa: number, size: number) => void) | undefined;
  /** Table observer, if any. */
  observer: IoPgtableObserver | undefined;
  /** WARN sink, if any. */
  warnings: IoPgtableWarnSink | undefined;
}

/**
 * Page-table operations of one LPAE table (`struct io_pgtable_ops` with its
 * `struct arm_lpae_io_pgtable`). Created by `allocIoPgtableOps`; destroyed by {@link free}.
 *
 * Results follow the kernel: `mapPages` returns 0 or a negative errno and leaves the bytes it
 * mapped in {@link mapped} (a field, so the hot path allocates no result object);
 * `unmapPages` returns the bytes unmapped; `iovaToPhys` returns the physical address or 0.
 */
export class ArmLpaeIoPgtable<C = unknown> {
  /** Adjusted configuration (the kernel's `iop->cfg`). */
  readonly cfg: IoPgtableConfig;
  /** Format. */
  readonly fmt: IoPgtableFormat;
  /** Level of the root table. */
  readonly startLevel: number;
  /** Index bits of the root table. */
  readonly pgdBits: number;
  /** Entries of the root table. */
  readonly pgdEntries: number;
  /** Size of the root table in bytes (it still occupies a whole allocation). */
  readonly pgdSizeBytes: number;
  /** Translation granule in bytes (4096, 16384, 65536): page size and non-root table size. */
  readonly granule: number;
  /** Index bits of a full table: 9, 11 or 13. */
  readonly bitsPerLevel: number;
  /** Entries of a full (non-root) table: 512, 2048 or 8192. */
  readonly ptesPerTable: number;
  /**
   * Bytes of the root's allocation (`PAGE_SIZE << get_order(pgdSizeBytes)`, or the page-rounded
   * size given to a custom allocator): what a dump scans for entries past a small root.
   */
  readonly rootAllocBytes: number;
  /** Physical address of the root table. */
  readonly rootPa: number;
  /** The caller's cookie. */
  readonly cookie: C;
  /**
   * Bytes mapped by the last `mapPages` call (the kernel's `*mapped`, starting from 0 on each
   * call). Like the kernel's `size_t`, a run count truncated to a negative `int` gives a
   * negative value here (its u64 reading is the value modulo 2^64).
   */
  mapped = 0;
  /** Number of WARN_ON conditions hit so far (each is also sent to the warning sink). */
  warnCount = 0;
  /**
   * Tables currently owned by this page table, root included: one allocation each (one 4 KiB
   * page per table with the 4 KiB granule on a 4 KiB-page kernel).
   */
  tablePages = 1;
  /** Whether {@link free} has run. */
  freed = false;

  /** The table memory (for debug walks such as `dumpIoPgtable`). */
  readonly memory: PageTableMemory;
  private readonly mem: PageTableMemory;
  private readonly root: Uint32Array;
  private readonly isMali: boolean;
  private readonly quirks: number;
  /** Low and high 32 bits of the adjusted bitmap, as int32 (the high word holds 4 TiB). */
  private readonly bitmapLo: number;
  private readonly bitmapHi: number;
  private readonly ias: number;
  private readonly oasLimit: number;
  private readonly ttbr1: boolean;
  private readonly rootMask: number;
  private readonly l3LeafType: number;
  /** log2(granule): where the level-3 index starts. */
  private readonly pgShift: number;
  /** Index mask of a full table: ptesPerTable − 1. */
  private readonly tableMask: number;
  /** iova bit where each level's index starts (the kernel's ARM_LPAE_LVL_SHIFT), by level. */
  private readonly lvlShift = new Int32Array(4);
  /** Bytes one entry maps, by level (ARM_LPAE_BLOCK_SIZE). */
  private readonly blockSize = new Float64Array(4);
  /** Low / high word masks of the offset inside one entry's region, by level. */
  private readonly offLo = new Int32Array(4);
  private readonly offHi = new Int32Array(4);
  /** Low-word mask of a leaf's output address: bits 31:12, or 31:16 with 64 KiB. */
  private readonly outLoMask: number;
  /** Low-word bits holding output-address bits 51:48 (15:12 with 64 KiB, else none). */
  private readonly foldMask: number;
  /** Orders (in 4 KiB pages) of table and root views. */
  private readonly tableOrder: number;
  private readonly rootOrder: number;
  /**
   * Lookups with a high word from here up take the exact (wrap-aware) walk: the top bytes of the
   * 64-bit space where one root entry's region can reach past 2^64 (at least the top 2^39).
   */
  private readonly exactHiFrom: number;
  private readonly tableHi: number;
  private readonly tlb: IommuFlushOps<C> | undefined;
  private readonly allocHook: ((cookie: C, size: number) => number | null) | undefined;
  private readonly freeHook: ((cookie: C, pa: number, size: number) => void) | undefined;
  private readonly observer: IoPgtableObserver | undefined;
  private readonly warnings: IoPgtableWarnSink | undefined;
  /**
   * Direct-mapped cache of table views by table address (slot = address bits 19:12), so walks
   * skip `memory.pageU32()`. Tags hold address bits 31:12 and 47:32; −1 marks an empty slot.
   * Entries are dropped when this table frees the page.
   */
  private readonly viewTagLo = new Int32Array(VIEW_CACHE_SLOTS);
  private readonly viewTagHi = new Int32Array(VIEW_CACHE_SLOTS).fill(-1);
  private readonly viewCache: Uint32Array[];
  /**
   * Walk cache for lookups, like a hardware walk cache: the level-3 table reached for an iova's
   * index bits above bit 21 (`walkTag` holds those bits, −1 when empty). Cleared whenever a
   * table is unlinked, the only way a cached level-3 table can stop being reachable.
   */
  private readonly walkTag = new Int32Array(WALK_CACHE_SLOTS).fill(-1);
  private readonly walkView: Uint32Array[];
  /**
   * Walk-cache keys are the iova bits from the level-2 index (bit `walkKeyShift`) up to the
   * highest bit the root resolves: 32 bits from `walkKeyShift` on, masked by `walkKeyMask`.
   */
  private readonly walkKeyShift: number;
  private readonly walkKeyMask: number;
  /**
   * Bytes of input address space the root resolves (2^(highest index bit + 1)). Observer
   * `vaBase`s are positions in it, like the dump's: a TTBR1 iova loses its sign-extension bits.
   */
  private readonly vaSpan: number;
  /** Adapter through which the exact walk reads this table. */
  private readonly exactWalk: ExactWalkTable;

  /** Wraps an allocated root; use `allocIoPgtableOps` rather than calling this directly. */
  constructor(setup: ArmLpaeSetup<C>) {
    const { config, geometry } = setup;
    this.cfg = config;
    this.fmt = config.fmt;
    this.startLevel = geometry.startLevel;
    this.pgdBits = geometry.pgdBits;
    this.pgdEntries = geometry.pgdEntries;
    this.pgdSizeBytes = geometry.pgdSizeBytes;
    this.granule = geometry.granule | 0;
    this.bitsPerLevel = geometry.bitsPerLevel;
    this.ptesPerTable = geometry.ptesPerTable | 0;
    this.rootPa = setup.rootPa;
    this.cookie = setup.cookie;
    this.mem = setup.memory;
    this.memory = setup.memory;
    const views = tableViewOrders(geometry, config.pageSize, setup.alloc !== undefined);
    this.tableOrder = views.tableOrder;
    this.rootOrder = views.rootOrder;
    this.rootAllocBytes = views.rootBytes;
    // Integer fields are stored as int32 (`| 0`) so that V8 keeps them as small integers: the
    // hot paths then read them as cheaply as the 4 KiB constants they replace.
    this.pgShift = geometry.pgShift | 0;
    this.tableMask = (geometry.ptesPerTable - 1) | 0;
    for (let l = 0; l <= MAX_LEVEL; l++) {
      const s = levelShift(geometry.granule, l);
      this.lvlShift[l] = s;
      this.blockSize[l] = 2 ** s;
      this.offLo[l] = s >= 32 ? -1 : 2 ** s - 1;
      this.offHi[l] = s > 32 ? 2 ** (s - 32) - 1 : 0;
    }
    this.foldMask = B.outputFoldMask(geometry.granule) | 0;
    this.outLoMask = PTE_ADDR_LO_MASK & ~this.foldMask;
    // The kernel's lookup walk can wrap once an entry's region reaches past 2^64.
    const topShift = this.lvlShift[geometry.startLevel]!;
    this.exactHiFrom = TWO32 - 2 ** Math.max(7, topShift - 32);
    this.root = this.viewOf(setup.rootPa, this.rootOrder);
    this.viewCache = new Array<Uint32Array>(VIEW_CACHE_SLOTS).fill(this.root);
    this.walkView = new Array<Uint32Array>(WALK_CACHE_SLOTS).fill(this.root);
    // Highest iova bit the walk from the root down to level 2 resolves; walk-cache keys are the
    // bits from the level-2 index up to it.
    const topBit = topShift + geometry.pgdBits - 1;
    const l2 = this.lvlShift[2]!;
    this.walkKeyShift = l2 | 0;
    this.walkKeyMask = (topBit >= l2 ? 2 ** (topBit - l2 + 1) - 1 : 0) | 0;
    this.vaSpan = 2 ** (topBit + 1);
    this.isMali = config.fmt === "ARM_MALI_LPAE";
    this.quirks = config.quirks;
    this.bitmapLo = config.pgsizeBitmap | 0;
    this.bitmapHi = Math.floor(config.pgsizeBitmap / TWO32) | 0;
    this.ias = config.ias;
    this.oasLimit = 2 ** config.oas;
    this.ttbr1 = (config.quirks & IO_PGTABLE_QUIRK_ARM_TTBR1) !== 0;
    this.rootMask = (1 << geometry.pgdBits) - 1;
    this.l3LeafType = this.isMali ? PTE_TYPE_BLOCK : PTE_TYPE_PAGE;
    let tableHi = 0;
    if (config.quirks & IO_PGTABLE_QUIRK_ARM_NS) tableHi |= PTE_NSTABLE_HI;
    if (!config.coherentWalk) tableHi |= PTE_SW_SYNC_HI;
    this.tableHi = tableHi;
    this.tlb = setup.tlb;
    this.allocHook = setup.alloc;
    this.freeHook = setup.free;
    this.observer = setup.observer;
    this.warnings = setup.warnings;
    this.exactWalk = {
      startLevel: this.startLevel,
      pgdEntries: this.pgdEntries,
      ptesPerTable: this.ptesPerTable,
      leafTypeL3: this.l3LeafType,
      blockSize: this.blockSize,
      rootView: () => this.root,
      childView: (dlo, dhi) => this.tableView(dlo, dhi),
      indexAt: (level, lo, hi) => this.index(level, lo, hi),
      leafOutput: (level, dlo, dhi, lo, hi) => this.leafOutput(level, dlo, dhi, lo, hi),
    };
  }

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

  /**
   * The output of leaf `dlo`/`dhi` at `lvl` for the iova `lo`/`hi`: the descriptor's address
   * (iopte_to_paddr()) ORed with the iova's offset inside the leaf.
   */
  private leafOutput(lvl: number, dlo: number, dhi: number, lo: number, hi: number): number {
    const outLo = ((dlo & this.outLoMask) | (lo & this.offLo[lvl]!)) >>> 0;
    const outHi =
      ((dhi & PTE_ADDR_HI_MASK) | ((dlo & this.foldMask) << 4) | (hi & this.offHi[lvl]!)) >>> 0;
    return outHi * TWO32 + outLo;
  }

  /**
   * Flushes the TLB and frees every table page. Mirrors free_io_pgtable_ops(): tlb_flush_all
   * first, then arm_lpae_free_pgtable() (children before parents). Further calls do nothing;
   * later map/unmap/lookup calls warn and do nothing (−EINVAL, 0, 0).
   */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.tlb?.tlbFlushAll?.(this.cookie);
    this.freeTable(this.startLevel, this.rootPa, 0);
  }

  /** The word view of a table allocation of `order` 4 KiB pages at `pa`. */
  private viewOf(pa: number, order: number): Uint32Array {
    return order === 0 ? this.mem.pageU32(pa) : this.mem.blockU32!(pa, order);
  }

  /** The level-3 table cached for the iova `lo`/`hi`, or null. */
  private cachedLastLevel(lo: number, hi: number): Uint32Array | null {
    const ks = this.walkKeyShift;
    const key = ((lo >>> ks) | (hi << (32 - ks))) & this.walkKeyMask;
    const slot = key & (WALK_CACHE_SLOTS - 1);
    return this.walkTag[slot] === key ? this.walkView[slot]! : null;
  }

  /** Remembers `t` as the level-3 table reached for the iova `lo`/`hi`. */
  private cacheLastLevel(lo: number, hi: number, t: Uint32Array): void {
    const ks = this.walkKeyShift;
    const key = ((lo >>> ks) | (hi << (32 - ks))) & this.walkKeyMask;
    const slot = key & (WALK_CACHE_SLOTS - 1);
    this.walkTag[slot] = key;
    this.walkView[slot] = t;
  }

  /** View of the table a table descriptor `dlo`/`dhi` points to (cached). */
  private tableView(dlo: number, dhi: number): Uint32Array {
    const slot = (dlo >>> this.pgShift) & (VIEW_CACHE_SLOTS - 1);
    const tagLo = dlo & PTE_ADDR_LO_MASK;
    const tagHi = dhi & PTE_ADDR_HI_MASK;
    if (this.viewTagLo[slot] === tagLo && this.viewTagHi[slot] === tagHi)
      return this.viewCache[slot]!;
    const view = this.viewOf(tagHi * TWO32 + (tagLo >>> 0), this.tableOrder);
    this.viewTagLo[slot] = tagLo;
    this.viewTagHi[slot] = tagHi;
    this.viewCache[slot] = view;
    return view;
  }

  /** Drops the cached view of the page at `pa` (it is being freed). */
  private forgetView(pa: number): void {
    const lo = pa >>> 0;
    const slot = (lo >>> this.pgShift) & (VIEW_CACHE_SLOTS - 1);
    if (
      this.viewTagLo[slot] === (lo & PTE_ADDR_LO_MASK) &&
      this.viewTagHi[slot] === (((pa - lo) * INV_TWO32) & PTE_ADDR_HI_MASK)
    ) {
      this.viewTagHi[slot] = -1;
      this.viewCache[slot] = this.root;
    }
  }

  /** Index of `iova` (as lo/hi) in a table of level `lvl`. Mirrors ARM_LPAE_LVL_IDX(). */
  private index(lvl: number, lo: number, hi: number): number {
    const mask = lvl === this.startLevel ? this.rootMask : this.tableMask;
    const s = this.lvlShift[lvl]!;
    return (s >= 32 ? hi >>> (s - 32) : (lo >>> s) | (hi << (32 - s))) & mask;
  }

  /**
   * Whether `pgsize` is non-zero with all its bits in the adjusted bitmap (as u64 values; the
   * 64 KiB granule's 4 TiB size is above 2^32).
   */
  private sizeInBitmap(pgsize: number): boolean {
    // Sizes up to 1 GiB: one int32 AND (which is also the integer check).
    if (pgsize > 0 && pgsize <= 0x40000000) return (pgsize & this.bitmapLo) === pgsize;
    if (!(pgsize > 0 && pgsize < TWO64 && Math.floor(pgsize) === pgsize)) return false;
    const lo = pgsize % TWO32;
    const hi = (pgsize - lo) / TWO32;
    return (lo & this.bitmapLo) >>> 0 === lo && (hi & this.bitmapHi) >>> 0 === hi;
  }

  /** The kernel's `iaext` check: bits from ias up all clear (all set with TTBR1). */
  private iovaInRange(lo: number, hi: number): boolean {
    const ias = this.ias;
    const fill = this.ttbr1 ? 0xffffffff : 0;
    if (ias >= 32) return hi >>> (ias - 32) === fill >>> (ias - 32);
    return hi === fill && lo >>> ias === fill >>> ias;
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

  /** Walks down to the level of `size` and clears a run there. Mirrors __arm_lpae_unmap(). */
  private unmapFrom(
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

  /** Frees a table and every table below it, children first. Mirrors __arm_lpae_free_pgtable(). */
  private freeTable(lvl: number, pa: number, vaBase: number): void {
    const isRoot = lvl === this.startLevel;
    if (lvl < MAX_LEVEL) {
      const t = isRoot ? this.root : this.viewOf(pa, this.tableOrder);
      const entries = isRoot ? this.pgdEntries : this.ptesPerTable;
      const blk = this.blockSize[lvl]!;
      for (let e = 0; e < entries; e++) {
        const dlo = t[2 * e]!;
        const dhi = t[2 * e + 1]!;
        if ((dlo | dhi) === 0 || (dlo & 3) === PTE_TYPE_BLOCK) continue;
        this.freeTable(lvl + 1, descriptorAddress(dlo, dhi), vaBase + e * blk);
      }
    }
    this.forgetView(pa);
    this.observer?.tableFreed(pa, lvl, vaBase);
    if (this.freeHook !== undefined) {
      this.freeHook(this.cookie, pa, isRoot ? this.pgdSizeBytes : this.granule);
    } else {
      const order = isRoot ? this.rootOrder : this.tableOrder;
      if (order === 0) this.mem.freePage(pa);
      else this.mem.freeBlock!(pa, order);
    }
    this.tablePages--;
  }

  /**
   * First iova, as a position in the root's input range, of the `size`-byte region holding
   * `iova`: what the observer reports as a table's `vaBase` (the same numbering as the dump and
   * the teardown in {@link free}, also for TTBR1 and negative iovas).
   */
  private regionBase(iova: number, size: number): number {
    const span = this.vaSpan;
    let va = iova % span;
    if (va < 0) va += span;
    return va - (va % size);
  }

  /** Allocates a zeroed table; its address or −1. Mirrors __arm_lpae_alloc_pages(). */
  private allocTable(level: number, vaBase: number): number {
    const pa =
      this.allocHook !== undefined
        ? this.allocHook(this.cookie, this.granule)
        : this.tableOrder === 0
          ? this.mem.allocPage()
          : allocTableMemory(this.mem, this.tableOrder);
    if (pa === null) return -1;
    this.tablePages++;
    this.observer?.tableAllocated(pa, level, vaBase);
    return pa;
  }

  /** Any use after {@link free}: a warning and the given "nothing done" result. */
  private afterFree(where: string, result: number): number {
    this.warn(where, "page table used after free");
    return result;
  }

  private warn(where: string, message: string): void {
    this.warnCount++;
    this.warnings?.warn(where, message);
  }
}
