/**
 * Address-space configuration values: MAIR to Mali MEMATTR translation and the AArch64-4K
 * TRANSTAB/MEMATTR/TRANSCFG triple.
 */
import { EINVAL } from "@panmmu/uapi";

/** MEMATTR byte for non-cacheable / device attributes (INNER_OUTER_NC | SH_MIDGARD_INNER). */
export const MEMATTR_NC = 0x4c;
/** MEMATTR base for write-back attributes (WB with explicit allocation hints). */
export const MEMATTR_WB = 0x8c;
/** MEMATTR shareability bit for CPU-inner (IO-coherent) accesses. */
export const MEMATTR_SH_CPU_INNER = 0x10;

/** Translates one MAIR attribute byte into one Mali MEMATTR byte. */
export function mairByteToMemattr(byte: number, coherent: boolean): number {
  const outer = (byte >> 4) & 0xf;
  const inner = byte & 0xf;
  if ((outer & 3) === 0 || (outer & 4) === 0 || (inner & 4) === 0) return MEMATTR_NC;
  return MEMATTR_WB | (inner & 1) | (inner & 2) | (coherent ? MEMATTR_SH_CPU_INNER : 0);
}

/** A 64-bit register value as u32 halves. */
export interface U64Pair {
  /** Low 32 bits. */
  lo: number;
  /** High 32 bits. */
  hi: number;
}

function mapWord(word: number, coherent: boolean): number {
  let out = 0;
  for (let i = 0; i < 4; i++) {
    out |= mairByteToMemattr((word >>> (8 * i)) & 0xff, coherent) << (8 * i);
  }
  return out >>> 0;
}

/**
 * Translates an ARM MAIR value (8 attribute bytes) into the Mali AS_MEMATTR value, byte for byte.
 *
 * Mirrors mair_to_memattr() of panfrost_mmu.c.
 */
export function mairToMemattr(mair: U64Pair, coherent: boolean): U64Pair {
  return { lo: mapWord(mair.lo, coherent), hi: mapWord(mair.hi, coherent) };
}

/** AS_TRANSCFG address mode: legacy Mali LPAE (the TRANSTAB low bits carry the mode). */
export const AS_TRANSCFG_ADRMODE_LEGACY = 0;
/** AS_TRANSCFG address mode: address space disabled (every access faults). */
export const AS_TRANSCFG_ADRMODE_UNMAPPED = 1;
/** AS_TRANSCFG address mode: AArch64 4 KiB granule. */
export const AS_TRANSCFG_ADRMODE_AARCH64_4K = 6;
/** AS_TRANSCFG page-table-walk memory attribute write-back (2 << 24). */
export const AS_TRANSCFG_PTW_MEMATTR_WB = 2 << 24;
/** AS_TRANSCFG page-table-walk read-allocate (bit 30). */
export const AS_TRANSCFG_PTW_RA = 1 << 30;
/** AS_TRANSCFG page-table-walk outer shareable (2 << 28). */
export const AS_TRANSCFG_PTW_SH_OS = 2 << 28;
/** Mask of the bits TRANSTAB may hold in AArch64-4K mode (bits 3:0 must be clear). */
export const AS_TRANSTAB_AARCH64_4K_LOW_BITS = 0xf;

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
      ((55 - ias) << 6) |
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
