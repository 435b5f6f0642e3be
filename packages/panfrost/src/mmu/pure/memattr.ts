/**
 * Address-space configuration values: the AArch64-4K TRANSTAB/MEMATTR/TRANSCFG triple and the
 * legacy Mali LPAE one. The MAIR to MEMATTR translation and the register fields are
 * `@panmmu/hw`'s.
 */
import {
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSCFG_ADRMODE_LEGACY,
  AS_TRANSCFG_PTW_MEMATTR_WB,
  AS_TRANSCFG_PTW_RA,
  AS_TRANSCFG_PTW_SH_OS,
  asTranscfgInaBits,
  mairToMemattr,
} from "@panmmu/hw";
import { EINVAL } from "@panmmu/uapi";

/** A 64-bit register value as u32 halves. */
export interface U64Pair {
  /** Low 32 bits. */
  lo: number;
  /** High 32 bits. */
  hi: number;
}

/** Bits 3:0 of TRANSTAB, which must be clear in AArch64-4K mode (AS_TRANSTAB_AARCH64_4K_ADDR_MASK). */
const AS_TRANSTAB_AARCH64_4K_LOW_BITS = 0xf;

/** AS register values of one MMU context. */
export interface AsConfig {
  /** AS_TRANSTAB value. */
  transtab: U64Pair;
  /** AS_MEMATTR value. */
  memattr: U64Pair;
  /** AS_TRANSCFG value. */
  transcfg: U64Pair;
}

/**
 * AS_TRANSCFG for AArch64-4K page tables with `ias` input-address bits.
 */
export function aarch64Transcfg(ias: number, coherent: boolean): U64Pair {
  const lo =
    (AS_TRANSCFG_PTW_MEMATTR_WB |
      AS_TRANSCFG_PTW_RA |
      AS_TRANSCFG_ADRMODE_AARCH64_4K |
      asTranscfgInaBits(55 - ias) |
      (coherent ? AS_TRANSCFG_PTW_SH_OS : 0)) >>>
    0;
  return { lo, hi: 0 };
}

/**
 * AS configuration for AArch64-4K page tables: TRANSTAB is the table base (its low 4 bits must
 * be clear, else -EINVAL), MEMATTR the translated MAIR, TRANSCFG the AArch64 mode with the input
 * address width. Returns the config or a negative errno.
 *
 * Mirrors mmu_cfg_init_aarch64_4k() of panfrost_mmu.c.
 */
export function mmuCfgInitAarch64_4k(
  ias: number,
  coherent: boolean,
  ttbr: U64Pair,
  mair: U64Pair,
): AsConfig | number {
  if ((ttbr.lo & AS_TRANSTAB_AARCH64_4K_LOW_BITS) !== 0) return -EINVAL;
  return {
    transtab: { lo: ttbr.lo >>> 0, hi: ttbr.hi >>> 0 },
    memattr: mairToMemattr(mair, coherent),
    transcfg: aarch64Transcfg(ias, coherent),
  };
}

/**
 * AS configuration for legacy Mali LPAE page tables: TRANSTAB and MEMATTR as io-pgtable computed
 * them, TRANSCFG in legacy mode.
 *
 * Mirrors mmu_cfg_init_mali_lpae() of panfrost_mmu.c.
 */
export function mmuCfgInitMaliLpae(transtab: U64Pair, memattr: U64Pair): AsConfig {
  return {
    transtab: { lo: transtab.lo >>> 0, hi: transtab.hi >>> 0 },
    memattr: { lo: memattr.lo >>> 0, hi: memattr.hi >>> 0 },
    transcfg: { lo: AS_TRANSCFG_ADRMODE_LEGACY, hi: 0 },
  };
}
