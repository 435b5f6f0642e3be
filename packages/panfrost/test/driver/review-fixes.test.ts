/**
 * Regression tests for behaviours a maintainer review found diverging from Linux panfrost.
 */
import {
  type DrmGemShmemObject,
  drmGemPrimeFdToHandle,
  drmGemPrimeHandleToFd,
  drmModeCreateDumb,
  drmModeDestroyDumb,
} from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import {
  DRM_CLOEXEC,
  DRM_PANFROST_PARAM_COHERENCY_FEATURES,
  DRM_PANFROST_PARAM_NR_CORE_GROUPS,
  DRM_PANFROST_PARAM_STACK_PRESENT,
  DRM_PANFROST_PARAM_THREAD_FEATURES,
  DRM_PANFROST_PARAM_THREAD_MAX_BARRIER_SZ,
  DRM_PANFROST_PARAM_THREAD_MAX_WORKGROUP_SZ,
  DRM_PANFROST_PARAM_THREAD_TLS_ALLOC,
  EINVAL,
  ENOMEM,
  PANFROST_BO_HEAP,
  PANFROST_BO_NOEXEC,
  PANFROST_MADV_DONTNEED,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { popcount32 } from "../../src/device/features.js";
import { kmsDevice } from "../helpers/kms-device.js";
import { makeStack } from "../helpers/stack.js";

describe("review fixes", () => {
  it("a heap BO cannot be pinned: another device's import of its dma-buf fails -EINVAL and allocates nothing", () => {
    const s = makeStack();
    const c = s.open();
    const h = c.createBo(8 << 20, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    expect(h.ret).toBe(0);
    const bo = [...s.dev.bos].find((b) => b.isHeap);
    expect(bo).toBeDefined();
    const dmabuf = drmGemPrimeHandleToFd(c.handle.file, h.handle, DRM_CLOEXEC);
    expect(dmabuf).toBeGreaterThanOrEqual(0);
    const kms = kmsDevice(s);
    const kf = kms.open("primary");
    if (typeof kf === "number") throw new Error("kms open");
    const pages = s.sim.memory.allocatedPages;
    expect(drmGemPrimeFdToHandle(kf, dmabuf)).toBe(-EINVAL);
    expect(s.sim.memory.allocatedPages).toBe(pages);
    expect(bo?.residentBytes).toBe(0);
    expect(bo?.pin()).toBe(-EINVAL);
    // A regular BO still pins (and unpins).
    const r = c.createBo(4096, PANFROST_BO_NOEXEC);
    const reg = [...s.dev.bos].find((b) => !b.isHeap);
    expect(r.ret).toBe(0);
    expect(reg?.pin()).toBe(0);
    reg?.unpin();
    expect(s.dev.drm.fds.close(dmabuf)).toBe(0);
    expect(kms.close(kf)).toBe(0);
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("GET_PARAM reports the thread, stack, coherency and TLS registers and the core-group count", () => {
    for (const preset of ["t860", "g52", "g57"] as const) {
      const s = makeStack(preset);
      const c = s.open();
      const mmio = s.sim.platform.mmio;
      const reg = (off: number): bigint => BigInt(mmio.read32(off) >>> 0);
      const expected: Array<[number, bigint]> = [
        [DRM_PANFROST_PARAM_STACK_PRESENT, reg(0xe00)],
        [DRM_PANFROST_PARAM_THREAD_FEATURES, reg(0xac)],
        [DRM_PANFROST_PARAM_THREAD_MAX_WORKGROUP_SZ, reg(0xa4)],
        [DRM_PANFROST_PARAM_THREAD_MAX_BARRIER_SZ, reg(0xa8)],
        [DRM_PANFROST_PARAM_COHERENCY_FEATURES, reg(0x300)],
        [DRM_PANFROST_PARAM_THREAD_TLS_ALLOC, reg(0x310)],
        [DRM_PANFROST_PARAM_NR_CORE_GROUPS, BigInt(popcount32(mmio.read32(0x120)))],
      ];
      for (const [param, value] of expected) {
        const r = c.getParam(param);
        expect(r.ret).toBe(0);
        expect(r.value, `${preset} param ${param}`).toBe(value);
      }
      // The simulated GPUs do expose these registers, so the values are not all zero.
      expect(c.getParam(DRM_PANFROST_PARAM_THREAD_MAX_WORKGROUP_SZ).value).not.toBe(0n);
      expect(c.getParam(DRM_PANFROST_PARAM_THREAD_FEATURES).value).not.toBe(0n);
      c.close();
    }
  });

  it("a page-table allocation failure while mapping a new BO leaves nothing half-mapped (no WARN, VA reusable)", () => {
    let failedOnce = false;
    for (let n = 1; n <= 8; n++) {
      const s = makeStack();
      const c = s.open();
      s.sim.memory.failNthAllocation(n);
      const r = c.createBo(8192, PANFROST_BO_NOEXEC);
      s.sim.memory.failNthAllocation(0);
      expect([0, -ENOMEM]).toContain(r.ret);
      if (r.ret < 0) failedOnce = true;
      // The failed attempt's VA and page-table entries are gone: the same BO shape maps again at
      // the same place and the GPU can use it.
      const again = c.createBo(8192, PANFROST_BO_NOEXEC);
      expect(again.ret).toBe(0);
      const sub = submitProgram(
        c,
        new ProgramBuilder()
          .write32(again.offset + 4, 0x5eed)
          .end()
          .buildBytes(),
        [again.handle],
      );
      expect(waitSubmission(c, sub, 100_000_000)).toBe(true);
      expect(c.fenceError(sub.outSync)).toBe(0);
      expect(s.warnings.warnings, `failing allocation #${n}`).toEqual([]);
      c.close();
      s.sim.loop.runUntilIdle(100_000);
      expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    }
    expect(failedOnce).toBe(true);
  });

  it("seed hazard: a heap fault grows only the BO of the context bound to the faulting AS", () => {
    // Two files whose heap BOs sit at the same GPU VA: the review asked that the mapping found
    // for a fault belongs to the context bound to that AS (WARN_ON(bo->mmu->as != as)).
    const s = makeStack();
    const a = s.open("a");
    const b = s.open("b");
    const ha = a.createBo(4 << 20, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    const hb = b.createBo(4 << 20, PANFROST_BO_HEAP | PANFROST_BO_NOEXEC);
    expect(ha.offset).toBe(hb.offset);
    const heapOf = (c: typeof a, h: number) =>
      [...s.dev.bos].find((x) => x.isHeap && c.handle.file.gemHandleOf(x) === h);
    const subA = submitProgram(
      a,
      new ProgramBuilder()
        .write32(ha.offset + 16, 0xa11ce)
        .check32(ha.offset + 16, 0xa11ce)
        .end()
        .buildBytes(),
      [ha.handle],
    );
    expect(waitSubmission(a, subA, 100_000_000)).toBe(true);
    expect(a.fenceError(subA.outSync)).toBe(0);
    expect(heapOf(a, ha.handle)?.residentBytes).toBe(2 << 20);
    expect(heapOf(b, hb.handle)?.residentBytes).toBe(0);
    // b's access at the same VA faults in b's own AS, grows b's own heap and reads its zeroes.
    const subB = submitProgram(
      b,
      new ProgramBuilder()
        .check32(hb.offset + 16, 0)
        .end()
        .buildBytes(),
      [hb.handle],
    );
    expect(waitSubmission(b, subB, 100_000_000)).toBe(true);
    expect(b.fenceError(subB.outSync)).toBe(0);
    expect(heapOf(b, hb.handle)?.residentBytes).toBe(2 << 20);
    expect(heapOf(a, ha.handle)?.residentBytes).toBe(2 << 20);
    expect(s.dev.mmu.faultLog.records.length).toBe(0);
    a.close();
    b.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("MMAP_BO of an imported BO maps the exporter's pages (no pages of the importer's own)", () => {
    const s = makeStack();
    const c = s.open();
    const kms = kmsDevice(s);
    const kf = kms.open("primary");
    if (typeof kf === "number") throw new Error("kms open");
    const dumb = drmModeCreateDumb(kf, { width: 64, height: 64, bpp: 32, flags: 0 });
    if (typeof dumb === "number") throw new Error(`dumb ${dumb}`);
    const exporter = kf.objectIdr.find(dumb.handle) as DrmGemShmemObject;
    const dmabuf = drmGemPrimeHandleToFd(kf, dumb.handle, DRM_CLOEXEC);
    expect(dmabuf).toBeGreaterThanOrEqual(0);
    const handle = drmGemPrimeFdToHandle(c.handle.file, dmabuf);
    expect(handle).toBeGreaterThan(0);
    const pages = s.sim.memory.allocatedPages;
    const m = c.mmapBo(handle);
    expect(m.ret).toBe(0);
    const view = c.mmap(m.offset);
    if (typeof view === "number") throw new Error(`mmap ${view}`);
    view.writeU32(8, 0xfeed);
    const kview = exporter.vmap();
    if (typeof kview === "number") throw new Error("vmap");
    expect(kview.readU32(8)).toBe(0xfeed);
    kview.writeU32(12, 0xbeef);
    expect(view.readU32(12)).toBe(0xbeef);
    expect(s.sim.memory.allocatedPages).toBe(pages);
    kview.unmap();
    view.munmap();
    expect(c.gemClose(handle)).toBe(0);
    expect(drmModeDestroyDumb(kf, dumb.handle)).toBe(0);
    expect(s.dev.drm.fds.close(dmabuf)).toBe(0);
    expect(kms.close(kf)).toBe(0);
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("pages unmapped while the AS lock is busy are not freed before the deferred TLB flush (no stale-TLB reuse)", () => {
    // File a's job warms its TLB on BO x (not in the job's BO list), then copies x into y after
    // a delay. Meanwhile, while another file's AS enable holds the AS lock, a closes x (the
    // unmap's flush has to wait) and file c allocates a page and writes a secret into it. The
    // copy may see x's old contents or fault, never c's page.
    for (const how of ["close", "purge"] as const) {
      const s = makeStack();
      const a = s.open("a");
      const b = s.open("b");
      const c = s.open("c");
      const x = a.createBo(4096, PANFROST_BO_NOEXEC);
      const y = a.createBo(4096, PANFROST_BO_NOEXEC);
      const vx = a.map(x.handle);
      if (typeof vx === "number") throw new Error("map x");
      vx.writeU32(0, 0x1111);
      vx.munmap();
      if (how === "purge") expect(a.madvise(x.handle, PANFROST_MADV_DONTNEED).retained).toBe(1);
      const j = submitProgram(
        a,
        new ProgramBuilder()
          .check32(x.offset, 0x1111)
          .delay(5_000_000)
          .copy(y.offset, x.offset, 4)
          .end()
          .buildBytes(),
        [y.handle],
      );
      s.sim.loop.runUntil(() => false, 1_000_000);
      for (let as = 0; as < 8; as++) s.sim.gpu.mmu.injectExtraLatency(as, 3_000_000);
      let lockHeld = false;
      let purged = -1;
      s.sim.loop.schedule(
        500_000,
        () => {
          lockHeld = s.dev.mmu.lock.isHeld;
          if (how === "close") a.gemClose(x.handle);
          else purged = s.dev.shrink(1);
          const z = c.createBo(4096, PANFROST_BO_NOEXEC);
          const vz = c.map(z.handle);
          if (typeof vz === "number") throw new Error("map z");
          vz.writeU32(0, 0x5ec12e7);
          vz.munmap();
        },
        "test:free-x-under-lock",
      );
      const other = submitProgram(b, new ProgramBuilder().end().buildBytes());
      expect(waitSubmission(b, other, 100_000_000)).toBe(true);
      for (let as = 0; as < 8; as++) s.sim.gpu.mmu.injectExtraLatency(as, 0);
      expect(waitSubmission(a, j, 100_000_000)).toBe(true);
      expect(lockHeld).toBe(true);
      // The shrinker leaves the BO alone while MMU work waits for the lock (a later scan frees it).
      if (how === "purge") expect(purged).toBe(0);
      const vy = a.map(y.handle);
      if (typeof vy === "number") throw new Error("map y");
      expect(vy.readU32(0), how).not.toBe(0x5ec12e7);
      vy.munmap();
      if (how === "purge") expect(s.dev.shrink(1)).toBe(1);
      a.close();
      b.close();
      c.close();
      s.sim.loop.runUntilIdle(100_000);
      expect(s.sim.memory.allocatedPages).toBe(s.basePages);
      expect(s.warnings.warnings).toEqual([]);
    }
  });

  it("seed hazard (job bookkeeping): a file closed while its job's AS is being enabled does not make the next job vanish", () => {
    // One AS slot: b's job waits for a's to finish, then steals the slot; the enable polls its
    // commands (slowed down here) and, meanwhile, b's file is closed. c's job, queued behind,
    // must still run.
    const s = makeStack("t860", {}, { overrides: { asPresent: 0x1 } });
    const a = s.open("a");
    const b = s.open("b");
    const c = s.open("c");
    const ja = submitProgram(a, new ProgramBuilder().delay(2_000_000).end().buildBytes());
    s.sim.loop.runUntil(() => false, 100_000);
    submitProgram(b, new ProgramBuilder().end().buildBytes());
    const jc = submitProgram(c, new ProgramBuilder().end().buildBytes());
    s.sim.loop.runUntil(() => false, 100_000);
    s.sim.gpu.mmu.injectExtraLatency(0, 1_000_000);
    let heldAtClose = false;
    s.sim.loop.schedule(
      2_000_000,
      () => {
        heldAtClose = s.dev.mmu.lock.isHeld;
        b.close();
      },
      "test:close-b",
    );
    expect(waitSubmission(a, ja, 100_000_000)).toBe(true);
    expect(waitSubmission(c, jc, 100_000_000)).toBe(true);
    expect(heldAtClose).toBe(true);
    expect(a.fenceError(ja.outSync)).toBe(0);
    expect(c.fenceError(jc.outSync)).toBe(0);
    s.sim.loop.runUntilIdle(100_000);
    expect(s.dev.jobs.idle).toBe(true);
    a.close();
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("popcount32 counts set bits over the whole word", () => {
    expect(popcount32(0)).toBe(0);
    expect(popcount32(1)).toBe(1);
    expect(popcount32(0b1011)).toBe(3);
    expect(popcount32(0xffff_ffff)).toBe(32);
    expect(popcount32(0x8000_0001)).toBe(2);
  });
});
