/**
 * MMAP_BO and mmap() with the DRM core's fake offsets: a mapping keeps its BO and its file
 * alive until munmap (drm_gem_mmap_obj's object reference, the mapping's vm_file), and a file
 * holding no handle to a BO gets -EACCES for its offset (the vma node's allow list).
 */

import { drmGemFlink, drmGemOpen, drmSyncobjFind } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import { EACCES, EINVAL, PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram } from "../../src/client/program.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;

describe("mmap lifetime", () => {
  it("GEM_CLOSE of the only handle: the mapping still reads and writes, the pages go at munmap", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(3 * 4096, PANFROST_BO_NOEXEC);
    const map = c.map(bo.handle);
    if (typeof map === "number") throw new Error(`map ${map}`);
    map.writeU32(4096, 0x11223344);
    const withBo = s.sim.memory.allocatedPages;
    expect(c.gemClose(bo.handle)).toBe(0);
    expect(s.dev.bos.size).toBe(1);
    expect(s.sim.memory.allocatedPages).toBe(withBo);
    map.writeU32(2 * 4096 + 12, 0x55);
    expect(map.readU32(4096)).toBe(0x11223344);
    expect(map.readU32(2 * 4096 + 12)).toBe(0x55);
    expect(map.munmap()).toBe(0);
    expect(s.dev.bos.size).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(withBo - 3);
    expect(map.munmap()).toBe(0);
    expect(c.close()).toBe(0);
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("closing a file with a job in flight and a live mapping: the job completes, the release waits for munmap", () => {
    const s = makeStack();
    const c = s.open("mapper");
    const target = c.createBo(4096, PANFROST_BO_NOEXEC);
    const map = c.map(target.handle);
    if (typeof map === "number") throw new Error(`map ${map}`);
    const sub = submitProgram(
      c,
      new ProgramBuilder()
        .delay(50 * MS)
        .write32(target.offset + 8, 0xfeed)
        .end()
        .buildBytes(),
      [target.handle],
    );
    expect(sub.ret).toBe(0);
    const syncobj = drmSyncobjFind(c.handle.file, sub.outSync);
    if (syncobj === null) throw new Error("no out-sync");
    const found = syncobj.findFence(0);
    syncobj.put();
    if (typeof found === "number") throw new Error(`no fence ${found}`);
    const fence = found.fence;
    s.sim.loop.advance(MS);
    expect(fence.signaled).toBe(false);
    expect(c.close()).toBe(0);
    // The mapping holds the file: no release yet, so the job is not killed.
    expect(s.dev.files).toContain(c.handle.priv);
    s.sim.loop.runUntilIdle(100_000);
    expect(fence.signaled).toBe(true);
    expect(fence.error).toBe(0);
    expect(s.dev.jobs.counters.cancelled).toBe(0);
    expect(map.readU32(8)).toBe(0xfeed);
    expect(c.handle.priv.closed).toBe(false);
    expect(c.handle.file.released).toBe(false);
    expect(map.munmap()).toBe(0);
    expect(c.handle.file.released).toBe(true);
    expect(c.handle.priv.closed).toBe(true);
    expect(s.dev.files).not.toContain(c.handle.priv);
    s.sim.loop.runUntilIdle(100_000);
    expect(s.dev.bos.size).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });
});

describe("mmap access", () => {
  it("another file's BO offset is -EACCES, a never-allocated one -EINVAL; GEM_OPEN by name then mmap works", () => {
    const s = makeStack();
    const a = s.open("owner");
    const b = s.open("other");
    const bo = a.createBo(2 * 4096, PANFROST_BO_NOEXEC);
    const off = a.mmapBo(bo.handle);
    expect(off.ret).toBe(0);
    expect(b.mmap(off.offset)).toBe(-EACCES);
    expect(off.offset).toBe(0x1_0000_0000n);
    expect(b.mmap(off.offset + 0x1_0000_0000n)).toBe(-EINVAL);
    expect(a.mmap(0x7_0000_0000n)).toBe(-EINVAL);
    // Offsets come from the device's drm_mm: the next BO's follows the first.
    const other = b.createBo(4096, PANFROST_BO_NOEXEC);
    expect(b.mmapBo(other.handle).offset).toBe(0x1_0000_0000n + 2n * 4096n);
    expect(a.mmap(0x1_0000_0000n + 2n * 4096n)).toBe(-EACCES);
    const name = drmGemFlink(a.handle.file, bo.handle);
    expect(name).toBeGreaterThan(0);
    const opened = drmGemOpen(b.handle.file, name);
    if (typeof opened === "number") throw new Error(`GEM_OPEN ${opened}`);
    const mine = a.map(bo.handle);
    const theirs = b.mmap(off.offset);
    if (typeof mine === "number" || typeof theirs === "number") throw new Error("mmap");
    mine.writeU32(4096, 77);
    expect(theirs.readU32(4096)).toBe(77);
    expect(mine.munmap()).toBe(0);
    expect(theirs.munmap()).toBe(0);
    // b's handle goes: b is off the allow list again.
    expect(b.gemClose(opened.handle)).toBe(0);
    expect(b.mmap(off.offset)).toBe(-EACCES);
    a.close();
    b.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("MMAP_BO keeps panfrost's checks: heap BOs -EINVAL, unknown flags -EINVAL", () => {
    const s = makeStack();
    const c = s.open();
    const heap = c.createBo(2 * 1024 * 1024, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    expect(c.mmapBo(heap.handle).ret).toBe(-EINVAL);
    const bo = c.createBo(4096, 0);
    expect(c.mmapBo(bo.handle, 1).ret).toBe(-EINVAL);
    expect(s.dev.drm.vmaOffsetManager.size).toBe(0);
    expect(c.mmapBo(bo.handle).ret).toBe(0);
    expect(c.mmapBo(bo.handle).offset).toBe(c.mmapBo(bo.handle).offset);
    expect(s.dev.drm.vmaOffsetManager.size).toBe(1);
    c.close();
    expect(s.dev.drm.vmaOffsetManager.size).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });
});
