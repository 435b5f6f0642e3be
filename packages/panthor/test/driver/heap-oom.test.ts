import { EINVAL, ENOENT, ENOMEM } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { panthorHeapGrow, panthorHeapReturnChunk } from "../../src/heap/heap.js";
import {
  decodeHeapChunkDescriptor,
  PANTHOR_HEAP_CHUNK_LABEL,
  type PanthorHeapChunk,
  panthorHeapChunkDescriptor,
} from "../../src/heap/pool.js";
import { panthorVmHeapPool, panthorVmHeapsSizes } from "../../src/heap/vm-heap-pool.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import {
  closeAndCheck,
  heapCreate,
  heapDestroy,
  heapOf,
  nexts,
  POOL_BO,
  poolOf,
  STRIDE,
  type Stack,
  SZ_2M,
  SZ_4K,
  SZ_128K,
  snapshot,
  stack,
} from "../helpers/heap-rig.js";

describe("HEAP-OOM: the grow path (driver half of the firmware's tiler OOM)", () => {
  it("HEAP-OOM-1: grow puts a new chunk at the list head and returns VA | chunk_size >> 12; its header stays zero (the firmware links it), the initial chain is unchanged", () => {
    const s = stack();
    const size = SZ_2M;
    const r = heapCreate(s.c, s.vmId, 2, size, 4);
    const pool = poolOf(s.vm);
    const heap = heapOf(s.vm, 0);
    const ctxVa = Number(r.out.tiler_heap_ctx_gpu_va);
    const initial = nexts(heap);
    const desc = panthorHeapGrow(pool, ctxVa, 1, 0);
    expect(desc).toBeGreaterThan(0);
    const head = heap.chunks[0];
    if (head === undefined) throw new Error("no head");
    expect(desc).toBe(head.gpuVa + (size >> 12));
    expect(decodeHeapChunkDescriptor(desc)).toEqual({ gpuVa: head.gpuVa, chunkSize: size });
    expect(head.gpuVa % SZ_2M).toBe(0);
    expect(head.gpuVa).toBeGreaterThanOrEqual(s.kernelStart);
    expect(head.bo.obj.label).toBe(PANTHOR_HEAP_CHUNK_LABEL);
    expect(heap.chunkCount).toBe(3);
    expect(nexts(heap)).toEqual([0, ...initial]);
    expect(pool.size).toBe(POOL_BO + 3 * size);
    expect(pool.stats.grows).toBe(1);
    // Any address inside the heap's context slot names the heap.
    const d2 = panthorHeapGrow(pool, ctxVa + STRIDE - 4, 1, 0);
    const head2 = heap.chunks[0]?.gpuVa ?? 0;
    expect(d2).toBe(head2 + (size >> 12));
    expect(heap.chunks[1]).toBe(head);
    expect(nexts(heap)).toEqual([0, 0, ...initial]);
    closeAndCheck(s);
  });

  it("HEAP-OOM-2: with max_chunks chunks the grow is -ENOMEM and allocates nothing", () => {
    const s = stack();
    const r = heapCreate(s.c, s.vmId, 2, SZ_128K, 3, 10);
    const pool = poolOf(s.vm);
    const ctxVa = Number(r.out.tiler_heap_ctx_gpu_va);
    expect(panthorHeapGrow(pool, ctxVa, 0, 0)).toBeGreaterThan(0);
    const full = snapshot(s);
    expect(panthorHeapGrow(pool, ctxVa, 0, 0)).toBe(-ENOMEM);
    expect(panthorHeapGrow(pool, ctxVa, 0, 99)).toBe(-ENOMEM);
    expect(snapshot(s)).toEqual(full);
    expect(pool.stats.growsRefused).toBe(2);
    // A heap created at its maximum cannot grow at all.
    const atMax = heapCreate(s.c, s.vmId, 2, SZ_128K, 2, 10);
    expect(panthorHeapGrow(pool, Number(atMax.out.tiler_heap_ctx_gpu_va), 0, 0)).toBe(-ENOMEM);
    closeAndCheck(s);
  });

  it("HEAP-OOM-3: more render passes in flight than target_in_flight is -ENOMEM; equal is allowed; the count is a u32", () => {
    const s = stack();
    const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 10, 2);
    const pool = poolOf(s.vm);
    const ctxVa = Number(r.out.tiler_heap_ctx_gpu_va);
    const before = snapshot(s);
    expect(panthorHeapGrow(pool, ctxVa, 3, 0)).toBe(-ENOMEM);
    expect(panthorHeapGrow(pool, ctxVa, -1, 0)).toBe(-ENOMEM); // 0xffffffff
    expect(snapshot(s)).toEqual(before);
    expect(panthorHeapGrow(pool, ctxVa, 2, 0)).toBeGreaterThan(0);
    expect(panthorHeapGrow(pool, ctxVa, 0, 0)).toBeGreaterThan(0);
    const zero = heapCreate(s.c, s.vmId, 1, SZ_128K, 10, 0);
    const z = Number(zero.out.tiler_heap_ctx_gpu_va);
    expect(panthorHeapGrow(pool, z, 1, 0)).toBe(-ENOMEM);
    expect(panthorHeapGrow(pool, z, 0, 0)).toBeGreaterThan(0);
    closeAndCheck(s);
  });

  it("HEAP-OOM-4: a heap address that names no heap is -EINVAL and changes nothing", () => {
    const s = stack();
    const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 10);
    const pool = poolOf(s.vm);
    const base = pool.gpuContexts?.gpuVa ?? 0;
    expect(Number(r.out.tiler_heap_ctx_gpu_va)).toBe(base);
    const before = snapshot(s);
    const bad = [
      base - 1, // below the pool: the u64 offset wraps past U32_MAX
      base - STRIDE,
      0,
      base + STRIDE, // id 1 is free
      base + 127 * STRIDE,
      base + 128 * STRIDE, // past the last id
      base + 2 ** 32, // offset beyond a u32
      base + 0.5,
      Number.NaN,
      2 ** 60,
    ];
    for (const va of bad) {
      expect(panthorHeapGrow(pool, va, 0, 0), `grow at ${va}`).toBe(-EINVAL);
      expect(panthorHeapReturnChunk(pool, va, Number(r.out.first_heap_chunk_gpu_va))).toBe(-EINVAL);
    }
    expect(snapshot(s)).toEqual(before);
    expect(pool.stats.grows + pool.stats.growsRefused).toBe(0);
    closeAndCheck(s);
  });

  it("HEAP-OOM-5: once its heap is destroyed, a grow at its context is -EINVAL and allocates nothing (no use after free)", () => {
    const s = stack();
    const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 10);
    const pool = poolOf(s.vm);
    const ctxVa = Number(r.out.tiler_heap_ctx_gpu_va);
    const desc = panthorHeapGrow(pool, ctxVa, 0, 0);
    expect(desc).toBeGreaterThan(0);
    expect(heapDestroy(s.c, r.out.handle)).toBe(0);
    const after = snapshot(s);
    expect(panthorHeapGrow(pool, ctxVa, 0, 0)).toBe(-EINVAL);
    expect(panthorHeapReturnChunk(pool, ctxVa, desc)).toBe(-EINVAL);
    expect(snapshot(s)).toEqual(after);
    closeAndCheck(s);
  });
});

describe("HEAP-RET / HEAP-STAT", () => {
  it("HEAP-RET-1: a grown chunk the firmware never got is returned by VA or descriptor; an unknown chunk is -EINVAL", () => {
    const s = stack();
    const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 10);
    const pool = poolOf(s.vm);
    const heap = heapOf(s.vm, 0);
    const ctxVa = Number(r.out.tiler_heap_ctx_gpu_va);
    const before = snapshot(s);
    const d1 = panthorHeapGrow(pool, ctxVa, 0, 0);
    const d2 = panthorHeapGrow(pool, ctxVa, 0, 0);
    expect(heap.chunkCount).toBe(3);
    // By descriptor (the low 12 bits are ignored)...
    expect(panthorHeapReturnChunk(pool, ctxVa, d1)).toBe(0);
    expect(heap.chunks.map((c) => c.gpuVa)).not.toContain(decodeHeapChunkDescriptor(d1).gpuVa);
    // ... or by VA; twice is an unknown chunk.
    const va2 = decodeHeapChunkDescriptor(d2).gpuVa;
    expect(panthorHeapReturnChunk(pool, ctxVa, va2)).toBe(0);
    expect(panthorHeapReturnChunk(pool, ctxVa, va2)).toBe(-EINVAL);
    expect(panthorHeapReturnChunk(pool, ctxVa, 0)).toBe(-EINVAL);
    expect(panthorHeapReturnChunk(pool, ctxVa, -SZ_4K)).toBe(-EINVAL);
    expect(snapshot(s)).toEqual(before);
    expect(heap.chunkCount).toBe(1);
    closeAndCheck(s);
  });

  it("HEAP-STAT-1: the file's heap memory: every pool resident, pools of VMs on an AS slot active", () => {
    const s = stack();
    expect(panthorVmHeapsSizes(s.c.handle.priv)).toEqual({ resident: 0, active: 0 });
    const other = s.c.vmCreate().id;
    expect(heapCreate(s.c, s.vmId, 2, SZ_128K, 4).ret).toBe(0);
    expect(heapCreate(s.c, other, 1, SZ_2M, 4).ret).toBe(0);
    const total = POOL_BO + 2 * SZ_128K + POOL_BO + SZ_2M;
    expect(panthorVmHeapsSizes(s.c.handle.priv)).toEqual({ resident: total, active: 0 });
    expect(s.dev.mmu.vmActive(s.vm)).toBe(0);
    expect(panthorVmHeapsSizes(s.c.handle.priv)).toEqual({
      resident: total,
      active: POOL_BO + 2 * SZ_128K,
    });
    s.dev.mmu.vmIdle(s.vm);
    closeAndCheck(s);
  });
});

/** One step of the property test. */
type Step =
  | { kind: "create"; vm: number; initial: number; size: number; max: number; tif: number }
  | { kind: "destroy"; vm: number; id: number }
  | { kind: "grow"; vm: number; id: number; rif: number }
  | { kind: "return"; vm: number; id: number; pick: number }
  | { kind: "vmDestroy"; vm: number };

/** Heap ids the steps name: the first few, which the creates hand out. */
const idArb = fc.nat(2);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      vm: fc.nat(1),
      initial: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 3 }) }, fc.constant(0)),
      size: fc.constantFrom(
        SZ_128K,
        SZ_128K,
        SZ_128K + SZ_4K,
        2 * SZ_128K,
        SZ_128K - SZ_4K,
        SZ_128K + 1,
      ),
      max: fc.integer({ min: 0, max: 6 }),
      tif: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("destroy" as const), vm: fc.nat(1), id: idArb }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("grow" as const),
      vm: fc.nat(1),
      id: idArb,
      rif: fc.nat(2),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("return" as const),
      vm: fc.nat(1),
      id: idArb,
      pick: fc.nat(7),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("vmDestroy" as const), vm: fc.nat(1) }) },
);

/** Checks the invariants of one VM's pool (counts, limits, chunk list encoding); its GEM objects. */
function checkPool(vm: PanthorVm, grown: ReadonlySet<PanthorHeapChunk>): number {
  const pool = panthorVmHeapPool(vm);
  if (pool === null) return 0;
  let chunks = 0;
  let bytes = POOL_BO;
  for (const id of pool.heapIds()) {
    expect(id).toBeLessThan(128);
    const heap = heapOf(vm, id);
    expect(heap.chunkCount).toBe(heap.chunks.length);
    expect(heap.chunkCount).toBeGreaterThan(0);
    expect(heap.chunkCount).toBeLessThanOrEqual(heap.maxChunks);
    const vas = heap.chunks.map((c) => c.gpuVa);
    expect(new Set(vas).size).toBe(vas.length);
    let ends = 0;
    nexts(heap).forEach((next, i) => {
      if (grown.has(heap.chunks[i] as PanthorHeapChunk)) {
        // The firmware links grown chunks; the driver leaves `next` zero.
        expect(next).toBe(0);
      } else if (next === 0) {
        ends++;
      } else {
        // An initial chunk points at the chunk allocated just before it, further down the
        // list, with the heap's chunk size in the low bits.
        const d = decodeHeapChunkDescriptor(next);
        expect(d.chunkSize).toBe(heap.chunkSize);
        expect(vas.indexOf(d.gpuVa)).toBeGreaterThan(i);
      }
    });
    // Exactly one initial chunk ends the chain (grown chunks are only ever returned).
    expect(ends).toBe(1);
    chunks += heap.chunkCount;
    bytes += heap.chunkCount * heap.chunkSize;
  }
  expect(pool.size).toBe(bytes);
  expect(pool.refcount).toBe(1);
  expect(pool.stats.chunksAllocated - pool.stats.chunksFreed).toBe(chunks);
  return 1 + chunks;
}

/** Runs one random step on the world and checks its result against the rules of 1.10. */
function runStep(s: Stack, vmIds: number[], grown: Set<PanthorHeapChunk>, st: Step): void {
  const vmId = vmIds[st.vm] as number;
  const vm = s.vmOf(vmId);
  const before = snapshot(s, vm);
  const pool = panthorVmHeapPool(vm);
  switch (st.kind) {
    case "create": {
      const r = heapCreate(s.c, vmId, st.initial, st.size, st.max, st.tif);
      const valid =
        st.initial > 0 && st.initial <= st.max && st.size % SZ_4K === 0 && st.size >= SZ_128K;
      expect(r.ret).toBe(valid ? 0 : -EINVAL);
      if (r.ret !== 0 && pool !== null) expect(snapshot(s, vm)).toEqual(before);
      return;
    }
    case "destroy": {
      const heap = pool?.heaps.get(st.id);
      const ret = heapDestroy(s.c, (vmId << 16) | st.id);
      if (pool === null) expect(ret).toBe(-ENOENT);
      else expect(ret).toBe(heap === undefined ? -EINVAL : 0);
      if (ret !== 0) expect(snapshot(s, vm)).toEqual(before);
      return;
    }
    case "grow": {
      if (pool === null) return;
      const heap = pool.heaps.get(st.id);
      const ctxVa = (pool.gpuContexts?.gpuVa ?? 0) + st.id * STRIDE;
      const refused =
        heap !== undefined && (st.rif > heap.targetInFlight || heap.chunkCount >= heap.maxChunks);
      const ret = panthorHeapGrow(pool, ctxVa, st.rif, 0);
      if (heap === undefined) expect(ret).toBe(-EINVAL);
      else if (refused) expect(ret).toBe(-ENOMEM);
      else {
        expect(ret).toBe(panthorHeapChunkDescriptor(heap.chunks[0]?.gpuVa ?? 0, heap.chunkSize));
        grown.add(heap.chunks[0] as PanthorHeapChunk);
      }
      if (ret < 0) expect(snapshot(s, vm)).toEqual(before);
      return;
    }
    case "return": {
      if (pool === null) return;
      // A grown chunk of any heap of the pool (the kernel returns only chunks it handed out).
      const mine = pool
        .heapIds()
        .flatMap((id) => (pool.heaps.get(id)?.chunks ?? []).map((c) => ({ id, c })))
        .filter((x) => grown.has(x.c));
      const target = mine[st.pick % Math.max(1, mine.length)];
      const id = target?.id ?? st.id;
      const ctxVa = (pool.gpuContexts?.gpuVa ?? 0) + id * STRIDE;
      const ret = panthorHeapReturnChunk(pool, ctxVa, target?.c.gpuVa ?? 0);
      expect(ret).toBe(target === undefined ? -EINVAL : 0);
      if (target !== undefined) grown.delete(target.c);
      else expect(snapshot(s, vm)).toEqual(before);
      return;
    }
    case "vmDestroy": {
      expect(s.c.vmDestroy(vmId)).toBe(0);
      expect(vm.isFreed).toBe(true);
      expect(pool === null || pool.released).toBe(true);
      const again = s.c.vmCreate();
      expect(again.ret).toBe(0);
      vmIds[st.vm] = again.id;
      return;
    }
  }
}

describe("HEAP-PROP: random heap sequences", () => {
  it("HEAP-PROP-1: random create/grow/return/destroy/VM-destroy sequences keep the invariants and leak nothing", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 20, maxLength: 60, size: "max" }), (steps) => {
        const s = stack(7);
        const vmIds = [s.vmId, s.c.vmCreate().id];
        const grown = new Set<PanthorHeapChunk>();
        for (const st of steps) {
          runStep(s, vmIds, grown, st);
          // No leak: one GEM object and one kernel VA node per pool and per chunk, plus each
          // VM's reservation object.
          let objects = vmIds.length;
          for (const id of vmIds) {
            const v = s.vmOf(id);
            const n = checkPool(v, grown);
            expect([...v.mm.nodes()].length).toBe(n);
            objects += n;
          }
          expect(s.dev.drm.objects.size).toBe(s.baseObjects + objects);
          expect(s.warnings.warnings).toEqual([]);
        }
        closeAndCheck(s);
      }),
      { numRuns: 60, seed: 15 },
    );
  });
});
