/**
 * MMU register offsets and field values: the MMU_INT block at 0x2000 and one 64-byte block per
 * address space from 0x2400. Shared by JM and CSF GPUs except where noted.
 */

/** MMU interrupt raw status: bit n = fault on AS n; bits 16+n = bus error (JM) or command done (CSF). */
export const MMU_INT_RAWSTAT = 0x2000;
/** MMU interrupt clear (write 1s). */
export const MMU_INT_CLEAR = 0x2004;
/** MMU interrupt mask. */
export const MMU_INT_MASK = 0x2008;
/** MMU interrupt status (RAWSTAT & MASK). */
export const MMU_INT_STAT = 0x200c;

/** First address-space block. */
export const MMU_AS_BASE = 0x2400;
/** log2 of the address-space block stride. */
export const MMU_AS_SHIFT = 6;
/** Address-space block stride in bytes. */
export const MMU_AS_STRIDE = 0x40;
/** Largest number of address spaces the register layout allows. */
export const MMU_MAX_AS = 16;

/** Offset of AS `as`'s block (mirrors the kernel's MMU_AS()). */
export function mmuAs(as: number): number {
  return MMU_AS_BASE + (as << MMU_AS_SHIFT);
}

/** AS register, relative to its block: translation table base (64-bit, low word). */
export const AS_TRANSTAB_LO = 0x00;
/** AS register: translation table base, high word. */
export const AS_TRANSTAB_HI = 0x04;
/** AS register: memory attributes (8 attribute bytes), low word. */
export const AS_MEMATTR_LO = 0x08;
/** AS register: memory attributes, high word. */
export const AS_MEMATTR_HI = 0x0c;
/** AS register: lock region address | width, low word. */
export const AS_LOCKADDR_LO = 0x10;
/** AS register: lock region address, high word. */
export const AS_LOCKADDR_HI = 0x14;
/** AS register: command (write only). */
export const AS_COMMAND = 0x18;
/** AS register: fault status. */
export const AS_FAULTSTATUS = 0x1c;
/** AS register: faulting VA, low word. */
export const AS_FAULTADDRESS_LO = 0x20;
/** AS register: faulting VA, high word. */
export const AS_FAULTADDRESS_HI = 0x24;
/** AS register: status (bit 0 AS_ACTIVE). */
export const AS_STATUS = 0x28;
/** AS register: translation configuration (Bifrost and later), low word. */
export const AS_TRANSCFG_LO = 0x30;
/** AS register: translation configuration, high word. */
export const AS_TRANSCFG_HI = 0x34;
/** AS register: secondary fault information, low word. */
export const AS_FAULTEXTRA_LO = 0x38;
/** AS register: secondary fault information, high word. */
export const AS_FAULTEXTRA_HI = 0x3c;

/** Absolute offset of register `reg` (an AS_* relative offset) of address space `as`. */
export function asReg(as: number, reg: number): number {
  return mmuAs(as) + reg;
}

/** AS_COMMAND: no operation. */
export const AS_COMMAND_NOP = 0;
/** AS_COMMAND: make TRANSTAB/MEMATTR/TRANSCFG live and invalidate the AS's TLB. */
export const AS_COMMAND_UPDATE = 1;
/** AS_COMMAND: lock the region in LOCKADDR. */
export const AS_COMMAND_LOCK = 2;
/** AS_COMMAND: flush the region's TLB entries and unlock. */
export const AS_COMMAND_UNLOCK = 3;
/** AS_COMMAND: flush L2, then the region's TLB entries, and unlock. */
export const AS_COMMAND_FLUSH_PT = 4;
/** AS_COMMAND: wait for memory accesses, flush L1/L2 and the region's TLB entries, and unlock. */
export const AS_COMMAND_FLUSH_MEM = 5;

/** AS_STATUS: a command is executing. */
export const AS_STATUS_AS_ACTIVE = 0x1;

/** AS_FAULTSTATUS: exception type field mask (bits 7:0). */
export const AS_FAULTSTATUS_EXCEPTION_TYPE_MASK = 0xff;
/** AS_FAULTSTATUS: access type field mask (bits 9:8). */
export const AS_FAULTSTATUS_ACCESS_TYPE_MASK = 0x300;
/** AS_FAULTSTATUS access type: atomic. */
export const AS_FAULTSTATUS_ACCESS_TYPE_ATOMIC = 0x000;
/** AS_FAULTSTATUS access type: instruction fetch / execute. */
export const AS_FAULTSTATUS_ACCESS_TYPE_EX = 0x100;
/** AS_FAULTSTATUS access type: read. */
export const AS_FAULTSTATUS_ACCESS_TYPE_READ = 0x200;
/** AS_FAULTSTATUS access type: write. */
export const AS_FAULTSTATUS_ACCESS_TYPE_WRITE = 0x300;
/** AS_FAULTSTATUS: decoder fault (set) versus slave fault (clear), bit 10. */
export const AS_FAULTSTATUS_DECODER_FAULT = 0x400;
/** AS_FAULTSTATUS: shift of the source id field (bits 31:16). */
export const AS_FAULTSTATUS_SOURCE_ID_SHIFT = 16;

/** LPAE (legacy) TRANSTAB: mask of the table base address bits (low word). */
export const AS_TRANSTAB_LPAE_ADDR_SPACE_MASK_LO = 0xfffff000;
/** LPAE TRANSTAB address mode: unmapped (every access faults). */
export const AS_TRANSTAB_LPAE_ADRMODE_UNMAPPED = 0x0;
/** LPAE TRANSTAB address mode: identity mapping. */
export const AS_TRANSTAB_LPAE_ADRMODE_IDENTITY = 0x2;
/** LPAE TRANSTAB address mode: page-table translation. */
export const AS_TRANSTAB_LPAE_ADRMODE_TABLE = 0x3;
/** LPAE TRANSTAB address-mode mask. */
export const AS_TRANSTAB_LPAE_ADRMODE_MASK = 0x3;
/** LPAE TRANSTAB: inner-cacheable table walks. */
export const AS_TRANSTAB_LPAE_READ_INNER = 0x4;
/** LPAE TRANSTAB: outer-shareable table walks. */
export const AS_TRANSTAB_LPAE_SHARE_OUTER = 0x10;

/** TRANSCFG address mode: legacy (use TRANSTAB's LPAE mode; JM Bifrost/Valhall). */
export const AS_TRANSCFG_ADRMODE_LEGACY = 0;
/** TRANSCFG address mode: unmapped (AS disabled). */
export const AS_TRANSCFG_ADRMODE_UNMAPPED = 1;
/** TRANSCFG address mode: identity. */
export const AS_TRANSCFG_ADRMODE_IDENTITY = 2;
/** TRANSCFG address mode: AArch64 4 KiB granule. */
export const AS_TRANSCFG_ADRMODE_AARCH64_4K = 6;
/** TRANSCFG address mode: AArch64 64 KiB granule (not supported by this model: accesses fault). */
export const AS_TRANSCFG_ADRMODE_AARCH64_64K = 8;
/** TRANSCFG address-mode mask. */
export const AS_TRANSCFG_ADRMODE_MASK = 0xf;
/** TRANSCFG input-address-size field (`55 - ias`), as the kernel's AS_TRANSCFG_INA_BITS(). */
export function asTranscfgInaBits(x: number): number {
  return (x << 6) >>> 0;
}
/** TRANSCFG output-address-size field, as AS_TRANSCFG_OUTA_BITS(). */
export function asTranscfgOutaBits(x: number): number {
  return (x << 14) >>> 0;
}
/** TRANSCFG: start-level concatenation. */
export const AS_TRANSCFG_SL_CONCAT = 0x400000;
/** TRANSCFG: page-table walks non-cacheable. */
export const AS_TRANSCFG_PTW_MEMATTR_NC = 0x1000000;
/** TRANSCFG: page-table walks write-back. */
export const AS_TRANSCFG_PTW_MEMATTR_WB = 0x2000000;
/** TRANSCFG: walks non-shareable. */
export const AS_TRANSCFG_PTW_SH_NS = 0x0;
/** TRANSCFG: walks outer-shareable. */
export const AS_TRANSCFG_PTW_SH_OS = 0x20000000;
/** TRANSCFG: walks inner-shareable. */
export const AS_TRANSCFG_PTW_SH_IS = 0x30000000;
/** TRANSCFG: walks read-allocate. */
export const AS_TRANSCFG_PTW_RA = 0x40000000;
/** TRANSCFG (high word bit 1 = bit 33): ignore hierarchical permissions in table descriptors. */
export const AS_TRANSCFG_HI_DISABLE_HIER_AP = 0x2;
/** TRANSCFG (high word bit 2 = bit 34): no access-flag faults. */
export const AS_TRANSCFG_HI_DISABLE_AF_FAULT = 0x4;
/** TRANSCFG (high word bit 3 = bit 35): writable implies execute-never. */
export const AS_TRANSCFG_HI_WXN = 0x8;
/** TRANSCFG (high word bit 4 = bit 36): executable implies readable. */
export const AS_TRANSCFG_HI_XREADABLE = 0x10;
/** TRANSCFG bit 33 as a 64-bit value (for 64-bit register writers). */
export const AS_TRANSCFG_DISABLE_HIER_AP = 0x200000000;
/** TRANSCFG bit 34 as a 64-bit value. */
export const AS_TRANSCFG_DISABLE_AF_FAULT = 0x400000000;
/** TRANSCFG bit 35 as a 64-bit value. */
export const AS_TRANSCFG_WXN = 0x800000000;
/** TRANSCFG bit 36 as a 64-bit value. */
export const AS_TRANSCFG_XREADABLE = 0x1000000000;

/** MEMATTR (AArch64 mode) byte: implementation-defined inner allocation policy. */
export const AS_MEMATTR_AARCH64_INNER_ALLOC_IMPL = 0x8;
/** MEMATTR byte: explicit inner allocation hints (mirrors AS_MEMATTR_AARCH64_INNER_ALLOC_EXPL()). */
export function asMemattrAarch64InnerAllocExpl(w: boolean, r: boolean): number {
  return (3 << 2) | (w ? 1 : 0) | (r ? 2 : 0);
}
/** MEMATTR byte: Midgard inner shareability domain. */
export const AS_MEMATTR_AARCH64_SH_MIDGARD_INNER = 0x0;
/** MEMATTR byte: CPU inner shareability domain. */
export const AS_MEMATTR_AARCH64_SH_CPU_INNER = 0x10;
/** MEMATTR byte: CPU inner shareability domain, shader coherent. */
export const AS_MEMATTR_AARCH64_SH_CPU_INNER_SHADER_COH = 0x20;
/** MEMATTR byte: shared memory type. */
export const AS_MEMATTR_AARCH64_SHARED = 0x0;
/** MEMATTR byte: inner and outer non-cacheable. */
export const AS_MEMATTR_AARCH64_INNER_OUTER_NC = 0x40;
/** MEMATTR byte: inner and outer write-back. */
export const AS_MEMATTR_AARCH64_INNER_OUTER_WB = 0x80;
/** MEMATTR byte: fault on access. */
export const AS_MEMATTR_AARCH64_FAULT = 0xc0;

/** Smallest lockable region (32 KiB). */
export const AS_LOCK_REGION_MIN_SIZE = 0x8000;
