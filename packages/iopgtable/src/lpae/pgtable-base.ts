/**
 * The state every LPAE page table keeps, built once from its geometry: per-level shifts and
 * masks, the table-view and walk caches, and the table memory (allocation, teardown). The map,
 * unmap and lookup paths build on it (pgtable-map.ts, pgtable-unmap.ts, pgtable.ts).
 */

import type { IoPgtableFormat } from "../constants.js";
import * as K from "../constants.js";
import type { PageTableMemory } from "../memory.js";
import type { IommuFlushOps, IoPgtableObserver, IoPgtableWarnSink } from "../types.js";
import * as B from "./bits.js";
import type { ExactWalkTable } from "./exact-walk.js";
import { levelShift } from "./geometry.js";
import type { ArmLpaeSetup, IoPgtableConfig } from "./pgtable-setup.js";
import { allocTableMemory, tableViewOrders } from "./table-memory.js";

// Module-local copies: hot loops then read plain constants, whatever the module loader does
// with imported bindings (vitest's runner turns them into getter calls).
const IO_PGTABLE_QUIRK_ARM_NS = K.IO_PGTABLE_QUIRK_ARM_NS;
const IO_PGTABLE_QUIRK_ARM_TTBR1 = K.IO_PGTABLE_QUIRK_ARM_TTBR1;
const descriptorAddress = B.descriptorAddress;
const MAX_LEVEL = B.MAX_LEVEL;
const PTE_ADDR_HI_MASK = B.PTE_ADDR_HI_MASK;
const PTE_ADDR_LO_MASK = B.PTE_ADDR_LO_MASK;
const PTE_NSTABLE_HI = B.PTE_NSTABLE_HI;
const PTE_SW_SYNC_HI = B.PTE_SW_SYNC_HI;
const PTE_TYPE_BLOCK = B.PTE_TYPE_BLOCK;
const PTE_TYPE_PAGE = B.PTE_TYPE_PAGE;
const TWO32 = B.TWO32;
const TWO64 = 2 ** 64;
const INV_TWO32 = 1 / 4294967296;
const VIEW_CACHE_SLOTS = 256;
/** Slots of the lookup walk cache (a power of two; the lookup path indexes it too). */
export const WALK_CACHE_SLOTS = 1024;

/**
 * The shared state and table-memory helpers of an LPAE page table; {@link ArmLpaeIoPgtable}
 * is the class to use. Mirrors struct arm_lpae_io_pgtable.
 */
export abstract class LpaeTableBase<C> {
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
  protected readonly root: Uint32Array;
  protected readonly isMali: boolean;
  protected readonly quirks: number;
  /** Low and high 32 bits of the adjusted bitmap, as int32 (the high word holds 4 TiB). */
  private readonly bitmapLo: number;
  private readonly bitmapHi: number;
  private readonly ias: number;
  protected readonly oasLimit: number;
  private readonly ttbr1: boolean;
  private readonly rootMask: number;
  protected readonly l3LeafType: number;
  /** log2(granule): where the level-3 index starts. */
  protected readonly pgShift: number;
  /** Index mask of a full table: ptesPerTable − 1. */
  protected readonly tableMask: number;
  /** iova bit where each level's index starts (the kernel's ARM_LPAE_LVL_SHIFT), by level. */
  private readonly lvlShift = new Int32Array(4);
  /** Bytes one entry maps, by level (ARM_LPAE_BLOCK_SIZE). */
  protected readonly blockSize = new Float64Array(4);
  /** Low / high word masks of the offset inside one entry's region, by level. */
  private readonly offLo = new Int32Array(4);
  private readonly offHi = new Int32Array(4);
  /** Low-word mask of a leaf's output address: bits 31:12, or 31:16 with 64 KiB. */
  private readonly outLoMask: number;
  /** Low-word bits holding output-address bits 51:48 (15:12 with 64 KiB, else none). */
  protected readonly foldMask: number;
  /** Orders (in 4 KiB pages) of table and root views. */
  protected readonly tableOrder: number;
  private readonly rootOrder: number;
  /**
   * Lookups with a high word from here up take the exact (wrap-aware) walk: the top bytes of the
   * 64-bit space where one root entry's region can reach past 2^64 (at least the top 2^39).
   */
  protected readonly exactHiFrom: number;
  protected readonly tableHi: number;
  protected readonly tlb: IommuFlushOps<C> | undefined;
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
  protected readonly walkTag = new Int32Array(WALK_CACHE_SLOTS).fill(-1);
  protected readonly walkView: Uint32Array[];
  /**
   * Walk-cache keys are the iova bits from the level-2 index (bit `walkKeyShift`) up to the
   * highest bit the root resolves: 32 bits from `walkKeyShift` on, masked by `walkKeyMask`.
   */
  protected readonly walkKeyShift: number;
  protected readonly walkKeyMask: number;
  /**
   * Bytes of input address space the root resolves (2^(highest index bit + 1)). Observer
   * `vaBase`s are positions in it, like the dump's: a TTBR1 iova loses its sign-extension bits.
   */
  private readonly vaSpan: number;
  /** Adapter through which the exact walk reads this table. */
  protected readonly exactWalk: ExactWalkTable;

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
   * The output of leaf `dlo`/`dhi` at `lvl` for the iova `lo`/`hi`: the descriptor's address
   * (iopte_to_paddr()) ORed with the iova's offset inside the leaf.
   */
  protected leafOutput(lvl: number, dlo: number, dhi: number, lo: number, hi: number): number {
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
  protected viewOf(pa: number, order: number): Uint32Array {
    return order === 0 ? this.mem.pageU32(pa) : this.mem.blockU32!(pa, order);
  }

  /** The level-3 table cached for the iova `lo`/`hi`, or null. */
  protected cachedLastLevel(lo: number, hi: number): Uint32Array | null {
    const ks = this.walkKeyShift;
    const key = ((lo >>> ks) | (hi << (32 - ks))) & this.walkKeyMask;
    const slot = key & (WALK_CACHE_SLOTS - 1);
    return this.walkTag[slot] === key ? this.walkView[slot]! : null;
  }

  /** Remembers `t` as the level-3 table reached for the iova `lo`/`hi`. */
  protected cacheLastLevel(lo: number, hi: number, t: Uint32Array): void {
    const ks = this.walkKeyShift;
    const key = ((lo >>> ks) | (hi << (32 - ks))) & this.walkKeyMask;
    const slot = key & (WALK_CACHE_SLOTS - 1);
    this.walkTag[slot] = key;
    this.walkView[slot] = t;
  }

  /** View of the table a table descriptor `dlo`/`dhi` points to (cached). */
  protected tableView(dlo: number, dhi: number): Uint32Array {
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
  protected index(lvl: number, lo: number, hi: number): number {
    const mask = lvl === this.startLevel ? this.rootMask : this.tableMask;
    const s = this.lvlShift[lvl]!;
    return (s >= 32 ? hi >>> (s - 32) : (lo >>> s) | (hi << (32 - s))) & mask;
  }

  /**
   * Whether `pgsize` is non-zero with all its bits in the adjusted bitmap (as u64 values; the
   * 64 KiB granule's 4 TiB size is above 2^32).
   */
  protected sizeInBitmap(pgsize: number): boolean {
    // Sizes up to 1 GiB: one int32 AND (which is also the integer check).
    if (pgsize > 0 && pgsize <= 0x40000000) return (pgsize & this.bitmapLo) === pgsize;
    if (!(pgsize > 0 && pgsize < TWO64 && Math.floor(pgsize) === pgsize)) return false;
    const lo = pgsize % TWO32;
    const hi = (pgsize - lo) / TWO32;
    return (lo & this.bitmapLo) >>> 0 === lo && (hi & this.bitmapHi) >>> 0 === hi;
  }

  /** The kernel's `iaext` check: bits from ias up all clear (all set with TTBR1). */
  protected iovaInRange(lo: number, hi: number): boolean {
    const ias = this.ias;
    const fill = this.ttbr1 ? 0xffffffff : 0;
    if (ias >= 32) return hi >>> (ias - 32) === fill >>> (ias - 32);
    return hi === fill && lo >>> ias === fill >>> ias;
  }

  /** Frees a table and every table below it, children first. Mirrors __arm_lpae_free_pgtable(). */
  protected freeTable(lvl: number, pa: number, vaBase: number): void {
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
  protected regionBase(iova: number, size: number): number {
    const span = this.vaSpan;
    let va = iova % span;
    if (va < 0) va += span;
    return va - (va % size);
  }

  /** Allocates a zeroed table; its address or −1. Mirrors __arm_lpae_alloc_pages(). */
  protected allocTable(level: number, vaBase: number): number {
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
  protected afterFree(where: string, result: number): number {
    this.warn(where, "page table used after free");
    return result;
  }

  protected warn(where: string, message: string): void {
    this.warnCount++;
    this.warnings?.warn(where, message);
  }
}
