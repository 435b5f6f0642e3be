/**
 * Port of IGT tests/panfrost/panfrost_submit.c (every subtest, in source order, sharing one fd).
 */
import { EFAULT, EINVAL, ENODEV } from "@panmmu/uapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { absTimeout, FORMAT_PRESETS, makeStack, type Stack } from "../helpers/stack.js";
import {
  BAD_JOB_TIME_NSEC,
  checkDone,
  doSubmit,
  igtPanfrostFreeJob,
  igtPanfrostJobLoop,
  igtPanfrostNullJob,
  igtPanfrostWriteValueJob,
  SHORT_TIME_NSEC,
  syncobjWait,
} from "./igt-lib.js";

describe.each(FORMAT_PRESETS)("panfrost_submit on $label", ({ preset, probe }) => {
  let s: Stack;
  let fd: PanfrostClient;
  beforeAll(() => {
    s = makeStack(preset, probe);
    fd = s.open("igt");
  });
  afterAll(() => {
    expect(fd.close()).toBe(0);
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("pan-submit", () => {
    const submit = igtPanfrostNullJob(fd);
    expect(doSubmit(fd, submit)).toBe(0);
    expect(syncobjWait(fd, submit.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(true);
    checkDone(submit.submitBo.map!);
    igtPanfrostFreeJob(fd, submit);
  });

  it("pan-submit-error-no-jc", () => {
    expect(fd.submit({})).toBe(-EINVAL);
  });

  it("pan-submit-error-bad-in-syncs", () => {
    const submit = igtPanfrostNullJob(fd);
    const r = fd.submit({
      jc: submit.jc,
      boHandles: submit.boHandles,
      outSync: submit.outSync,
      inSyncs: { ptr: 0n, count: 1 },
    });
    expect(r).toBe(-EFAULT);
    igtPanfrostFreeJob(fd, submit);
  });

  it("pan-submit-error-bad-bo-handles", () => {
    const submit = igtPanfrostNullJob(fd);
    const r = fd.submit({
      jc: submit.jc,
      boHandles: { ptr: 0n, count: 1 },
      outSync: submit.outSync,
    });
    expect(r).toBe(-EFAULT);
    igtPanfrostFreeJob(fd, submit);
  });

  it("pan-submit-error-bad-requirements (current kernel: the cycle-count bit is accepted)", () => {
    const submit = igtPanfrostNullJob(fd);
    // requirements = 2 is PANFROST_JD_REQ_CYCLE_COUNT since 2024: accepted.
    expect(doSubmit(fd, submit, { requirements: 2 })).toBe(0);
    expect(syncobjWait(fd, submit.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(true);
    // A bit outside FS|CYCLE_COUNT is still refused.
    expect(doSubmit(fd, submit, { requirements: 4 })).toBe(-EINVAL);
    igtPanfrostFreeJob(fd, submit);
  });

  it("pan-submit-error-bad-out-sync", () => {
    const submit = igtPanfrostNullJob(fd);
    submit.outSync = -1 >>> 0;
    expect(doSubmit(fd, submit)).toBe(-ENODEV);
    igtPanfrostFreeJob(fd, submit);
  });

  // IGT's job loop puts its second descriptor at +64; Valhall-JM (v9) descriptors must be
  // 128-byte aligned, so on the G57 the loop fails with JOB_CONFIG_FAULT instead of spinning.
  // test/driver/reset.test.ts covers timeout + reset on both formats with a long program.
  const panResetValhall = () => {
    const loop = igtPanfrostJobLoop(fd);
    expect(doSubmit(fd, loop)).toBe(0);
    expect(syncobjWait(fd, loop.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(true);
    expect(fd.fenceError(loop.outSync)).toBeLessThan(0);
    expect(s.dev.jobs.counters.resets).toBe(0);
    igtPanfrostFreeJob(fd, loop);
  };

  const panReset = () => {
    const tmp = s.open("igt-tmp");
    const loop = igtPanfrostJobLoop(fd);
    const nul = igtPanfrostNullJob(tmp);
    const loopMap = loop.submitBo.map!;
    expect(doSubmit(fd, loop)).toBe(0);
    expect(doSubmit(tmp, nul)).toBe(0);
    // The loop never ends on its own...
    expect(syncobjWait(fd, loop.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(false);
    // ...until the 500 ms timeout resets the GPU.
    expect(syncobjWait(fd, loop.outSync, absTimeout(s, BAD_JOB_TIME_NSEC))).toBe(true);
    // The other file's job runs after the reset.
    expect(syncobjWait(tmp, nul.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(true);
    expect(loopMap.readU32(0) !== 1 || loopMap.readU32(64) !== 1).toBe(true);
    checkDone(nul.submitBo.map!);
    igtPanfrostFreeJob(fd, loop);
    igtPanfrostFreeJob(tmp, nul);
    expect(tmp.close()).toBe(0);
    expect(s.dev.jobs.counters.resets).toBe(1);
  };

  if (preset === "g57") {
    it("pan-reset on Valhall: the v4-layout job loop is refused, no reset", panResetValhall);
  } else {
    it("pan-reset", panReset);
  }

  it("pan-submit-and-close", () => {
    const tmp = s.open("igt-tmp");
    const loop = igtPanfrostJobLoop(tmp);
    expect(doSubmit(tmp, loop)).toBe(0);
    // GEM_CLOSE the loop BO while it runs, then close the file.
    igtPanfrostFreeJob(tmp, loop);
    expect(tmp.close()).toBe(0);
  });

  it("pan-unhandled-pagefault", () => {
    const submit = igtPanfrostWriteValueJob(fd, true);
    expect(doSubmit(fd, submit)).toBe(0);
    expect(syncobjWait(fd, submit.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(true);
    expect(submit.submitBo.map!.readU32(0)).not.toBe(1);
    igtPanfrostFreeJob(fd, submit);

    const ok = igtPanfrostWriteValueJob(fd, false);
    expect(doSubmit(fd, ok)).toBe(0);
    expect(syncobjWait(fd, ok.outSync, absTimeout(s, SHORT_TIME_NSEC))).toBe(true);
    checkDone(ok.submitBo.map!);
    igtPanfrostFreeJob(fd, ok);
    // Beyond the kernel: the fault is logged with the file and the nearest BO.
    const rec = s.dev.mmu.faultLog.records.at(-1);
    expect(rec?.va).toBe(0xdeadbeef0000);
    expect(rec?.fileName).toBe("igt");
    expect(rec?.target.kind).toBe("none");
  });
});
