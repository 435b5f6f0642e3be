import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pgsizeChunk, pgsizeChunkU64, SZ_1G, SZ_2M, SZ_4K } from "../src/index.js";

describe("pgsizeChunk (get_pgsize)", () => {
  it("uses 4 KiB pages up to the next 2 MiB boundary, and 2 MiB blocks up to 1 GiB", () => {
    expect(pgsizeChunk(0, SZ_4K)).toEqual({ pgsize: SZ_4K, count: 1 });
    expect(pgsizeChunk(0, SZ_2M - SZ_4K)).toEqual({ pgsize: SZ_4K, count: 511 });
    expect(pgsizeChunk(SZ_4K, 4 * SZ_2M)).toEqual({ pgsize: SZ_4K, count: 511 });
    expect(pgsizeChunk(SZ_2M, 4 * SZ_2M)).toEqual({ pgsize: SZ_2M, count: 4 });
    expect(pgsizeChunk(SZ_1G - SZ_2M, SZ_1G)).toEqual({ pgsize: SZ_2M, count: 1 });
    expect(pgsizeChunk(0, 2 * SZ_1G)).toEqual({ pgsize: SZ_2M, count: 512 });
    expect(pgsizeChunk(0x3000, 0)).toEqual({ pgsize: SZ_4K, count: 511 - 2 });
  });

  it("never crosses the boundary of its table, and agrees with the u64 flavour", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 36 - 1 }),
        fc.integer({ min: 1, max: 2 ** 28 }),
        (a, s) => {
          const addr = a * SZ_4K;
          const size = s * SZ_4K;
          const c = pgsizeChunk(addr, size);
          const bytes = c.pgsize * c.count;
          const boundary = c.pgsize === SZ_4K ? SZ_2M : SZ_1G;
          const big = pgsizeChunkU64(BigInt(addr), BigInt(size));
          expect(c.count).toBeGreaterThanOrEqual(1);
          expect(bytes).toBeLessThanOrEqual(size);
          expect(Math.floor((addr + bytes - 1) / boundary)).toBe(Math.floor(addr / boundary));
          expect(big).toEqual({ pgsize: BigInt(c.pgsize), count: BigInt(c.count) });
        },
      ),
    );
  });
});
