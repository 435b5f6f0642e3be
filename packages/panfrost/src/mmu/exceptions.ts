/**
 * Names of the Mali exception codes (JS_STATUS, job headers, AS_FAULTSTATUS) and access types,
 * as the kernel prints them.
 */

const NAMES: Readonly<Record<number, string>> = {
  0: "OK",
  1: "DONE",
  2: "INTERRUPTED",
  3: "STOPPED",
  4: "TERMINATED",
  5: "KABOOM",
  6: "EUREKA",
  8: "ACTIVE",
  64: "JOB_CONFIG_FAULT",
  65: "JOB_POWER_FAULT",
  66: "JOB_READ_FAULT",
  67: "JOB_WRITE_FAULT",
  68: "JOB_AFFINITY_FAULT",
  72: "JOB_BUS_FAULT",
  80: "INSTR_INVALID_PC",
  81: "INSTR_INVALID_ENC",
  82: "INSTR_TYPE_MISMATCH",
  83: "INSTR_OPERAND_FAULT",
  84: "INSTR_TLS_FAULT",
  85: "INSTR_BARRIER_FAULT",
  86: "INSTR_ALIGN_FAULT",
  88: "DATA_INVALID_FAULT",
  89: "TILE_RANGE_FAULT",
  90: "ADDR_RANGE_FAULT",
  91: "IMPRECISE_FAULT",
  96: "OOM",
  97: "OOM_AFBC",
  127: "UNKNOWN",
  128: "DELAYED_BUS_FAULT",
  136: "GPU_SHAREABILITY_FAULT",
  137: "SYS_SHAREABILITY_FAULT",
  138: "GPU_CACHEABILITY_FAULT",
  199: "TRANSLATION_FAULT_IDENTITY",
};

const LEVELLED: ReadonlyArray<[number, string, number]> = [
  [0xc0, "TRANSLATION_FAULT_", 5],
  [0xc8, "PERM_FAULT_", 4],
  [0xd0, "TRANSTAB_BUS_FAULT_", 4],
  [0xd8, "ACCESS_FLAG_", 4],
  [0xe0, "ADDR_SIZE_FAULT_IN", 4],
  [0xe4, "ADDR_SIZE_FAULT_OUT", 4],
  [0xe8, "MEM_ATTR_FAULT_", 4],
  [0xec, "MEM_ATTR_NONCACHE_", 4],
];

/**
 * Name of an exception code, or "Unknown exception type".
 *
 * Mirrors panfrost_exception_name().
 */
export function exceptionName(code: number): string {
  const direct = NAMES[code];
  if (direct !== undefined) return direct;
  for (const [base, prefix, n] of LEVELLED) {
    if (code >= base && code < base + n) return `${prefix}${code - base}`;
  }
  return "Unknown exception type";
}

/** Whether an exception code is a fault (above MAX_NON_FAULT, 0x3f). */
export function isFault(code: number): boolean {
  return code > 0x3f;
}

/** Whether an MMU exception type is a translation fault at any level (`(type & 0xf8) == 0xc0`). */
export function isTranslationFault(exceptionType: number): boolean {
  return (exceptionType & 0xf8) === 0xc0;
}

/**
 * Name of a FAULTSTATUS access type; shared with panthor, it lives in `@panmmu/hw`.
 */
export { accessTypeName } from "@panmmu/hw";
