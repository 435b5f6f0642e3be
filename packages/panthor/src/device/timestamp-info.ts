/**
 * DEV_QUERY(TIMESTAMP_INFO): the GPU and CPU clocks sampled together, as requested by `flags`.
 */
import type { EventLoop, MmioBus } from "@panmmu/hw";
import {
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC,
  DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW,
  DRM_PANTHOR_TIMESTAMP_CPU_NONE,
  DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK,
  DRM_PANTHOR_TIMESTAMP_DURATION,
  DRM_PANTHOR_TIMESTAMP_FREQ,
  DRM_PANTHOR_TIMESTAMP_GPU,
  DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT,
  DRM_PANTHOR_TIMESTAMP_GPU_OFFSET,
  type DrmPanthorTimestampInfoArgs,
  EINVAL,
} from "@panmmu/uapi";
import { gpuCycleCount, gpuTimestamp, gpuTimestampOffset } from "./gpu-info.js";

/** Every flag TIMESTAMP_INFO understands (VALID_TIMESTAMP_QUERY_FLAGS): bits 0..7. */
export const VALID_TIMESTAMP_QUERY_FLAGS =
  DRM_PANTHOR_TIMESTAMP_GPU |
  DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK |
  DRM_PANTHOR_TIMESTAMP_GPU_OFFSET |
  DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT |
  DRM_PANTHOR_TIMESTAMP_FREQ |
  DRM_PANTHOR_TIMESTAMP_DURATION;

/** What flags 0 means (the fields reported before flags existed): GPU | GPU_OFFSET | FREQ. */
export const DEFAULT_TIMESTAMP_QUERY_FLAGS =
  DRM_PANTHOR_TIMESTAMP_GPU | DRM_PANTHOR_TIMESTAMP_GPU_OFFSET | DRM_PANTHOR_TIMESTAMP_FREQ;

/** A runtime-PM reference on the device. */
export interface PanthorPmRef {
  /** Resumes the device if suspended and takes a reference; 0 or a negative errno. */
  resumeAndGet(): number;
  /** Drops the reference taken by `resumeAndGet`. */
  put(): void;
}

/** Where the clocks come from. */
export interface PanthorTimestampSource {
  /** The GPU registers (GPU_TIMESTAMP, GPU_TIMESTAMP_OFFSET, GPU_CYCLE_COUNT). */
  readonly mmio: MmioBus;
  /** The virtual clock: the CPU clocks (monotonic, monotonic-raw, local_clock) read it, in ns. */
  readonly loop: Pick<EventLoop, "now">;
  /**
   * Frequency of the system counter in Hz (arch_timer_get_cntfrq(); the hw model's
   * `SYSTEM_COUNTER_FREQUENCY_HZ`, 24 MHz).
   */
  readonly timestampFrequency: number;
  /** Runtime PM; absent means the device is always powered. */
  readonly pm?: PanthorPmRef;
}

const NS_PER_SEC = 1_000_000_000;

/**
 * Fills `arg` (the struct copied in from userspace) as its `flags` ask: flags 0 means
 * {@link DEFAULT_TIMESTAMP_QUERY_FLAGS}; a CPU clock type other than NONE, MONOTONIC or
 * MONOTONIC_RAW, or any bit outside {@link VALID_TIMESTAMP_QUERY_FLAGS}, is -EINVAL; the device
 * is resumed (its error is returned); every field not asked for is zeroed; `flags` keeps the
 * caller's value.
 *
 * Model: the frequency is `src.timestampFrequency`; the GPU timestamp, offset and cycle count
 * are register reads; both CPU clocks are the virtual time (no time namespace offset), split
 * into seconds and nanoseconds. Register reads take no virtual time, so DURATION reports 0.
 *
 * Mirrors panthor_query_timestamp_info().
 *
 * @returns 0 with `arg` updated, or a negative errno with `arg` unchanged.
 */
export function queryTimestampInfo(
  src: PanthorTimestampSource,
  arg: DrmPanthorTimestampInfoArgs,
): number {
  const flags = arg.flags !== 0 ? arg.flags >>> 0 : DEFAULT_TIMESTAMP_QUERY_FLAGS;
  const cpuType = flags & DRM_PANTHOR_TIMESTAMP_CPU_TYPE_MASK;
  if (
    cpuType !== DRM_PANTHOR_TIMESTAMP_CPU_NONE &&
    cpuType !== DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC &&
    cpuType !== DRM_PANTHOR_TIMESTAMP_CPU_MONOTONIC_RAW
  ) {
    return -EINVAL;
  }
  if ((flags & ~VALID_TIMESTAMP_QUERY_FLAGS) !== 0) return -EINVAL;

  if (src.pm !== undefined) {
    const ret = src.pm.resumeAndGet();
    if (ret !== 0) return ret;
  }
  const has = (bit: number): boolean => (flags & bit) !== 0;

  arg.timestamp_frequency = has(DRM_PANTHOR_TIMESTAMP_FREQ) ? BigInt(src.timestampFrequency) : 0n;
  arg.timestamp_offset = has(DRM_PANTHOR_TIMESTAMP_GPU_OFFSET) ? gpuTimestampOffset(src.mmio) : 0n;
  const start = has(DRM_PANTHOR_TIMESTAMP_DURATION) ? src.loop.now : 0;
  arg.current_timestamp = has(DRM_PANTHOR_TIMESTAMP_GPU) ? gpuTimestamp(src.mmio) : 0n;
  const cpuNs = cpuType !== DRM_PANTHOR_TIMESTAMP_CPU_NONE ? Math.floor(src.loop.now) : 0;
  arg.cycle_count = has(DRM_PANTHOR_TIMESTAMP_GPU_CYCLE_COUNT) ? gpuCycleCount(src.mmio) : 0n;
  arg.duration_nsec = has(DRM_PANTHOR_TIMESTAMP_DURATION) ? (src.loop.now - start) >>> 0 : 0;
  if (cpuType !== DRM_PANTHOR_TIMESTAMP_CPU_NONE) {
    arg.cpu_timestamp_sec = BigInt(Math.floor(cpuNs / NS_PER_SEC));
    arg.cpu_timestamp_nsec = BigInt(cpuNs % NS_PER_SEC);
  } else {
    arg.cpu_timestamp_sec = 0n;
    arg.cpu_timestamp_nsec = 0n;
  }
  src.pm?.put();
  return 0;
}
