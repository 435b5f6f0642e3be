import { CollectingWarningSink } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PAGE_POISON, SystemMemory } from "../src/index.js";

describe("SystemMemory", () => {
  it("allocates zeroed pages from the base, counts and reuses LIFO", () => {
    const m = new SystemMemory({ base: 0x8000_0000, size: 64 * 4096 });
    const a = m.allocPage();
    const b = m.allocPage();
    expect(a).toBe(0x8000_0000);
    expect(b).toBe(0x8000_1000);
    m.write32(0x8000_0010, 0xdeadbeef);
    expect(m.pageU32(0x8000_0000)[4]).toBe(0xdeadbeef);
    expect(m.pageU8(0x8000_0000)[16]).toBe(0xef);
    expect(m.allocatedPages).toBe(2);
    m.freePage(0x8000_0000);
    expect(m.isAllocated(0x8000_0000)).toBe(false);
    expect(m.allocPage()).toBe(0x8000_0000);
    expect(m.read32(0x8000_0010)).toBe(0);
    expect(m.peakPages).toBe(2);
    expect(m.freePages).toBe(62);
  });

  it("allocates aligned contiguous runs", () => {
    const m = new SystemMemory({ base: 0x8000_0000, size: 8 * 1024 * 1024 });
    expect(m.allocPage()).toBe(0x8000_0000);
    const run = m.allocContiguous(512, 512);
    expect(run).toBe(0x8020_0000);
    expect(m.allocatedPages).toBe(513);
    expect(m.allocContiguous(512 * 4, 512)).toBeNull();
  });

  it("reads and writes 64-bit values as halves and copies bytes across pages", () => {
    const m = new SystemMemory({ size: 16 * 4096 });
    const p = m.allocContiguous(2, 1) as number;
    m.write64(p + 8, 0x11223344, 0x55667788);
    expect(m.read64Lo(p + 8)).toBe(0x11223344);
    expect(m.read64Hi(p + 8)).toBe(0x55667788);
    m.fill(p + 4090, 12, 0xab);
    m.copy(p + 100, p + 4090, 12);
    expect([...m.readBytes(p + 100, 12)]).toEqual(new Array(12).fill(0xab));
    expect(m.stats.strayAccesses).toBe(0);
    expect(m.read32(0x10)).toBe(0);
    expect(m.stats.strayAccesses).toBe(1);
  });

  it("fails the Nth allocation and with a seeded probability", () => {
    const m = new SystemMemory({ size: 64 * 4096, seed: 9 });
    m.failNthAllocation(2);
    expect(m.allocPage()).not.toBeNull();
    expect(m.allocPage()).toBeNull();
    expect(m.allocPage()).not.toBeNull();
    const pattern = (seed: number) => {
      const mm = new SystemMemory({ size: 64 * 4096, seed });
      mm.setFailureProbability(0.5);
      return Array.from({ length: 20 }, () => mm.allocPage() === null);
    };
    expect(pattern(4)).toEqual(pattern(4));
    expect(pattern(4).some((x) => x)).toBe(true);
    expect(m.stats.injectedFailures).toBe(1);
  });

  it("asks shrinkers for pages when exhausted", () => {
    const m = new SystemMemory({ size: 2 * 4096 });
    const held = [m.allocPage() as number, m.allocPage() as number];
    const unregister = m.registerShrinker({
      name: "test",
      count: () => held.length,
      scan: (n) => {
        let freed = 0;
        while (freed < n && held.length > 0) {
          m.freePage(held.pop() as number);
          freed++;
        }
        return freed;
      },
    });
    expect(m.allocPage()).not.toBeNull();
    expect(m.stats.shrinkerCalls).toBe(1);
    expect(held).toHaveLength(1);
    unregister();
    expect(m.allocPage()).toBeNull();
    expect(held).toHaveLength(1);
  });

  it("places pages at fixed addresses and satisfies the page-table memory shape", () => {
    interface PageTableMemoryShape {
      allocPage(): number | null;
      freePage(pa: number): void;
      pageU32(pa: number): Uint32Array;
    }
    const m: PageTableMemoryShape & SystemMemory = new SystemMemory({
      base: 0x8000_0000,
      size: 16 * 4096,
    });
    expect(m.allocPageAt(0x8000_3000)).toBe(true);
    expect(m.allocPageAt(0x8000_3000)).toBe(false);
    expect(m.allocPageAt(0x9000_0000)).toBe(false);
    expect(m.isAllocated(0x8000_3abc)).toBe(true);
    expect(m.contains(0x8000_f000)).toBe(true);
    expect(m.contains(0x8001_0000)).toBe(false);
    const g = m.releaseGeneration;
    m.freePage(0x8000_3000);
    expect(m.releaseGeneration).not.toBe(g);
  });

  it("rejects double frees without changing state", () => {
    const m = new SystemMemory({ size: 4 * 4096 });
    const p = m.allocPage() as number;
    m.freePage(p);
    expect(() => m.freePage(p)).toThrow(RangeError);
    expect(m.allocatedPages).toBe(0);
  });

  it("keeps allocated + free equal to the range for any alloc/free sequence", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 80 }), (ops) => {
        const m = new SystemMemory({ size: 32 * 4096 });
        const live: number[] = [];
        for (const alloc of ops) {
          if (alloc) {
            const p = m.allocPage();
            if (p !== null) {
              expect(live).not.toContain(p);
              live.push(p);
            }
          } else if (live.length > 0) m.freePage(live.shift() as number);
        }
        expect(m.allocatedPages).toBe(live.length);
        expect(m.allocatedPages + m.freePages).toBe(32);
      }),
    );
  });
});

describe("SystemMemory slabs, generations and poisoning", () => {
  it("gives a reused page a zeroed view and a new generation", () => {
    const m = new SystemMemory({ size: 16 * 4096 });
    const p = m.allocPage() as number;
    const g = m.pageGeneration(p);
    const w = m.pageU32(p);
    w.fill(0x12345678);
    m.freePage(p);
    expect(m.pageGeneration(p)).toBe(g + 1);
    // The freed page is absent to the address-based accessors.
    expect(m.words(p)).toBeUndefined();
    expect(m.read32(p)).toBe(0);
    expect(m.stats.strayAccesses).toBe(1);
    expect(m.allocPage()).toBe(p);
    expect(m.pageGeneration(p)).toBe(g + 1);
    expect([...m.pageU32(p)].every((x) => x === 0)).toBe(true);
    expect(m.pageGeneration(0)).toBe(-1);
  });

  it("keeps one byte view per page and aliases it with the word view", () => {
    const m = new SystemMemory({ size: 16 * 4096 });
    const p = m.allocPage() as number;
    expect(m.pageU8(p)).toBe(m.pageU8(p + 100));
    m.pageU8(p)[4] = 0x7f;
    expect(m.read32(p + 4)).toBe(0x7f);
  });

  it("backs pages of different slabs with separate memory", () => {
    // 300 pages: a full slab of 256 and a partial one of 44.
    const m = new SystemMemory({ base: 0x8000_0000, size: 300 * 4096 });
    const run = m.allocContiguous(300, 1) as number;
    for (let i = 0; i < 300; i++) m.write32(run + i * 4096, i + 1);
    for (let i = 0; i < 300; i++) expect(m.read32(run + i * 4096)).toBe(i + 1);
    expect(m.pageU32(run + 299 * 4096).length).toBe(1024);
    expect(m.allocPage()).toBeNull();
  });

  it("reports a write through a stale view when the page is allocated again (poison)", () => {
    const warnings = new CollectingWarningSink();
    const m = new SystemMemory({ size: 8 * 4096, poison: true, warnings });
    const p = m.allocPage() as number;
    const stale = m.pageU32(p);
    m.freePage(p);
    expect(stale[0]).toBe(PAGE_POISON * 0x01010101);
    stale[5] = 1;
    expect(m.allocPage()).toBe(p);
    expect(m.stats.poisonCorruptions).toBe(1);
    expect(warnings.warnings).toHaveLength(1);
    expect(warnings.warnings[0]?.message).toContain("written after free (word 5: 0x1)");
    // The new owner still gets a zeroed page; an untouched freed page passes the check.
    expect([...m.pageU32(p)].every((x) => x === 0)).toBe(true);
    m.freePage(p);
    expect(m.allocPage()).toBe(p);
    expect(m.stats.poisonCorruptions).toBe(1);
  });

  it("does not report without poisoning", () => {
    const m = new SystemMemory({ size: 8 * 4096 });
    const p = m.allocPage() as number;
    const stale = m.pageU32(p);
    m.freePage(p);
    stale[5] = 1;
    expect(m.allocPage()).toBe(p);
    expect(m.pageU32(p)[5]).toBe(0);
    expect(m.stats.poisonCorruptions).toBe(0);
  });
});

describe("SystemMemory reservations", () => {
  it("counts reserved pages as allocated until taken or given back", () => {
    const m = new SystemMemory({ size: 8 * 4096 });
    expect(m.reservePages(6)).toBe(true);
    expect(m.allocatedPages).toBe(6);
    expect(m.freePages).toBe(2);
    expect(m.reservedPages).toBe(6);
    expect(m.allocPage()).not.toBeNull();
    expect(m.allocPage()).not.toBeNull();
    // Everything else is promised to the reservation.
    expect(m.allocPage()).toBeNull();
    expect(m.allocContiguous(1, 1)).toBeNull();
    const p = m.allocReservedPage() as number;
    expect(m.isAllocated(p)).toBe(true);
    expect([...m.pageU32(p)].every((x) => x === 0)).toBe(true);
    expect(m.allocatedPages).toBe(8);
    m.unreservePages(5);
    expect(m.allocatedPages).toBe(3);
    expect(m.peakPages).toBe(8);
    expect(() => m.unreservePages(1)).toThrow(RangeError);
    expect(() => m.allocReservedPage()).toThrow(RangeError);
  });

  it("sees one injection point per reserved page and reserves nothing when one fails", () => {
    const m = new SystemMemory({ size: 64 * 4096 });
    m.failNthAllocation(4);
    expect(m.reservePages(3)).toBe(true);
    // The 4th call is the first page of the next reservation.
    expect(m.reservePages(3)).toBe(false);
    expect(m.allocatedPages).toBe(3);
    expect(m.stats.injectedFailures).toBe(1);
    expect(m.allocPage()).not.toBeNull();
    m.failEveryNth(10);
    // Calls 5 and 6 succeed; a reservation spanning call 10 fails.
    expect(m.reservePages(2)).toBe(true);
    expect(m.reservePages(5)).toBe(false);
    expect(m.stats.injectedFailures).toBe(2);
  });

  it("asks the shrinkers for the missing pages before failing a reservation", () => {
    const m = new SystemMemory({ size: 4 * 4096 });
    const held = [m.allocPage() as number, m.allocPage() as number, m.allocPage() as number];
    m.registerShrinker({
      name: "test",
      count: () => held.length,
      scan: (n) => {
        let freed = 0;
        while (freed < n && held.length > 0) {
          m.freePage(held.pop() as number);
          freed++;
        }
        return freed;
      },
    });
    expect(m.reservePages(3)).toBe(true);
    expect(held).toHaveLength(1);
    expect(m.reservePages(2)).toBe(false);
    expect(m.stats.failures).toBe(1);
  });
});
