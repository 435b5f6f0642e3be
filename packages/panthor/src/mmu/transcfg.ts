/** The AS_TRANSCFG value panthor programs when a VM gets an address space. */
import {
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSCFG_PTW_MEMATTR_WB,
  AS_TRANSCFG_PTW_RA,
  AS_TRANSCFG_PTW_SH_OS,
  asTranscfgInaBits,
} from "@panmmu/hw";

/**
 * AS_TRANSCFG for an AArch64 4 KiB page table over `vaBits` of VA, with outer-shareable walks on
 * coherent systems. Mirrors the TRANSCFG expression in panthor_vm_active().
 */
export function vmTranscfg(vaBits: number, coherent: boolean): number {
  return (
    (AS_TRANSCFG_PTW_MEMATTR_WB |
      AS_TRANSCFG_PTW_RA |
      AS_TRANSCFG_ADRMODE_AARCH64_4K |
      asTranscfgInaBits(55 - vaBits) |
      (coherent ? AS_TRANSCFG_PTW_SH_OS : 0)) >>>
    0
  );
}
