/**
 * Asynchronous VM_BIND through the per-VM bind queue (spec 2.5): ordering, signal fences,
 * batch-local dependencies, errors before push, queue depth, and destroy with binds queued.
 */
import {
  DmaFenceContext,
  drmSyncobjCreate,
  drmSyncobjFind,
  drmSyncobjFindFence,
} from "@panmmu/drm";
import { createPlatform } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
  ENOENT,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";

const WAIT = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ;
const SIGNAL = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL;
const TL_SIGNAL = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL;

function stack() {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 5, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const base = sim.memory.allocatedPages;
  const c = PanthorClient.open(dev);
  if (typeof c === "number") throw new Error(`open: ${c}`);
  const vm = c.vmCreate().id;
  const bo = c.boCreate(0x40000n).handle;
  const syncobj = (): number => {
    const h = drmSyncobjCreate(c.handle.file, 0);
    if (h < 0) throw new Error(`syncobj: ${h}`);
    return h;
  };
  const mappings = (): number[][] => {
    const v = c.handle.priv.vms.get(vm);
    if (v === null) throw new Error("no VM");
    const out = v.mappings().map((m) => [Number(m.addr), Number(m.range)]);
    v.put();
    return out;
  };
  const fenceOf = (h: number, point = 0) => {
    const f = drmSyncobjFindFence(c.handle.file, h, point, 0);
    return typeof f === "number" ? null : f;
  };
  /** A syncobj holding an unsignalled fence the test signals when it wants the waiter to run. */
  const gatedSyncobj = () => {
    const gate = syncobj();
    const gateFence = new DmaFenceContext(sim.loop, "test", "gate").createFence();
    drmSyncobjFind(c.handle.file, gate)?.replaceFence(gateFence);
    return { gate, gateFence };
  };
  return { sim, dev, warnings, base, c, vm, bo, syncobj, gatedSyncobj, mappings, fenceOf };
}

describe("asynchronous VM_BIND", () => {
  it("VM-AQ-1: a bind queued behind one waiting on an unsignalled syncobj runs only after it", () => {
    const s = stack();
    const { gate, gateFence } = s.gatedSyncobj();
    const done = s.syncobj();
    const a = {
      boHandle: s.bo,
      va: 0x100000n,
      size: 0x10000n,
      syncs: [{ flags: WAIT, handle: gate }],
    };
    const b = {
      boHandle: s.bo,
      va: 0x200000n,
      size: 0x10000n,
      syncs: [{ flags: SIGNAL, handle: done }],
    };
    expect(s.c.vmBind(s.vm, [a], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    expect(s.c.vmBind(s.vm, [b], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    s.sim.loop.advance(1_000_000);
    expect(s.mappings()).toEqual([]);
    expect(s.fenceOf(done)?.signaled).toBe(false);
    gateFence.signal();
    s.sim.loop.runUntilIdle();
    expect(s.mappings()).toEqual([
      [0x100000, 0x10000],
      [0x200000, 0x10000],
    ]);
    expect(s.fenceOf(done)?.signaled).toBe(true);
    expect(s.fenceOf(done)?.error).toBe(0);
    expect(s.c.close()).toBe(0);
    s.sim.loop.runUntilIdle();
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AQ-2/3: binary and timeline signals; a wait on a point the same batch signals is accepted", () => {
    const s = stack();
    const bin = s.syncobj();
    const tl = s.syncobj();
    const r = s.c.vmBind(
      s.vm,
      [
        {
          boHandle: s.bo,
          va: 0x100000n,
          size: 0x10000n,
          syncs: [{ flags: TL_SIGNAL, handle: tl, timelineValue: 3n }],
        },
        {
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
          va: 0x100000n,
          size: 0x1000n,
          syncs: [
            {
              flags: DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
              handle: tl,
              timelineValue: 3n,
            },
            { flags: SIGNAL, handle: bin },
          ],
        },
      ],
      DRM_PANTHOR_VM_BIND_ASYNC,
    );
    expect(r.ret).toBe(0);
    s.sim.loop.runUntilIdle();
    expect(s.fenceOf(tl, 3)?.signaled).toBe(true);
    expect(s.fenceOf(bin)?.signaled).toBe(true);
    expect(s.mappings()).toEqual([[0x101000, 0xf000]]);
    s.c.close();
  });

  it("VM-AQ-4: errors before the push queue nothing and leave the signal syncobjs alone", () => {
    const s = stack();
    const out = s.syncobj();
    const map = { boHandle: s.bo, va: 0x100000n, size: 0x10000n };
    const bind = (syncs: Array<{ flags: number; handle: number; timelineValue?: bigint }>) =>
      s.c.vmBind(
        s.vm,
        [{ ...map, syncs: [{ flags: SIGNAL, handle: out }, ...syncs] }],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret;
    expect(bind([{ flags: WAIT | 0x100, handle: out }])).toBe(-EINVAL);
    expect(bind([{ flags: 7, handle: out }])).toBe(-EINVAL);
    expect(bind([{ flags: SIGNAL, handle: out, timelineValue: 2n }])).toBe(-EINVAL);
    expect(bind([{ flags: SIGNAL, handle: 999 }])).toBe(-EINVAL);
    expect(bind([{ flags: WAIT, handle: 999 }])).toBe(-ENOENT);
    // A syncobj with no fence yet cannot be waited on.
    expect(bind([{ flags: WAIT, handle: s.syncobj() }])).toBe(-EINVAL);
    // A bad op fails at job creation.
    expect(
      s.c.vmBind(
        s.vm,
        [{ ...map, va: 0x100800n, syncs: [{ flags: SIGNAL, handle: out }] }],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret,
    ).toBe(-EINVAL);
    // SYNC_ONLY needs syncs.
    expect(
      s.c.vmBind(
        s.vm,
        [{ flags: DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY, va: 0n, size: 0n }],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret,
    ).toBe(-EINVAL);
    s.sim.loop.runUntilIdle();
    expect(s.fenceOf(out)).toBeNull();
    expect(s.mappings()).toEqual([]);
    s.c.close();
    s.sim.loop.runUntilIdle();
    expect(s.sim.memory.allocatedPages).toBe(s.base);
  });

  it("VM-AQ-9: an async bind whose run_job comes while a synchronous op waits on an AS command runs after it (op_lock)", () => {
    const s = stack();
    const v = s.c.handle.priv.vms.get(s.vm);
    if (v === null) throw new Error("no VM");
    v.put();
    // Resident, so the synchronous op's LOCK and UNLOCK wait on AS_STATUS and the loop runs.
    expect(s.dev.mmu.vmActive(v)).toBe(0);
    const done = s.syncobj();
    const queued = { boHandle: s.bo, va: 0x100000n, size: 0x10000n };
    const async = { ...queued, syncs: [{ flags: SIGNAL, handle: done }] };
    expect(s.c.vmBind(s.vm, [async], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    const whenFree = v.opLock.whenFree.bind(v.opLock);
    const waited: number[] = [];
    v.opLock.whenFree = (fn) => {
      waited.push(s.sim.loop.now);
      whenFree(fn);
    };
    const ops: number[] = [];
    const exec = v.execOp.bind(v);
    v.execOp = (ctx, flag) => {
      ops.push(Number(ctx.vaAddr));
      return exec(ctx, flag);
    };
    // The synchronous bind: the queued job's run_job fires while it waits, and sleeps on op_lock.
    expect(s.c.vmBind(s.vm, [{ ...queued, va: 0x200000n }]).ret).toBe(0);
    s.sim.loop.runUntilIdle();
    expect(s.warnings.warnings).toEqual([]);
    expect(v.unusable).toBe(false);
    expect(s.fenceOf(done)?.signaled).toBe(true);
    expect(s.fenceOf(done)?.error).toBe(0);
    expect(ops).toEqual([0x200000, 0x100000]);
    expect(waited).toHaveLength(1);
    expect(s.mappings()).toEqual([
      [0x100000, 0x10000],
      [0x200000, 0x10000],
    ]);
    expect(s.warnings.warnings).toEqual([]);
    s.c.close();
    s.sim.loop.runUntilIdle();
    expect(s.sim.memory.allocatedPages).toBe(s.base);
  });

  it("VM-AQ-6: 64 queued binds complete in order", () => {
    const s = stack();
    const last = s.syncobj();
    for (let i = 0; i < 64; i++) {
      const op = {
        boHandle: s.bo,
        boOffset: BigInt((i % 64) * 0x1000),
        va: BigInt(0x1000000 + i * 0x1000),
        size: 0x1000n,
        syncs: i === 63 ? [{ flags: SIGNAL, handle: last }] : [],
      };
      expect(s.c.vmBind(s.vm, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    }
    s.sim.loop.runUntilIdle();
    expect(s.fenceOf(last)?.signaled).toBe(true);
    expect(s.mappings()).toHaveLength(64);
    s.c.close();
  });

  it("VM-AQ-8: VM_DESTROY with a bind queued: the bind still runs and its mapping keeps the VM alive, as in Linux", () => {
    const s = stack();
    const { gate, gateFence } = s.gatedSyncobj();
    const op = {
      boHandle: s.bo,
      va: 0x100000n,
      size: 0x40000n,
      syncs: [{ flags: WAIT, handle: gate }],
    };
    expect(s.c.vmBind(s.vm, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    const pvm = s.c.handle.priv.vms.get(s.vm);
    if (pvm === null) throw new Error("no VM");
    pvm.put();
    expect(s.c.vmDestroy(s.vm)).toBe(0);
    expect(pvm.destroyed).toBe(true);
    // run_job does not look at `destroyed`: the queued MAP runs after the whole-VA unmap, and
    // the mapping's vm_bo holds the VM (drm_gpuvm_bo_create takes a VM reference), so the VM
    // outlives its pool entry; the kernel leaks it the same way.
    gateFence.signal();
    s.c.close();
    s.sim.loop.runUntilIdle();
    expect(pvm.isFreed).toBe(false);
    expect(pvm.mappings().map((m) => [Number(m.addr), Number(m.range)])).toEqual([
      [0x100000, 0x40000],
    ]);
    // Unmapping it by hand releases everything.
    expect(pvm.unmapRange(0x100000, 0x40000)).toBe(0);
    expect(pvm.isFreed).toBe(true);
    s.sim.loop.runUntilIdle();
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AQ-7: binds queued across a reset run after it, none lost; a VM created meanwhile waits too", () => {
    const s = stack();
    const { gate, gateFence } = s.gatedSyncobj();
    const done = s.syncobj();
    const op = {
      boHandle: s.bo,
      va: 0x100000n,
      size: 0x10000n,
      syncs: [
        { flags: WAIT, handle: gate },
        { flags: SIGNAL, handle: done },
      ],
    };
    expect(s.c.vmBind(s.vm, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    s.dev.mmu.preReset();
    gateFence.signal();
    // A VM created during the reset gets a stopped queue as well.
    const late = s.c.vmCreate().id;
    const lateDone = s.syncobj();
    const lateOp = {
      boHandle: s.bo,
      va: 0x400000n,
      size: 0x1000n,
      syncs: [{ flags: SIGNAL, handle: lateDone }],
    };
    expect(s.c.vmBind(late, [lateOp], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
    s.sim.loop.advance(1_000_000);
    expect(s.mappings()).toEqual([]);
    expect(s.fenceOf(done)?.signaled).toBe(false);
    expect(s.fenceOf(lateDone)?.signaled).toBe(false);
    s.dev.mmu.postReset();
    s.sim.loop.runUntilIdle();
    expect(s.mappings()).toEqual([[0x100000, 0x10000]]);
    expect(s.fenceOf(done)?.signaled).toBe(true);
    expect(s.fenceOf(done)?.error).toBe(0);
    expect(s.fenceOf(lateDone)?.signaled).toBe(true);
    expect(s.fenceOf(lateDone)?.error).toBe(0);
    expect(s.c.close()).toBe(0);
    s.sim.loop.runUntilIdle();
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });
});
