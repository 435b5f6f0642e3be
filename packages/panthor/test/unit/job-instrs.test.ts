/**
 * The per-job ring sequence (spec 1.9's table) word for word: the kernel's own encodings for
 * X = 92 on the reference firmware, profiling variants, credits, profiling slot counts and the
 * ring wrap; the words decode to the instructions the spec names.
 */
import { CsAssembler, csOpName } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  calcJobCredits,
  calcProfilingRingbufNumSlots,
  copyInstrsToRingbuf,
  newJobInstrs,
  PANTHOR_DEVICE_PROFILING_ALL,
  PANTHOR_DEVICE_PROFILING_CYCLES,
  PANTHOR_DEVICE_PROFILING_DISABLED,
  PANTHOR_DEVICE_PROFILING_TIMESTAMP,
  type PanthorJobCsParams,
  prepareJobInstrs,
} from "../../src/sched/job-instrs.js";

const X = 92;
const params = (profileMask: number): PanthorJobCsParams => ({
  profileMask,
  addrReg: X,
  valReg: X + 2,
  syncAddr: 0xff_fe00_0010,
  timesAddr: 0xff_fd00_0040,
  csStart: 0x12_3400_0040,
  csSize: 0x38,
  lastFlush: 0x55,
  waitallMask: 0xff,
});

function words(profileMask: number): bigint[] {
  const out = newJobInstrs();
  prepareJobInstrs(params(profileMask), out);
  const w: bigint[] = [];
  for (let i = 0; i < out.count; i++) {
    w.push((BigInt(out.buffer[2 * i + 1] as number) << 32n) | BigInt(out.buffer[2 * i] as number));
  }
  return w;
}

describe("the job's ring sequence", () => {
  it("unprofiled: 11 instructions padded to 16 (128 bytes), the kernel's words", () => {
    const w = words(PANTHOR_DEVICE_PROFILING_DISABLED);
    expect(w).toHaveLength(16);
    expect(w.slice(0, 11)).toEqual([
      (2n << 56n) | (94n << 48n) | 0x55n, // MOVE32 r94 = latest_flush
      0x2400_5e00_0000_0233n, // FLUSH_CACHE2 (spec 3.3's kernel word for X+2 = 94)
      (1n << 56n) | (92n << 48n) | 0x12_3400_0040n, // MOVE48 r92 = stream
      (2n << 56n) | (94n << 48n) | 0x38n, // MOVE32 r94 = size
      0x0300_0000_0001_0000n, // WAIT slot 0
      (32n << 56n) | (92n << 40n) | (94n << 32n), // CALL
      (1n << 56n) | (92n << 48n) | 0xff_fe00_0010n, // MOVE48 r92 = sync object
      (1n << 56n) | (94n << 48n) | 1n, // MOVE48 r94 = 1
      0x0300_0000_00ff_0000n, // WAIT all 8 slots (spec 3.3's word)
      (51n << 56n) | (92n << 40n) | (94n << 32n) | 1n, // SYNC_ADD64 system, error propagation
      47n << 56n, // ERROR_BARRIER
    ]);
    expect(w.slice(11)).toEqual([0n, 0n, 0n, 0n, 0n]);
    const names = w.map((word) => csOpName(word));
    expect(names.slice(0, 11)).toEqual([
      "MOVE32",
      "FLUSH_CACHE2",
      "MOVE48",
      "MOVE32",
      "WAIT",
      "CALL",
      "MOVE48",
      "MOVE48",
      "WAIT",
      "SYNC_ADD64",
      "ERROR_BARRIER",
    ]);
  });

  it("the words equal the fixtures' assembler output for the same instructions", () => {
    const a = new CsAssembler()
      .move32(94, 0x55)
      .flushCache2({ l2: 3, lsc: 3, other: 2, flushIdReg: 94, signal: 0 })
      .move48(92, 0x12_3400_0040)
      .move32(94, 0x38)
      .wait(1)
      .call(92, 94)
      .move48(92, 0xff_fe00_0010)
      .move48(94, 1)
      .wait(0xff)
      .syncAdd64(92, 94, { errorPropagate: true })
      .errorBarrier();
    expect(words(0).slice(0, 11)).toEqual(a.words());
  });

  it("profiling adds MOVE48 + STORE_STATE around the call per flag: 15 instructions (16 slots) each, 19 (24) for both", () => {
    const cy = words(PANTHOR_DEVICE_PROFILING_CYCLES);
    const ts = words(PANTHOR_DEVICE_PROFILING_TIMESTAMP);
    const all = words(PANTHOR_DEVICE_PROFILING_ALL);
    expect([cy.length, ts.length, all.length]).toEqual([16, 16, 24]);
    expect(cy[2]).toBe((1n << 56n) | (92n << 48n) | 0xff_fd00_0040n); // cycles.before
    expect(cy[3]).toBe((40n << 56n) | (92n << 40n) | (1n << 32n)); // STORE_STATE cycles
    expect(ts[2]).toBe((1n << 56n) | (94n << 48n) | 0xff_fd00_0050n); // time.before
    expect(ts[3]).toBe((40n << 56n) | (94n << 40n)); // STORE_STATE timestamp
    expect(all.slice(19)).toEqual([0n, 0n, 0n, 0n, 0n]);
  });

  it("credits and profiling slots: 16 per job; a 4 KiB ring holds 32 profiled jobs", () => {
    expect(calcJobCredits(0)).toBe(16);
    expect(calcJobCredits(PANTHOR_DEVICE_PROFILING_ALL)).toBe(24);
    expect(calcProfilingRingbufNumSlots(4096)).toBe(32);
    expect(calcProfilingRingbufNumSlots(64 * 1024)).toBe(512);
  });

  it("a job written at the end of the ring wraps to its start", () => {
    const out = newJobInstrs();
    prepareJobInstrs(params(0), out);
    const ring = new Uint32Array(4096 / 4);
    copyInstrsToRingbuf(out, 4096, 4096 * 3 + 4096 - 64, (off, w) => {
      ring[off / 4] = w;
    });
    expect(ring[(4096 - 64) / 4 + 1]).toBe(out.buffer[1]);
    expect(ring[0]).toBe(out.buffer[16]); // instruction 8 landed at the ring's start
  });
});
