/**
 * JM contexts (uAPI 1.5): JM_CTX_CREATE / JM_CTX_DESTROY and SUBMIT's jm_ctx_handle.
 */
import { ProgramBuilder } from "@panmmu/hw";
import {
  DRM_PANFROST_PARAM_ALLOWED_JM_CTX_PRIORITIES,
  EACCES,
  ECANCELED,
  EINVAL,
  PANFROST_JM_CTX_PRIORITY_HIGH,
  PANFROST_JM_CTX_PRIORITY_LOW,
  PANFROST_JM_CTX_PRIORITY_MEDIUM,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { makeStack } from "../helpers/stack.js";

const MS = 1_000_000;

describe("JM contexts", () => {
  it("JM_CTX_CREATE: LOW and MEDIUM get the lowest free handles after the default 0; HIGH -EACCES; unknown -EINVAL", () => {
    const s = makeStack();
    const c = s.open();
    expect(c.getParam(DRM_PANFROST_PARAM_ALLOWED_JM_CTX_PRIORITIES).value).toBe(
      BigInt((1 << PANFROST_JM_CTX_PRIORITY_LOW) | (1 << PANFROST_JM_CTX_PRIORITY_MEDIUM)),
    );
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW)).toEqual({ ret: 0, handle: 1 });
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_MEDIUM)).toEqual({ ret: 0, handle: 2 });
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_HIGH).ret).toBe(-EACCES);
    expect(c.jmCtxCreate(3).ret).toBe(-EINVAL);
    // Handles are per file.
    const d = s.open();
    expect(d.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW)).toEqual({ ret: 0, handle: 1 });
    // A freed handle is reused.
    expect(c.jmCtxDestroy(1)).toBe(0);
    expect(c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_MEDIUM)).toEqual({ ret: 0, handle: 1 });
    c.close();
    d.close();
    expect(s.warnings.warnings).toEqual([]);
  });

  it("JM_CTX_DESTROY: the default context, unknown handles and pad != 0 are -EINVAL; a destroyed handle no longer submits", () => {
    const s = makeStack();
    const c = s.open();
    expect(c.jmCtxDestroy(0)).toBe(-EINVAL);
    expect(c.jmCtxDestroy(7)).toBe(-EINVAL);
    const h = c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW).handle;
    expect(c.jmCtxDestroy(h, 1)).toBe(-EINVAL);
    const ok = submitProgram(c, new ProgramBuilder().end().buildBytes(), [], 0, h);
    expect(ok.ret).toBe(0);
    expect(waitSubmission(c, ok, 100 * MS)).toBe(true);
    expect(c.fenceError(ok.outSync)).toBe(0);
    expect(c.jmCtxDestroy(h)).toBe(0);
    expect(c.jmCtxDestroy(h)).toBe(-EINVAL);
    expect(submitProgram(c, new ProgramBuilder().end().buildBytes(), [], 0, h).ret).toBe(-EINVAL);
    expect(submitProgram(c, new ProgramBuilder().end().buildBytes(), [], 0, 9).ret).toBe(-EINVAL);
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("destroying a context kills its running job (-ECANCELED); the file's default context carries on", () => {
    const s = makeStack();
    const c = s.open();
    const h = c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_MEDIUM).handle;
    const long = submitProgram(
      c,
      new ProgramBuilder()
        .delay(300 * MS)
        .end()
        .buildBytes(),
      [],
      0,
      h,
    );
    expect(long.ret).toBe(0);
    s.sim.loop.runUntil(() => s.dev.jobs.snapshot().some((j) => j.hw[0] !== null), 10 * MS);
    expect(c.jmCtxDestroy(h)).toBe(0);
    expect(waitSubmission(c, long, 100 * MS)).toBe(true);
    expect(c.fenceError(long.outSync)).toBe(-ECANCELED);
    const next = submitProgram(c, new ProgramBuilder().end().buildBytes());
    expect(waitSubmission(c, next, 100 * MS)).toBe(true);
    expect(c.fenceError(next.outSync)).toBe(0);
    expect(s.dev.jobs.counters.resets).toBe(0);
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("a LOW-priority context's queued job runs after a MEDIUM one submitted later", () => {
    const s = makeStack();
    const c = s.open();
    const low = c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW).handle;
    // Fill the slot (current + _NEXT) so that the next two jobs queue in the scheduler.
    const blockers = [0, 1].map(() =>
      submitProgram(
        c,
        new ProgramBuilder()
          .delay(5 * MS)
          .end()
          .buildBytes(),
      ),
    );
    s.sim.loop.runUntil(() => s.dev.jobs.snapshot().some((j) => j.hw[0] !== null), MS);
    const l = submitProgram(c, new ProgramBuilder().end().buildBytes(), [], 0, low);
    const m = submitProgram(c, new ProgramBuilder().end().buildBytes());
    expect(waitSubmission(c, m, 100 * MS)).toBe(true);
    expect(c.fenceError(l.outSync)).toBeNull();
    expect(waitSubmission(c, l, 100 * MS)).toBe(true);
    for (const b of blockers) expect(c.fenceError(b.outSync)).toBe(0);
    expect(c.fenceError(l.outSync)).toBe(0);
    c.close();
    s.sim.loop.runUntilIdle(100_000);
    expect(s.warnings.warnings).toEqual([]);
  });
});
