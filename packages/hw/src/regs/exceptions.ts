/**
 * Exception codes the MMU reports in AS_FAULTSTATUS bits 7:0 (and jobs in JS_STATUS), from the
 * kernel's panfrost/panthor exception enums. Level-indexed codes are `base + level`.
 */

/** Translation fault at level n: `0xC0 + n`. */
export const EXCEPTION_TRANSLATION_FAULT_0 = 0xc0;
/** Translation fault in identity mode (JM). */
export const EXCEPTION_TRANSLATION_FAULT_IDENTITY = 0xc7;
/** Permission fault at level n: `0xC8 + n`. */
export const EXCEPTION_PERM_FAULT_0 = 0xc8;
/** Bus fault while walking the table at level n: `0xD0 + n` (JM names it TRANSTAB_BUS_FAULT_n). */
export const EXCEPTION_TRANSTAB_BUS_FAULT_0 = 0xd0;
/** Access-flag fault at level n: `0xD8 + n`. */
export const EXCEPTION_ACCESS_FLAG_0 = 0xd8;
/** Input address size fault (VA beyond the configured input size): 0xE0. */
export const EXCEPTION_ADDR_SIZE_FAULT_IN = 0xe0;
/** Output address size fault at level n: `0xE4 + n`. */
export const EXCEPTION_ADDR_SIZE_FAULT_OUT_0 = 0xe4;
/** Memory attribute fault at level n: `0xE8 + n`. */
export const EXCEPTION_MEM_ATTR_FAULT_0 = 0xe8;
/** Job/CS status: terminated (used when a reset aborts a stalled access). */
export const EXCEPTION_TERMINATED = 0x04;
/** Job configuration fault (e.g. a job naming an address space the GPU lacks). */
export const EXCEPTION_JOB_CONFIG_FAULT = 0x40;
/** GPU bus fault (CSF name; JM calls 0x80 DELAYED_BUS_FAULT). */
export const EXCEPTION_GPU_BUS_FAULT = 0x80;

/** Whether `code` is an MMU translation fault at any level (panfrost's grow-on-fault test). */
export function isTranslationFault(code: number): boolean {
  return (code & 0xf8) === 0xc0;
}
