/**
 * Mesa `pan_kmod` replays (spec 4.6, MESA-1 and MESA-2): {@link PanKmodClient} issues the
 * ioctl sequence of Mesa's panthor backend and Gallium CSF path on a G610 with firmware; the
 * tests check the order of the stream, what the kernel and the GPU did with it, and that
 * nothing is left afterwards. MESA-3 and MESA-4 (faults, tiler OOM) are in mesa-faults.test.ts.
 */
import type { DmaFence } from "@panmmu/drm";
import { createRng } from "@panmmu/fixtures";
import {
  DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
  DRM_PANTHOR_USER_MMIO_OFFSET_64BIT,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  PROT_READ,
} from "@panmmu/uapi";
import { beforeAll, describe, expect, it } from "vitest";
import type { PanKmodClient } from "../../src/client/pan-kmod.js";
import { PanKmodContext } from "../../src/client/pan-kmod-context.js";
import type { PanKmodBo, PanKmodVaEvent } from "../../src/client/pan-kmod-types.js";
import {
  type CsDebugState,
  closeKmod,
  csState,
  expectNothingLeft,
  jobFenceAt,
  kernelVm,
  type MesaRig,
  mesaDevice,
  openKmod,
  vmTimelineSignalled,
} from "./mesa-rig.js";
import { drawBody } from "./mesa-streams.js";

/** 4.1: pan_kmod_dev_create() (drmGetVersion() issues VERSION twice). */
const DEV_CREATE = [
  "VERSION",
  "VERSION",
  "DEV_QUERY(GPU_INFO)",
  "DEV_QUERY(CSIF_INFO)",
  "DEV_QUERY(TIMESTAMP_INFO)",
  "SET_USER_MMIO_OFFSET",
  "mmap(USER_FLUSH_ID)",
  "DEV_QUERY(GROUP_PRIORITIES_INFO)",
];
/** 4.2 step 9-10 as panthor_kmod_vm_create() orders them: the timeline syncobj first. */
const VM_CREATE = ["SYNCOBJ_CREATE(SIGNALED)", "VM_CREATE"];
/** 4.5's end: panthor_kmod_vm_destroy(), panthor_kmod_dev_destroy(), close(). */
const DEV_DESTROY = ["VM_DESTROY", "SYNCOBJ_DESTROY", "munmap(USER_FLUSH_ID)", "close"];

/** 4.2 step 11-13: one BO allocated (CPU-mapped unless GPU-only). */
const boAlloc = (cpu: boolean): string[] => [
  "BO_CREATE",
  "BO_SET_LABEL",
  "VM_BIND(SYNC MAP)",
  ...(cpu ? ["BO_MMAP_OFFSET", "mmap(BO)"] : []),
];
/** 4.2 step 14: one BO freed. */
const boFree = (cpu: boolean): string[] => [
  ...(cpu ? ["munmap(BO)"] : []),
  "VM_BIND(ASYNC UNMAP)",
  "GEM_CLOSE",
];

/** 4.3: the context syncobj, then csf_init_context(). */
const CONTEXT_CREATE = [
  "SYNCOBJ_CREATE(SIGNALED)",
  "GROUP_CREATE",
  "TILER_HEAP_CREATE",
  ...boAlloc(true), // tiler heap descriptor
  ...boAlloc(false), // geometry buffer
  ...boAlloc(true), // init stream
  ...boAlloc(true), // OOM handler stream
  ...boAlloc(true), // register save area
  "GROUP_SUBMIT",
  "SYNCOBJ_WAIT",
  ...boFree(true), // the init stream's buffer, once it ran
];
/** 4.5: csf_cleanup_context(), then the context syncobj. */
const CONTEXT_DESTROY = [
  "SYNCOBJ_WAIT",
  "TILER_HEAP_DESTROY",
  "GROUP_DESTROY",
  ...boFree(false), // geometry buffer
  ...boFree(true), // tiler heap descriptor
  ...boFree(true), // OOM handler stream
  ...boFree(true), // register save area
  "SYNCOBJ_DESTROY",
];

function createContext(k: PanKmodClient): PanKmodContext {
  const ctx = PanKmodContext.create(k);
  if (typeof ctx === "number") throw new Error(`context creation failed: ${ctx}`);
  return ctx;
}

describe("MESA-1: open and close", () => {
  it("MESA-1: device open then close: exactly the 4.1 sequence, the VM, the 4.5 teardown, no error, nothing left", () => {
    const r = mesaDevice();
    const k = openKmod(r);
    expect(k.vmCreate()).toBe(0);
    expect(closeKmod(k)).toBe(0);
    const t = k.trace;
    expect(t.labels()).toEqual([...DEV_CREATE, ...VM_CREATE, ...DEV_DESTROY]);
    expect(t.failures()).toEqual([]);
    // What the model answers (4.1 "→").
    expect(k.props.version).toMatchObject({ name: "panthor", major: 1, minor: 8 });
    const csif = k.props.csif;
    expect([
      csif.csg_slot_count,
      csif.cs_slot_count,
      csif.cs_reg_count,
      csif.scoreboard_slot_count,
      csif.unpreserved_cs_reg_count,
    ]).toEqual([8, 8, 96, 8, 4]);
    const e = t.entries;
    expect(e[5]?.args).toEqual({ offset: DRM_PANTHOR_USER_MMIO_OFFSET_64BIT });
    expect(e[6]?.args).toMatchObject({
      offset: DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
      length: 4096,
      prot: PROT_READ,
    });
    expect(e[9]?.args).toEqual({ user_va_range: 1n << 47n });
    expect(e[9]?.out).toEqual({ id: 1, user_va_range: 1n << 47n });
    expectNothingLeft(r);
  });

  it("MESA-1: a context created and destroyed without a batch: 4.3 then 4.5 in order, no error, nothing left", () => {
    const r = mesaDevice();
    const k = openKmod(r);
    expect(k.vmCreate()).toBe(0);
    const ctx = createContext(k);
    expect(ctx.destroy()).toBe(0);
    expect(closeKmod(k)).toBe(0);
    const t = k.trace;
    expect(t.labels()).toEqual([
      ...DEV_CREATE,
      ...VM_CREATE,
      ...CONTEXT_CREATE,
      ...CONTEXT_DESTROY,
      ...DEV_DESTROY,
    ]);
    expect(t.failures()).toEqual([]);
    const find = (label: string) => t.entries.find((x) => x.label === label);
    const gpu = k.props.gpu;
    expect(find("GROUP_CREATE")?.args).toEqual({
      vm_id: 1,
      queues: "1:65536",
      compute_core_mask: gpu.shader_present,
      fragment_core_mask: gpu.shader_present,
      tiler_core_mask: 1n,
      max_compute_cores: 4,
      max_fragment_cores: 4,
      max_tiler_cores: 1,
      priority: PANTHOR_GROUP_PRIORITY_MEDIUM,
    });
    expect(find("GROUP_CREATE")?.out).toEqual({ group_handle: 1 });
    expect(find("TILER_HEAP_CREATE")?.args).toEqual({
      vm_id: 1,
      initial_chunk_count: 5,
      chunk_size: 2 * 1024 * 1024,
      max_chunks: 64,
      target_in_flight: 65535,
    });
    expect(find("TILER_HEAP_CREATE")?.out.handle).toBe((1 << 16) | 0);
    // The init stream: five instructions, signalling the (binary) context syncobj, handle 2.
    expect(find("GROUP_SUBMIT")?.args.submits).toMatch(/^q0:0x[0-9a-f]+\+40:flush=\d+\[S2\]$/);
    // Its buffer's unmap: signal VM point 1, wait for point 0 (DEFER_TO_NEXT_IDLE_POINT).
    expect(find("VM_BIND(ASYNC UNMAP)")?.args.ops).toMatch(/\[S1@1,W1@0\]$/);
    expectNothingLeft(r);
  });
});

/** What the MESA-2 replay observed. */
interface Mesa2 {
  /** The rig (for the leak checks). */
  readonly r: MesaRig;
  /** The job fence of each submitted batch. */
  readonly fences: DmaFence[];
  /** GROUP_SUBMIT's result for each batch. */
  readonly rets: number[];
  /** Asynchronous UNMAPs the kernel accepted. */
  readonly asyncUnmaps: number;
  /** The client's last VM timeline point. */
  readonly vmPoint: bigint;
  /** The last point of the VM timeline signalled, per the kernel's syncobj. */
  readonly kernelSignalled: number;
  /** VA allocations that overlapped a range freed before. */
  readonly reuses: number;
  /** VA allocations made while some freed range's unmap had not signalled. */
  readonly allocsWithPendingFrees: number;
  /** Ranges handed out before their unmap signalled, or still mapped in the kernel. */
  readonly vaViolations: string[];
  /** Queue 0's stream state right after the context's creation. */
  readonly csAfterInit: CsDebugState | null;
  /** Queue 0's stream state after the 100 batches. */
  readonly csAfterBatches: CsDebugState | null;
  /** What the init stream registered. */
  readonly expectedCs: CsDebugState;
}

/**
 * One context, 100 batches of synthetic streams; between batches, BOs of assorted sizes and
 * kinds (GPU-only, shareable, 2 MiB-aligned) created, accessed by batches and freed a few
 * batches later, with CPU time or a glFinish() between some batches.
 */
function mesa2Replay(): Mesa2 {
  const r = mesaDevice();
  const rng = createRng(2024);
  const deferred: PanKmodVaEvent[] = [];
  const vaViolations: string[] = [];
  let reuses = 0;
  let allocsWithPendingFrees = 0;
  let client: PanKmodClient | null = null;
  const onVaEvent = (e: PanKmodVaEvent): void => {
    if (e.kind === "defer-free") deferred.push(e);
    if (e.kind !== "alloc" || client === null) return;
    // The kernel's view when the client hands the range out again.
    const signalled = BigInt(vmTimelineSignalled(client));
    const end = e.va + e.size;
    if (deferred.some((d) => d.point > signalled)) allocsWithPendingFrees++;
    for (const d of deferred) {
      if (d.va >= end || d.va + d.size <= e.va) continue;
      reuses++;
      if (d.point > signalled) {
        vaViolations.push(`0x${e.va.toString(16)} reused before point ${d.point} signalled`);
      }
    }
    for (const m of kernelVm(client).mappings()) {
      const start = BigInt(m.addr);
      if (start < end && start + BigInt(m.range) > e.va) {
        vaViolations.push(`0x${e.va.toString(16)} still mapped in the kernel VM`);
      }
    }
  };
  const k = openKmod(r, { onVaEvent });
  client = k;
  expect(k.vmCreate()).toBe(0);
  const ctx = createContext(k);
  const handler = ctx.oomHandlerBo;
  if (ctx.heap === null || handler === null) throw new Error("context not set up");
  const expectedCs: CsDebugState = {
    heapContext: Number(ctx.heap.ctxVa),
    oomHandler: [Number(handler.va), ctx.oomHandlerLength],
  };
  const csAfterInit = csState(r, k, ctx.group);
  const results = k.boAlloc(0x1000n, {}, "results");
  if (typeof results === "number") throw new Error("results BO");
  const sizes = [0x1000n, 0x4000n, 0x1_0000n, 0x4_0000n, 0x20_0000n, 0x30_0000n];
  let live: { bo: PanKmodBo; until: number }[] = [];
  const fences: DmaFence[] = [];
  const rets: number[] = [];
  for (let i = 0; i < 100; i++) {
    for (const l of live.filter((x) => x.until <= i)) k.boFree(l.bo);
    live = live.filter((x) => x.until > i);
    if (rng.chance(0.6)) {
      const bo = k.boAlloc(
        rng.pick(sizes),
        { invisible: rng.chance(0.3), shareable: rng.chance(0.15) },
        `resource ${i}`,
      );
      if (typeof bo === "number") throw new Error(`resource BO: ${bo}`);
      live.push({ bo, until: i + rng.int(1, 6) });
    }
    const touched = live.filter(() => rng.chance(0.5)).map((l) => l.bo);
    const writes = [results, ...touched.filter(() => rng.chance(0.5))];
    const res = ctx.submitBatch({
      reads: touched,
      writes,
      body: () =>
        drawBody({
          draws: rng.int(1, 3),
          marker: { va: results.va + BigInt(4 * (i % 512)), value: i + 1 },
          counter: { va: results.va + 0xff0n, index: i },
        }),
    });
    rets.push(res.ret);
    if (res.ret === 0) fences.push(jobFenceAt(k, res.point));
    const gap = rng.int(0, 9);
    if (gap >= 9) ctx.finish();
    else if (gap >= 7) r.sim.loop.advance(2_000_000);
    else if (gap >= 4) r.sim.loop.advance(20_000);
  }
  ctx.finish();
  const csAfterBatches = csState(r, k, ctx.group);
  for (const l of live) k.boFree(l.bo);
  k.boFree(results);
  ctx.destroy();
  r.sim.loop.advance(50_000_000);
  const asyncUnmaps = k.trace.entries.filter(
    (e) => e.label === "VM_BIND(ASYNC UNMAP)" && e.ret === 0,
  ).length;
  const vmPoint = k.vm?.point ?? -1n;
  const kernelSignalled = vmTimelineSignalled(k);
  expect(closeKmod(k)).toBe(0);
  return {
    r,
    fences,
    rets,
    asyncUnmaps,
    vmPoint,
    kernelSignalled,
    reuses,
    allocsWithPendingFrees,
    vaViolations,
    csAfterInit,
    csAfterBatches,
    expectedCs,
  };
}

describe("MESA-2: one context, 100 batches", () => {
  let m: Mesa2;
  beforeAll(() => {
    m = mesa2Replay();
  });

  it("MESA-2: every batch is submitted and its fence signals without error", () => {
    expect(m.rets).toEqual(new Array<number>(100).fill(0));
    expect(m.fences).toHaveLength(100);
    expect(m.fences.map((f) => [f.signaled, f.error])).toEqual(new Array(100).fill([true, 0]));
  });

  it("MESA-2: the VM timeline reaches 100 + the number of asynchronous unmaps", () => {
    expect(m.asyncUnmaps).toBeGreaterThan(200);
    expect(m.vmPoint).toBe(BigInt(100 + m.asyncUnmaps));
    expect(m.kernelSignalled).toBe(100 + m.asyncUnmaps);
  });

  it("MESA-2: a freed VA range is handed out again only once its unmap point signalled (and the kernel unmapped it)", () => {
    expect(m.vaViolations).toEqual([]);
    // Not vacuous: ranges were reused, and some allocations came while unmaps were pending.
    expect(m.reuses).toBeGreaterThan(50);
    expect(m.allocsWithPendingFrees).toBeGreaterThan(50);
  });

  it("MESA-2: the init stream left the heap context and the tiler-OOM handler registered in the queue's command stream", () => {
    expect(m.csAfterInit).toEqual(m.expectedCs);
    // Still there after 100 batches on the same ring.
    expect(m.csAfterBatches).toEqual(m.expectedCs);
  });

  it("MESA-2: after the replay nothing is left", () => {
    expectNothingLeft(m.r);
  });
});
