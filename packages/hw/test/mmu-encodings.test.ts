import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AS_MEMATTR_BYTE_NC,
  AS_MEMATTR_BYTE_WB,
  encodeLockAddr,
  encodeLockAddrU64,
  mairByteToMemattr,
  mairToMemattr,
  mairToMemattrU64,
} from "../src/index.js";

const addr48 = fc.bigInt({ min: 0n, max: (1n << 48n) - 1n });
const size40 = fc.bigInt({ min: 1n, max: 1n << 40n });

describe("AS_LOCKADDR encoding", () => {
  it("is the smallest naturally aligned power-of-two block (>= 32 KiB) covering the range", () => {
    fc.assert(
      fc.property(addr48, size40, (start, size) => {
        const r = encodeLockAddrU64(start, size);
        if (r === null) return false;
        const end = start + size;
        expect(r.lockedStart <= start && r.lockedStart + r.lockedSize >= end).toBe(true);
        expect(r.lockedSize >= 0x8000n).toBe(true);
        expect(r.lockaddr & 0x3fn).toBe(BigInt(r.width));
        expect(r.lockaddr & ~0x3fn).toBe(r.lockedStart);
        expect(r.lockedSize).toBe(1n << BigInt(r.width + 1));
        // half the size, aligned to it, cannot cover the range unless at the minimum
        if (r.lockedSize > 0x8000n) {
          const half = r.lockedSize / 2n;
          expect((start & ~(half - 1n)) + half >= end).toBe(false);
        }
        return true;
      }),
    );
  });

  it("has a number flavour that agrees with the u64 one on safe integers", () => {
    fc.assert(
      fc.property(addr48, size40, (start, size) => {
        const n = encodeLockAddr(Number(start), Number(size));
        const b = encodeLockAddrU64(start, size);
        expect(n).not.toBeNull();
        expect(b).not.toBeNull();
        if (n === null || b === null) return;
        expect((BigInt(n.hi) << 32n) | BigInt(n.lo)).toBe(b.lockaddr);
        expect(n.width).toBe(b.width);
        expect(BigInt(n.lockedStart)).toBe(b.lockedStart);
      }),
    );
  });

  it("issues nothing for size 0, and covers the whole u64 space with width 63", () => {
    expect(encodeLockAddr(0x1000, 0)).toBeNull();
    expect(encodeLockAddrU64(0x1000n, 0n)).toBeNull();
    const all = encodeLockAddrU64(0n, (1n << 64n) - 1n);
    expect(all?.width).toBe(63);
    expect(all?.lockedSize).toBe(1n << 64n);
    expect(encodeLockAddr(0x1000, 0x1000)).toEqual({ lo: 14, hi: 0, width: 14, lockedStart: 0 });
  });
});

describe("MAIR to AS_MEMATTR", () => {
  it("maps write-back attributes with allocation hints and everything else to non-cacheable", () => {
    expect([AS_MEMATTR_BYTE_NC, AS_MEMATTR_BYTE_WB]).toEqual([0x4c, 0x8c]);
    expect(mairByteToMemattr(0xff, false)).toBe(0x8f);
    expect(mairByteToMemattr(0xff, true)).toBe(0x9f);
    expect(mairByteToMemattr(0xf4, false)).toBe(0x8c); // inner "non-cacheable" still passes
    expect(mairByteToMemattr(0x44, true)).toBe(0x4c);
    expect(mairByteToMemattr(0x00, true)).toBe(0x4c);
  });

  it("translates io-pgtable's sign-extended stage-1 MAIR as the kernel does", () => {
    expect(mairToMemattrU64(0xfffffffff404ff44n, false)).toBe(0x8f8f8f8f8c4c8f4cn);
    expect(mairToMemattrU64(0xfffffffff404ff44n, true)).toBe(0x9f9f9f9f9c4c9f4cn);
    expect(mairToMemattr({ lo: 0xf404ff44, hi: 0xffffffff }, false)).toEqual({
      lo: 0x8c4c8f4c,
      hi: 0x8f8f8f8f,
    });
  });
});
