/** Properties of readObjArray over random arrays, strides and tails. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DrmPanthorSyncOp,
  type DrmPanthorSyncOpArgs,
  E2BIG,
  EFAULT,
  PANTHOR_UOBJ_MIN_SIZE,
  readObjArray,
  UserMemory,
  writeObjArray,
} from "../src/index.js";
import { arbitraryStruct } from "./arbitrary.js";

const op = arbitraryStruct(DrmPanthorSyncOp) as fc.Arbitrary<DrmPanthorSyncOpArgs>;
const MIN = PANTHOR_UOBJ_MIN_SIZE(DrmPanthorSyncOp);

describe("readObjArray properties", () => {
  it("any stride >= sizeof with zero tails yields the written elements", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 8 }),
        fc.integer({ min: 16, max: 64 }),
        (ops, stride) => {
          const mem = new UserMemory();
          const arr = writeObjArray(mem, DrmPanthorSyncOp, ops, stride);
          expect(readObjArray(mem, arr, DrmPanthorSyncOp, MIN)).toEqual(ops);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("any non-zero byte in a tail is -E2BIG", () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 17, max: 40 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (ops, stride, which, at, byte) => {
          const mem = new UserMemory();
          const arr = writeObjArray(mem, DrmPanthorSyncOp, ops, stride);
          const elem = which % ops.length;
          const off = 16 + (at % (stride - 16));
          mem.write(arr.array + BigInt(elem * stride + off), new Uint8Array([byte]));
          expect(readObjArray(mem, arr, DrmPanthorSyncOp, MIN)).toBe(-E2BIG);
        },
      ),
      { numRuns: 80 },
    );
  });

  it("any count beyond the written elements is -EFAULT (when tails are clean)", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 6 }),
        fc.integer({ min: 16, max: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        (ops, stride, extra) => {
          const mem = new UserMemory();
          const arr = writeObjArray(mem, DrmPanthorSyncOp, ops, stride);
          const base = ops.length === 0 ? mem.alloc(0) : arr.array;
          const r = readObjArray(
            mem,
            { stride, count: ops.length + extra, array: base },
            DrmPanthorSyncOp,
            MIN,
          );
          expect(r).toBe(-EFAULT);
        },
      ),
      { numRuns: 80 },
    );
  });
});
