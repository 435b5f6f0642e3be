import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JOB_ARCHES, jobArchForProductId, jobHeaderAlign } from "../../src/jobs/arch.js";
import {
  decodeJobHeader,
  encodeJobHeader,
  JobHeaderFlag,
  joinU64,
  splitU64,
} from "../../src/jobs/descriptor.js";

describe("job header encoder/decoder", () => {
  it("round-trips every field (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 127 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.integer({ min: 0, max: 0xff }),
        (type, index, d1, d2, barrier, next, flags) => {
          const b = new Uint8Array(40).fill(0xee);
          const extraFlags = (flags << 8) & ~JobHeaderFlag.BARRIER;
          encodeJobHeader(b, 4, {
            type,
            index,
            dependency1: d1,
            dependency2: d2,
            barrier,
            next,
            extraFlags,
          });
          const h = decodeJobHeader(b, 4);
          expect(h).toMatchObject({
            type,
            index,
            dependency1: d1,
            dependency2: d2,
            barrier,
            next,
            is64b: true,
          });
          expect(h.flags).toBe(
            extraFlags | (barrier ? JobHeaderFlag.BARRIER : 0) | JobHeaderFlag.IS_64B,
          );
          expect([h.exceptionStatus, h.firstIncompleteTask, h.faultPointer]).toEqual([0, 0, 0]);
          expect(b[0]).toBe(0xee);
          expect(b[36]).toBe(0xee);
        },
      ),
    );
  });

  it("32-bit descriptors store next in bytes 24..27", () => {
    const b = new Uint8Array(32);
    encodeJobHeader(b, 0, { type: 1, index: 1, is64b: false, next: 0xfedc0040 });
    expect(decodeJobHeader(b, 0).next).toBe(0xfedc0040);
    expect(Array.from(b.subarray(28))).toEqual([0, 0, 0, 0]);
    expect(() => encodeJobHeader(b, 0, { type: 1, index: 1, is64b: false, next: 2 ** 32 })).toThrow(
      RangeError,
    );
  });

  it("rejects out-of-range fields", () => {
    const b = new Uint8Array(32);
    expect(() => encodeJobHeader(b, 0, { type: 128, index: 1 })).toThrow(RangeError);
    expect(() => encodeJobHeader(b, 0, { type: 1, index: 0x10000 })).toThrow(RangeError);
    expect(() => encodeJobHeader(b, 0, { type: 1, index: 1, extraFlags: 0x2 })).toThrow(RangeError);
    expect(() => splitU64(-1)).toThrow(RangeError);
    expect(joinU64(...splitU64(2 ** 48 + 5))).toBe(2 ** 48 + 5);
  });
});

describe("job-header generation", () => {
  it("follows Mesa's pan_arch()", () => {
    expect([0x600, 0x620, 0x720].map(jobArchForProductId)).toEqual([4, 4, 4]);
    expect([0x750, 0x820, 0x830, 0x860, 0x880].map(jobArchForProductId)).toEqual([5, 5, 5, 5, 5]);
    expect([0x6000, 0x7002, 0x9001, 0xa867, 0x0].map(jobArchForProductId)).toEqual([
      6,
      7,
      9,
      null,
      null,
    ]);
    expect(JOB_ARCHES.map(jobHeaderAlign)).toEqual([64, 64, 64, 64, 128]);
  });
});
