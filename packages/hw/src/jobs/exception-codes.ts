/**
 * Exception codes the job engine reports in JS_STATUS and in a job header's
 * exception_status (values from the kernel's panfrost exception enum).
 */
export const JobException = {
  /** Not started (a fresh job header). */
  NOT_STARTED: 0x00,
  /** The job or chain completed. */
  DONE: 0x01,
  /** Chain stopped by SOFT_STOP; resume from JS_TAIL. */
  STOPPED: 0x03,
  /** Chain killed by HARD_STOP. */
  TERMINATED: 0x04,
  /** JS_STATUS while a chain runs. */
  ACTIVE: 0x08,
  /** Malformed descriptor: misaligned header, unsupported job type, unknown Write Value type, unmet dependency. */
  JOB_CONFIG_FAULT: 0x40,
  /** Bus fault: a translated access hit a physical address with no memory behind it. */
  JOB_BUS_FAULT: 0x48,
  /** Malformed memory program: unknown opcode, truncated instruction, bad operand. */
  INSTR_INVALID_ENC: 0x51,
  /** Memory-program access not aligned as its instruction requires. */
  INSTR_ALIGN_FAULT: 0x56,
  /** Job header already has a non-zero status, or a memory-program CHECK found other data. */
  DATA_INVALID_FAULT: 0x58,
} as const;

/** Whether a status code is a fault (the kernel's `code > MAX_NON_FAULT (0x3f)`). */
export function isJobFault(code: number): boolean {
  return code > 0x3f;
}
