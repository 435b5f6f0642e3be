import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeLockRegion,
  getPgsize,
  packRegionRange,
  U64_MAX,
  vmLockRegionStep,
} from "../src/index.js";

const addr48 = fc.bigInt({ min: 0n, max: (1n << 48n) - 1n });
const size40 = fc.bigInt({ min: 1n, max: 1n << 40n });

describe("LOCK region encoding", () => {
  it("is the smallest naturally aligned power-of-two block (>= 32 KiB) covering the range", () => {
    fc.assert(
      fc.property(addr48, size40, (start, size) => {
        const r = encodeLockRegion(start, size);
        const end = start + size;
        // covers the range
        expect(r.start <= start && r.start + r.size >= end).toBe(true);
        expect(r.size >= 0x8000n).toBe(true);
        expect(r.lockaddr & 0x3fn).toBe(BigInt(r.width));
        expect(r.size).toBe(1n << BigInt(r.width + 1));
        // a block of half the size, aligned to it, cannot cover the range unless at the minimum
        if (r.size > 0x8000n) {
          const half = r.size / 2n;
          const base = start & ~(half - 1n);
          expect(base + half >= end).toBe(false);
        }
      }),
    );
  });

  it("packRegionRange warns on size 0 and leaves the range unchanged", () => {
    expect(packRegionRange(0x1000n, 0n)).toEqual({
      lockaddr: 0n,
      start: 0x1000n,
      size: 0n,
      warned: true,
    });
    expect(packRegionRange(0x1000n, 0x1000n)).toEqual({
      lockaddr: 0xen,
      start: 0n,
      size: 0x8000n,
      warned: false,
    });
  });

  it("covers the whole u64 space with width 63", () => {
    const r = encodeLockRegion(0n, U64_MAX);
    expect(r.width).toBe(63);
    expect(r.size).toBe(1n << 64n);
  });
});

describe("vmLockRegionStep", () => {
  it("keeps the old region and returns the error when LOCK fails", () => {
    const cur = { start: 0x200000n, size: 0x200000n };
    const r = vmLockRegionStep(cur, true, 0x600000n, 0x1000n, () => -110);
    expect(r.ret).toBe(-110);
    expect(r.locked).toBe(cur);
    expect(r.lockIssued).toBe(true);
    expect(r.warnedDisjoint).toBe(true);
  });

  it("a second request widens the lock to cover both ranges", () => {
    fc.assert(
      fc.property(addr48, size40, addr48, size40, (s1, z1, s2, z2) => {
        const first = vmLockRegionStep({ start: 0n, size: 0n }, true, s1, z1, () => 0);
        const second = vmLockRegionStep(first.locked, true, s2, z2, () => 0);
        const l = second.locked;
        return (
          l.start <= s1 &&
          l.start <= s2 &&
          l.start + l.size >= s1 + z1 &&
          l.start + l.size >= s2 + z2
        );
      }),
    );
  });
});

describe("getPgsize", () => {
  it("never crosses a 2 MiB boundary with 4 KiB pages nor a 1 GiB boundary with blocks", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 36n) - 1n }).map((v) => v << 12n),
        fc.bigInt({ min: 1n, max: 1n << 28n }).map((v) => v << 12n),
        (addr, size) => {
          const { pgsize, count } = getPgsize(addr, size);
          const bytes = pgsize * count;
          if (bytes > size || count < 1n) return false;
          const boundary = pgsize === 0x1000n ? 0x200000n : 0x40000000n;
          return addr / boundary === (addr + bytes - 1n) / boundary;
        },
      ),
    );
  });
});
