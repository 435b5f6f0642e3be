/**
 * ioctl validation and BO placement/mapping rules.
 */
import { drmSyncobjFind, drmSyncobjInstallFence } from "@panmmu/drm";
import { igtNullJobImage, ProgramBuilder } from "@panmmu/hw";
import {
  DRM_IOCTL_PANFROST_CREATE_BO,
  DrmPanfrostCreateBo,
  EBUSY,
  EINVAL,
  ENOENT,
  ETIMEDOUT,
  PANFROST_BO_HEAP,
  PANFROST_BO_NOEXEC,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;
const MIB = 1 << 20;

describe("ioctl validation", () => {
  it("CREATE_BO: size 0, unknown flags, HEAP without NOEXEC, pad != 0 are -EINVAL; nothing allocated", () => {
    const s = makeStack();
    const c = s.open();
    const pages = s.sim.memory.allocatedPages;
    expect(c.createBo(0, 0).ret).toBe(-EINVAL);
    expect(c.createBo(4096, 8).ret).toBe(-EINVAL);
    expect(c.createBo(4096, PANFROST_BO_HEAP).ret).toBe(-EINVAL);
    const v = DrmPanfrostCreateBo.zero();
    v.size = 4096;
    v.pad = 1;
    expect(c.ioctl(DRM_IOCTL_PANFROST_CREATE_BO, DrmPanfrostCreateBo, v).ret).toBe(-EINVAL);
    expect(s.sim.memory.allocatedPages).toBe(pages);
    expect(s.dev.bos.size).toBe(0);
    c.close();
  });

  it("MMAP_BO / GET_BO_OFFSET / WAIT_BO / MADVISE on unknown handles; MMAP_BO flags", () => {
    const s = makeStack();
    const c = s.open();
    expect(c.mmapBo(77).ret).toBe(-ENOENT);
    expect(c.getBoOffset(77).ret).toBe(-ENOENT);
    expect(c.waitBo(77, 0)).toBe(-ENOENT);
    expect(c.madvise(77, 0).ret).toBe(-ENOENT);
    const bo = c.createBo(4096);
    expect(c.mmapBo(bo.handle, 1).ret).toBe(-EINVAL);
    c.close();
  });

  it("SUBMIT: unknown BO handle -ENOENT, unknown in-sync -ENOENT, BO of another file -ENOENT", () => {
    const s = makeStack();
    const a = s.open("a");
    const b = s.open("b");
    const job = a.createBo(4096);
    const other = b.createBo(4096);
    expect(a.submit({ jc: job.offset, boHandles: [job.handle, 99] })).toBe(-ENOENT);
    expect(a.submit({ jc: job.offset, inSyncs: [42] })).toBe(-ENOENT);
    expect(a.submit({ jc: job.offset, boHandles: [other.handle + 5] })).toBe(-ENOENT);
    expect(s.dev.jobs.counters.submitted).toBe(0);
    a.close();
    b.close();
  });

  it("WAIT_BO: busy while a job uses the BO (poll -EBUSY, short deadline -ETIMEDOUT), then 0", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const sub = submitProgram(
      c,
      new ProgramBuilder()
        .delay(20 * MS)
        .write32(bo.offset, 1)
        .end()
        .buildBytes(),
      [bo.handle],
    );
    expect(c.waitBo(bo.handle, 0)).toBe(-EBUSY);
    expect(c.waitBo(bo.handle, s.sim.loop.now + MS)).toBe(-ETIMEDOUT);
    expect(c.waitBo(bo.handle, s.sim.loop.now + 100 * MS)).toBe(0);
    expect(waitSubmission(c, sub, MS)).toBe(true);
    c.close();
  });

  it("in-syncs order jobs across files", () => {
    const s = makeStack();
    const a = s.open("a");
    const b = s.open("b");
    const ba = a.createBo(4096, PANFROST_BO_NOEXEC);
    const bb = b.createBo(4096, PANFROST_BO_NOEXEC);
    const t0 = s.sim.loop.now;
    const first = submitProgram(
      a,
      new ProgramBuilder()
        .delay(5 * MS)
        .write32(ba.offset, 1)
        .end()
        .buildBytes(),
      [ba.handle],
    );
    // Hand a's out-fence to a syncobj of b (what a sync-file export/import would do).
    const found = drmSyncobjFind(a.handle.file, first.outSync)?.findFence(0);
    if (found === undefined || typeof found === "number") throw new Error("fence");
    const inSync = b.syncobjCreate(0);
    expect(drmSyncobjInstallFence(b.handle.file, inSync.handle, 0, found.fence)).toBe(0);
    const out = b.syncobjCreate(0);
    const jobBo = b.createBo(4096);
    const view = b.map(jobBo.handle);
    if (typeof view === "number") throw new Error("map");
    view.write(0, igtNullJobImage());
    view.munmap();
    expect(
      b.submit({
        jc: jobBo.offset,
        boHandles: [jobBo.handle, bb.handle],
        inSyncs: [inSync.handle],
        outSync: out.handle,
      }),
    ).toBe(0);
    expect(b.syncobjWait([out.handle], t0 + 100 * MS)).toBe(0);
    expect(a.fenceError(first.outSync)).toBe(0);
    expect(s.sim.loop.now - t0).toBeGreaterThanOrEqual(5 * MS);
    a.close();
    b.close();
  });
});

describe("BO placement and mapping", () => {
  it("executable BOs are aligned to their size, NOEXEC BOs of 2 MiB or more to 2 MiB", () => {
    const s = makeStack();
    const c = s.open();
    c.createBo(4096, PANFROST_BO_NOEXEC);
    const exec = c.createBo(64 * 1024);
    expect(exec.offset % (64 * 1024)).toBe(0);
    c.createBo(4096, PANFROST_BO_NOEXEC);
    const big = c.createBo(3 * MIB, PANFROST_BO_NOEXEC);
    expect(big.offset % (2 * MIB)).toBe(0);
    const small = c.createBo(12 * 1024, PANFROST_BO_NOEXEC);
    expect(small.offset % 4096).toBe(0);
    for (const r of [exec, big, small]) {
      expect(r.offset).toBeGreaterThanOrEqual(32 * MIB);
      expect(r.offset).toBeLessThan(2 ** 32);
    }
    c.close();
  });

  it("2 MiB blocks where PA and VA allow (huge pages), 4 KiB pages otherwise", () => {
    const s = makeStack();
    const c = s.open();
    const before = { ...s.dev.mmu.mapCounters };
    c.createBo(4 * MIB, PANFROST_BO_NOEXEC);
    expect(s.dev.mmu.mapCounters.blocks2m - before.blocks2m).toBe(2);
    expect(s.dev.mmu.mapCounters.pages4k - before.pages4k).toBe(0);
    // Without contiguous memory (every contiguous allocation fails), 4 KiB pages are used.
    s.sim.memory.failNthAllocation(1);
    const mid = { ...s.dev.mmu.mapCounters };
    const r = c.createBo(2 * MIB, PANFROST_BO_NOEXEC);
    expect(r.ret).toBe(0);
    expect(s.dev.mmu.mapCounters.pages4k - mid.pages4k).toBe(512);
    expect(s.dev.mmu.mapCounters.blocks2m - mid.blocks2m).toBe(0);
    // Each mapping costs one FLUSH_PT only if the context is bound to an AS (it is not yet).
    expect(s.dev.mmu.hw.counters.flushPt).toBe(0);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });
});
