/**
 * The memory-program instruction set: panmmu's stand-in for shader work. A program is a
 * sequence of little-endian u32 words. Each instruction starts with an opcode word (bits 7:0
 * the opcode, bits 31:8 zero) followed by a fixed number of operand words; 64-bit VAs are two
 * words, low half first. Every memory access goes through the MMU of the program's address
 * space, one 4 KiB page at a time, so it can fault, stall and be resumed.
 *
 * | op | name | operands | effect |
 * |---|---|---|---|
 * | 0x00 | END | — | ends the program (so does running off its end) |
 * | 0x01 | WRITE32 | va, value | stores `value` at `va` (4-aligned) |
 * | 0x02 | CHECK32 | va, expected, mask | reads `va` (4-aligned); fails DATA_INVALID_FAULT unless `(read ^ expected) & mask` is 0 |
 * | 0x03 | FILL32 | va, length, value | stores `value` in every word of `[va, va+length)` (4-aligned, length multiple of 4) |
 * | 0x04 | COPY | dst, src, length | copies `length` bytes from `src` to `dst`, forward, page chunk by page chunk |
 * | 0x05 | CHECK_FILL32 | va, length, value | fails DATA_INVALID_FAULT at the first word of `[va, va+length)` not equal to `value` |
 * | 0x06 | HEAP_SAMPLE | va, count, stride | for i in 0..count-1 stores the low 32 bits of `a = va + i*stride` at `a` (va, stride 4-aligned, stride ≥ 4): touches increasing addresses, as a growing heap does |
 * | 0x07 | DELAY | ns | lets `ns` of virtual time pass |
 * | 0x08 | WRITE64 | va, lo, hi | stores the 64-bit value `hi:lo` at `va` (4-aligned) |
 *
 * Failures: an unknown opcode, non-zero bits 31:8, or an instruction cut off by the program's
 * end give INSTR_INVALID_ENC (0x51); a misaligned operand gives INSTR_ALIGN_FAULT (0x56); a
 * translated address with no memory behind it gives JOB_BUS_FAULT (0x48). The failing VA is
 * reported (the job header's fault_pointer; the instruction's first VA for encoding faults).
 */

/** Memory-program opcodes. */
export const ProgramOp = {
  /** End of program. */
  END: 0x00,
  /** Store a u32. */
  WRITE32: 0x01,
  /** Read a u32 and compare under a mask. */
  CHECK32: 0x02,
  /** Fill a range with a u32 pattern. */
  FILL32: 0x03,
  /** Copy bytes. */
  COPY: 0x04,
  /** Check that a range holds a u32 pattern. */
  CHECK_FILL32: 0x05,
  /** Store each sampled address at itself, at increasing addresses. */
  HEAP_SAMPLE: 0x06,
  /** Consume virtual time. */
  DELAY: 0x07,
  /** Store a u64. */
  WRITE64: 0x08,
} as const;

/** Instruction length in words (opcode word included), indexed by opcode; 0 = invalid opcode. */
export const PROGRAM_OP_WORDS: readonly number[] = [1, 4, 5, 5, 6, 5, 5, 2, 5];

/** Opcode names, indexed by opcode. */
export const PROGRAM_OP_NAMES: readonly string[] = [
  "END",
  "WRITE32",
  "CHECK32",
  "FILL32",
  "COPY",
  "CHECK_FILL32",
  "HEAP_SAMPLE",
  "DELAY",
  "WRITE64",
];

/** Largest program, in bytes, that a MEMORY_PROGRAM job or `runProgram` accepts (1 MiB). */
export const MAX_PROGRAM_BYTES = 1 << 20;
