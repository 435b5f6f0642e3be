import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packRegionRange, vmLockRegionStep } from "../src/index.js";

const addr48 = fc.bigInt({ min: 0n, max: (1n << 48n) - 1n });
const size40 = fc.bigInt({ min: 1n, max: 1n << 40n });

describe("packRegionRange", () => {
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
        expect(l.start).toBeLessThanOrEqual(s1);
        expect(l.start).toBeLessThanOrEqual(s2);
        expect(l.start + l.size).toBeGreaterThanOrEqual(s1 + z1);
        expect(l.start + l.size).toBeGreaterThanOrEqual(s2 + z2);
      }),
    );
  });
});
