/**
 * fdinfo's GPU-usage keys: with job profiling on (the device's `profiling` knob), the kernel's
 * ring sequence samples the timestamp and cycle counters around each job; completion adds the
 * differences to the group, and reading fdinfo gathers them into the file.
 */
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import { GPU_CYCLE_COUNTER_HZ, SYSTEM_COUNTER_FREQUENCY_HZ } from "@panmmu/hw";
import { describe, expect, it } from "vitest";
import { fileEngineStats, fileMemoryStats, formatFdinfo } from "../../src/debug/fdinfo.js";
import {
  PANTHOR_DEVICE_PROFILING_ALL,
  PANTHOR_DEVICE_PROFILING_CYCLES,
} from "../../src/sched/job-instrs.js";
import { rig } from "../helpers/submit-rig.js";

/** A stream that counts down `n` iterations (2 instructions of 0.1 µs each per iteration). */
function busy(n: number): CsAssembler {
  const a = new CsAssembler().move32(0, n);
  const top = a.label();
  return a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
}

/** Runs one job of `n` iterations on a new group with the device's profiling set to `mask`. */
function runProfiled(mask: number, n: number) {
  const t = rig();
  t.dev.profileMask = mask;
  const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
  const so = t.syncobj();
  expect(t.c.groupSubmit(g.handle, [{ ...t.stream(busy(n)), syncs: t.signal(so) }])).toBe(0);
  t.sim.loop.runUntil(() => t.fenceOf(so)?.signaled === true, 1_000_000_000);
  expect(t.fenceOf(so)?.error).toBe(0);
  const group = t.c.handle.priv.groups.get(g.handle);
  if (group === null) throw new Error("no group");
  return { t, group };
}

describe("fdinfo GPU usage", () => {
  it("with timestamps and cycles profiled, a 20 ms job adds ~20 ms of GPU time and ~2e7 cycles; fdinfo gathers them from the group", () => {
    const { t, group } = runProfiled(PANTHOR_DEVICE_PROFILING_ALL, 100_000);
    // 100,000 iterations × 2 instructions × 0.1 µs = 20 ms, plus the ring's own instructions.
    const ticks = group.usage.time;
    expect(ticks).toBeGreaterThanOrEqual(0.02 * SYSTEM_COUNTER_FREQUENCY_HZ);
    expect(ticks).toBeLessThan(0.021 * SYSTEM_COUNTER_FREQUENCY_HZ);
    expect(group.usage.cycles).toBeGreaterThanOrEqual(0.02 * GPU_CYCLE_COUNTER_HZ);
    expect(group.usage.cycles).toBeLessThan(0.021 * GPU_CYCLE_COUNTER_HZ);
    const priv = t.c.handle.priv;
    const e = fileEngineStats(
      priv,
      t.dev.profileMask,
      SYSTEM_COUNTER_FREQUENCY_HZ,
      GPU_CYCLE_COUNTER_HZ,
    );
    expect(e.timeNs).toBe(Math.ceil((ticks * 1e9) / SYSTEM_COUNTER_FREQUENCY_HZ));
    expect(e.cycles).toBe(priv.stats.cycles);
    // Gathered: the group starts again from zero, the file keeps the totals.
    expect(group.usage).toEqual({ time: 0, cycles: 0 });
    expect(priv.stats.time).toBe(ticks);
    const text = formatFdinfo(fileMemoryStats(t.c.handle), e).split("\n");
    expect(text.slice(0, 6)).toEqual([
      "drm-driver:\tpanthor",
      `drm-client-id:\t${t.c.handle.file.clientId}`,
      `drm-engine-panthor:\t${e.timeNs} ns`,
      `drm-cycles-panthor:\t${e.cycles}`,
      `drm-maxfreq-panthor:\t${GPU_CYCLE_COUNTER_HZ} Hz`,
      `drm-curfreq-panthor:\t${GPU_CYCLE_COUNTER_HZ} Hz`,
    ]);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("cycles only: no time accumulates and fdinfo prints no drm-engine key", () => {
    const { t, group } = runProfiled(PANTHOR_DEVICE_PROFILING_CYCLES, 10_000);
    expect(group.usage.time).toBe(0);
    expect(group.usage.cycles).toBeGreaterThan(0);
    const e = fileEngineStats(t.c.handle.priv, t.dev.profileMask, SYSTEM_COUNTER_FREQUENCY_HZ, 1);
    expect(e.timeNs).toBeNull();
    expect(formatFdinfo(fileMemoryStats(t.c.handle), e)).not.toMatch(/drm-engine/);
  });

  it("without profiling the ring samples nothing: no usage, only the frequency keys", () => {
    const { t, group } = runProfiled(0, 10_000);
    expect(group.usage).toEqual({ time: 0, cycles: 0 });
    const e = fileEngineStats(
      t.c.handle.priv,
      0,
      SYSTEM_COUNTER_FREQUENCY_HZ,
      GPU_CYCLE_COUNTER_HZ,
    );
    expect([e.timeNs, e.cycles]).toEqual([null, null]);
    const text = formatFdinfo(fileMemoryStats(t.c.handle), e);
    expect(text).not.toMatch(/drm-engine|drm-cycles/);
    expect(text).toMatch(/drm-maxfreq-panthor:\t1000000000 Hz/);
  });
});
