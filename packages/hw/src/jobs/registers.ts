/**
 * Job Manager register map (panfrost_regs.h layout): the JOB_CONTROL block at 0x1000 with
 * the JOB_INT_* registers, and per-slot JS_* blocks at 0x1800 + slot * 0x80. Offsets in
 * {@link JobControlReg} are relative to the block base, as `JobControl.read32/write32` take them.
 */

/** Absolute offset of the JOB_CONTROL block in the GPU register window. */
export const JOB_CONTROL_BASE = 0x1000;
/** Size in bytes of the JOB_CONTROL block (0x1000..0x1fff). */
export const JOB_CONTROL_SIZE = 0x1000;
/** Offset of job slot 0's registers, relative to {@link JOB_CONTROL_BASE} (absolute 0x1800). */
export const JS_BLOCK_OFFSET = 0x800;
/** Stride between two job slots' register blocks. */
export const JS_SLOT_STRIDE = 0x80;
/** Most job slots a Job Manager GPU exposes (JS_PRESENT has at most 16 bits; panfrost uses 3). */
export const MAX_JOB_SLOTS = 16;

/** JOB_INT_* registers, relative to {@link JOB_CONTROL_BASE}. */
export const JobControlReg = {
  /** Raw interrupt status: bit `slot` = chain done, bit `16 + slot` = chain failed/stopped. */
  JOB_INT_RAWSTAT: 0x000,
  /** Write 1s to clear RAWSTAT bits. */
  JOB_INT_CLEAR: 0x004,
  /** Interrupt mask; the line is raised while RAWSTAT & MASK != 0. */
  JOB_INT_MASK: 0x008,
  /** RAWSTAT & MASK (read only). */
  JOB_INT_STAT: 0x00c,
  /** Bit `slot`: a chain is active in the slot; bit `16 + slot`: a START waits in the _NEXT registers. */
  JOB_INT_JS_STATE: 0x010,
  /** Interrupt throttle (stored, no effect in the model). */
  JOB_INT_THROTTLE: 0x014,
} as const;

/** Per-slot register offsets inside one slot's 0x80-byte block. */
export const JsReg = {
  /** Current chain address, low half (the chain START promoted from HEAD_NEXT). */
  HEAD_LO: 0x00,
  /** Current chain address, high half. */
  HEAD_HI: 0x04,
  /** Address of the job being run, or after a soft stop the first job not DONE, low half. */
  TAIL_LO: 0x08,
  /** TAIL high half. */
  TAIL_HI: 0x0c,
  /** Core affinity of the current chain, low half. */
  AFFINITY_LO: 0x10,
  /** Core affinity, high half. */
  AFFINITY_HI: 0x14,
  /** Configuration of the current chain (AS number in bits 3:0, see {@link JsConfig}). */
  CONFIG: 0x18,
  /** Extended affinity (stored). */
  XAFFINITY: 0x1c,
  /** Command to the current chain ({@link JsCommand}: stops). */
  COMMAND: 0x20,
  /** Exception code of the slot: ACTIVE while running, DONE, STOPPED, TERMINATED or a fault code. */
  STATUS: 0x24,
  /** Next chain address, low half. */
  HEAD_NEXT_LO: 0x40,
  /** Next chain address, high half. */
  HEAD_NEXT_HI: 0x44,
  /** Next chain affinity, low half. */
  AFFINITY_NEXT_LO: 0x50,
  /** Next chain affinity, high half. */
  AFFINITY_NEXT_HI: 0x54,
  /** Next chain configuration. */
  CONFIG_NEXT: 0x58,
  /** Write START to queue the _NEXT chain; reads START while it waits, NOP once promoted. */
  COMMAND_NEXT: 0x60,
  /** Cache flush id for the next chain (flush reduction; stored). */
  FLUSH_ID_NEXT: 0x70,
} as const;

/** Offset (relative to {@link JOB_CONTROL_BASE}) of register `reg` ({@link JsReg}) of `slot`. */
export function jsRegOffset(slot: number, reg: number): number {
  return JS_BLOCK_OFFSET + slot * JS_SLOT_STRIDE + reg;
}

/** JS_COMMAND / JS_COMMAND_NEXT values. */
export const JsCommand = {
  /** No operation; on COMMAND_NEXT it cancels a queued START. */
  NOP: 0,
  /** Start the chain in the _NEXT registers (COMMAND_NEXT). */
  START: 1,
  /** Stop at the next job (or memory-program instruction) boundary: STOPPED. */
  SOFT_STOP: 2,
  /** Stop at once: TERMINATED. */
  HARD_STOP: 3,
  /** SOFT_STOP if the current chain's JOB_CHAIN_FLAG is 0. */
  SOFT_STOP_0: 4,
  /** HARD_STOP if the current chain's JOB_CHAIN_FLAG is 0. */
  HARD_STOP_0: 5,
  /** SOFT_STOP if the current chain's JOB_CHAIN_FLAG is 1. */
  SOFT_STOP_1: 6,
  /** HARD_STOP if the current chain's JOB_CHAIN_FLAG is 1. */
  HARD_STOP_1: 7,
} as const;

/** JS_CONFIG bits. */
export const JsConfig = {
  /** Address-space field: bits 3:0 name the AS the chain runs in. */
  AS_MASK: 0xf,
  /** Clean caches at chain start. */
  START_FLUSH_CLEAN: 0x100,
  /** Clean and invalidate caches at chain start. */
  START_FLUSH_CLEAN_INVALIDATE: 0x300,
  /** Start the MMU (HW_ISSUE_10649 workaround). */
  START_MMU: 0x400,
  /** Job-chain disambiguation flag (matched by SOFT/HARD_STOP_0/1). */
  JOB_CHAIN_FLAG: 0x800,
  /** Clean caches at chain end. */
  END_FLUSH_CLEAN: 0x1000,
  /** Clean and invalidate caches at chain end. */
  END_FLUSH_CLEAN_INVALIDATE: 0x3000,
  /** Flush reduction. */
  ENABLE_FLUSH_REDUCTION: 0x4000,
  /** Do not write exception_status / fault_pointer back into job headers. */
  DISABLE_DESCRIPTOR_WR_BK: 0x8000,
  /** Shift of the thread-priority field (JS_CONFIG_THREAD_PRI(n) = n << 16). */
  THREAD_PRI_SHIFT: 16,
} as const;

/** JOB_INT bit for slot `slot` finishing its chain (JOB_INT_MASK_DONE). */
export function jobIntDone(slot: number): number {
  return (1 << slot) >>> 0;
}

/** JOB_INT bit for slot `slot` failing or stopping (JOB_INT_MASK_ERR). */
export function jobIntErr(slot: number): number {
  return (1 << (slot + 16)) >>> 0;
}
