import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pgsizeChunk, pgsizeChunkU64, SZ_1G, SZ_2M, SZ_4K } from "../src/index.js";

const SZ_16K = 0x4000;
const SZ_64K = 0x1_0000;
const SZ_32M = 0x200_0000;
const SZ_512M = 0x2000_0000;
const SZ_64G = 2 ** 36;
const SZ_4T = 2 ** 42;

/** Per granule: its page, its level-2 block and the span of a level-1 entry. */
const GRANULES = [
  { granule: SZ_4K, block: SZ_2M, span: SZ_1G },
  { granule: SZ_16K, block: SZ_32M, span: SZ_64G },
  { granule: SZ_64K, block: SZ_512M, span: SZ_4T },
] as const;

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

  it("maps exactly 2 MiB at a 2 MiB-aligned address as one 2 MiB block", () => {
    // The size test is `size < 2 MiB`: exactly one block's worth is a block, not 512 pages.
    expect(pgsizeChunk(0, SZ_2M)).toEqual({ pgsize: SZ_2M, count: 1 });
    expect(pgsizeChunk(SZ_2M, SZ_2M)).toEqual({ pgsize: SZ_2M, count: 1 });
    expect(pgsizeChunk(0x1_4000_0000 + 7 * SZ_2M, SZ_2M)).toEqual({ pgsize: SZ_2M, count: 1 });
    expect(pgsizeChunkU64(BigInt(SZ_2M), BigInt(SZ_2M))).toEqual({
      pgsize: BigInt(SZ_2M),
      count: 1n,
    });
    // One page less is pages; one page more is still a single block first.
    expect(pgsizeChunk(SZ_2M, SZ_2M - SZ_4K)).toEqual({ pgsize: SZ_4K, count: 511 });
    expect(pgsizeChunk(SZ_2M, SZ_2M + SZ_4K)).toEqual({ pgsize: SZ_2M, count: 1 });
  });

  it("applies the same boundaries to 32 MiB and 512 MiB blocks of the 16 and 64 KiB granules", () => {
    for (const { granule, block, span } of GRANULES) {
      const pages = block / granule;
      const at = (a: number, s: number) => pgsizeChunk(a, s, granule);
      expect(at(0, block), `${granule}`).toEqual({ pgsize: block, count: 1 });
      expect(at(block, block), `${granule}`).toEqual({ pgsize: block, count: 1 });
      expect(at(span - block, block), `${granule}`).toEqual({ pgsize: block, count: 1 });
      expect(at(block, block - granule), `${granule}`).toEqual({
        pgsize: granule,
        count: pages - 1,
      });
      expect(at(block + granule, 4 * block), `${granule}`).toEqual({
        pgsize: granule,
        count: pages - 1,
      });
      // Blocks stop at the level-1 boundary; an empty size fills to the next block boundary.
      expect(at(span - block, 3 * block), `${granule}`).toEqual({ pgsize: block, count: 1 });
      expect(at(0, 2 * span), `${granule}`).toEqual({ pgsize: block, count: span / block });
      expect(at(3 * granule, 0), `${granule}`).toEqual({ pgsize: granule, count: pages - 3 });
      expect(pgsizeChunkU64(BigInt(block), BigInt(block), BigInt(granule))).toEqual({
        pgsize: BigInt(block),
        count: 1n,
      });
    }
  });

  it("never crosses the boundary of its table, and agrees with the u64 flavour", () => {
    for (const { granule, block, span } of GRANULES) {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 ** 52 / granule - 1 }),
          fc.integer({ min: 1, max: 2 ** 40 / granule }),
          (a, s) => {
            const addr = a * granule;
            const size = s * granule;
            const c = pgsizeChunk(addr, size, granule);
            const bytes = c.pgsize * c.count;
            const boundary = c.pgsize === granule ? block : span;
            const big = pgsizeChunkU64(BigInt(addr), BigInt(size), BigInt(granule));
            expect(c.count).toBeGreaterThanOrEqual(1);
            expect(bytes).toBeLessThanOrEqual(size);
            expect(Math.floor((addr + bytes - 1) / boundary)).toBe(Math.floor(addr / boundary));
            expect(big).toEqual({ pgsize: BigInt(c.pgsize), count: BigInt(c.count) });
          },
        ),
      );
    }
    expect(pgsizeChunk(SZ_4K, SZ_4K)).toEqual({ pgsize: SZ_4K, count: 1 });
  });
});
