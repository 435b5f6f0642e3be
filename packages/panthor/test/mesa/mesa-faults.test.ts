/**
 * Mesa `pan_kmod` replays with faults (spec 4.6, MESA-3 and MESA-4): a batch that runs an
 * invalid instruction, a VM_BIND the kernel fails when it runs, and the tiler running out of
 * heap memory in the middle of a batch, each followed by the leak checks of every replay.
 */
import type { DmaFence } from "@panmmu/drm";
import {
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_VM_STATE_UNUSABLE,
  DRM_PANTHOR_VM_STATE_USABLE,
  EINVAL,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanKmodClient } from "../../src/client/pan-kmod.js";
import { PanKmodContext } from "../../src/client/pan-kmod-context.js";
import { panthorVmHeapPool } from "../../src/heap/vm-heap-pool.js";
import {
  closeKmod,
  expectNothingLeft,
  jobFenceAt,
  kernelVm,
  liveHeapChunks,
  mesaDevice,
  openKmod,
} from "./mesa-rig.js";
import { drawBody } from "./mesa-streams.js";

function createContext(k: PanKmodClient): PanKmodContext {
  const ctx = PanKmodContext.create(k);
  if (typeof ctx === "number") throw new Error(`context creation failed: ${ctx}`);
  return ctx;
}

describe("MESA-3: faults", () => {
  it("MESA-3: an invalid opcode in batch 50: GROUP_GET_STATE reports FATAL_FAULT, VM_GET_STATE USABLE, the re-created context runs the remaining batches", () => {
    const r = mesaDevice();
    const k = openKmod(r);
    expect(k.vmCreate()).toBe(0);
    const ctx = createContext(k);
    const firstGroup = ctx.group;
    const rets: number[] = [];
    const fences = new Map<number, DmaFence>();
    let checkMark = -1;
    for (let i = 0; i < 100; i++) {
      const mark = k.trace.mark();
      const res = ctx.submitBatch({ body: () => drawBody({ invalidOpcode: i === 50 }) });
      rets.push(res.ret);
      if (res.ret === 0) fences.set(i, jobFenceAt(k, res.point));
      if (res.check !== null) checkMark = mark;
      // The application waits for batch 50 (glFinish()): the fault has landed when batch 51 is
      // submitted.
      if (i === 50) ctx.finish();
    }
    ctx.finish();
    // Batch 50 faulted; batch 51 was refused (the group is dead), and the client asked why.
    expect(fences.get(50)?.error).toBe(-EINVAL);
    expect(rets[51]).toBe(-EINVAL);
    const after = k.trace.since(checkMark);
    const labels = after.map((e) => e.label);
    const g = labels.indexOf("GROUP_GET_STATE");
    expect(g).toBeGreaterThan(labels.indexOf("GROUP_SUBMIT"));
    const gs = after[g];
    expect(gs?.args).toEqual({ group_handle: firstGroup });
    expect(Number(gs?.out.state) & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).toBe(
      DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
    );
    expect(after[g + 1]?.label).toBe("VM_GET_STATE");
    expect(after[g + 1]?.out).toEqual({ state: DRM_PANTHOR_VM_STATE_USABLE });
    // The context is torn down and set up again right after the two queries.
    expect(labels.slice(g + 2, g + 5)).toEqual([
      "SYNCOBJ_WAIT",
      "TILER_HEAP_DESTROY",
      "GROUP_DESTROY",
    ]);
    const create = labels.indexOf("GROUP_CREATE");
    expect(create).toBeGreaterThan(g);
    expect(labels[create + 1]).toBe("TILER_HEAP_CREATE");
    // Every other batch ran to completion, before and after the re-creation.
    const others = [...Array(100).keys()].filter((i) => i !== 50 && i !== 51);
    expect(others.map((i) => [i, rets[i], fences.get(i)?.signaled, fences.get(i)?.error])).toEqual(
      others.map((i) => [i, 0, true, 0]),
    );
    expect(ctx.destroy()).toBe(0);
    expect(closeKmod(k)).toBe(0);
    expectNothingLeft(r);
  });

  it("MESA-3: an injected bind failure (a BO's deferred UNMAP the kernel rejects when it runs): VM_GET_STATE reports UNUSABLE", () => {
    const r = mesaDevice();
    const k = openKmod(r);
    expect(k.vmCreate()).toBe(0);
    const ctx = createContext(k);
    for (let i = 0; i < 10; i++) expect(ctx.submitBatch({ body: () => drawBody() }).ret).toBe(0);
    const victim = k.boAlloc(0x4000n, {}, "victim");
    if (typeof victim === "number") throw new Error(`victim BO: ${victim}`);
    // The UNMAP that frees it reaches the kernel with a range past the GPU's 48-bit VA space:
    // accepted as an asynchronous op, refused by drm_gpuvm when the bind job runs.
    k.fd.injectNextVmBind((ops) => ops.map((o) => ({ ...o, va: 1n << 48n })));
    expect(k.boFree(victim)).toBe(0);
    const unmap = jobFenceAt(k, k.vm?.point ?? 0n);
    r.sim.loop.advance(5_000_000);
    expect(unmap.error).toBe(-EINVAL);
    const mark = k.trace.mark();
    expect(k.vmQueryState()).toBe("faulty");
    expect(k.trace.since(mark).map((e) => [e.label, e.ret, e.out])).toEqual([
      ["VM_GET_STATE", 0, { state: DRM_PANTHOR_VM_STATE_UNUSABLE }],
    ]);
    ctx.destroy();
    closeKmod(k);
    expectNothingLeft(r);
  });
});

describe("MESA-4: tiler out of memory", () => {
  it("MESA-4: tiler OOM in every draw of a batch: the heap grows one chunk per OOM up to max_chunks, the OOM handler runs beyond; teardown frees every chunk", () => {
    const r = mesaDevice();
    const k = openKmod(r);
    expect(k.vmCreate()).toBe(0);
    const ctx = createContext(k);
    const heapHandle = ctx.heap?.handle ?? -1;
    const { initialChunks, maxChunks } = ctx.heapConfig;
    expect([initialChunks, maxChunks]).toEqual([5, 64]);
    const pool = panthorVmHeapPool(kernelVm(k));
    const heap = pool?.heaps.get(heapHandle & 0xffff);
    if (pool === null || heap === undefined) throw new Error("no heap");
    const out = k.boAlloc(0x1000n, {}, "out");
    if (typeof out === "number") throw new Error(`out BO: ${out}`);
    for (let i = 0; i < 3; i++) expect(ctx.submitBatch({ body: () => drawBody() }).ret).toBe(0);
    ctx.finish();
    expect(heap.chunkCount).toBe(initialChunks);
    // Every RUN_IDVS of the next batch runs out of heap memory; each time, note how many
    // chunks the heap has then.
    const draws = maxChunks - initialChunks + 3;
    const chunksAtOom: number[] = [];
    const cs = r.sim.gpu.cs;
    if (cs === undefined) throw new Error("no CS engine");
    cs.tilerOomHook = () => {
      chunksAtOom.push(heap.chunkCount);
      return true;
    };
    const res = ctx.submitBatch({
      writes: [out],
      body: () => drawBody({ draws, oomCounterTo: out.va }),
    });
    expect(res.ret).toBe(0);
    const fence = jobFenceAt(k, res.point);
    ctx.finish();
    cs.tilerOomHook = null;
    expect([fence.signaled, fence.error]).toEqual([true, 0]);
    // One chunk per OOM until max_chunks, never more.
    expect(chunksAtOom).toEqual(
      [...Array(draws).keys()].map((i) => Math.min(initialChunks + i, maxChunks)),
    );
    expect(heap.chunkCount).toBe(maxChunks);
    expect(liveHeapChunks(r)).toBe(maxChunks);
    expect([pool.stats.grows, pool.stats.growsRefused]).toEqual([maxChunks - initialChunks, 3]);
    // The three OOMs past the maximum ran the context's handler (it counts its passes).
    expect(out.cpu?.readU32(0)).toBe(3);
    ctx.destroy();
    expect(liveHeapChunks(r)).toBe(0);
    expect(pool.stats.chunksFreed).toBe(pool.stats.chunksAllocated);
    k.boFree(out);
    closeKmod(k);
    expectNothingLeft(r);
  });
});
