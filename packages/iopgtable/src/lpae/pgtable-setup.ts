/**
 * The configuration an LPAE page table keeps and what `allocIoPgtableOps` hands its
 * constructor.
 */
import type { IoPgtableFormat } from "../constants.js";
import type { PageTableMemory } from "../memory.js";
import type { IommuFlushOps, IoPgtableObserver, IoPgtableWarnSink } from "../types.js";
import type { LpaeGeometry } from "./geometry.js";

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
