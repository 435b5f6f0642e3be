import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toU64, u64Hex, u64ToBigInt } from "../../src/gpuvm/index.js";
import { u64Add, u64AddOverflows, u64Max, u64Sub } from "../../src/gpuvm/u64.js";

const MASK = (1n << 64n) - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const u64Arb = fc.oneof(
  fc.bigInt({ min: 0n, max: MASK }),
  fc.bigInt({ min: SAFE - 4n, max: SAFE + 4n }),
  fc.bigInt({ min: 0n, max: 1n << 20n }),
  fc.bigInt({ min: MASK - 16n, max: MASK }),
);

describe("u64 normalized values", () => {
  it("normalizes: numbers up to 2^53-1, bigints above, rejects the rest", () => {
    expect(toU64(5n)).toBe(5);
    expect(toU64(SAFE)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toU64(SAFE + 1n)).toBe(SAFE + 1n);
    expect(toU64(MASK)).toBe(MASK);
    expect(toU64(MASK + 1n)).toBeNull();
    expect(toU64(-1)).toBeNull();
    expect(toU64(-1n)).toBeNull();
    expect(toU64(1.5)).toBeNull();
    expect(toU64(2 ** 60)).toBeNull();
    expect(toU64(Number.NaN)).toBeNull();
    expect(toU64("1")).toBeNull();
  });

  it("add, sub, overflow and max are exact modulo 2^64", () => {
    fc.assert(
      fc.property(u64Arb, u64Arb, (a, b) => {
        const ua = toU64(a);
        const ub = toU64(b);
        if (ua === null || ub === null) throw new Error("generator out of range");
        const sum = u64Add(ua, ub);
        const diff = u64Sub(ua, ub);
        expect(sum).toBe(toU64((a + b) & MASK));
        expect(diff).toBe(toU64((a - b) & MASK));
        expect(u64AddOverflows(ua, ub)).toBe(a + b > MASK);
        expect(u64ToBigInt(u64Max(ua, ub))).toBe(a > b ? a : b);
        expect(ua < ub).toBe(a < b);
        expect(ua === ub).toBe(a === b);
      }),
      { numRuns: 2000 },
    );
  });

  it("renders golden-style hex", () => {
    expect(u64Hex(0)).toBe("0x0");
    expect(u64Hex(0x1000)).toBe("0x1000");
    expect(u64Hex(MASK)).toBe("0xffffffffffffffff");
  });
});
