/**
 * Names of the CSF exception codes (CS fatal/fault status, AS_FAULTSTATUS) as panthor prints
 * them.
 */

/** Every code panthor names (its `panthor_exception_infos[]`), code → name. */
const NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, "OK"],
  [0x04, "TERMINATED"],
  [0x05, "KABOOM"],
  [0x06, "EUREKA"],
  [0x08, "ACTIVE"],
  [0x0f, "CS_RES_TERM"],
  [0x40, "CS_CONFIG_FAULT"],
  [0x41, "CS_UNRECOVERABLE"],
  [0x44, "CS_ENDPOINT_FAULT"],
  [0x48, "CS_BUS_FAULT"],
  [0x49, "CS_INSTR_INVALID"],
  [0x4a, "CS_CALL_STACK_OVERFLOW"],
  [0x4b, "CS_INHERIT_FAULT"],
  [0x50, "INSTR_INVALID_PC"],
  [0x51, "INSTR_INVALID_ENC"],
  [0x55, "INSTR_BARRIER_FAULT"],
  [0x58, "DATA_INVALID_FAULT"],
  [0x59, "TILE_RANGE_FAULT"],
  [0x5a, "ADDR_RANGE_FAULT"],
  [0x5b, "IMPRECISE_FAULT"],
  [0x60, "OOM"],
  [0x68, "CSF_FW_INTERNAL_ERROR"],
  [0x69, "CSF_RES_EVICTION_TIMEOUT"],
  [0x80, "GPU_BUS_FAULT"],
  [0x88, "GPU_SHAREABILITY_FAULT"],
  [0x89, "SYS_SHAREABILITY_FAULT"],
  [0x8a, "GPU_CACHEABILITY_FAULT"],
  [0xc0, "TRANSLATION_FAULT_0"],
  [0xc1, "TRANSLATION_FAULT_1"],
  [0xc2, "TRANSLATION_FAULT_2"],
  [0xc3, "TRANSLATION_FAULT_3"],
  [0xc4, "TRANSLATION_FAULT_4"],
  [0xc8, "PERM_FAULT_0"],
  [0xc9, "PERM_FAULT_1"],
  [0xca, "PERM_FAULT_2"],
  [0xcb, "PERM_FAULT_3"],
  [0xd9, "ACCESS_FLAG_1"],
  [0xda, "ACCESS_FLAG_2"],
  [0xdb, "ACCESS_FLAG_3"],
  [0xe0, "ADDR_SIZE_FAULT_IN"],
  [0xe4, "ADDR_SIZE_FAULT_OUT0"],
  [0xe5, "ADDR_SIZE_FAULT_OUT1"],
  [0xe6, "ADDR_SIZE_FAULT_OUT2"],
  [0xe7, "ADDR_SIZE_FAULT_OUT3"],
  [0xe8, "MEM_ATTR_FAULT_0"],
  [0xe9, "MEM_ATTR_FAULT_1"],
  [0xea, "MEM_ATTR_FAULT_2"],
  [0xeb, "MEM_ATTR_FAULT_3"],
]);

/** Name of an exception code, or "Unknown exception type". Mirrors panthor_exception_name(). */
export function panthorExceptionName(code: number): string {
  return NAMES.get(code) ?? "Unknown exception type";
}

/** Whether an exception code is a fault (above MAX_NON_FAULT, 0x3f). Mirrors panthor_exception_is_fault(). */
export function panthorExceptionIsFault(code: number): boolean {
  return code > 0x3f;
}
