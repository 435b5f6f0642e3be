/**
 * GET_PARAM values.
 */
import { EINVAL } from "@panmmu/uapi";
import type { GpuFeatures } from "./features.js";

/** Frequency of the system timestamp (the virtual clock counts ns): 1 GHz. */
export const SYSTEM_TIMESTAMP_FREQUENCY = 1_000_000_000n;

/**
 * The value of GET_PARAM `param`, or -EINVAL for an unknown parameter.
 *
 * Mirrors panfrost_ioctl_get_param().
 */
export function paramValue(f: GpuFeatures, param: number, now: number): bigint | number {
  const simple: Record<number, number> = {
    0: f.id,
    1: f.revision,
    2: f.shaderPresent,
    3: f.tilerPresent,
    4: f.l2Present,
    5: f.stackPresent,
    6: f.asPresent,
    7: f.jsPresent,
    8: f.l2Features,
    9: f.coreFeatures,
    10: f.tilerFeatures,
    11: f.memFeatures,
    12: f.mmuFeatures,
    13: f.threadFeatures,
    14: f.threadMaxThreads,
    15: f.threadMaxWorkgroupSize,
    16: f.threadMaxBarrierSize,
    17: f.coherencyFeatures,
    38: f.nrCoreGroups,
    39: f.threadTlsAlloc,
    40: f.afbcFeatures,
    43: 0b11,
  };
  if (param >= 18 && param <= 21) return BigInt(f.textureFeatures[param - 18] ?? 0);
  if (param >= 22 && param <= 37) return BigInt(f.jsFeatures[param - 22] ?? 0);
  if (param === 41) return BigInt(Math.floor(now));
  if (param === 42) return SYSTEM_TIMESTAMP_FREQUENCY;
  const v = simple[param];
  return v === undefined ? -EINVAL : BigInt(v >>> 0);
}
