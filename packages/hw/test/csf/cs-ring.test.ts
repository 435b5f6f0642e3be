/**
 * CS-RING: a stream fed from a ring buffer — 128-byte job slots wrapping a 4 KiB ring, the
 * extract position published as jobs retire, idle when the ring is empty, kicked by a doorbell.
 */
import { CsAssembler } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import { type CsEndResult, CsEndStatus, type CsRing } from "../../src/index.js";
import { AS, CODE_VA, csRig, DATA_VA } from "./cs-rig.js";

const RING_SIZE = 4096;
const SLOT = 128;

/** Job `k`: log k at LOG + 4 (k mod 1024), bump the counter at DATA, padded to 16 instructions. */
function job(k: number): Uint8Array {
  const a = new CsAssembler()
    .move48(40, DATA_VA + 0x1000 + 4 * (k % 1024))
    .move32(42, k)
    .storeMultiple(42, 40, 1)
    .move48(44, DATA_VA)
    .move32(46, 1)
    .syncAdd32(44, 46)
    .wait(0x1);
  while (a.length < SLOT / 8) a.nop();
  return a.bytes();
}

describe("CS-RING", () => {
  it("CS-RING-1: 600 jobs of 128 bytes wrap a 4 KiB ring in order; the stream idles when it catches up and a kick resumes it", () => {
    const r = csRig({}, 8);
    let insert = 0;
    const published: number[] = [];
    const ring: CsRing = {
      base: CODE_VA,
      size: RING_SIZE,
      extract: 0,
      readInsert: () => insert,
      writeExtract: (p) => published.push(p),
    };
    const ended: CsEndResult[] = [];
    const run = r.cs.start({ as: AS, va: CODE_VA, length: 0, ring, onEnd: (e) => ended.push(e) });
    r.sim.loop.runUntilIdle();
    expect(run.idle).toBe(true);
    let next = 0;
    while (next < 600) {
      // Fill every free slot (the driver's ring-space check: insert - extract <= size).
      let wrote = 0;
      while (next < 600 && insert - ring.extract + SLOT <= RING_SIZE) {
        const bytes = job(next);
        for (let i = 0; i < bytes.length; i += 4) {
          const va = CODE_VA + ((insert + i) % RING_SIZE);
          r.sim.memory.writeBytes(r.paOf(va), bytes.subarray(i, i + 4));
        }
        insert += SLOT;
        next++;
        wrote++;
      }
      expect(wrote).toBeGreaterThan(0);
      run.kick();
      r.sim.loop.runUntilIdle();
      expect(run.idle).toBe(true);
      expect(ring.extract).toBe(insert);
    }
    expect(ended).toEqual([]);
    expect(r.read32(DATA_VA)).toBe(600);
    for (let k = 0; k < 600; k++) expect(r.read32(DATA_VA + 0x1000 + 4 * k)).toBe(k);
    // Extract was published as chunks retired, never past insert, and only forward.
    expect(published.at(-1)).toBe(600 * SLOT);
    for (let i = 1; i < published.length; i++) {
      expect(published[i] as number).toBeGreaterThan(published[i - 1] as number);
    }
    // The wrap splits chunks: no chunk crossed the end of the ring.
    expect(insert / RING_SIZE).toBeGreaterThan(18);
    run.terminate();
    r.sim.loop.runUntilIdle();
    expect(ended).toMatchObject([{ status: CsEndStatus.Terminated }]);
  });

  it("a kick with nothing new leaves the stream idle; a ring that is not a power of two is refused", () => {
    const r = csRig();
    const ring: CsRing = {
      base: CODE_VA,
      size: RING_SIZE,
      extract: 0,
      readInsert: () => 0,
      writeExtract: () => {},
    };
    const run = r.cs.start({ as: AS, va: CODE_VA, length: 0, ring, onEnd: () => {} });
    r.sim.loop.runUntilIdle();
    run.kick();
    r.sim.loop.runUntilIdle();
    expect(run.idle).toBe(true);
    expect(run.instructions).toBe(0);
    const ended: CsEndResult[] = [];
    r.cs.start({
      as: AS,
      va: CODE_VA,
      length: 0,
      ring: { ...ring, size: 3000 },
      onEnd: (e) => ended.push(e),
    });
    r.sim.loop.runUntilIdle();
    expect(ended[0]?.status).toBe(CsEndStatus.Fatal);
  });
});
