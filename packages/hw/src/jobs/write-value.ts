/**
 * WRITE_VALUE (type 2) and CACHE_FLUSH (type 3) job payloads, and their encoders.
 * The payload starts at byte 32, right after the header.
 */
import { encodeJobHeader, type JobHeaderFields, JobType, splitU64 } from "./descriptor.js";

/** Write Value types (genxml enum "Write Value Type"). IMMEDIATE_* exist on v6+ only. */
export const WriteValueType = {
  /** Stores the 64-bit GPU cycle counter (model: virtual ns x cyclesPerNs). */
  CYCLE_COUNTER: 1,
  /** Stores the 64-bit system timestamp (model: virtual ns). */
  SYSTEM_TIMESTAMP: 2,
  /** Stores 8 zero bytes (the store width is not documented; the model assumes 8). */
  ZERO: 3,
  /** Stores the low 8 bits of immediate_value (v6+). */
  IMMEDIATE_8: 4,
  /** Stores the low 16 bits of immediate_value (v6+). */
  IMMEDIATE_16: 5,
  /** Stores the low 32 bits of immediate_value (v6+). */
  IMMEDIATE_32: 6,
  /** Stores all 64 bits of immediate_value (v6+). */
  IMMEDIATE_64: 7,
} as const;

/** Byte offsets of the Write Value payload fields inside the job. */
export const WriteValueOffset = {
  /** u64 address written. */
  ADDRESS: 32,
  /** u32 Write Value type. */
  TYPE: 40,
  /** u64 immediate_value (v6+). */
  IMMEDIATE: 48,
} as const;

/** Size in bytes of a WRITE_VALUE job with the v6+ immediate field (header + 24). */
export const WRITE_VALUE_JOB_SIZE = 56;

/** A WRITE_VALUE job. */
export interface WriteValueJob {
  /** Header fields other than the type (index, next, flags...). */
  header: Omit<JobHeaderFields, "type">;
  /** GPU VA that is written. */
  address: number;
  /** {@link WriteValueType}. */
  valueType: number;
  /**
   * immediate_value as [lo, hi] u32 halves (v6+). When omitted, bytes 48..55 are left as they
   * are (IGT places its target there on v4/v5-style payloads).
   */
  immediate?: readonly [number, number];
}

/** Writes a WRITE_VALUE job (header + payload) at byte `offset` of `out`. */
export function encodeWriteValueJob(out: Uint8Array, offset: number, job: WriteValueJob): void {
  encodeJobHeader(out, offset, { ...job.header, type: JobType.WRITE_VALUE });
  const dv = new DataView(out.buffer, out.byteOffset + offset);
  const [lo, hi] = splitU64(job.address);
  dv.setUint32(WriteValueOffset.ADDRESS, lo, true);
  dv.setUint32(WriteValueOffset.ADDRESS + 4, hi, true);
  dv.setUint32(WriteValueOffset.TYPE, job.valueType >>> 0, true);
  dv.setUint32(WriteValueOffset.TYPE + 4, 0, true);
  if (job.immediate !== undefined) {
    dv.setUint32(WriteValueOffset.IMMEDIATE, job.immediate[0] >>> 0, true);
    dv.setUint32(WriteValueOffset.IMMEDIATE + 4, job.immediate[1] >>> 0, true);
  }
}

/** CACHE_FLUSH payload bits (word 0 at byte 32, word 1 at byte 36). */
export const CacheFlushBits = {
  /** Word 0 bit 0: clean shader-core load/store cache. */
  CLEAN_SHADER_CORE_LS: 1 << 0,
  /** Word 0 bit 1: invalidate shader-core load/store cache. */
  INVALIDATE_SHADER_CORE_LS: 1 << 1,
  /** Word 0 bit 2: invalidate other shader-core caches. */
  INVALIDATE_SHADER_CORE_OTHER: 1 << 2,
  /** Word 0 bit 16: job-manager clean. */
  JOB_MANAGER_CLEAN: 1 << 16,
  /** Word 0 bit 17: job-manager invalidate. */
  JOB_MANAGER_INVALIDATE: 1 << 17,
  /** Word 0 bit 24: tiler clean. */
  TILER_CLEAN: 1 << 24,
  /** Word 0 bit 25: tiler invalidate. */
  TILER_INVALIDATE: 1 << 25,
  /** Word 1 bit 0: L2 clean. */
  L2_CLEAN: 1 << 0,
  /** Word 1 bit 1: L2 invalidate. */
  L2_INVALIDATE: 1 << 1,
} as const;

/** Size in bytes of a CACHE_FLUSH job (header + two payload words). */
export const CACHE_FLUSH_JOB_SIZE = 40;

/** A CACHE_FLUSH job. */
export interface CacheFlushJob {
  /** Header fields other than the type. */
  header: Omit<JobHeaderFields, "type">;
  /** Payload word 0 (shader core / job manager / tiler bits of {@link CacheFlushBits}). */
  word0: number;
  /** Payload word 1 (L2 bits). */
  word1: number;
}

/** Writes a CACHE_FLUSH job at byte `offset` of `out`. */
export function encodeCacheFlushJob(out: Uint8Array, offset: number, job: CacheFlushJob): void {
  encodeJobHeader(out, offset, { ...job.header, type: JobType.CACHE_FLUSH });
  const dv = new DataView(out.buffer, out.byteOffset + offset);
  dv.setUint32(32, job.word0 >>> 0, true);
  dv.setUint32(36, job.word1 >>> 0, true);
}
