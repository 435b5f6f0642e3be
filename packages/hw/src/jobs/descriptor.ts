/**
 * The 32-byte Mali job header (genxml "Job Header") and the job-type enum, with an encoder
 * and a decoder. All offsets are little-endian byte offsets from the start of the header.
 */

/** Size in bytes of a job header; a job's payload starts right after it. */
export const JOB_HEADER_SIZE = 32;

/** Byte offsets of the header fields. */
export const JobHeaderOffset = {
  /** u32 exception_status: 0 not started, 1 DONE, else an exception code (written by the GPU). */
  EXCEPTION_STATUS: 0,
  /** u32 first_incomplete_task (written by the GPU; memory programs store their resume offset here). */
  FIRST_INCOMPLETE_TASK: 4,
  /** u64 fault_pointer: the VA that made the job fail (written by the GPU). */
  FAULT_POINTER: 8,
  /** u8: bit 0 is_64b, bits 7:1 job type. */
  TYPE_BYTE: 16,
  /** u8: bit 0 barrier, 1 invalidate_cache, 3 suppress_prefetch, 4 enable_texture_mapper, 6/7 relax deps. */
  FLAGS_BYTE: 17,
  /** u16 job index (scoreboard id). */
  INDEX: 18,
  /** u16 dependency_1 (0 = none). */
  DEPENDENCY_1: 20,
  /** u16 dependency_2 (0 = none). */
  DEPENDENCY_2: 22,
  /** u64 next header VA (u32 when is_64b = 0 on v4..v7); 0 ends the chain. */
  NEXT: 24,
} as const;

/** Job types (genxml enum "Job Type"), plus the model's own {@link JobType.MEMORY_PROGRAM}. */
export const JobType = {
  /** Value 0 in the type field: not a job. */
  NOT_STARTED: 0,
  /** Does nothing, completes DONE. */
  NULL: 1,
  /** Stores a value at an address (payload: {@link encodeWriteValueJob}). */
  WRITE_VALUE: 2,
  /** Cleans/invalidates caches (payload: two flag words); a no-op in the model. */
  CACHE_FLUSH: 3,
  /** Compute job (not executed by the model: JOB_CONFIG_FAULT). */
  COMPUTE: 4,
  /** Vertex job (v4..v7; not executed). */
  VERTEX: 5,
  /** Geometry job (v4..v7; not executed). */
  GEOMETRY: 6,
  /** Tiler job (not executed). */
  TILER: 7,
  /** Fused job (v4..v7; not executed). */
  FUSED: 8,
  /** Fragment job (not executed). */
  FRAGMENT: 9,
  /** Indexed vertex job (v6+; not executed). */
  INDEXED_VERTEX: 10,
  /** Malloc vertex job (v9; not executed). */
  MALLOC_VERTEX: 11,
  /**
   * panmmu's own job type, 0x70: runs a memory program (see `program/opcodes.ts`). No Mali
   * generation defines a type above 11, so the value cannot collide with real userspace.
   */
  MEMORY_PROGRAM: 0x70,
} as const;

/** Flag bits of word 4 of the header (bit positions within the 32-bit word). */
export const JobHeaderFlag = {
  /** Descriptor size: 1 = 64-bit descriptors (v4..v7). */
  IS_64B: 1 << 0,
  /** Wait for every earlier job before starting. */
  BARRIER: 1 << 8,
  /** Invalidate cache (v4..v7; no-op in the model). */
  INVALIDATE_CACHE: 1 << 9,
  /** Suppress prefetch (no-op). */
  SUPPRESS_PREFETCH: 1 << 11,
  /** Enable texture mapper (v4..v7; no-op). */
  ENABLE_TEXTURE_MAPPER: 1 << 12,
  /** Relax dependency 1 (no-op). */
  RELAX_DEPENDENCY_1: 1 << 14,
  /** Relax dependency 2 (no-op). */
  RELAX_DEPENDENCY_2: 1 << 15,
} as const;

/** The fields of a job header that software fills in (the GPU-written ones start at 0). */
export interface JobHeaderFields {
  /** Job type ({@link JobType}), 0..127. */
  type: number;
  /** Job index (scoreboard id), 0..65535. Mesa numbers jobs from 1. */
  index: number;
  /** Next header VA; 0 ends the chain. Default 0. */
  next?: number;
  /** is_64b: 64-bit descriptors. Default true (what panfrost userspace writes). */
  is64b?: boolean;
  /** Barrier flag. Default false. */
  barrier?: boolean;
  /** Other word-4 flag bits ({@link JobHeaderFlag}: bit 0 and bits 8..15) ORed in. Default 0. */
  extraFlags?: number;
  /** dependency_1 index. Default 0. */
  dependency1?: number;
  /** dependency_2 index. Default 0. */
  dependency2?: number;
  /** Initial exception_status (normally 0). Default 0. */
  exceptionStatus?: number;
}

/** A decoded job header. */
export interface JobHeader {
  /** exception_status word. */
  exceptionStatus: number;
  /** first_incomplete_task word. */
  firstIncompleteTask: number;
  /** fault_pointer (u64 as a number). */
  faultPointer: number;
  /** is_64b bit. */
  is64b: boolean;
  /** Job type. */
  type: number;
  /** Barrier flag. */
  barrier: boolean;
  /** All of word 4's flag bits (bits 0 and 8..15). */
  flags: number;
  /** Job index. */
  index: number;
  /** dependency_1. */
  dependency1: number;
  /** dependency_2. */
  dependency2: number;
  /** next VA: 64-bit, or the low 32 bits when is_64b is clear and `honourIs64b` was set. */
  next: number;
}

const TWO32 = 0x1_0000_0000;

/** Splits a safe non-negative integer into [lo, hi] u32 halves. */
export function splitU64(value: number): [number, number] {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`not a non-negative safe integer: ${value}`);
  }
  return [(value % TWO32) >>> 0, Math.floor(value / TWO32) >>> 0];
}

/** Joins u32 halves into a number (exact below 2^53). */
export function joinU64(lo: number, hi: number): number {
  return (hi >>> 0) * TWO32 + (lo >>> 0);
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} out of range: ${value}`);
  }
}

/** The word-4 value (type byte, flags byte, index) of a header with `fields`. */
export function jobHeaderWord4(fields: JobHeaderFields): number {
  checkField("type", fields.type, 0x7f);
  checkField("index", fields.index, 0xffff);
  const extra = fields.extraFlags ?? 0;
  checkField("extraFlags", extra, 0xffff);
  if ((extra & ~0xff01) !== 0)
    throw new RangeError(`extraFlags must only use bits 0 and 8..15: ${extra}`);
  let w = (fields.type << 1) | extra;
  if (fields.is64b ?? true) w |= JobHeaderFlag.IS_64B;
  if (fields.barrier ?? false) w |= JobHeaderFlag.BARRIER;
  return (w | (fields.index << 16)) >>> 0;
}

/**
 * Writes a 32-byte job header at byte `offset` of `out`. Bytes 4..15 (GPU-written) become 0.
 * With is_64b false, `next` is stored as a u32 in bytes 24..27 and bytes 28..31 are 0.
 */
export function encodeJobHeader(out: Uint8Array, offset: number, fields: JobHeaderFields): void {
  const dv = new DataView(out.buffer, out.byteOffset + offset, JOB_HEADER_SIZE);
  const next = fields.next ?? 0;
  const is64b = fields.is64b ?? true;
  checkField("dependency1", fields.dependency1 ?? 0, 0xffff);
  checkField("dependency2", fields.dependency2 ?? 0, 0xffff);
  checkField("next", next, is64b ? Number.MAX_SAFE_INTEGER : 0xffffffff);
  const [nextLo, nextHi] = splitU64(next);
  dv.setUint32(0, (fields.exceptionStatus ?? 0) >>> 0, true);
  dv.setUint32(4, 0, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, jobHeaderWord4(fields), true);
  dv.setUint16(20, fields.dependency1 ?? 0, true);
  dv.setUint16(22, fields.dependency2 ?? 0, true);
  dv.setUint32(24, nextLo, true);
  dv.setUint32(28, nextHi, true);
}

/**
 * Decodes the 8 header words `w[base..base+7]`. `honourIs64b` (true on v4..v7) reads `next`
 * as 32 bits when is_64b is clear; on v9 pass false (every job is 64-bit).
 */
export function decodeJobHeaderWords(
  w: ArrayLike<number>,
  base: number,
  honourIs64b: boolean,
): JobHeader {
  const word4 = (w[base + 4] ?? 0) >>> 0;
  const word5 = (w[base + 5] ?? 0) >>> 0;
  const is64b = (word4 & 1) !== 0;
  const nextLo = (w[base + 6] ?? 0) >>> 0;
  const nextHi = (w[base + 7] ?? 0) >>> 0;
  return {
    exceptionStatus: (w[base] ?? 0) >>> 0,
    firstIncompleteTask: (w[base + 1] ?? 0) >>> 0,
    faultPointer: joinU64(w[base + 2] ?? 0, w[base + 3] ?? 0),
    is64b,
    type: (word4 >>> 1) & 0x7f,
    barrier: (word4 & JobHeaderFlag.BARRIER) !== 0,
    flags: word4 & 0xff01,
    index: word4 >>> 16,
    dependency1: word5 & 0xffff,
    dependency2: word5 >>> 16,
    next: !is64b && honourIs64b ? nextLo : joinU64(nextLo, nextHi),
  };
}

/** Decodes a header from bytes `offset..offset+31` of `bytes`; see {@link decodeJobHeaderWords}. */
export function decodeJobHeader(bytes: Uint8Array, offset: number, honourIs64b = true): JobHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, JOB_HEADER_SIZE);
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push(dv.getUint32(i * 4, true));
  return decodeJobHeaderWords(w, 0, honourIs64b);
}
