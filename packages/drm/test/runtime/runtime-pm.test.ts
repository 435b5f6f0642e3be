import { EventLoopSim } from "@panmmu/hw";
import { EACCES, EAGAIN, EIO } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { RpmStatus, RuntimePm } from "../../src/pm/runtime-pm.js";

const MS = 1_000_000;

/** A device whose callbacks record the calls; `resumeRet`/`suspendRet` choose their result. */
function device(delayMs = 50) {
  const loop = new EventLoopSim();
  const calls: string[] = [];
  const cfg = { resumeRet: 0, suspendRet: 0, suspendWaitNs: 0 };
  const pm = new RuntimePm(
    loop,
    {
      suspend: () => {
        calls.push(`suspend@${loop.now}`);
        if (cfg.suspendWaitNs > 0) loop.runUntil(() => false, cfg.suspendWaitNs);
        return cfg.suspendRet;
      },
      resume: () => {
        calls.push(`resume@${loop.now}`);
        return cfg.resumeRet;
      },
    },
    delayMs,
  );
  pm.setActive();
  pm.enable();
  return { loop, pm, calls, cfg };
}

describe("runtime PM (autosuspend)", () => {
  it("an idle device suspends once the delay after the last busy mark has passed, not before", () => {
    const { loop, pm, calls } = device();
    loop.advance(49 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
    loop.advance(1 * MS);
    expect(pm.status).toBe(RpmStatus.Suspended);
    expect(calls).toEqual([`suspend@${50 * MS}`]);
    expect(pm.counters.suspends).toBe(1);
  });

  it("a reference keeps the device up; the put arms the delay from the last busy mark", () => {
    const { loop, pm } = device();
    expect(pm.resumeAndGet()).toBe(0);
    loop.advance(200 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
    pm.markLastBusy();
    loop.advance(10 * MS);
    pm.putAutosuspend();
    loop.advance(39 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
    loop.advance(1 * MS);
    expect(pm.status).toBe(RpmStatus.Suspended);
    expect(pm.history.at(-1)).toEqual({ at: 250 * MS, status: RpmStatus.Suspended });
  });

  it("a busy mark while the timer is armed pushes the suspend back (the timer re-arms)", () => {
    const { loop, pm } = device();
    loop.advance(30 * MS);
    pm.markLastBusy();
    loop.advance(30 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
    loop.advance(20 * MS);
    expect(pm.status).toBe(RpmStatus.Suspended);
  });

  it("resume_and_get on a suspended device runs the resume callback and holds it active", () => {
    const { loop, pm, calls } = device();
    loop.advance(60 * MS);
    expect(pm.resumeAndGet()).toBe(0);
    expect(pm.status).toBe(RpmStatus.Active);
    expect(pm.usageCount).toBe(1);
    expect(calls).toEqual([`suspend@${50 * MS}`, `resume@${60 * MS}`]);
    loop.advance(500 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
  });

  it("a failed resume leaves the device suspended and no reference held", () => {
    const { loop, pm, cfg } = device();
    loop.advance(60 * MS);
    cfg.resumeRet = -EIO;
    expect(pm.resumeAndGet()).toBe(-EIO);
    expect(pm.status).toBe(RpmStatus.Suspended);
    expect(pm.usageCount).toBe(0);
    expect(pm.counters.resumeErrors).toBe(1);
  });

  it("a failed suspend leaves the device active", () => {
    const { loop, pm, cfg } = device();
    cfg.suspendRet = -EIO;
    loop.advance(60 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
    expect(pm.counters.suspendErrors).toBe(1);
  });

  it("asked for while the suspend callback waits: -EAGAIN, then whenSettled runs after it and can resume", () => {
    const { loop, pm, cfg } = device();
    cfg.suspendWaitNs = 5 * MS;
    const seen: (number | string)[] = [];
    loop.schedule(
      52 * MS,
      () => {
        seen.push(pm.resumeAndGet());
        pm.whenSettled(() => {
          seen.push(pm.status);
          seen.push(pm.resumeAndGet());
        });
      },
      "ask",
    );
    loop.advance(60 * MS);
    expect(seen).toEqual([-EAGAIN, RpmStatus.Suspended, 0]);
    expect(pm.status).toBe(RpmStatus.Active);
  });

  it("system sleep: force_suspend suspends whatever the usage count, resume_and_get is refused, force_resume brings it back", () => {
    const { loop, pm } = device();
    expect(pm.resumeAndGet()).toBe(0);
    expect(pm.forceSuspend()).toBe(0);
    expect(pm.status).toBe(RpmStatus.Suspended);
    pm.putAutosuspend();
    expect(pm.resumeAndGet()).toBe(-EACCES);
    expect(pm.forceResume()).toBe(0);
    expect(pm.status).toBe(RpmStatus.Active);
    loop.advance(50 * MS);
    expect(pm.status).toBe(RpmStatus.Suspended);
  });

  it("force_resume leaves a device that was runtime-suspended before the system sleep suspended", () => {
    const { loop, pm, calls } = device();
    loop.advance(60 * MS);
    expect(pm.forceSuspend()).toBe(0);
    expect(pm.forceResume()).toBe(0);
    expect(pm.status).toBe(RpmStatus.Suspended);
    expect(calls).toEqual([`suspend@${50 * MS}`]);
  });

  it("a negative delay never autosuspends", () => {
    const { loop, pm } = device(-1);
    loop.advance(10_000 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
  });

  it("power/control: forbid resumes and pins the device, allow lets it autosuspend again", () => {
    const { loop, pm } = device();
    loop.advance(60 * MS);
    expect(pm.forbid()).toBe(0);
    expect(pm.status).toBe(RpmStatus.Active);
    loop.advance(1_000 * MS);
    expect(pm.status).toBe(RpmStatus.Active);
    pm.allow();
    expect(pm.usageCount).toBe(0);
    loop.advance(50 * MS);
    expect(pm.status).toBe(RpmStatus.Suspended);
  });
});
