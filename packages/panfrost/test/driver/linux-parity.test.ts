/**
 * Linux-parity regressions (issue 12, section 2): MADVISE with other `madv` values, SET_LABEL_BO
 * ordering and limit, the per-file JM context limit, a BO listed twice in SUBMIT, real product
 * ids, GET_BO_OFFSET of a purged BO, and virtual times in the AS slot history.
 */
import { drmGemFlink, drmGemOpen, drmSyncobjFind } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import {
  DRM_IOCTL_PANFROST_SET_LABEL_BO,
  DrmPanfrostSetLabelBo,
  E2BIG,
  EALREADY,
  EBUSY,
  EFAULT,
  EINVAL,
  ENOENT,
  PANFROST_BO_NOEXEC,
  PANFROST_JM_CTX_PRIORITY_LOW,
  PANFROST_JM_CTX_PRIORITY_MEDIUM,
  PANFROST_MADV_DONTNEED,
  PANFROST_MADV_WILLNEED,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { boStats, deviceDump, formatDump } from "../../src/debug/stats.js";
import { panfrostModelCmp } from "../../src/device/features.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;

/** SET_LABEL_BO with a raw label pointer. */
function setLabel(c: PanfrostClient, handle: number, label: bigint, pad = 0): number {
  const v = DrmPanfrostSetLabelBo.zero();
  v.handle = handle;
  v.label = label;
  v.pad = pad;
  return c.ioctl(DRM_IOCTL_PANFROST_SET_LABEL_BO, DrmPanfrostSetLabelBo, v).ret;
}

/** A NUL-terminated string of `n` 'x' characters in the client's user memory. */
function userString(c: PanfrostClient, n: number): bigint {
  const bytes = new Uint8Array(n + 1).fill(0x78);
  bytes[n] = 0;
  const p = c.user.alloc(bytes.length, 1);
  c.user.write(p, bytes);
  return p;
}

function labelOf(s: ReturnType<typeof makeStack>, c: PanfrostClient, handle: number): string {
  const bo = [...s.dev.bos].find((b) => c.handle.file.gemHandleOf(b) === handle);
  if (bo === undefined) throw new Error("no such BO");
  return bo.label;
}

describe("MADVISE with a value other than WILLNEED / DONTNEED", () => {
  it("cannot make a BO shared through FLINK/OPEN purgeable: the other file keeps its pages", () => {
    const s = makeStack();
    const a = s.open("a");
    const b = s.open("b");
    const bo = a.createBo(64 * 1024, PANFROST_BO_NOEXEC);
    const view = a.map(bo.handle);
    if (typeof view === "number") throw new Error("map");
    view.write(0, new Uint8Array([1, 2, 3, 4]));
    view.munmap();
    const opened = drmGemOpen(b.handle.file, drmGemFlink(a.handle.file, bo.handle));
    if (typeof opened === "number") throw new Error("open");
    // DONTNEED is refused for a shared BO; 7 is stored without the sharing check, as in Linux.
    expect(a.madvise(bo.handle, PANFROST_MADV_DONTNEED).ret).toBe(-EINVAL);
    expect(a.madvise(bo.handle, 7)).toEqual({ ret: 0, retained: 1 });
    // Never put on the shrinker's list: nothing to purge.
    expect(s.dev.shrinker.objects.length).toBe(0);
    expect(s.dev.shrink(1_000_000)).toBe(0);
    expect(boStats(s.dev).some((x) => x.purged)).toBe(false);
    const bview = b.map(opened.handle);
    if (typeof bview === "number") throw new Error("map b");
    expect([...bview.read(0, 4)]).toEqual([1, 2, 3, 4]);
    bview.munmap();
    a.close();
    b.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("leaves the shrinker's list alone: a DONTNEED BO stays purgeable, an untracked one is never purged", () => {
    const s = makeStack();
    const c = s.open("c");
    const tracked = c.createBo(8192, PANFROST_BO_NOEXEC);
    const untracked = c.createBo(8192, PANFROST_BO_NOEXEC);
    expect(c.madvise(tracked.handle, PANFROST_MADV_DONTNEED).retained).toBe(1);
    expect(c.madvise(tracked.handle, 7).retained).toBe(1);
    expect(c.madvise(untracked.handle, 7).retained).toBe(1);
    expect(s.dev.shrinker.objects.length).toBe(1);
    expect(s.dev.shrink(1_000_000)).toBe(2);
    expect(c.madvise(tracked.handle, PANFROST_MADV_WILLNEED).retained).toBe(0);
    expect(c.madvise(untracked.handle, PANFROST_MADV_WILLNEED).retained).toBe(1);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });
});

describe("SET_LABEL_BO", () => {
  it("looks the handle up before reading the label: unknown handle with a bad pointer is -ENOENT", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const bad = 0xdead_0000n;
    expect(setLabel(c, 999, bad)).toBe(-ENOENT);
    expect(setLabel(c, bo.handle, bad)).toBe(-EFAULT);
    // The pad check comes first of all.
    expect(setLabel(c, 999, bad, 1)).toBe(-EINVAL);
    c.close();
  });

  it("allows 4095 characters; 4096 (the NUL is counted) is -E2BIG and keeps the old label", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    expect(setLabel(c, bo.handle, userString(c, 4095))).toBe(0);
    expect(labelOf(s, c, bo.handle)).toBe("x".repeat(4095));
    expect(setLabel(c, bo.handle, userString(c, 3))).toBe(0);
    expect(setLabel(c, bo.handle, userString(c, 4096))).toBe(-E2BIG);
    expect(labelOf(s, c, bo.handle)).toBe("xxx");
    expect(setLabel(c, bo.handle, 0n)).toBe(0);
    expect(labelOf(s, c, bo.handle)).toBe("");
    c.close();
  });
});

describe("JM_CTX_CREATE", () => {
  it("gives a file 64 contexts besides the default one, then -EBUSY; a destroyed handle is reused", () => {
    const s = makeStack();
    const c = s.open();
    const handles: number[] = [];
    for (let i = 0; i < 64; i++) {
      const r = c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW);
      expect(r.ret).toBe(0);
      handles.push(r.handle);
    }
    expect(handles).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_MEDIUM).ret).toBe(-EBUSY);
    // The priority is checked before the handle is allocated.
    expect(c.jmCtxCreate(99).ret).toBe(-EINVAL);
    expect(c.jmCtxDestroy(17)).toBe(0);
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_MEDIUM)).toEqual({ ret: 0, handle: 17 });
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_MEDIUM).ret).toBe(-EBUSY);
    // The limit is per file.
    const d = s.open();
    expect(d.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW)).toEqual({ ret: 0, handle: 1 });
    c.close();
    d.close();
    expect(s.warnings.warnings).toEqual([]);
  });
});

describe("SUBMIT with a BO handle listed twice", () => {
  it("is -EALREADY: no job runs, the out-sync is untouched, nothing is held", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const submittedBefore = s.dev.jobs.counters.submitted;
    const sub = submitProgram(
      c,
      new ProgramBuilder().write32(bo.offset, 0x1234).end().buildBytes(),
      [bo.handle, bo.handle],
    );
    expect(sub.ret).toBe(-EALREADY);
    // An out-sync without a fence gets none.
    const sync = c.syncobjCreate(0);
    expect(
      c.submit({ jc: bo.offset, boHandles: [bo.handle, bo.handle], outSync: sync.handle }),
    ).toBe(-EALREADY);
    const out = drmSyncobjFind(c.handle.file, sync.handle);
    expect(out?.findFence(0)).toBe(-EINVAL);
    out?.put();
    s.sim.loop.advance(10 * MS);
    expect(s.dev.jobs.counters.submitted).toBe(submittedBefore);
    const st = boStats(s.dev).find((x) => x.size === 4096);
    expect(st?.mappings.length).toBe(1);
    const internal = [...s.dev.bos].find((b) => c.handle.file.gemHandleOf(b) === bo.handle);
    expect(internal?.gpuUsecount).toBe(0);
    expect(internal?.mappings[0]?.refcount).toBe(1);
    const view = c.map(bo.handle);
    if (typeof view === "number") throw new Error("map");
    expect([...view.read(0, 4)]).toEqual([0, 0, 0, 0]);
    view.munmap();
    // Listed once, the same job runs.
    const ok = submitProgram(
      c,
      new ProgramBuilder().write32(bo.offset, 0x1234).end().buildBytes(),
      [bo.handle],
    );
    expect(ok.ret).toBe(0);
    expect(waitSubmission(c, ok, 100 * MS)).toBe(true);
    c.close();
    s.sim.loop.runUntilIdle();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("checks the handles' lookups first: a duplicate next to an unknown handle is -ENOENT", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    expect(c.submit({ jc: bo.offset, boHandles: [bo.handle, bo.handle, 999] })).toBe(-ENOENT);
    c.close();
  });
});

describe("real product ids", () => {
  it("model matching masks Bifrost+ ids with 0xf00f and compares Midgard ids as they are", () => {
    expect(panfrostModelCmp(0x860, 0x860)).toBe(0);
    expect(panfrostModelCmp(0x7212, 0x7002)).toBe(0);
    expect(panfrostModelCmp(0x7402, 0x7002)).toBe(0);
    expect(panfrostModelCmp(0x9091, 0x9001)).toBe(0);
    expect(panfrostModelCmp(0x9093, 0x9003)).toBe(0);
    expect(panfrostModelCmp(0x7212, 0x7003)).toBeLessThan(0);
    expect(panfrostModelCmp(0x0750, 0x0860)).toBeLessThan(0);
  });

  for (const [preset, id] of [
    ["g52-7212", 0x7212],
    ["g52-7402", 0x7402],
  ] as const) {
    it(`a G52 reading 0x${id.toString(16)} keeps its Bifrost features; GPU_PROD_ID is the raw id`, () => {
      const s = makeStack(preset);
      expect(s.dev.features.name).toBe("Mali-G52");
      expect(s.dev.features.hw).toEqual({
        jobChainDisambiguation: true,
        flushReduction: true,
        aarch64Mmu: false,
        issue10649: false,
      });
      const c = s.open();
      expect(c.getParam(0)).toEqual({ ret: 0, value: BigInt(id) });
      expect(deviceDump(s.dev).gpu.id).toBe(id);
      c.close();
    });
  }

  for (const [preset, id] of [
    ["g57-9091", 0x9091],
    ["g57-9093", 0x9093],
  ] as const) {
    it(`a G57 reading 0x${id.toString(16)} probes with AArch64 page tables and runs a job`, () => {
      const s = makeStack(preset, { forceAarch64Pgtable: true });
      expect(s.dev.features.name).toBe("Mali-G57");
      expect(s.dev.features.hw.aarch64Mmu).toBe(true);
      expect(s.dev.pgtableFormat).toBe("ARM_64_LPAE_S1");
      const c = s.open();
      expect(c.getParam(0).value).toBe(BigInt(id));
      const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
      const sub = submitProgram(c, new ProgramBuilder().write32(bo.offset, 7).end().buildBytes(), [
        bo.handle,
      ]);
      expect(sub.ret).toBe(0);
      expect(waitSubmission(c, sub, 100 * MS)).toBe(true);
      expect(c.fenceError(sub.outSync)).toBe(0);
      c.close();
      expect(s.warnings.warnings).toEqual([]);
    });
  }
});

describe("GET_BO_OFFSET of a purged BO", () => {
  it("returns the BO's old VA (its node's start stays), though the range itself was freed", () => {
    const s = makeStack();
    const c = s.open();
    const bo = c.createBo(64 * 1024, PANFROST_BO_NOEXEC);
    expect(c.madvise(bo.handle, PANFROST_MADV_DONTNEED).retained).toBe(1);
    expect(s.dev.shrink(1_000_000)).toBe(16);
    expect(boStats(s.dev).find((x) => x.purged)?.mappings[0]?.active).toBe(false);
    expect(c.getBoOffset(bo.handle)).toEqual({ ret: 0, offset: bo.offset });
    // The VA is free again: the next BO of the file may take it.
    const next = c.createBo(4096, PANFROST_BO_NOEXEC);
    expect(next.offset).toBe(bo.offset);
    c.close();
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  });
});

describe("AS slot history", () => {
  it("stamps every event with the virtual time it happened at", () => {
    const s = makeStack();
    const a = s.open("a");
    const b = s.open("b");
    s.sim.loop.advance(5 * MS);
    const t0 = s.sim.loop.now;
    const sa = submitProgram(a, new ProgramBuilder().end().buildBytes());
    expect(waitSubmission(a, sa, 100 * MS)).toBe(true);
    s.sim.loop.advance(7 * MS);
    const t1 = s.sim.loop.now;
    const sb = submitProgram(b, new ProgramBuilder().end().buildBytes());
    expect(waitSubmission(b, sb, 100 * MS)).toBe(true);
    const events = s.dev.mmu.slots.history;
    expect(events.map((e) => e.kind)).toEqual(["bind", "bind"]);
    const [ea, eb] = events;
    expect(ea?.ctx).toBe(a.handle.priv.ctx.id);
    expect(ea?.time).toBeGreaterThanOrEqual(t0);
    expect(ea?.time).toBeLessThan(t1);
    expect(eb?.time).toBeGreaterThanOrEqual(t1);
    expect(eb?.time).toBeLessThanOrEqual(s.sim.loop.now);
    a.close();
    const last = events.at(-1);
    expect(last?.kind).toBe("release");
    expect(last?.time).toBeGreaterThanOrEqual(eb?.time ?? Number.POSITIVE_INFINITY);
    expect(last?.time).toBeLessThanOrEqual(s.sim.loop.now);
    expect(formatDump(deviceDump(s.dev))).toContain(`t=${ea?.time} AS${ea?.as} bind`);
    b.close();
  });
});
