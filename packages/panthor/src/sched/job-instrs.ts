/**
 * The instruction sequence the kernel writes into a queue's ring buffer for each job: flush
 * the caches (elided by the firmware when the user's flush id is stale), CALL the user's
 * stream, wait for all its work, bump the queue's 64-bit sync object with error propagation,
 * clear the error state; optional cycle/timestamp sampling around the call. Instructions are
 * 64-bit words kept as (low, high) 32-bit pairs, padded to whole 64-byte cache lines.
 */

/** Job profiling: none. Mirrors PANTHOR_DEVICE_PROFILING_DISABLED. */
export const PANTHOR_DEVICE_PROFILING_DISABLED = 0;
/** Job profiling: cycle counts. Mirrors PANTHOR_DEVICE_PROFILING_CYCLES. */
export const PANTHOR_DEVICE_PROFILING_CYCLES = 1 << 0;
/** Job profiling: timestamps. Mirrors PANTHOR_DEVICE_PROFILING_TIMESTAMP. */
export const PANTHOR_DEVICE_PROFILING_TIMESTAMP = 1 << 1;
/** Every profiling flag. Mirrors PANTHOR_DEVICE_PROFILING_ALL. */
export const PANTHOR_DEVICE_PROFILING_ALL =
  PANTHOR_DEVICE_PROFILING_CYCLES | PANTHOR_DEVICE_PROFILING_TIMESTAMP;
/** Instructions per 64-byte cache line. Mirrors NUM_INSTRS_PER_CACHE_LINE. */
export const NUM_INSTRS_PER_CACHE_LINE = 8;
/** Room for the longest sequence, in instructions. Mirrors MAX_INSTRS_PER_JOB. */
export const MAX_INSTRS_PER_JOB = 24;
/** Bytes of `struct panthor_job_profiling_data` (cycles before/after, time before/after, u64 each). */
export const PANTHOR_JOB_PROFILING_DATA_SIZE = 32;
/** Bytes of `struct panthor_syncobj_64b` (u64 seqno, u32 status, u32 pad). */
export const PANTHOR_SYNCOBJ_64B_SIZE = 16;

/** What a job's sequence is made from. Mirrors `struct panthor_job_cs_params`. */
export interface PanthorJobCsParams {
  /** The job's profiling flags. */
  readonly profileMask: number;
  /** The kernel's address register rX (cs_reg_count − unpreserved_cs_reg_count). */
  readonly addrReg: number;
  /** The value register rX+2. */
  readonly valReg: number;
  /** GPU VA of the queue's sync object. */
  readonly syncAddr: number;
  /** GPU VA of the job's profiling slot. */
  readonly timesAddr: number;
  /** GPU VA of the user's stream. */
  readonly csStart: number;
  /** Bytes of the user's stream. */
  readonly csSize: number;
  /** The user's flush id (`latest_flush`). */
  readonly lastFlush: number;
  /** Every scoreboard slot of the streams (GENMASK(sb_slot_count − 1, 0)). */
  readonly waitallMask: number;
}

/** A job's sequence: `count` instructions, instruction i at words 2i (low) and 2i+1 (high). */
export interface PanthorJobRingbufInstrs {
  /** The words. */
  readonly buffer: Uint32Array;
  /** Instructions (a multiple of {@link NUM_INSTRS_PER_CACHE_LINE}). */
  count: number;
}

const TWO32 = 0x1_0000_0000;

/** Instruction `(opcode << 56) | (b48 << 48) | (b40 << 40) | (b32 << 32) | lo`. */
function instr(
  opcode: number,
  b48: number,
  b40: number,
  b32: number,
  lo: number,
): [number, number] {
  return [lo >>> 0, ((opcode << 24) | (b48 << 16) | (b40 << 8) | b32) >>> 0];
}

/** MOVE48 rD = imm48. */
function move48(reg: number, imm: number): [number, number] {
  return [imm >>> 0, ((1 << 24) | (reg << 16) | (Math.floor(imm / TWO32) & 0xffff)) >>> 0];
}

/**
 * The sequence of a job into `out`, skipping the profiling instructions whose flag is not in
 * `params.profileMask`, padded with zeroes (NOPs) to whole cache lines. Mirrors
 * prepare_job_instrs().
 */
export function prepareJobInstrs(params: PanthorJobCsParams, out: PanthorJobRingbufInstrs): void {
  const p = params;
  const CY = PANTHOR_DEVICE_PROFILING_CYCLES;
  const TS = PANTHOR_DEVICE_PROFILING_TIMESTAMP;
  const seq: [number, [number, number]][] = [
    // MOVE32 rX+2 = latest_flush; FLUSH_CACHE2 clean+inv all, flush id rX+2, signal slot 0.
    [0, instr(2, p.valReg, 0, 0, p.lastFlush)],
    [0, instr(36, 0, p.valReg, 0, 0x233)],
    // Cycles and time before the call: MOVE48 rX = slot VA, STORE_STATE (1 cycles, 0 time).
    [CY, move48(p.addrReg, p.timesAddr + 0)],
    [CY, instr(40, 0, p.addrReg, 1, 0)],
    [TS, move48(p.valReg, p.timesAddr + 16)],
    [TS, instr(40, 0, p.valReg, 0, 0)],
    // MOVE48 rX = stream, MOVE32 rX+2 = size, WAIT slot 0 (the flush), CALL.
    [0, move48(p.addrReg, p.csStart)],
    [0, instr(2, p.valReg, 0, 0, p.csSize)],
    [0, instr(3, 0, 0, 0, 1 << 16)],
    [0, instr(32, 0, p.addrReg, p.valReg, 0)],
    [CY, move48(p.addrReg, p.timesAddr + 8)],
    [CY, instr(40, 0, p.addrReg, 1, 0)],
    [TS, move48(p.valReg, p.timesAddr + 24)],
    [TS, instr(40, 0, p.valReg, 0, 0)],
    // MOVE48 rX = sync object, MOVE48 rX+2 = 1, WAIT all, SYNC_ADD64 system scope with
    // error propagation, ERROR_BARRIER.
    [0, move48(p.addrReg, p.syncAddr)],
    [0, move48(p.valReg, 1)],
    [0, instr(3, 0, 0, 0, (p.waitallMask << 16) >>> 0)],
    [0, instr(51, 0, p.addrReg, p.valReg, 1)],
    [0, instr(47, 0, 0, 0, 0)],
  ];
  let n = 0;
  for (const [mask, [lo, hi]] of seq) {
    if (mask !== 0 && (mask & p.profileMask) === 0) continue;
    out.buffer[2 * n] = lo;
    out.buffer[2 * n + 1] = hi;
    n++;
  }
  const pad = Math.ceil(n / NUM_INSTRS_PER_CACHE_LINE) * NUM_INSTRS_PER_CACHE_LINE;
  out.buffer.fill(0, 2 * n, 2 * pad);
  out.count = pad;
}

/** A buffer for {@link prepareJobInstrs}. */
export function newJobInstrs(): PanthorJobRingbufInstrs {
  return { buffer: new Uint32Array(2 * MAX_INSTRS_PER_JOB), count: 0 };
}

/** Ring slots (instructions) a job with `profileMask` takes: its credits. Mirrors calc_job_credits(). */
export function calcJobCredits(profileMask: number): number {
  const out = newJobInstrs();
  prepareJobInstrs(
    {
      profileMask,
      addrReg: 0,
      valReg: 0,
      syncAddr: 0,
      timesAddr: 0,
      csStart: 0,
      csSize: 0,
      lastFlush: 0,
      waitallMask: 0,
    },
    out,
  );
  return out.count;
}

/**
 * Profiling slots of a queue whose ring is `ringbufSize` bytes: as many as the shortest
 * profiled job fits in the ring. Mirrors calc_profiling_ringbuf_num_slots().
 */
export function calcProfilingRingbufNumSlots(ringbufSize: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let bit = 0; 1 << bit <= PANTHOR_DEVICE_PROFILING_ALL; bit++) {
    min = Math.min(min, calcJobCredits(1 << bit));
  }
  return Math.ceil(ringbufSize / (min * 8));
}

/**
 * Writes a job's words into a ring of `ringbufSize` bytes at byte position `start` (wrapping
 * at the end) through `write(byteOffset, word)`. Mirrors copy_instrs_to_ringbuf().
 */
export function copyInstrsToRingbuf(
  instrs: PanthorJobRingbufInstrs,
  ringbufSize: number,
  start: number,
  write: (byteOffset: number, word: number) => void,
): void {
  const at = start & (ringbufSize - 1);
  for (let i = 0; i < 2 * instrs.count; i++) {
    write((at + 4 * i) % ringbufSize, instrs.buffer[i] as number);
  }
}
