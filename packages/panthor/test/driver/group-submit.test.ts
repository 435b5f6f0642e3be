/**
 * GROUP_SUBMIT through the CSG scheduler on the firmware model: IGT's `group_submit` stream
 * stores 0xdeadbeef through a VM_BIND-mapped BO and signals a syncobj; jobs complete in order
 * with the queue's sync object counting them; the job checks of spec 1.9 in order; a faulting
 * stream makes its group fatal (fences -EINVAL, later submits refused); more groups than CSG
 * slots all finish (the tick rotates them); a stream stuck in SYNC_WAIT times out after 5 s; a
 * destroyed group's jobs are cancelled.
 */
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import {
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_GROUP_STATE_TIMEDOUT,
  ECANCELED,
  EINVAL,
  ETIMEDOUT,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { JOB_TIMEOUT_NS } from "../../src/sched/sched-base.js";
import { CMD_VA, DATA_VA, igtStore, rig } from "../helpers/submit-rig.js";

describe("GROUP_SUBMIT", () => {
  it("group_submit: IGT's stream stores 0xdeadbeef through the VM and the syncobj signals", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    expect(g.ret).toBe(0);
    const so = t.syncobj();
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(igtStore()), syncs: t.signal(so) }])).toBe(0);
    t.run();
    expect(t.readData(0)).toBe(0xdeadbeef);
    const f = t.fenceOf(so);
    expect(f?.signaled).toBe(true);
    expect(f?.error).toBe(0);
    const group = t.c.handle.priv.groups.get(g.handle);
    expect(group?.queues[0]?.insert).toBe(128);
    expect(group?.queues[0]?.extract).toBe(128);
    expect(t.dev.sched?.counters.jobsDone).toBe(1);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("jobs of a queue complete in order; the queue's sync object counts them", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    for (let i = 0; i < 40; i++) {
      const syncs = i === 39 ? t.signal(so) : undefined;
      expect(
        t.c.groupSubmit(g.handle, [
          { ...t.stream(igtStore(i + 1, i % 8)), ...(syncs ? { syncs } : {}) },
        ]),
      ).toBe(0);
    }
    t.run(200_000_000);
    expect(t.fenceOf(so)?.signaled).toBe(true);
    expect(t.readData(7)).toBe(40);
    const group = t.c.handle.priv.groups.get(g.handle);
    const kmap = group?.syncobjs.kmap;
    expect(kmap?.readU32(0)).toBe(40); // seqno
    expect(kmap?.readU32(8)).toBe(0); // status
    expect(group?.queues[0]?.insert).toBe(40 * 128); // 5120: the 4 KiB ring wrapped
  });

  it("checks each job in the kernel's order: pad, stream address/size, alignment, flush id, group, queue", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const ok = t.stream(igtStore());
    const cases: [string, Parameters<typeof t.c.groupSubmit>[1], number][] = [
      ["job pad", [{ ...ok, pad: 1 }], EINVAL],
      ["size without address", [{ streamAddr: 0n, streamSize: 8 }], EINVAL],
      ["address without size", [{ streamAddr: CMD_VA, streamSize: 0 }], EINVAL],
      ["unaligned address", [{ streamAddr: CMD_VA + 8n, streamSize: 8 }], EINVAL],
      ["unaligned size", [{ streamAddr: CMD_VA, streamSize: 12 }], EINVAL],
      ["flush id bits 30:24", [{ ...ok, latestFlush: 1 << 24 }], EINVAL],
      ["queue index past the group", [{ ...ok, queueIndex: 1 }], EINVAL],
    ];
    for (const [what, jobs, errno] of cases) {
      expect([what, t.c.groupSubmit(g.handle, jobs)]).toEqual([what, -errno]);
    }
    expect(t.c.groupSubmit(g.handle + 5, [ok])).toBe(-EINVAL);
    expect(t.c.groupSubmit(g.handle, [ok], 1)).toBe(-EINVAL);
    expect(t.c.groupSubmit(g.handle, [])).toBe(0);
    // The kernel truncates the handle to 16 bits before the lookup.
    expect(t.c.groupSubmit(g.handle + 0x1_0000, [ok])).toBe(0);
    t.run();
    expect(t.readData(0)).toBe(0xdeadbeef);
  });

  it("a stream with an invalid instruction makes its group fatal: fence -EINVAL, state FATAL_FAULT, later submits refused", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    const bad = new CsAssembler().nop().raw(0xffn << 56n);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(bad), syncs: t.signal(so) }])).toBe(0);
    t.run();
    expect(t.fenceOf(so)?.signaled).toBe(true);
    expect(t.fenceOf(so)?.error).toBe(-EINVAL);
    const st = t.c.groupGetState(g.handle).out;
    expect(st.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);
    expect(st.fatal_queues).toBe(1);
    expect(t.c.groupSubmit(g.handle, [t.stream(igtStore())])).toBe(-EINVAL);
    // Another group of the file still runs.
    const g2 = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    expect(t.c.groupSubmit(g2.handle, [t.stream(igtStore(7, 3))])).toBe(0);
    t.run();
    expect(t.readData(3)).toBe(7);
  });

  it("more groups than CSG slots: every group's job completes (the tick rotates them)", () => {
    const t = rig();
    const n = 12; // the G610 firmware has 8 CSG slots
    const handles: number[] = [];
    const sos: number[] = [];
    for (let i = 0; i < n; i++) {
      handles.push(t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]).handle);
      sos.push(t.syncobj());
    }
    // Each job loops a while so the slots stay busy.
    handles.forEach((h, i) => {
      const a = new CsAssembler().move32(0, 20_000);
      const top = a.label();
      a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
      for (const w of igtStore(100 + i, i).words()) a.raw(w);
      expect(t.c.groupSubmit(h, [{ ...t.stream(a), syncs: t.signal(sos[i] as number) }])).toBe(0);
    });
    t.run(500_000_000);
    for (let i = 0; i < n; i++) {
      expect([i, t.fenceOf(sos[i] as number)?.signaled]).toEqual([i, true]);
      expect(t.readData(i)).toBe(100 + i);
    }
    expect(t.dev.sched?.counters.groupStarts).toBeGreaterThan(n - 1);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("a stream stuck in SYNC_WAIT times out after 5 s: fence -ETIMEDOUT, state TIMEDOUT", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    const stuck = new CsAssembler()
      .move48(40, Number(DATA_VA) + 0x100)
      .move32(42, 0)
      .syncWait32(CsCondition.GT, 40, 42);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(stuck), syncs: t.signal(so) }])).toBe(0);
    t.run(JOB_TIMEOUT_NS - 100_000_000);
    expect(t.fenceOf(so)?.signaled).toBe(false);
    t.run(500_000_000);
    expect(t.fenceOf(so)?.signaled).toBe(true);
    expect(t.fenceOf(so)?.error).toBe(-ETIMEDOUT);
    expect(t.c.groupGetState(g.handle).out.state & DRM_PANTHOR_GROUP_STATE_TIMEDOUT).not.toBe(0);
  });

  it("destroying a group with a job in flight cancels it; closing the file leaves nothing", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    const stuck = new CsAssembler()
      .move48(40, Number(DATA_VA) + 0x100)
      .move32(42, 0)
      .syncWait32(CsCondition.GT, 40, 42);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(stuck), syncs: t.signal(so) }])).toBe(0);
    t.run(10_000_000);
    expect(t.c.groupDestroy(g.handle)).toBe(0);
    t.run(50_000_000);
    expect(t.fenceOf(so)?.signaled).toBe(true);
    expect(t.fenceOf(so)?.error).toBe(-ECANCELED);
    const objects = t.dev.drm.objects.size;
    expect(t.c.close()).toBe(0);
    t.run(50_000_000);
    expect(t.dev.drm.objects.size).toBeLessThan(objects);
    expect(t.warnings.warnings).toEqual([]);
  });
});
