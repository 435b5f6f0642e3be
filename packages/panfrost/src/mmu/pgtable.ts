/**
 * The driver's view of an io-pgtable instance: the operations the MMU code calls and the AS
 * register values the format produced. Built over `@panmmu/iopgtable`.
 */
import type { PhysicalMemory } from "@panmmu/hw";
import { allocIoPgtableOps, type IoPgtableCfg } from "@panmmu/iopgtable";
import { EINVAL, type WarningSink } from "@panmmu/uapi";
import { type AsConfig, mmuCfgInitAarch64_4k, mmuCfgInitMaliLpae } from "./pure/memattr.js";

/** Page-table format chosen at probe. */
export type PgtableFormat = "ARM_MALI_LPAE" | "ARM_64_LPAE_S1";

/** The page-table operations the driver uses (io_pgtable_ops). */
export interface PgtableOps {
  /** Maps `count` pages of `pgsize` at `iova` to `pa`; returns 0 or -errno, bytes mapped in {@link mapped}. */
  mapPages(iova: number, pa: number, pgsize: number, count: number, prot: number): number;
  /** Bytes mapped by the last {@link mapPages}. */
  readonly mapped: number;
  /** Unmaps up to `count` pages of `pgsize` at `iova`; returns the bytes unmapped. */
  unmapPages(iova: number, pgsize: number, count: number): number;
  /** Software walk: the physical address `iova` maps to, or 0. */
  iovaToPhys(iova: number): number;
  /** Frees every table page. */
  free(): void;
}

/** Parameters of a page table for one MMU context. */
export interface PgtableParams {
  /** Format. */
  format: PgtableFormat;
  /** Input address bits (GPU VA bits). */
  ias: number;
  /** Output address bits (GPU PA bits). */
  oas: number;
  /** IO-coherent walks. */
  coherent: boolean;
  /** Memory the tables live in. */
  memory: PhysicalMemory;
  /** WARN sink. */
  warnings: WarningSink;
}

/** A page table plus the AS register values that select it. */
export interface Pgtable {
  /** Operations. */
  ops: PgtableOps;
  /** TRANSTAB/MEMATTR/TRANSCFG for this table. */
  asConfig: AsConfig;
}

/** Page sizes the driver maps with: 4 KiB pages and 2 MiB blocks. */
export const PANFROST_PGSIZE_BITMAP = 0x1000 | 0x200000;

/**
 * Allocates a page table for one context and computes its AS configuration: Mali LPAE
 * (TRANSTAB/MEMATTR from io-pgtable, TRANSCFG legacy) or AArch64 4K (TRANSTAB = TTBR, MEMATTR
 * from the MAIR, TRANSCFG with the input size). Returns the table, or -EINVAL.
 *
 * Mirrors the page-table part of panfrost_mmu_ctx_create() and panfrost_mmu_cfg_init().
 */
export function allocPgtable(p: PgtableParams): Pgtable | number {
  const cfg: IoPgtableCfg<null> = {
    pgsizeBitmap: PANFROST_PGSIZE_BITMAP,
    ias: p.ias,
    oas: p.oas,
    coherentWalk: p.coherent,
    memory: p.memory,
    warnings: p.warnings,
  };
  const ops = allocIoPgtableOps(p.format, cfg, null);
  // The kernel answers -EINVAL whatever made io-pgtable refuse (including a failed root allocation).
  if (ops === null) return -EINVAL;
  let asConfig: AsConfig | number;
  if (p.format === "ARM_64_LPAE_S1") {
    const s1 = cfg.s1;
    if (s1 === undefined) {
      ops.free();
      return -EINVAL;
    }
    asConfig = mmuCfgInitAarch64_4k(
      cfg.ias,
      p.coherent,
      { lo: s1.ttbr >>> 0, hi: Math.floor(s1.ttbr / 0x1_0000_0000) >>> 0 },
      { lo: s1.mairLo, hi: s1.mairHi },
    );
  } else {
    const m = cfg.mali;
    if (m === undefined) {
      ops.free();
      return -EINVAL;
    }
    asConfig = mmuCfgInitMaliLpae(
      { lo: m.transtabLo, hi: m.transtabHi },
      { lo: m.memattrLo, hi: m.memattrHi },
    );
  }
  if (typeof asConfig === "number") {
    ops.free();
    return asConfig;
  }
  return { ops, asConfig };
}
