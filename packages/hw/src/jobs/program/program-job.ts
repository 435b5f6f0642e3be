/**
 * The MEMORY_PROGRAM job (type 0x70, panmmu's own): a job header followed by a payload naming
 * the program in GPU memory.
 *
 * | job bytes | field |
 * |---|---|
 * | 32..39 | u64 program VA (4-aligned) |
 * | 40..43 | u32 program length in bytes (multiple of 4, at most 1 MiB) |
 * | 44..47 | u32 reserved, must be 0 |
 *
 * The program is fetched through the MMU with EXECUTE accesses when the job starts (a
 * prefetch: stores the program makes into itself are not seen by the running job). A soft stop
 * ends a program between two instructions: the job's status stays 0 and first_incomplete_task
 * holds the byte offset of the next instruction, from which a restarted chain continues.
 */
import { encodeJobHeader, type JobHeaderFields, JobType, splitU64 } from "../descriptor.js";

/** Byte offsets of the MEMORY_PROGRAM payload fields inside the job. */
export const ProgramJobOffset = {
  /** u64 program VA. */
  PROGRAM_VA: 32,
  /** u32 program length in bytes. */
  PROGRAM_LENGTH: 40,
  /** u32 reserved (must be 0). */
  RESERVED: 44,
} as const;

/** Size in bytes of a MEMORY_PROGRAM job (header + payload). */
export const PROGRAM_JOB_SIZE = 48;

/** A MEMORY_PROGRAM job. */
export interface ProgramJob {
  /** Header fields other than the type. */
  header: Omit<JobHeaderFields, "type">;
  /** VA of the program. */
  programVa: number;
  /** Program length in bytes. */
  programLength: number;
}

/** Writes a MEMORY_PROGRAM job at byte `offset` of `out`. */
export function encodeProgramJob(out: Uint8Array, offset: number, job: ProgramJob): void {
  encodeJobHeader(out, offset, { ...job.header, type: JobType.MEMORY_PROGRAM });
  const dv = new DataView(out.buffer, out.byteOffset + offset);
  const [lo, hi] = splitU64(job.programVa);
  dv.setUint32(ProgramJobOffset.PROGRAM_VA, lo, true);
  dv.setUint32(ProgramJobOffset.PROGRAM_VA + 4, hi, true);
  dv.setUint32(ProgramJobOffset.PROGRAM_LENGTH, job.programLength >>> 0, true);
  dv.setUint32(ProgramJobOffset.RESERVED, 0, true);
}
