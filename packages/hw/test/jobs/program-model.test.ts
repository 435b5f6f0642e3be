/**
 * Property: a random memory program run by the engine leaves memory exactly as a plain
 * reference interpreter over one flat array does, whatever the slicing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProgramBuilder } from "../../src/jobs/program/builder.js";
import { MemoryProgramEngine } from "../../src/jobs/program/program-engine.js";
import { firstDiff, Rig } from "./helpers.js";

const AS = 1;
const BASE = 0x30_0000;
const SIZE = 4 * 4096;

type Op =
  | { k: "w32"; off: number; v: number }
  | { k: "fill"; off: number; len: number; v: number }
  | { k: "copy"; dst: number; src: number; len: number }
  | { k: "heap"; off: number; count: number; stride: number };

const word = fc.integer({ min: 0, max: SIZE / 4 - 1 }).map((w) => w * 4);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("w32" as const), off: word, v: fc.nat({ max: 0xffffffff }) }),
  word.chain((off) =>
    fc.record({
      k: fc.constant("fill" as const),
      off: fc.constant(off),
      len: fc.integer({ min: 0, max: (SIZE - off) / 4 }).map((n) => n * 4),
      v: fc.nat({ max: 0xffffffff }),
    }),
  ),
  fc
    .tuple(fc.integer({ min: 0, max: SIZE - 1 }), fc.integer({ min: 0, max: SIZE - 1 }))
    .chain(([dst, src]) =>
      fc.record({
        k: fc.constant("copy" as const),
        dst: fc.constant(dst),
        src: fc.constant(src),
        len: fc.integer({ min: 0, max: Math.min(SIZE - dst, SIZE - src) }),
      }),
    )
    // Overlapping copies are defined as page-chunked forward copies; keep the model simple.
    .filter((o) => o.dst + o.len <= o.src || o.src + o.len <= o.dst),
  fc
    .tuple(
      word,
      fc.integer({ min: 1, max: 300 }).map((s) => s * 4),
    )
    .chain(([off, stride]) =>
      fc.record({
        k: fc.constant("heap" as const),
        off: fc.constant(off),
        stride: fc.constant(stride),
        count: fc.integer({ min: 0, max: Math.floor((SIZE - 4 - off) / stride) + 1 }),
      }),
    ),
);

function reference(ops: Op[]): Uint8Array {
  const mem = new Uint8Array(SIZE);
  const dv = new DataView(mem.buffer);
  for (const o of ops) {
    switch (o.k) {
      case "w32":
        dv.setUint32(o.off, o.v, true);
        break;
      case "fill":
        for (let i = 0; i < o.len; i += 4) dv.setUint32(o.off + i, o.v, true);
        break;
      case "copy":
        mem.copyWithin(o.dst, o.src, o.src + o.len);
        break;
      case "heap":
        for (let i = 0; i < o.count; i++)
          dv.setUint32(o.off + i * o.stride, BASE + o.off + i * o.stride, true);
        break;
    }
  }
  return mem;
}

describe("memory programs against a reference model", () => {
  it("random WRITE32/FILL32/COPY/HEAP_SAMPLE programs (property)", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 12 }),
        fc.integer({ min: 50, max: 20_000 }),
        (ops, sliceNs) => {
          const r = new Rig();
          r.bo(AS, BASE, SIZE);
          const engine = new MemoryProgramEngine({
            loop: r.loop,
            memory: r.memory,
            port: r.port,
            cost: { sliceNs },
          });
          const p = new ProgramBuilder();
          for (const o of ops) {
            if (o.k === "w32") p.write32(BASE + o.off, o.v);
            else if (o.k === "fill") p.fill32(BASE + o.off, o.len, o.v);
            else if (o.k === "copy") p.copy(BASE + o.dst, BASE + o.src, o.len);
            else p.heapSample(BASE + o.off, o.count, o.stride);
          }
          let status = 0;
          engine.runProgram(AS, p.end().build(), { onComplete: (res) => (status = res.status) });
          r.loop.runUntilIdle();
          expect(status).toBe(1);
          expect(firstDiff(r.read(AS, BASE, SIZE), reference(ops))).toBe(-1);
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });
});
