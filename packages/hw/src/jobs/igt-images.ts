/**
 * The job byte images IGT's panfrost tests build (lib/igt_panfrost.c, as recorded in the golden
 * jobs README), reproduced byte for byte so tests and the example app can submit exactly what
 * real userspace submits.
 */
import { encodeJobHeader, JobHeaderFlag } from "./descriptor.js";
import { encodeWriteValueJob, WriteValueType } from "./write-value.js";

/** The address IGT's page-fault variant of the write-value job writes to. */
export const IGT_FAULT_ADDRESS = 0x0000_dead_beef_0000;

/** IGT's NULL job: a 32-byte BO holding one header (word 4 = 0x00010003). */
export function igtNullJobImage(): Uint8Array {
  const out = new Uint8Array(32);
  encodeJobHeader(out, 0, { type: 1, index: 1 });
  return out;
}

/**
 * IGT's write-value job in a 56-byte BO at `boVa`: a WRITE_VALUE(ZERO) job whose target is
 * BO+48 (pre-filled with ff ff ff ff), or {@link IGT_FAULT_ADDRESS} when `triggerPageFault`.
 */
export function igtWriteValueJobImage(boVa: number, triggerPageFault: boolean): Uint8Array {
  const out = new Uint8Array(56);
  encodeWriteValueJob(out, 0, {
    header: { index: 1 },
    address: triggerPageFault ? IGT_FAULT_ADDRESS : boVa + 48,
    valueType: WriteValueType.ZERO,
  });
  out.fill(0xff, 48, 52);
  return out;
}

/**
 * IGT's job loop in a 128-byte BO at `boVa`: two WRITE_VALUE(ZERO) jobs 64 bytes apart, each
 * linking to the other and zeroing the other's exception_status, so the chain never ends.
 * Word 4 of both = 0x00010b05 (barrier, invalidate_cache, suppress_prefetch, index 1).
 */
export function igtJobLoopImage(boVa: number): Uint8Array {
  const out = new Uint8Array(128);
  const flags = JobHeaderFlag.INVALIDATE_CACHE | JobHeaderFlag.SUPPRESS_PREFETCH;
  for (const [self, other] of [
    [0, 64],
    [64, 0],
  ] as const) {
    encodeWriteValueJob(out, self, {
      header: { index: 1, barrier: true, extraFlags: flags, next: boVa + other },
      address: boVa + other,
      valueType: WriteValueType.ZERO,
    });
  }
  return out;
}
