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

/**
 * Name of an AS_FAULTSTATUS access type (bits 9:8, given shifted down to 0..3): ATOMIC
 * (UNKNOWN on a GPU without the AArch64 MMU feature), EXECUTE, READ, WRITE.
 *
 * Mirrors access_type_name() of panfrost_mmu.c and panthor_mmu.c (panthor: always AArch64).
 */
export function accessTypeName(accessType: number, aarch64Mmu: boolean): string {
  switch (accessType & 3) {
    case 0:
      return aarch64Mmu ? "ATOMIC" : "UNKNOWN";
    case 1:
      return "EXECUTE";
    case 2:
      return "READ";
    default:
      return "WRITE";
  }
}

/** The fields of an AS_FAULTSTATUS value. */
export interface DecodedFaultStatus {
  /** Exception type, bits 7:0. */
  readonly exceptionType: number;
  /** Access type, bits 9:8 (0 atomic, 1 execute, 2 read, 3 write). */
  readonly accessType: number;
  /** Source id, bits 31:16. */
  readonly sourceId: number;
  /** Bit 10: a decoder fault (set) rather than a slave fault. */
  readonly decoder: boolean;
}

/** Splits an AS_FAULTSTATUS value into its fields, as the drivers' MMU IRQ handlers do. */
export function decodeFaultStatus(status: number): DecodedFaultStatus {
  return {
    exceptionType: status & 0xff,
    accessType: (status >>> 8) & 3,
    sourceId: status >>> 16,
    decoder: (status & 0x400) !== 0,
  };
}
