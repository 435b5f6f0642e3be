/** The AS_TRANSCFG value panthor programs when a VM gets an address space. */

/** AS_TRANSCFG.ADRMODE = AArch64 4 KiB granule. */
export const TRANSCFG_ADRMODE_AARCH64_4K = 6;
/** AS_TRANSCFG.PTW_MEMATTR = write-back (bits 24–25). */
export const TRANSCFG_PTW_MEMATTR_WB = 2 << 24;
/** AS_TRANSCFG.PTW_SH = outer shareable (bits 28–29), set for coherent walks. */
export const TRANSCFG_PTW_SH_OS = 2 << 28;
/** AS_TRANSCFG.PTW_RA: page-table walks read-allocate (bit 30). */
export const TRANSCFG_PTW_RA = 1 << 30;

/** AS_TRANSCFG.INA_BITS field for an input address width of `vaBits` (bits 6–10 hold 55 - vaBits). */
export function transcfgInaBits(vaBits: number): number {
  return (55 - vaBits) << 6;
}

/**
 * AS_TRANSCFG for an AArch64 4 KiB page table over `vaBits` of VA, with outer-shareable walks on
 * coherent systems. Mirrors the TRANSCFG expression in panthor_vm_active().
 */
export function vmTranscfg(vaBits: number, coherent: boolean): number {
  return (
    (TRANSCFG_PTW_MEMATTR_WB |
      TRANSCFG_PTW_RA |
      TRANSCFG_ADRMODE_AARCH64_4K |
      transcfgInaBits(vaBits) |
      (coherent ? TRANSCFG_PTW_SH_OS : 0)) >>>
    0
  );
}
