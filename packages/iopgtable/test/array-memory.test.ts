import { describe, expect, it } from "vitest";
import { ArrayPageTableMemory } from "../src/index.js";

describe("ArrayPageTableMemory", () => {
  it("hands out zeroed pages from base upwards and reuses freed pages last-in-first-out", () => {
    const m = new ArrayPageTableMemory({ base: 0x1000_0000 });
    const a = m.allocPage();
    const b = m.allocPage();
    const c = m.allocPage();
    expect([a, b, c]).toEqual([0x1000_0000, 0x1000_1000, 0x1000_2000]);
    m.pageU32(0x1000_1000)[7] = 0xdead;
    m.freePage(0x1000_1000);
    m.freePage(0x1000_2000);
    expect(m.allocPage()).toBe(0x1000_2000);
    expect(m.allocPage()).toBe(0x1000_1000);
    expect(m.pageU32(0x1000_1000)[7]).toBe(0);
    expect(m.livePages).toBe(3);
    expect(m.peakPages).toBe(3);
    expect(m.allocCount).toBe(5);
    expect(m.freeCount).toBe(2);
    expect(m.livePageAddresses()).toEqual([0x1000_0000, 0x1000_1000, 0x1000_2000]);
  });

  it("rejects access to pages that are not live", () => {
    const m = new ArrayPageTableMemory();
    const a = m.allocPage()!;
    expect(() => m.pageU32(a + 8)).toThrow();
    expect(() => m.pageU32(a + 0x1000)).toThrow();
    expect(() => m.pageU32(a - 0x1000)).toThrow();
    m.freePage(a);
    expect(() => m.pageU32(a)).toThrow();
    expect(() => m.freePage(a)).toThrow();
    expect(m.isLive(a)).toBe(false);
  });

  it("fails exactly the injected allocation attempts", () => {
    const m = new ArrayPageTableMemory();
    m.failAlloc(2);
    expect(m.allocPage()).not.toBeNull();
    expect(m.allocPage()).toBeNull();
    expect(m.allocPage()).not.toBeNull();
    m.failAlloc(1, 2);
    expect(m.allocPage()).toBeNull();
    expect(m.allocPage()).toBeNull();
    expect(m.allocPage()).not.toBeNull();
    m.failAlloc(1);
    m.clearFailures();
    expect(m.allocPage()).not.toBeNull();
    expect(m.livePages).toBe(4);
    expect(m.allocAttempts).toBe(7);
  });

  it("enforces maxPages", () => {
    const m = new ArrayPageTableMemory({ maxPages: 2 });
    expect(m.allocPage()).not.toBeNull();
    const b = m.allocPage()!;
    expect(m.allocPage()).toBeNull();
    m.freePage(b);
    expect(m.allocPage()).toBe(b);
  });

  it("rejects a misaligned base", () => {
    expect(() => new ArrayPageTableMemory({ base: 0x1234 })).toThrow(RangeError);
  });
});

describe("ArrayPageTableMemory reservations", () => {
  it("counts a reservation as live pages and hands its pages out zeroed without failing", () => {
    const m = new ArrayPageTableMemory({ base: 0x1000_0000, maxPages: 4 });
    const a = m.allocPage() as number;
    m.pageU32(a)[3] = 9;
    m.freePage(a);
    expect(m.reservePages(3)).toBe(true);
    expect(m.livePages).toBe(3);
    expect(m.reservedPages).toBe(3);
    // The limit counts the reservation: one page is left for ordinary allocations.
    expect(m.reservePages(2)).toBe(false);
    const b = m.allocPage();
    expect(b).not.toBeNull();
    expect(m.allocPage()).toBeNull();
    const r = m.allocReservedPage() as number;
    expect(m.pageU32(r)[3]).toBe(0);
    expect(m.reservedPages).toBe(2);
    expect(m.livePages).toBe(4);
    m.unreservePages(2);
    expect(m.livePages).toBe(2);
    expect(() => m.unreservePages(1)).toThrow(/reserved/);
    expect(() => m.allocReservedPage()).toThrow(/no page reserved/);
  });

  it("fails a reservation at an injected attempt inside it, reserving nothing", () => {
    const m = new ArrayPageTableMemory();
    m.failAlloc(3);
    expect(m.reservePages(5)).toBe(false);
    expect(m.allocAttempts).toBe(3);
    expect(m.livePages).toBe(0);
    // The failure is used up: the same reservation now succeeds.
    expect(m.reservePages(5)).toBe(true);
    expect(m.allocAttempts).toBe(8);
  });
});
