/**
 * Descriptor bit layout of the Arm LPAE formats, split into the low and
 * high 32-bit halves in which descriptors are stored. `_HI` constants are bits of the high word
 * (descriptor bit n ≥ 32 is bit n − 32 there).
 */

/** Two to the 32nd: combines and splits lo/hi halves. */
export const TWO32 = 4294967296;

/** Descriptor type field, bits 1:0. */
export const PTE_TYPE_MASK = 0x3;
/** Type of a block (levels 0–2) and, in the Mali format, of a level-3 page. */
export const PTE_TYPE_BLOCK = 1;
/** Type of a table (levels 0–2) and, in the stage-1 format, of a level-3 page. */
export const PTE_TYPE_TABLE = 3;
/** Stage-1 level-3 page type (same code as a table). */
export const PTE_TYPE_PAGE = 3;

/** Output address bits 31:12 in the low word (descriptor bits 47:12 overall). */
export const PTE_ADDR_LO_MASK = 0xfffff000;
/** Output address bits 47:32 in the high word. */
export const PTE_ADDR_HI_MASK = 0xffff;

/** NS, bit 5 (IO_PGTABLE_QUIRK_ARM_NS leaves). */
export const PTE_NS = 1 << 5;
/** Stage-1 AP[1], bit 6: unprivileged access allowed. */
export const PTE_AP_UNPRIV = 1 << 6;
/** Stage-1 AP[2], bit 7: read-only. */
export const PTE_AP_RDONLY = 1 << 7;
/** Stage-2 style HAP read permission, bit 6 (Mali). */
export const PTE_HAP_READ = 1 << 6;
/** Stage-2 style HAP write permission, bit 7 (Mali). */
export const PTE_HAP_WRITE = 1 << 7;
/** AttrIndx field shift, bits 4:2. */
export const PTE_ATTRINDX_SHIFT = 2;
/** Shareability field shift, bits 9:8. */
export const PTE_SH_SHIFT = 8;
/** Outer shareable. */
export const PTE_SH_OS = 2 << 8;
/** Inner shareable. */
export const PTE_SH_IS = 3 << 8;
/** Access flag, bit 10 (stage-1 leaves only). */
export const PTE_AF = 1 << 10;
/** Not-global, bit 11 (stage-1 leaves only). */
export const PTE_NG = 1 << 11;

/** DBM, bit 51 (IO_PGTABLE_QUIRK_ARM_HD writeable leaves), in the high word. */
export const PTE_DBM_HI = 1 << 19;
/** XN, bits 54:53 (both set for IOMMU_NOEXEC), in the high word. */
export const PTE_XN_HI = 3 << 21;
/** The kernel's software SW_SYNC flag, bit 55, on non-coherent table descriptors, high word. */
export const PTE_SW_SYNC_HI = 1 << 23;
/** NSTABLE, bit 63, on table descriptors with IO_PGTABLE_QUIRK_ARM_NS, high word. */
export const PTE_NSTABLE_HI = 1 << 31;

/** MAIR attribute index of normal non-cacheable memory. */
export const MAIR_IDX_NC = 0;
/** MAIR attribute index of normal write-back cacheable memory (IOMMU_CACHE). */
export const MAIR_IDX_CACHE = 1;
/** MAIR attribute index of device memory (IOMMU_MMIO). */
export const MAIR_IDX_DEV = 2;
/** MAIR attribute index of inner non-cacheable, outer write-back memory. */
export const MAIR_IDX_INC_OCACHE = 3;

/** Highest translation level (the level of pages). */
export const MAX_LEVEL = 3;
/** Entries in a full 4 KiB-granule table (one 4 KiB page). */
export const PTES_PER_TABLE = 512;

/**
 * Low-word bits of a leaf descriptor that hold output-address bits 51:48 (bits 15:12, which the
 * kernel's `iopte_to_paddr()` rotates back to the top only with the 64 KiB granule); 0 for the
 * smaller granules, whose descriptors keep those bits as address bits 15:12.
 */
export function outputFoldMask(granule: number): number {
  return granule >= 0x10000 ? 0xf000 : 0;
}

/**
 * The physical address held in a descriptor's bits 47:12 (`iopte_to_paddr()` for the 4 and
 * 16 KiB granules, and for table descriptors, whose tables lie below 2^48, with any granule).
 */
export function descriptorAddress(lo: number, hi: number): number {
  return (hi & PTE_ADDR_HI_MASK) * TWO32 + ((lo & PTE_ADDR_LO_MASK) >>> 0);
}

/**
 * Low word of a physical address as the kernel's `paddr_to_iopte()` stores it: bits 31:12, with
 * address bits 51:48 folded into bits 15:12 (and higher bits further up), as the 4 KiB format
 * does for any address at or above 2^48.
 */
export function addressLo(pa: number): number {
  const lo = pa >>> 0;
  const hi = (pa - lo) / TWO32;
  return (lo | (hi >>> 4)) & PTE_ADDR_LO_MASK;
}

/** High word of a physical address as `paddr_to_iopte()` stores it: bits 47:32. */
export function addressHi(pa: number): number {
  const lo = pa >>> 0;
  return ((pa - lo) / TWO32) & PTE_ADDR_HI_MASK;
}

/**
 * The output address of a leaf descriptor as the kernel's `iopte_to_paddr()` reads it: bits
 * 47:12, except that with the 64 KiB granule bits 15:12 are address bits 51:48.
 */
export function leafAddress(lo: number, hi: number, granule: number): number {
  const fold = outputFoldMask(granule);
  const outHi = (hi & PTE_ADDR_HI_MASK) | ((lo & fold) << 4);
  return outHi * TWO32 + ((lo & PTE_ADDR_LO_MASK & ~fold) >>> 0);
}
