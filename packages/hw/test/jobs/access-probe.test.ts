import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  asReg,
  CSF_GPU_CMD_SOFT_RESET,
  createPlatform,
  GPU_CMD,
  GpuAccessKind,
  GpuAccessProbe,
  JobException,
  MMU_INT_CLEAR,
  MMU_INT_RAWSTAT,
  type ProbeAccess,
  type ProbeAccessResult,
  packLockRegion,
} from "../../src/index.js";
import {
  A64_PAGE_RO,
  A64_PAGE_RW,
  HandTables,
  lockedOp,
  programAarch64,
  waitReady,
} from "../helpers/hand-tables.js";
import { Rig } from "./helpers.js";

const AS = 2;
const A = 0x80_0000;
const PAGES = 16;
const { Read, Write } = GpuAccessKind;

/** A G610 with AS 2 on hand-made AArch64 tables; BO1 and BO2 (16 pages each) tagged per page. */
function setup(seed = 1) {
  const sim = createPlatform("g610", { seed });
  const { mmio } = sim.platform;
  const t = new HandTables(sim.memory);
  const bo = (tag: number) => {
    const pages: number[] = [];
    for (let i = 0; i < PAGES; i++) {
      const pa = sim.memory.allocPage() as number;
      sim.memory.pageU32(pa).fill(tag + i);
      pages.push(pa);
    }
    return pages;
  };
  const bo1 = bo(0x1111_0000);
  const bo2 = bo(0x2222_0000);
  const mapBo = (pages: number[]) => {
    for (let i = 0; i < PAGES; i++) t.map(A + i * 0x1000, pages[i] as number, 3, A64_PAGE_RW);
  };
  mapBo(bo1);
  programAarch64(mmio, AS, t.root);
  waitReady(mmio, sim.loop, AS);
  const lock = (start: number, size: number) => {
    const r = packLockRegion(start, size);
    mmio.write32(asReg(AS, AS_LOCKADDR_LO), r.lo);
    mmio.write32(asReg(AS, AS_LOCKADDR_HI), r.hi);
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_LOCK);
    waitReady(mmio, sim.loop, AS);
  };
  const unlock = () => {
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UNLOCK);
    waitReady(mmio, sim.loop, AS);
  };
  return { sim, mmio, t, bo1, bo2, mapBo, lock, unlock, probe: sim.gpu.accessProbe };
}

/** One 4-byte read per page of [A, A + 64 KiB), at a different offset in each page. */
function readEveryPage(): ProbeAccess[] {
  const list: ProbeAccess[] = [];
  for (let i = 0; i < PAGES; i++) list.push({ va: A + i * 0x1000 + i * 68, kind: Read, size: 4 });
  return list;
}

/**
 * The "never a hole" scenario: the probe reads every page in a loop while BO1 is replaced by
 * BO2 under one lock (every PTE rewritten inside the locked region, then UNLOCK).
 */
function replaceUnderLock(seed: number) {
  const s = setup(seed);
  const seen: ProbeAccessResult[] = [];
  const run = s.probe.start({
    as: AS,
    accesses: readEveryPage(),
    repeat: Number.POSITIVE_INFINITY,
    latencyNs: 100,
    sourceId: 3,
    onAccess: (r) => seen.push(r),
  });
  s.sim.loop.advance(5_000);
  s.lock(A, PAGES * 0x1000);
  s.mapBo(s.bo2);
  s.sim.loop.advance(3_000);
  const stalledDuringLock = run.stalled;
  s.unlock();
  const unlockedAt = s.sim.loop.now;
  s.sim.loop.advance(5_000);
  run.stop();
  return { ...s, run, seen, unlockedAt, stalledDuringLock };
}

describe("GpuAccessProbe", () => {
  it("reads and writes through a mapped AS see and change memory, one latency apart", () => {
    const { sim, probe, bo1 } = setup();
    const statuses: number[] = [];
    const tail = new Uint8Array(16).map((_, i) => 0xa0 + i);
    const run = probe.start({
      as: AS,
      accesses: [
        { va: A + 0x10, kind: Read, size: 4 },
        { va: A + 0x1000 + 0x20, kind: Read, size: 8 },
        { va: A + 0x100, kind: Write, size: 4, value: 0xdeadbeef },
        { va: A + 0x100, kind: Read, size: 4 },
        { va: A + 0xffc, kind: Write, size: 8, value: 0x0102_0304_0506 },
        { va: A + 0xff8, kind: Read, size: 16 },
        { va: A + 0x2ff8, kind: Write, size: 16, value: tail },
        { va: A + 0x2ffe, kind: Read, size: 3 },
      ],
      latencyNs: 250,
      onDone: (status) => statuses.push(status),
    });
    const t0 = sim.loop.now;
    sim.loop.runUntilIdle();
    expect(run.done).toBe(true);
    expect(run.status).toBe(JobException.DONE);
    expect(statuses).toEqual([JobException.DONE]);
    expect(run.counters).toMatchObject({ issued: 8, completed: 8, stalledOnLock: 0, faulted: 0 });
    const r = run.results;
    expect(r.map((x) => x.status)).toEqual(new Array(8).fill(JobException.DONE));
    expect(r.map((x) => x.issuedNs)).toEqual(r.map((_, i) => t0 + i * 250));
    expect(r.map((x) => x.completedNs)).toEqual(r.map((_, i) => t0 + (i + 1) * 250));
    expect(r[0]).toMatchObject({ value: 0x1111_0000, pa: (bo1[0] as number) + 0x10, data: null });
    expect(r[1]).toMatchObject({ lo: 0x1111_0001, hi: 0x1111_0001, pa: (bo1[1] as number) + 0x20 });
    expect(r[3]!.value).toBe(0xdeadbeef);
    expect(sim.memory.read32((bo1[0] as number) + 0x100)).toBe(0xdeadbeef);
    // The page-crossing write landed in two pages; the 16-byte read sees both sides.
    expect(sim.memory.read32((bo1[0] as number) + 0xffc)).toBe(0x0304_0506);
    expect(sim.memory.read32(bo1[1] as number)).toBe(0x0102);
    expect(r[4]).toMatchObject({ lo: 0x0304_0506, hi: 0x0102, pa: (bo1[0] as number) + 0xffc });
    expect(Array.from(r[5]!.data ?? [])).toEqual([
      0x00, 0x00, 0x11, 0x11, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x01, 0x00, 0x11,
      0x11,
    ]);
    expect(r[5]!.lo).toBe(0x1111_0000);
    expect(Array.from(sim.memory.readBytes((bo1[3] as number) + 0, 8))).toEqual(
      Array.from(tail.subarray(8)),
    );
    expect(r[7]).toMatchObject({ value: 0xa8_a7_a6, pa: (bo1[2] as number) + 0xffe });
    expect(probe.activeRuns).toBe(0);
  });

  it("an access in a locked region waits for UNLOCK; the others proceed", () => {
    const { sim, probe, lock, unlock, bo1 } = setup();
    lock(A + 0x8000, 0x8000);
    const run = probe.start({
      as: AS,
      accesses: [
        { va: A, kind: Read, size: 4 },
        { va: A + 0x9000, kind: Read, size: 4 },
        { va: A + 0x1000, kind: Read, size: 4 },
      ],
    });
    sim.loop.advance(50_000);
    expect(run.stalled).toBe(true);
    expect(run.counters).toMatchObject({ issued: 2, completed: 1, stalledOnLock: 1, lockWaits: 1 });
    unlock();
    const unlockedAt = sim.loop.now;
    sim.loop.runUntilIdle();
    expect(run.status).toBe(JobException.DONE);
    const r = run.results;
    expect(r[1]).toMatchObject({
      value: 0x1111_0009,
      pa: bo1[9],
      lockWaits: 1,
      faultWaits: 0,
      issuedNs: r[0]!.completedNs,
      completedNs: unlockedAt + 100,
    });
    expect(r[1]!.completedNs).toBeGreaterThan(unlockedAt);
    expect(r[0]!.lockWaits + r[2]!.lockWaits).toBe(0);
    expect(run.counters).toMatchObject({ completed: 3, stalledOnLock: 1, faulted: 0 });
    expect(sim.gpu.mmu.slot(AS).counters.lockedAccesses).toBe(1);
  });

  it("never sees a hole while BO1 is replaced by BO2 under one lock", () => {
    const { run, seen, unlockedAt, stalledDuringLock } = replaceUnderLock(1);
    expect(stalledDuringLock).toBe(true);
    expect(run.status).toBe(JobException.TERMINATED);
    expect(run.counters.faulted).toBe(0);
    expect(run.counters.stalledOnLock).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(100);
    for (const r of seen) {
      const page = (r.va - A) >>> 12;
      expect(r.status).toBe(JobException.DONE);
      // BO1's data before the unlock, BO2's after: never a fault, never anything else.
      expect(r.value).toBe((r.completedNs > unlockedAt ? 0x2222_0000 : 0x1111_0000) + page);
    }
    expect(seen.some((r) => r.value >>> 16 === 0x1111)).toBe(true);
    expect(seen.some((r) => r.value >>> 16 === 0x2222)).toBe(true);
  });

  it("sees the hole when the range is unmapped and remapped in two steps", () => {
    const { sim, mmio, t, probe, bo2, mapBo } = setup();
    const run = probe.start({
      as: AS,
      accesses: readEveryPage(),
      repeat: Number.POSITIVE_INFINITY,
    });
    sim.loop.advance(3_000);
    for (let i = 0; i < PAGES; i++) t.clear(A + i * 0x1000, 3);
    lockedOp(mmio, sim.loop, AS, A, PAGES * 0x1000, AS_COMMAND_UNLOCK);
    sim.loop.advance(2_000);
    expect(run.stalled).toBe(true);
    mapBo(bo2);
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    sim.loop.advance(2_000);
    run.stop();
    expect(run.counters.faulted).toBe(1);
    expect(run.results.filter((r) => r.faultWaits > 0)).toHaveLength(1);
    expect(run.results.at(-1)!.value >>> 16).toBe(0x2222);
  });

  it("a fault is reported in the AS registers; the access resumes once mapped and cleared", () => {
    const { sim, mmio, t, probe } = setup();
    const va = A + 0x20_0000 + 0x124;
    const run = probe.start({
      as: AS,
      accesses: [
        { va: A, kind: Read, size: 4 },
        { va, kind: Write, size: 4, value: 77 },
        { va, kind: Read, size: 4 },
      ],
      sourceId: 0x42,
    });
    sim.loop.advance(10_000);
    expect(run.stalled).toBe(true);
    expect(mmio.read32(MMU_INT_RAWSTAT) & 0xffff).toBe(1 << AS);
    // Translation fault at level 2 (no table there), a WRITE, from source 0x42.
    expect(mmio.read32(asReg(AS, AS_FAULTSTATUS))).toBe(0x0042_03c2);
    expect(mmio.read32(asReg(AS, AS_FAULTADDRESS_LO))).toBe(va);
    expect(mmio.read32(asReg(AS, AS_FAULTADDRESS_HI))).toBe(0);
    sim.loop.advance(10_000);
    expect(run.counters).toMatchObject({ issued: 2, completed: 1, faulted: 1, faultWaits: 1 });
    const pa = sim.memory.allocPage() as number;
    t.map(va - 0x124, pa, 3, A64_PAGE_RW);
    mmio.write32(MMU_INT_CLEAR, 1 << AS);
    const clearedAt = sim.loop.now;
    sim.loop.runUntilIdle();
    expect(run.status).toBe(JobException.DONE);
    expect(run.results[1]).toMatchObject({
      faultWaits: 1,
      pa: pa + 0x124,
      completedNs: clearedAt + 100,
    });
    expect(run.results[2]).toMatchObject({ value: 77, faultWaits: 0 });
    expect(sim.memory.read32(pa + 0x124)).toBe(77);
  });

  it("a write to a read-only page faults with a permission fault", () => {
    const { sim, mmio, t, probe, bo1 } = setup();
    t.map(A + 0x3000, bo1[3] as number, 3, A64_PAGE_RO);
    const run = probe.start({
      as: AS,
      accesses: [{ va: A + 0x3008, kind: Write, size: 4, value: 1 }],
    });
    sim.loop.advance(1_000);
    expect(run.counters.faulted).toBe(1);
    expect(mmio.read32(asReg(AS, AS_FAULTSTATUS)) & 0x3ff).toBe(0x3cb); // WRITE, permission fault at level 3
    run.stop();
  });

  it("disabling the AS under a stalled access fails it with the fault's code and ends the run", () => {
    const { sim, mmio, probe } = setup();
    const codes: number[] = [];
    const run = probe.start({
      as: AS,
      accesses: [
        { va: A + 0x40_0000, kind: Read, size: 8 },
        { va: A, kind: Read, size: 4 },
      ],
      onDone: (s) => codes.push(s),
    });
    sim.loop.advance(1_000);
    const code = mmio.read32(asReg(AS, AS_FAULTSTATUS)) & 0xff;
    expect(code).toBe(0xc2);
    mmio.write32(asReg(AS, AS_TRANSCFG_LO), AS_TRANSCFG_ADRMODE_UNMAPPED);
    mmio.write32(asReg(AS, AS_COMMAND), AS_COMMAND_UPDATE);
    sim.loop.runUntilIdle();
    expect(run.done).toBe(true);
    expect(run.status).toBe(code);
    expect(codes).toEqual([code]);
    expect(run.counters).toMatchObject({ issued: 1, completed: 0, faulted: 1, failed: 1 });
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ status: code, pa: -1, value: 0 });
  });

  it("an address with no memory behind it fails with JOB_BUS_FAULT; an absent AS with JOB_CONFIG_FAULT", () => {
    const { sim, t, probe } = setup();
    t.map(A + 0x10_0000, 0x7000_0000, 3, A64_PAGE_RW);
    const bus = probe.start({ as: AS, accesses: [{ va: A + 0x10_0000, kind: Read, size: 4 }] });
    const absent = probe.start({ as: 9, accesses: [{ va: A, kind: Read, size: 4 }] });
    sim.loop.runUntilIdle();
    expect(bus.status).toBe(JobException.JOB_BUS_FAULT);
    expect(absent.status).toBe(JobException.JOB_CONFIG_FAULT);
    expect(bus.counters.failed + absent.counters.failed).toBe(2);
  });

  it("a periodic loop interleaves with other events and ends on stop()", () => {
    const { sim, probe, bo1 } = setup();
    const va = A + 0x40;
    // Another agent bumps the word every 2.5 µs from 2.55 µs (never at the same time as an
    // issue); each read sees the count at its issue time.
    let writes = 0;
    sim.memory.write32((bo1[0] as number) + 0x40, 0);
    const bump = () => {
      sim.memory.write32((bo1[0] as number) + 0x40, ++writes);
      sim.loop.schedule(2_500, bump, "test:bump");
    };
    sim.loop.schedule(2_550, bump, "test:bump");
    const bumpsBy = (ns: number) => (ns < 2_550 ? 0 : Math.floor((ns - 2_550) / 2_500) + 1);
    const t0 = sim.loop.now;
    const run = probe.start({
      as: AS,
      accesses: [
        { va, kind: Read, size: 4 },
        { va: A + 0x1000, kind: Read, size: 4 },
      ],
      periodNs: 1_000,
      latencyNs: 100,
      repeat: Number.POSITIVE_INFINITY,
      maxResults: 150,
    });
    sim.loop.advance(100_000 - 1);
    run.stop();
    expect(run.status).toBe(JobException.TERMINATED);
    expect(run.counters.completed).toBe(200);
    expect(run.results).toHaveLength(150);
    expect(run.counters.droppedResults).toBe(50);
    for (const r of run.results) {
      expect(r.issuedNs).toBe(t0 + r.iteration * 1_000 + r.index * 100);
      if (r.index === 0) expect(r.value).toBe(bumpsBy(r.issuedNs - t0));
    }
    const pendingBefore = sim.loop.pending;
    sim.loop.advance(10_000);
    expect(run.counters.completed).toBe(200);
    expect(sim.loop.pending).toBe(pendingBefore);
  });

  it("same seed, same results", () => {
    const strip = (rs: ProbeAccessResult[]) => JSON.stringify(rs);
    const a = replaceUnderLock(11);
    const b = replaceUnderLock(11);
    expect(strip(a.seen)).toBe(strip(b.seen));
    expect(a.run.counters).toEqual(b.run.counters);
    expect(a.sim.gpu.mmu.slot(AS).counters.lockedAccesses).toBe(
      b.sim.gpu.mmu.slot(AS).counters.lockedAccesses,
    );
  });

  it("a GPU reset terminates running probes, stalled or not", () => {
    const { sim, probe, lock } = setup();
    lock(A, 0x8000);
    const stalled = probe.start({ as: AS, accesses: [{ va: A, kind: Read, size: 4 }] });
    const running = probe.start({
      as: AS,
      accesses: [{ va: A + 0x8000, kind: Read, size: 4 }],
      repeat: Number.POSITIVE_INFINITY,
    });
    sim.loop.advance(1_000);
    expect(stalled.stalled).toBe(true);
    expect(running.counters.completed).toBe(10);
    sim.platform.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    const resetAt = sim.loop.now;
    sim.loop.runUntilIdle();
    expect(stalled.status).toBe(JobException.TERMINATED);
    expect(running.status).toBe(JobException.TERMINATED);
    expect(running.endNs).toBe(resetAt);
    expect(running.counters.completed).toBe(10);
    expect(probe.activeRuns).toBe(0);
  });

  it("runs standalone on any GpuMemoryPort (the job-engine test port here)", () => {
    const rig = new Rig();
    const pa = rig.bo(5, 0x10_0000, 8192);
    rig.memory.write32(pa + 0x1ffc, 0xabcd);
    const probe = new GpuAccessProbe({ loop: rig.loop, memory: rig.memory, port: rig.port });
    const run = probe.start({
      as: 5,
      accesses: [
        { va: 0x10_1ffc, kind: Read, size: 4 },
        { va: 0x10_2000, kind: Write, size: 4, value: 1 },
      ],
      sourceId: 6,
    });
    rig.loop.runUntilIdle();
    expect(run.results[0]).toMatchObject({ value: 0xabcd, pa: pa + 0x1ffc });
    expect(run.stalled).toBe(true);
    expect(rig.port.faults).toEqual([{ as: 5, va: 0x10_2000, kind: Write, sourceId: 6 }]);
    rig.port.abortAs(5, 0xc3);
    rig.loop.runUntilIdle();
    expect(run.status).toBe(0xc3);
  });

  it("rejects a malformed request without starting anything", () => {
    const { sim, probe } = setup();
    const pending = sim.loop.pending;
    const bad: ProbeAccess[][] = [
      [],
      [{ va: A, kind: Write, size: 4 }],
      [{ va: A, kind: Write, size: 2, value: 0x1_0000 }],
      [{ va: A, kind: Write, size: 4, value: new Uint8Array(3) }],
      [{ va: A, kind: Read, size: 0 }],
      [{ va: -4, kind: Read, size: 4 }],
      [{ va: A, kind: 7 as GpuAccessKind, size: 4 }],
    ];
    for (const accesses of bad) expect(() => probe.start({ as: AS, accesses })).toThrow(RangeError);
    const one = [{ va: A, kind: Read, size: 4 }];
    expect(() => probe.start({ as: 16, accesses: one })).toThrow(RangeError);
    expect(() => probe.start({ as: AS, accesses: one, repeat: 0 })).toThrow(RangeError);
    expect(() =>
      probe.start({ as: AS, accesses: one, repeat: Number.POSITIVE_INFINITY, latencyNs: 0 }),
    ).toThrow(RangeError);
    expect(sim.loop.pending).toBe(pending);
    expect(probe.activeRuns).toBe(0);
  });
});
