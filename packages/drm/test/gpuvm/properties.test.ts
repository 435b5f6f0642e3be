/**
 * Property tests: after any sequence of map/unmap requests, mappings never overlap, every
 * address translates to the same object offset as a naive per-unit model applying the same
 * requests, and the steps, return codes and mapping lists equal an independent bigint
 * reference of the split/merge rules, also at the top of the u64 space.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkIntervalTree, type GpuVa, GpuVm } from "../../src/gpuvm/index.js";
import {
  applyingOps,
  mappingRecords,
  removeAll,
  type StepContext,
  stepContext,
  stepRecord,
  TestGem,
} from "./harness.js";
import { ReferenceVm } from "./reference-model.js";

const UNITS = 48;
const U64_MASK = (1n << 64n) - 1n;

type Req =
  | { kind: "map"; addr: number; range: number; obj: number | null; offset: number }
  | { kind: "unmap"; addr: number; range: number };

const reqArb: fc.Arbitrary<Req> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("map" as const),
      addr: fc.integer({ min: 0, max: UNITS - 1 }),
      range: fc.integer({ min: 1, max: 16 }),
      obj: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 5 }),
      offset: fc.integer({ min: 0, max: 64 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("unmap" as const),
      addr: fc.integer({ min: 0, max: UNITS - 1 }),
      range: fc.integer({ min: 1, max: 24 }),
    }),
    weight: 1,
  },
);

/**
 * Requests that also include zero-length ones: a zero-length mapping at another mapping's start
 * (or at address 0) puts interval ends out of order, which switches the VM's interval tree to
 * its augmented lookups (and, after enough operations with sorted ends, back).
 */
const reqWithEmptyArb: fc.Arbitrary<Req> = fc.oneof(
  { arbitrary: reqArb, weight: 4 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom("map" as const, "unmap" as const),
      addr: fc.integer({ min: 0, max: UNITS - 1 }),
      range: fc.constant(0),
      obj: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 5 }),
      offset: fc.integer({ min: 0, max: 64 }),
    }),
    weight: 1,
  },
);

function newVm(base: bigint, unit: bigint, reserve: [number, number] | null) {
  const vm = GpuVm.init<StepContext>(
    "prop",
    base,
    BigInt(UNITS) * unit,
    reserve === null ? 0n : (base + BigInt(reserve[0]) * unit) & U64_MASK,
    reserve === null ? 0n : BigInt(reserve[1]) * unit,
    applyingOps,
  );
  const objs = [new TestGem(1), new TestGem(2), new TestGem(3)];
  const objOf = (id: number | null) => (id === null ? null : (objs[id - 1] as TestGem));
  return { vm, objOf, objs };
}

describe("gpuvm properties", () => {
  it("mappings never overlap and translate like a per-unit model", () => {
    fc.assert(
      fc.property(fc.array(reqArb, { maxLength: 60 }), (reqs) => {
        const { vm, objOf } = newVm(0n, 1n, null);
        // Per unit: undefined = unmapped, else [obj id | null, object offset at that unit].
        const model: ([number | null, number] | undefined)[] = new Array(UNITS).fill(undefined);
        for (const r of reqs) {
          const ctx = stepContext(vm, null);
          const end = Math.min(r.addr + r.range, UNITS);
          const valid = r.addr + r.range <= UNITS;
          const rc =
            r.kind === "map"
              ? vm.smMap(ctx, r.addr, r.range, objOf(r.obj), r.offset)
              : vm.smUnmap(ctx, r.addr, r.range);
          expect(rc).toBe(valid ? 0 : -22);
          if (valid) {
            for (let u = r.addr; u < end; u++) {
              model[u] = r.kind === "map" ? [r.obj, r.offset + (u - r.addr)] : undefined;
            }
          }
          let lastEnd = 0;
          for (const va of vm.vas()) {
            expect(va.addr as number).toBeGreaterThanOrEqual(lastEnd);
            lastEnd = (va.addr as number) + (va.range as number);
          }
          for (let u = 0; u < UNITS; u++) {
            const va = vm.findFirst(u, 1);
            const got =
              va === null
                ? undefined
                : [
                    va.obj === null ? null : (va.obj as TestGem).id,
                    (va.offset as number) + (u - (va.addr as number)),
                  ];
            expect(got).toEqual(model[u]);
          }
        }
        expect(checkIntervalTree(vm.tree)).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  it("reusing removed mapping objects through a free list changes nothing observable", () => {
    fc.assert(
      fc.property(fc.array(reqArb, { maxLength: 60 }), (reqs) => {
        const fresh = newVm(0n, 0x1000n, null);
        const pooled = newVm(0n, 0x1000n, null);
        const spare: GpuVa[] = [];
        for (const r of reqs) {
          const a = stepContext(fresh.vm);
          const b = stepContext(pooled.vm, [], spare);
          const addr = r.addr * 0x1000;
          const range = r.range * 0x1000;
          if (r.kind === "map") {
            const off = r.offset * 0x1000;
            expect(pooled.vm.smMap(b, addr, range, pooled.objOf(r.obj), off)).toBe(
              fresh.vm.smMap(a, addr, range, fresh.objOf(r.obj), off),
            );
          } else {
            expect(pooled.vm.smUnmap(b, addr, range)).toBe(fresh.vm.smUnmap(a, addr, range));
          }
          expect(b.log).toEqual(a.log);
          expect(mappingRecords(pooled.vm)).toEqual(mappingRecords(fresh.vm));
        }
        expect(checkIntervalTree(pooled.vm.tree)).toBeNull();
        removeAll(pooled.vm);
        expect(pooled.vm.refcount).toBe(1);
        for (const o of pooled.objs) expect([o.refs, o.gpuva.size]).toEqual([1, 0]);
      }),
      { numRuns: 100 },
    );
  });

  it("steps, rc and mappings equal the bigint reference, anywhere in the u64 space", () => {
    const baseArb = fc.oneof(
      fc.constant(0n),
      fc.constant((1n << 53n) - 20n),
      fc.constant((1n << 64n) - 1n - 48n * 0x1000n),
      fc.constant((1n << 64n) - 1n - 48n),
      fc.bigInt({ min: 0n, max: U64_MASK }),
    );
    const reserveArb = fc.option(
      fc.tuple(fc.integer({ min: 0, max: UNITS - 1 }), fc.integer({ min: 1, max: 8 })),
      { freq: 3 },
    );
    fc.assert(
      fc.property(
        baseArb,
        fc.constantFrom(1n, 0x1000n),
        reserveArb,
        fc.array(reqWithEmptyArb, { maxLength: 40 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (base, unit, reserve, reqs, offsetBase) => {
          const { vm, objOf, objs } = newVm(base, unit, reserve);
          const kStart = reserve === null ? 0n : (base + BigInt(reserve[0]) * unit) & U64_MASK;
          const kRange = reserve === null ? 0n : BigInt(reserve[1]) * unit;
          const ref = new ReferenceVm(base, BigInt(UNITS) * unit, kStart, kRange);
          for (const r of reqs) {
            // Wraps when the VA space itself overflows u64 (the kernel then only warns).
            const addr = (base + BigInt(r.addr) * unit) & U64_MASK;
            const range = BigInt(r.range) * unit;
            const ctx = stepContext(vm);
            let rc: number;
            let want: [number, unknown[]];
            // The steps listed without applying them: they differ from the applied walk only
            // where a zero-length mapping makes the walk meet a part it re-inserted itself.
            let wantListed: [number, unknown[]];
            let listed: ReturnType<typeof vm.smUnmapOpsCreate>;
            if (r.kind === "map") {
              // Offsets anywhere in u64, so that offset sums wrap.
              const offset = (offsetBase + BigInt(r.offset) * unit) & U64_MASK;
              listed = vm.smMapOpsCreate(addr, range, objOf(r.obj), offset);
              wantListed = ref.map(addr, range, r.obj, offset, false);
              rc = vm.smMap(ctx, addr, range, objOf(r.obj), offset);
              want = ref.map(addr, range, r.obj, offset);
            } else {
              listed = vm.smUnmapOpsCreate(addr, range);
              wantListed = ref.unmap(addr, range, false);
              rc = vm.smUnmap(ctx, addr, range);
              want = ref.unmap(addr, range);
            }
            expect([rc, ctx.log]).toEqual(want);
            expect(typeof listed === "number" ? listed : listed.map(stepRecord)).toEqual(
              typeof listed === "number" ? wantListed[0] : wantListed[1],
            );
            expect(mappingRecords(vm)).toEqual(ref.records());
          }
          expect(checkIntervalTree(vm.tree)).toBeNull();
          removeAll(vm);
          expect(vm.refcount).toBe(1);
          for (const o of objs) expect([o.refs, o.gpuva.size]).toEqual([1, 0]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
