/**
 * IOMMU_* protection flags → leaf descriptor attributes, per format.
 */
import * as K from "../constants.js";
import * as B from "./bits.js";

const IOMMU_READ = K.IOMMU_READ;
const IOMMU_WRITE = K.IOMMU_WRITE;
const IOMMU_CACHE = K.IOMMU_CACHE;
const IOMMU_MMIO = K.IOMMU_MMIO;
const IOMMU_NOEXEC = K.IOMMU_NOEXEC;
const IOMMU_PRIV = K.IOMMU_PRIV;
const QUIRK_NS = K.IO_PGTABLE_QUIRK_ARM_NS;
const QUIRK_HD = K.IO_PGTABLE_QUIRK_ARM_HD;

/** Shift that packs the high-word attribute bits (19..22: DBM, XN) above the low-word ones. */
const HI_PACK_SHIFT = 19 - 16;

/**
 * Leaf attributes for `prot` (type and output address excluded), packed in one number: bits
 * 0..11 are the descriptor's low-word attributes, bits 16..19 its high-word bits 19..22
 * (DBM, XN). Unpack with {@link attrLo} / {@link attrHi}. Mirrors arm_lpae_prot_to_pte() for
 * ARM_64_LPAE_S1 and ARM_MALI_LPAE.
 */
export function leafAttributes(isMali: boolean, quirks: number, prot: number): number {
  let lo: number;
  let hi = 0;
  if (isMali) {
    // Stage-2 style permissions.
    lo = 0;
    if (prot & IOMMU_READ) lo |= B.PTE_HAP_READ;
    if (prot & IOMMU_WRITE) lo |= B.PTE_HAP_WRITE;
  } else {
    lo = B.PTE_NG;
    if ((prot & IOMMU_WRITE) === 0 && (prot & IOMMU_READ) !== 0) lo |= B.PTE_AP_RDONLY;
    else if (quirks & QUIRK_HD) hi |= B.PTE_DBM_HI;
    if ((prot & IOMMU_PRIV) === 0) lo |= B.PTE_AP_UNPRIV;
  }
  // Stage-1 style memory attributes (MAIR / MEMATTR index) in both formats.
  if (prot & IOMMU_MMIO) lo |= B.MAIR_IDX_DEV << B.PTE_ATTRINDX_SHIFT;
  else if (prot & IOMMU_CACHE) lo |= B.MAIR_IDX_CACHE << B.PTE_ATTRINDX_SHIFT;
  lo |= (prot & IOMMU_CACHE) !== 0 && !isMali ? B.PTE_SH_IS : B.PTE_SH_OS;
  if (prot & IOMMU_NOEXEC) hi |= B.PTE_XN_HI;
  if (quirks & QUIRK_NS) lo |= B.PTE_NS;
  if (!isMali) lo |= B.PTE_AF;
  return lo | (hi >>> HI_PACK_SHIFT);
}

/** Low-word attribute bits of a {@link leafAttributes} value. */
export function attrLo(packed: number): number {
  return packed & 0xffff;
}

/** High-word attribute bits of a {@link leafAttributes} value. */
export function attrHi(packed: number): number {
  return (packed & 0xffff0000) << HI_PACK_SHIFT;
}
