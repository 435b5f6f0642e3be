/**
 * CS-CSG (interpreter half): a stream suspended in the middle of a long loop and resumed from
 * its saved state ends with the same result as an uninterrupted run; the suspend record
 * round-trips.
 */
import { CsCondition } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  type CsEndResult,
  CsEndStatus,
  type CsSnapshot,
  decodeCsSnapshot,
  encodeCsSnapshot,
} from "../../src/index.js";
import { AS, asm, CODE_VA, csRig, DATA_VA } from "./cs-rig.js";

const N = 100_000;

/** A loop of N iterations that counts in r1, with a CALL inside and a SYNC_ADD every pass. */
function loopProgram() {
  const a = asm().move32(0, N).move32(1, 0).move48(40, DATA_VA).move32(42, 1);
  const loop = a.label();
  a.bind(loop)
    .addImm32(1, 1, 1)
    .syncAdd32(40, 42)
    .addImm32(0, 0, -1)
    .branch(CsCondition.GT, 0, loop)
    .wait(0xff);
  return a;
}

describe("CS-CSG: suspend and resume", () => {
  it("CS-CSG-1: suspended in the middle of a 100,000-iteration loop and resumed, the stream ends with the same count", () => {
    const r = csRig();
    const s = r.start(loopProgram());
    r.sim.loop.advance(3_000_000); // about a third of the way
    s.run.requestSuspend();
    r.sim.loop.runUntilIdle();
    const suspended = s.ended[0] as CsEndResult;
    expect(suspended.status).toBe(CsEndStatus.Suspended);
    const snap = suspended.snapshot as CsSnapshot;
    const done = snap.regs[1] as number;
    expect(done).toBeGreaterThan(1000);
    expect(done).toBeLessThan(N);
    expect(snap.regs[0]).toBe(N - done);
    // Every SYNC_ADD issued before the suspension completed: memory agrees with the counter.
    expect(r.read32(DATA_VA)).toBe(done);
    // Through the suspend record (as the firmware stores it) and back.
    const restored = decodeCsSnapshot(encodeCsSnapshot(snap), 96) as CsSnapshot;
    expect(restored).toEqual({ ...snap, regs: snap.regs.slice(0, 96) });
    const ended: CsEndResult[] = [];
    const resumed = r.cs.start({
      as: AS,
      va: CODE_VA,
      length: loopProgram().byteLength,
      restore: restored,
      onEnd: (e) => ended.push(e),
    });
    r.sim.loop.runUntilIdle();
    expect(ended[0]?.status).toBe(CsEndStatus.Done);
    expect(resumed.regs[1]).toBe(N);
    expect(resumed.regs[0]).toBe(0);
    expect(r.read32(DATA_VA)).toBe(N);
  });

  it("a stream blocked in SYNC_WAIT suspends at once and, resumed, waits again on the same object", () => {
    const r = csRig();
    const s = r.start(
      asm().move48(40, DATA_VA).move32(42, 0).syncWait32(CsCondition.GT, 40, 42).move32(7, 7),
    );
    r.sim.loop.advance(10_000);
    expect(s.run.blockedReason).toBe(3);
    s.run.requestSuspend();
    r.sim.loop.runUntilIdle();
    const snap = s.ended[0]?.snapshot as CsSnapshot;
    expect(snap.pc).toBe(CODE_VA + 16);
    const ended: CsEndResult[] = [];
    const resumed = r.cs.start({
      as: AS,
      va: CODE_VA,
      length: 32,
      restore: snap,
      onEnd: (e) => ended.push(e),
    });
    r.sim.loop.advance(200_000);
    expect(resumed.blocked).toBe(true);
    r.write32(DATA_VA, 1);
    r.sim.loop.runUntilIdle();
    expect(ended[0]?.status).toBe(CsEndStatus.Done);
    expect(resumed.regs[7]).toBe(7);
  });

  it("a record without the marker, or with a call depth past the stack, is refused", () => {
    const w = new Uint32Array(256);
    expect(decodeCsSnapshot(w, 96)).toBeNull();
    w[159] = 1;
    expect(decodeCsSnapshot(w, 96)).not.toBeNull();
    w[100] = 9;
    expect(decodeCsSnapshot(w, 96)).toBeNull();
  });
});
