import { goldenBigInt, goldenNumber, loadGoldenCases } from "@panmmu/fixtures";
import { encodeLockAddr, encodeLockAddrU64, mairToMemattr } from "@panmmu/hw";
import { pgsizeChunk, pgsizeChunkU64 } from "@panmmu/iopgtable";
import { describe, expect, it } from "vitest";
import { mmuCfgInitAarch64_4k } from "../../src/mmu/pure/memattr.js";

const MASK32 = 0xffff_ffffn;
const pair = (v: bigint) => ({ lo: Number(v & MASK32), hi: Number((v >> 32n) & MASK32) });
const unpair = (p: { lo: number; hi: number }) => (BigInt(p.hi >>> 0) << 32n) | BigInt(p.lo >>> 0);
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Case {
  input: Record<string, unknown>;
  output: Record<string, unknown>;
}
function asCase(d: unknown): Case {
  const c = d as Case;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.input !== "object" ||
    typeof c.output !== "object"
  ) {
    throw new Error("malformed golden case");
  }
  return c;
}
function fn(doc: unknown): string {
  return String((doc as { function?: unknown }).function ?? "");
}

// The panfrost families of the area, chosen by the schema's `function` field ("get_pgsize
// (panfrost)", ...); a family this suite does not know fails below instead of being skipped.
const cases = loadGoldenCases("driver-pure").filter((c) => /\bpanfrost\b/.test(fn(c.document)));

describe("driver-pure golden (panfrost_*)", () => {
  for (const gc of cases) {
    const f = fn(gc.document).split(" ")[0];
    it(gc.title, () => {
      const { input, output } = asCase(gc.data);
      switch (f) {
        case "get_pgsize": {
          const addr = goldenBigInt(input.addr);
          const size = goldenBigInt(input.size);
          const r = pgsizeChunkU64(addr, size);
          expect(r.pgsize).toBe(goldenBigInt(output.pgsize));
          expect(r.count).toBe(BigInt(goldenNumber(output.count)));
          if (addr <= SAFE && size <= SAFE) {
            // The driver's number-domain version must agree wherever it applies.
            const n = pgsizeChunk(Number(addr), Number(size));
            expect(BigInt(n.pgsize)).toBe(r.pgsize);
            expect(BigInt(n.count)).toBe(r.count);
          }
          break;
        }
        case "lock_region": {
          const start = goldenBigInt(input.start);
          const size = goldenBigInt(input.size);
          const r = encodeLockAddrU64(start, size);
          if (output.lock_issued === false) {
            expect(r).toBeNull();
          } else {
            expect(r).not.toBeNull();
            expect(r?.lockaddr).toBe(goldenBigInt(output.lockaddr));
            expect(r?.width).toBe(goldenNumber(output.region_width));
            const lockedStart = goldenBigInt(output.locked_start);
            expect((r?.lockaddr ?? 0n) & ~0x3fn).toBe(lockedStart);
            expect(1n << BigInt((r?.width ?? 0) + 1)).toBe(goldenBigInt(output.locked_size));
          }
          if (start + size <= SAFE) {
            const n = encodeLockAddr(Number(start), Number(size));
            if (output.lock_issued === false) expect(n).toBeNull();
            else {
              expect(n).not.toBeNull();
              if (n !== null) {
                expect(unpair(n)).toBe(goldenBigInt(output.lockaddr));
                expect(BigInt(n.lockedStart)).toBe(goldenBigInt(output.locked_start));
              }
            }
          }
          break;
        }
        case "mair_to_memattr": {
          const m = mairToMemattr(pair(goldenBigInt(input.mair)), input.coherent === true);
          expect(unpair(m)).toBe(goldenBigInt(output.memattr));
          break;
        }
        case "mmu_cfg_init_aarch64_4k": {
          const r = mmuCfgInitAarch64_4k(
            goldenNumber(input.ias),
            input.coherent === true,
            pair(goldenBigInt(input.ttbr)),
            pair(goldenBigInt(input.mair)),
          );
          if (typeof r === "number") {
            expect(r).toBe(goldenNumber(output.ret));
            expect(output.transtab).toBeNull();
          } else {
            expect(goldenNumber(output.ret)).toBe(0);
            expect(unpair(r.transtab)).toBe(goldenBigInt(output.transtab));
            expect(unpair(r.memattr)).toBe(goldenBigInt(output.memattr));
            expect(unpair(r.transcfg)).toBe(goldenBigInt(output.transcfg));
          }
          break;
        }
        default:
          throw new Error(`unknown golden function ${f}`);
      }
    });
  }
});
