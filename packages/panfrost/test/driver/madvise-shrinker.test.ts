/**
 * madvise rules and the shrinker: DONTNEED only for an unshared BO of the caller, `retained`
 * as the kernel reports it, purge tears GPU mappings down first and never touches BOs in use.
 */
import { drmGemFlink, drmGemOpen } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import {
  EINVAL,
  ENOENT,
  PANFROST_BO_NOEXEC,
  PANFROST_MADV_DONTNEED,
  PANFROST_MADV_WILLNEED,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { boStats, deviceDump, fileStats, formatDump } from "../../src/debug/stats.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;

describe("madvise and shrinker", () => {
  it("DONTNEED needs a single mapping owned by the caller; retained reported; unknown handle -ENOENT", () => {
    const s = makeStack();
    const a = s.open("a");
    const b = s.open("b");
    const bo = a.createBo(8192, PANFROST_BO_NOEXEC);
    expect(a.madvise(999, PANFROST_MADV_DONTNEED).ret).toBe(-ENOENT);
    // Shared with b: never purgeable.
    const name = drmGemFlink(a.handle.file, bo.handle);
    const opened = drmGemOpen(b.handle.file, name);
    if (typeof opened === "number") throw new Error("open");
    expect(a.madvise(bo.handle, PANFROST_MADV_DONTNEED).ret).toBe(-EINVAL);
    expect(b.madvise(opened.handle, PANFROST_MADV_DONTNEED).ret).toBe(-EINVAL);
    expect(b.gemClose(opened.handle)).toBe(0);
    // Unshared again: allowed, retained = 1.
    const r = a.madvise(bo.handle, PANFROST_MADV_DONTNEED);
    expect(r).toEqual({ ret: 0, retained: 1 });
    expect(fileStats(s.dev).find((f) => f.name === "a")?.purgeable).toBe(8192);
    expect(a.madvise(bo.handle, PANFROST_MADV_WILLNEED)).toEqual({ ret: 0, retained: 1 });
    expect(fileStats(s.dev).find((f) => f.name === "a")?.purgeable).toBe(0);
    a.close();
    b.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });

  it("the shrinker purges idle DONTNEED BOs (GPU mapping torn down first), never BOs in use", () => {
    const s = makeStack();
    const c = s.open("c");
    const idle = c.createBo(64 * 1024, PANFROST_BO_NOEXEC);
    const busy = c.createBo(64 * 1024, PANFROST_BO_NOEXEC);
    // A long job uses `busy`.
    const sub = submitProgram(
      c,
      new ProgramBuilder()
        .delay(50 * MS)
        .write32(busy.offset, 9)
        .end()
        .buildBytes(),
      [busy.handle],
    );
    expect(sub.ret).toBe(0);
    expect(c.madvise(idle.handle, PANFROST_MADV_DONTNEED).retained).toBe(1);
    expect(c.madvise(busy.handle, PANFROST_MADV_DONTNEED).retained).toBe(1);
    s.sim.loop.advance(MS);
    const before = s.sim.memory.allocatedPages;
    const freed = s.dev.shrink(1_000_000);
    expect(freed).toBe(16);
    expect(s.sim.memory.allocatedPages).toBe(before - 16);
    const st = boStats(s.dev);
    expect(st.find((b) => b.size === 65536 && b.purged)?.mappings[0]?.active).toBe(false);
    expect(st.filter((b) => b.purged).length).toBe(1);
    // WILLNEED on a purged BO: retained = 0.
    expect(c.madvise(idle.handle, PANFROST_MADV_WILLNEED)).toEqual({ ret: 0, retained: 0 });
    // A GPU access to the purged BO now faults (its mapping is gone), reported with the BO.
    // (Its VA was released too, so aim past the small job BO that may now reuse its start.)
    const touch = submitProgram(
      c,
      new ProgramBuilder()
        .write32(idle.offset + 0x8000, 1)
        .end()
        .buildBytes(),
      [idle.handle],
    );
    expect(touch.ret).toBe(0);
    expect(waitSubmission(c, touch, 100 * MS)).toBe(true);
    expect(c.fenceError(touch.outSync)).not.toBe(0);
    const rec = s.dev.mmu.faultLog.records.at(-1);
    expect(rec?.reason).toBe("no mapping");
    expect(rec?.va).toBe(idle.offset + 0x8000);
    // The busy BO survives until its job finished, then can be purged.
    expect(waitSubmission(c, sub, 200 * MS)).toBe(true);
    expect(c.fenceError(sub.outSync)).toBe(0);
    expect(s.dev.shrink(1_000_000)).toBe(16);
    const text = formatDump(deviceDump(s.dev));
    expect(text).toContain("AS slots:");
    expect(text).toContain("(unmapped)");
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("memory pressure runs the shrinker through system memory", () => {
    const s = makeStack("t860", {}, { memory: { size: 64 << 20 } });
    const c = s.open("c");
    const a = c.createBo(24 << 20, PANFROST_BO_NOEXEC);
    expect(a.ret).toBe(0);
    expect(c.madvise(a.handle, PANFROST_MADV_DONTNEED).retained).toBe(1);
    // Needs more than what is free: the shrinker must purge `a`.
    const b = c.createBo(48 << 20, PANFROST_BO_NOEXEC);
    expect(b.ret).toBe(0);
    expect(c.madvise(a.handle, PANFROST_MADV_WILLNEED).retained).toBe(0);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });
});
