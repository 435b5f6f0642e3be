/**
 * The scheduler against the MMU (spec 2.1, 2.9, 2.5, 3.5): more VMs than address spaces
 * (VM-AS-6), MMU faults making exactly the faulting VM's groups fatal (VM-FLT-1/2), bind and
 * submit fences gating each other (VM-AQ-5), and the firmware's tiler-OOM event growing the
 * heap end to end (HEAP-OOM).
 */
import { drmSyncobjCreate } from "@panmmu/drm";
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import {
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_SYNC_OP_WAIT,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
  ETIMEDOUT,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { formatPanthorFault, type PanthorFaultRecord } from "../../src/debug/fault-log.js";
import { PanthorBo } from "../../src/gem/bo.js";
import { panthorVmHeapPool } from "../../src/heap/vm-heap-pool.js";
import { heapCreate } from "../helpers/heap-rig.js";
import { CMD_VA, DATA_VA, igtStore, rig } from "../helpers/submit-rig.js";

const SYNC = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ;

/** A stream that counts down `n` iterations, then stores `value` at data word `word`. */
function busyStore(n: number, value: number, word: number): CsAssembler {
  const a = new CsAssembler().move32(0, n);
  const top = a.label();
  a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
  for (const w of igtStore(value, word).words()) a.raw(w);
  return a;
}

describe("scheduler and MMU", () => {
  it("VM-AS-6: 8 runnable groups on 8 VMs: never more resident VMs than the 7 GPU address spaces, no -EBUSY, all jobs complete", () => {
    const t = rig();
    const cmd = t.c.handle.file.objectIdr.entries()[0]?.[0] as number;
    const data = t.c.handle.file.objectIdr.entries()[1]?.[0] as number;
    const vms = [t.vm];
    for (let i = 1; i < 8; i++) {
      const id = t.c.vmCreate().id;
      expect(
        t.c.vmBind(id, [
          { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: cmd, va: CMD_VA, size: 0x1_0000n },
          { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: data, va: DATA_VA, size: 0x1000n },
        ]).ret,
      ).toBe(0);
      vms.push(id);
    }
    const sos = vms.map((vm, i) => {
      const g = t.c.groupCreate(vm, [{ ringbufSize: 4096 }]);
      const so = t.syncobj();
      expect(
        t.c.groupSubmit(g.handle, [
          { ...t.stream(busyStore(30_000, 50 + i, i)), syncs: t.signal(so) },
        ]),
      ).toBe(0);
      return so;
    });
    const sched = t.dev.sched;
    if (sched === null) throw new Error("no scheduler");
    let maxResidentVms = 0;
    for (let step = 0; step < 400; step++) {
      t.run(1_000_000);
      const resident = new Set(
        sched.csgSlots.flatMap((s) => (s.group === null ? [] : [s.group.vm])),
      );
      maxResidentVms = Math.max(maxResidentVms, resident.size);
    }
    expect(maxResidentVms).toBe(7);
    sos.forEach((so, i) => {
      expect(t.fenceOf(so)?.error).toBe(0);
      expect(t.readData(i)).toBe(50 + i);
    });
    expect(t.dev.resetRequests).toBe(0);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("VM-FLT-1: a STORE to an unmapped VA: one MMU fault on that AS, its group fatal on all queues (fence -EINVAL), a group on another VM completes", () => {
    const t = rig();
    const bad = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const otherVm = t.c.vmCreate().id;
    const cmd = t.c.handle.file.objectIdr.entries()[0]?.[0] as number;
    const data = t.c.handle.file.objectIdr.entries()[1]?.[0] as number;
    t.c.vmBind(otherVm, [
      { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: cmd, va: CMD_VA, size: 0x1_0000n },
      { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: data, va: DATA_VA, size: 0x1000n },
    ]);
    const good = t.c.groupCreate(otherVm, [{ ringbufSize: 4096 }]);
    const soBad = t.syncobj();
    const soGood = t.syncobj();
    const store = new CsAssembler()
      .move48(40, 0x70_0000)
      .move32(42, 1)
      .storeMultiple(42, 40, 1)
      .wait(0xff);
    expect(t.c.groupSubmit(bad.handle, [{ ...t.stream(store), syncs: t.signal(soBad) }])).toBe(0);
    expect(
      t.c.groupSubmit(good.handle, [
        { ...t.stream(busyStore(1000, 9, 2)), syncs: t.signal(soGood) },
      ]),
    ).toBe(0);
    t.run(100_000_000);
    expect(t.dev.faultLog.total).toBe(1);
    expect(t.dev.faultLog.records[0]?.va).toBe(0x70_0000);
    // The log names the file, the VM and the group (CSG slot, busy queue) that made the access.
    const rec = t.dev.faultLog.records[0];
    expect(rec?.owner?.vmId).toBe(t.vm);
    expect(rec?.owner?.groups).toEqual([
      { handle: bad.handle, csgId: expect.any(Number), queues: [0] },
    ]);
    expect(formatPanthorFault(rec as PanthorFaultRecord)).toMatch(
      new RegExp(`groups: group ${bad.handle} on CSG \\d+ \\(queues 0 busy\\)`),
    );
    expect(t.fenceOf(soBad)?.error).toBe(-EINVAL);
    const st = t.c.groupGetState(bad.handle).out;
    expect(st.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);
    expect(st.fatal_queues).toBe(1);
    expect(t.c.groupSubmit(bad.handle, [t.stream(igtStore())])).toBe(-EINVAL);
    expect(t.fenceOf(soGood)?.error).toBe(0);
    expect(t.readData(2)).toBe(9);
    expect(t.c.vmGetState(t.vm).state).toBe(0); // the VM stays usable
  });

  it("VM-FLT-2: a write to a READONLY mapping is a permission fault and makes the group fatal", () => {
    const t = rig();
    const data = t.c.handle.file.objectIdr.entries()[1]?.[0] as number;
    expect(
      t.c.vmBind(t.vm, [
        {
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
          boHandle: data,
          va: 0x30_0000n,
          size: 0x1000n,
        },
      ]).ret,
    ).toBe(0);
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    const store = new CsAssembler()
      .move48(40, 0x30_0000)
      .move32(42, 1)
      .storeMultiple(42, 40, 1)
      .wait(0xff);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(store), syncs: t.signal(so) }])).toBe(0);
    t.run(100_000_000);
    expect(t.dev.faultLog.total).toBe(1);
    expect(t.dev.faultLog.records[0]?.exceptionName).toMatch(/^PERM_FAULT/);
    expect(t.fenceOf(so)?.error).toBe(-EINVAL);
    expect(t.readData(0)).toBe(0);
  });

  it("VM-AQ-5: a bind's fence gates a submit, and a submit's fence gates a bind", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const data = t.c.handle.file.objectIdr.entries()[1]?.[0] as number;
    const bindDone = drmSyncobjCreate(t.c.handle.file, 0);
    const submitDone = drmSyncobjCreate(t.c.handle.file, 0);
    // bind-fence-gates-submit: the job stores at 0x50_0000, mapped only by the async bind.
    expect(
      t.c.vmBind(
        t.vm,
        [
          {
            flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
            boHandle: data,
            va: 0x50_0000n,
            size: 0x1000n,
            syncs: [{ flags: DRM_PANTHOR_SYNC_OP_SIGNAL | SYNC, handle: bindDone }],
          },
        ],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret,
    ).toBe(0);
    const store = new CsAssembler()
      .move48(40, 0x50_0010)
      .move32(42, 77)
      .storeMultiple(42, 40, 1)
      .wait(0xff);
    expect(
      t.c.groupSubmit(g.handle, [
        {
          ...t.stream(store),
          syncs: [
            { flags: DRM_PANTHOR_SYNC_OP_WAIT | SYNC, handle: bindDone },
            { flags: DRM_PANTHOR_SYNC_OP_SIGNAL | SYNC, handle: submitDone },
          ],
        },
      ]),
    ).toBe(0);
    // submit-fence-gates-bind: an unmap waits for the job.
    const unmapped = drmSyncobjCreate(t.c.handle.file, 0);
    expect(
      t.c.vmBind(
        t.vm,
        [
          {
            flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
            va: 0x50_0000n,
            size: 0x1000n,
            syncs: [
              { flags: DRM_PANTHOR_SYNC_OP_WAIT | SYNC, handle: submitDone },
              { flags: DRM_PANTHOR_SYNC_OP_SIGNAL | SYNC, handle: unmapped },
            ],
          },
        ],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret,
    ).toBe(0);
    t.run(50_000_000);
    expect(t.readData(4)).toBe(77);
    expect(t.fenceOf(submitDone)?.error).toBe(0);
    expect(t.fenceOf(unmapped)?.signaled).toBe(true);
    expect(t.dev.faultLog.total).toBe(0);
  });

  it("HEAP-OOM (driver + firmware): a RUN_TILING out of memory grows the heap by one chunk and the stream goes on", () => {
    const t = rig();
    const h = heapCreate(t.c, t.vm, 1, 0x2_0000, 4, 8);
    expect(h.ret).toBe(0);
    const ctxVa = Number(h.out.tiler_heap_ctx_gpu_va);
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    const cs = t.sim.gpu.cs;
    if (cs === undefined) throw new Error("no CS engine");
    let ooms = 0;
    cs.tilerOomHook = () => ooms++ === 0;
    const a = new CsAssembler()
      .move48(30, ctxVa)
      .heapSet(30)
      .heapOperation(0)
      .heapOperation(0)
      .wait(0xff)
      .emit("RUN_TILING")
      .wait(0xff);
    for (const w of igtStore(0x11, 5).words()) a.raw(w);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(a), syncs: t.signal(so) }])).toBe(0);
    t.run(100_000_000);
    expect(ooms).toBe(1);
    expect(t.fenceOf(so)?.error).toBe(0);
    expect(t.readData(5)).toBe(0x11);
    const vmObj = t.c.handle.priv.vms.entries()[0]?.[1];
    const pool = vmObj === undefined ? null : panthorVmHeapPool(vmObj);
    const heap = pool?.heaps.get(Number(h.out.handle) & 0xffff);
    expect(heap?.chunkCount).toBe(2);
    expect(pool?.stats.grows).toBe(1);
  });
});

describe("timeouts", () => {
  it("a queue that makes no progress for 5 s: the fence ends -ETIMEDOUT, and the timed-out job is freed (after GROUP_DESTROY and close nothing of the group is left)", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    const stuck = new CsAssembler()
      .move48(40, Number(DATA_VA) + 0x100)
      .move32(42, 0xffff_ffff)
      .syncWait32(CsCondition.GT, 40, 42);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(stuck), syncs: t.signal(so) }])).toBe(0);
    t.run(4_900_000_000);
    expect(t.fenceOf(so)?.signaled).toBe(false);
    t.run(200_000_000);
    expect(t.fenceOf(so)?.error).toBe(-ETIMEDOUT);
    expect(t.dev.sched?.counters.timeouts).toBe(1);
    expect(t.c.groupDestroy(g.handle)).toBe(0);
    t.run();
    // Only the client's two BOs, its VM and the firmware's objects remain; the group's suspend
    // buffers, sync objects, rings and queue interfaces are gone.
    const labels = [...t.dev.drm.objects].map((o) =>
      o instanceof PanthorBo ? o.label : "vm-root",
    );
    expect(labels.filter((l) => l !== "FW section" && l !== "vm-root" && l !== null)).toEqual([]);
    expect(t.c.close()).toBe(0);
    t.run();
    expect(
      [...t.dev.drm.objects].filter((o) => !(o instanceof PanthorBo) || o.label !== "FW section"),
    ).toHaveLength(1);
    expect(t.warnings.warnings).toEqual([]);
  });
});

describe("reset", () => {
  it("RST-1: a reset with a group running and a bind queued: the group is suspended, the GPU reset, the firmware rebooted, the group resumed to completion, the bind run; no slot leaks", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    expect(
      t.c.groupSubmit(g.handle, [
        { ...t.stream(busyStore(200_000, 0x5a, 1)), syncs: t.signal(so) },
      ]),
    ).toBe(0);
    t.run(5_000_000);
    const data = t.c.handle.file.objectIdr.entries()[1]?.[0] as number;
    const bound = drmSyncobjCreate(t.c.handle.file, 0);
    expect(
      t.c.vmBind(
        t.vm,
        [
          {
            flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
            boHandle: data,
            va: 0x60_0000n,
            size: 0x1000n,
            syncs: [{ flags: DRM_PANTHOR_SYNC_OP_SIGNAL | SYNC, handle: bound }],
          },
        ],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret,
    ).toBe(0);
    t.dev.scheduleReset();
    t.run(200_000_000);
    expect(t.dev.resetsDone).toBe(1);
    expect(t.dev.resetPending).toBe(false);
    expect(t.dev.fw?.counters.boots).toBe(2);
    expect(t.fenceOf(bound)?.signaled).toBe(true);
    const f = t.fenceOf(so);
    expect(f?.signaled).toBe(true);
    if (f?.error === 0) expect(t.readData(1)).toBe(0x5a);
    else expect(t.c.groupGetState(g.handle).out.state).not.toBe(0);
    // The GPU serves new work afterwards.
    const g2 = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so2 = t.syncobj();
    expect(
      t.c.groupSubmit(g2.handle, [{ ...t.stream(igtStore(0x77, 3)), syncs: t.signal(so2) }]),
    ).toBe(0);
    t.run(50_000_000);
    expect(t.fenceOf(so2)?.error).toBe(0);
    expect(t.readData(3)).toBe(0x77);
    expect(t.warnings.warnings).toEqual([]);
  });
});
