/**
 * The part-1 hazard suites that need real GPU work (spec 2.4, 2.6, 2.9; WI-3 acceptance), on a
 * device probed with firmware: groups run command streams through their VM's AS.
 *
 * - VM-AT-1/2 with a command-stream reader (the probe-based variants are in vm-atomic.test.ts);
 * - VM-UN-5: GPU work on an unusable VM, and Mesa's recovery (destroy, new VM);
 * - VM-FLT-3: execute from a NOEXEC mapping; VM-FLT-4: faults with more VMs than AS slots.
 */
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import { GpuAccessKind, type PlatformOptions } from "@panmmu/hw";
import {
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_PANTHOR_VM_STATE_UNUSABLE,
  DRM_PANTHOR_VM_STATE_USABLE,
  EINVAL,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { MmuFaultRecord } from "../../src/mmu/as-manager.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import { A, hammerWithCsReader, MAX_PASSES } from "../helpers/cs-reader.js";
import { CMD_VA, DATA_VA, igtStore, rig } from "../helpers/submit-rig.js";

const MAP = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;
const UNMAP = DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP;
/** 50 ms of virtual time: far more than any job here needs. */
const JOB_NS = 50_000_000;

describe("VM-AT with a command-stream reader (spec 2.4)", () => {
  /** Default hw timing; finer CS slices and another tie order; 20x slower MMU commands and flushes. */
  const platforms: [string, Omit<PlatformOptions, "warnings">][] = [
    ["default timing", {}],
    ["1 µs CS slices, seed 3", { seed: 3, csTiming: { sliceNs: 1000 } }],
    ["slow MMU and caches", { timing: { mmuCommandNs: 20_000, cacheFlushNs: 20_000 } }],
  ];

  it.each(platforms)(
    "VM-AT-1 (CS reader): LOAD_MULTIPLEs hammering a range while an async MAP replaces BO1 by BO2 and a partial huge-page unmap runs see BO1 or BO2, never a fault or a stale page; reads stall on the lock (%s)",
    (_, platform) => {
      const o = hammerWithCsReader(true, platform);
      // Both operations ran (the remap through the bind queue), and the reader job completed.
      expect(o.ops.map((op) => op.ret)).toEqual([0, 0]);
      expect(o.bindError).toBe(0);
      expect(o.jobError).toBe(0);
      expect(o.passes).toBeGreaterThanOrEqual(9);
      expect(o.passes).toBeLessThan(MAX_PASSES);
      // Every word is BO1's or BO2's tag; BO2 never before the remap began, BO1 never in a pass
      // begun after it returned, never BO2 then BO1 at one address.
      expect(o.wrong).toBe(0);
      expect(o.stale).toBe(0);
      // The reader raced the remap: whole passes before and after, one pass across it.
      expect(o.bo1Passes).toBeGreaterThan(0);
      expect(o.bo2Passes).toBeGreaterThan(0);
      expect(o.mixedPasses).toBeGreaterThan(0);
      // Never a fault (a fault would also have ended the stream: jobError above).
      expect(o.faults).toBe(0);
      expect(o.t.dev.faultLog.total).toBe(0);
      // Each operation made at least one GPU access wait on its locked region (AS counter).
      for (const op of o.ops) {
        expect(op.lockedAccesses).toBeGreaterThan(0);
        expect(op.time[1]).toBeGreaterThan(op.time[0]);
      }
      expect(o.lockedAccesses).toBeGreaterThanOrEqual(2);
      // The cut pages are gone, the rest of the block translates.
      const hw = o.t.sim.gpu.mmu;
      expect(hw.probe(o.as, A + 0x2000)).toBeLessThan(0);
      expect(hw.probe(o.as, A + 0x3000)).toBeLessThan(0);
      expect(hw.probe(o.as, A + 0x4000)).toBeGreaterThan(0);
      expect(o.t.client.vmGetState(o.vmId).state).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      expect(o.t.dev.resetRequests).toBe(0);
      expect(o.t.warnings.warnings).toEqual([]);
    },
  );

  it.each(platforms)(
    "VM-AT-2 (CS reader): the same run with atomicUpdates off (debug switch) records stale reads and no lock stall — VM-AT-1's checks can fail (%s)",
    (_, platform) => {
      const o = hammerWithCsReader(false, platform);
      expect(o.ops.map((op) => op.ret)).toEqual([0, 0]);
      expect(o.jobError).toBe(0);
      // No LOCK is sent: nothing waits, and the range's TLB entries survive the remap (UNLOCK
      // is what invalidates them), so passes begun after it still read BO1.
      for (const op of o.ops) expect(op.lockedAccesses).toBe(0);
      expect(o.stale).toBeGreaterThan(0);
      expect(o.t.warnings.warnings).toEqual([]);
    },
  );
});

/** The two handles the submit rig created: the command BO and the data BO. */
function rigBos(t: ReturnType<typeof rig>): { cmd: number; data: number } {
  const e = t.c.handle.file.objectIdr.entries();
  return { cmd: e[0]?.[0] as number, data: e[1]?.[0] as number };
}

/** Maps the rig's command and data BOs into VM `vm` at their usual VAs. */
function mapRigBos(t: ReturnType<typeof rig>, vm: number): void {
  const { cmd, data } = rigBos(t);
  expect(
    t.c.vmBind(vm, [
      { flags: MAP, boHandle: cmd, va: CMD_VA, size: 0x1_0000n },
      { flags: MAP, boHandle: data, va: DATA_VA, size: 0x1000n },
    ]).ret,
  ).toBe(0);
}

/** The driver's VM object of VM id `id`. */
function vmObject(t: ReturnType<typeof rig>, id: number): PanthorVm {
  const vm = t.c.handle.priv.vms.get(id);
  if (vm === null) throw new Error(`no VM ${id}`);
  vm.put();
  return vm;
}

/** Runs the loop until syncobj `so` has a signalled fence (at most `ns`); whether it has. */
function waitSignaled(t: ReturnType<typeof rig>, so: number, ns = JOB_NS): boolean {
  return t.sim.loop.runUntil(() => t.fenceOf(so)?.signaled === true, ns);
}

/**
 * Makes the rig's VM unusable the way IGT's vm_bind_async_failure_state does: an asynchronous
 * VM_BIND whose second op lies past the VA range fails in the bind queue (-EINVAL on its fence),
 * the first op succeeds; then checks the unusable state (MAP refused on both paths, UNMAP taken).
 */
function failAsyncBind(t: ReturnType<typeof rig>): void {
  const { data } = rigBos(t);
  const good = t.syncobj();
  const bad = t.syncobj();
  const vaBits = t.dev.queryCtx.gpuInfo.mmu_features & 0xff;
  expect(
    t.c.vmBind(
      t.vm,
      [
        { flags: MAP, boHandle: data, va: 0x30_0000n, size: 0x1000n, syncs: t.signal(good) },
        {
          flags: MAP,
          boHandle: data,
          va: 1n << BigInt(vaBits),
          size: 0x1000n,
          syncs: t.signal(bad),
        },
      ],
      DRM_PANTHOR_VM_BIND_ASYNC,
    ).ret,
  ).toBe(0);
  expect(waitSignaled(t, bad)).toBe(true);
  expect(t.fenceOf(good)?.error).toBe(0);
  expect(t.fenceOf(bad)?.error).toBe(-EINVAL);
  expect(t.c.vmGetState(t.vm).state).toBe(DRM_PANTHOR_VM_STATE_UNUSABLE);
  const again = { flags: MAP, boHandle: data, va: 0x31_0000n, size: 0x1000n };
  expect(t.c.vmBind(t.vm, [again]).ret).toBe(-EINVAL);
  expect(t.c.vmBind(t.vm, [again], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(-EINVAL);
  expect(t.c.vmBind(t.vm, [{ flags: UNMAP, va: 0x30_0000n, size: 0x1000n }]).ret).toBe(0);
}

/** Submits IGT's store of `value` at data word `word` to `group`; the job's syncobj. */
function submitStore(
  t: ReturnType<typeof rig>,
  group: number,
  value: number,
  word: number,
): number {
  const so = t.syncobj();
  expect(
    t.c.groupSubmit(group, [{ ...t.stream(igtStore(value, word)), syncs: t.signal(so) }]),
  ).toBe(0);
  return so;
}

/** VM-UN-5's expectations for a job submitted to `group` on the unusable VM. */
function expectJobFailed(t: ReturnType<typeof rig>, group: number, so: number, word: number): void {
  expect(waitSignaled(t, so)).toBe(true);
  expect(t.fenceOf(so)?.error).toBe(-EINVAL);
  expect(t.readData(word)).toBe(0);
  const st = t.c.groupGetState(group);
  expect(st.ret).toBe(0);
  expect(st.out.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);
  expect(st.out.fatal_queues).toBe(1);
  expect(t.c.groupSubmit(group, [t.stream(igtStore(9, 9))])).toBe(-EINVAL);
  expect(t.c.vmGetState(t.vm).state).toBe(DRM_PANTHOR_VM_STATE_UNUSABLE);
}

/**
 * The group of a Mesa context on the rig's VM, after one job ran (the VM holds an AS, and the
 * device is still awake: the next step follows the job's completion at once).
 */
function groupAfterOneJob(t: ReturnType<typeof rig>): number {
  const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
  expect(g.ret).toBe(0);
  const so = submitStore(t, g.handle, 1, 0);
  expect(waitSignaled(t, so)).toBe(true);
  expect(t.fenceOf(so)?.error).toBe(0);
  expect(t.readData(0)).toBe(1);
  expect(vmObject(t, t.vm).asId).toBeGreaterThan(0);
  return g.handle;
}

describe("VM-UN-5: GPU work on an unusable VM (spec 2.6)", () => {
  it("VM-UN-5: a job on a VM an async bind failure made unusable while it held its AS completes with an error fence; GROUP_GET_STATE FATAL_FAULT; the group takes no more jobs", () => {
    const t = rig();
    const group = groupAfterOneJob(t);
    failAsyncBind(t);
    expectJobFailed(t, group, submitStore(t, group, 2, 1), 1);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("VM-UN-5 (a Linux 6.18 gap, modelled as is): a VM made unusable while it held no AS is enabled normally by panthor_vm_active(), which never checks `unusable`: its group's job runs and completes", () => {
    const t = rig();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    expect(g.ret).toBe(0);
    expect(vmObject(t, t.vm).asId).toBe(-1);
    failAsyncBind(t);
    expect(t.c.vmGetState(t.vm).state).not.toBe(DRM_PANTHOR_VM_STATE_USABLE);
    const so = submitStore(t, g.handle, 2, 1);
    expect(waitSignaled(t, so)).toBe(true);
    expect(t.fenceOf(so)?.error).toBe(0);
    expect(t.readData(1)).toBe(2);
    expect(vmObject(t, t.vm).asId).toBeGreaterThan(0);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("VM-UN-5: recovery (Mesa) — and a Linux 6.18 gap: the fault the unusable VM's job left latched on its disabled AS (fault interrupt masked by the disable) fires when the slot is enabled for the next VM, whose first job is blamed (-EINVAL, FATAL_FAULT); a new group after that runs normally", () => {
    const t = rig();
    const group = groupAfterOneJob(t);
    failAsyncBind(t);
    expectJobFailed(t, group, submitStore(t, group, 2, 1), 1);
    const oldAs = vmObject(t, t.vm).asId;
    expect(t.c.groupDestroy(group)).toBe(0);
    expect(t.c.vmDestroy(t.vm)).toBe(0);
    const vm = t.c.vmCreate();
    expect(vm.ret).toBe(0);
    mapRigBos(t, vm.id);
    const g = t.c.groupCreate(vm.id, [{ ringbufSize: 4096 }]);
    expect(g.ret).toBe(0);
    const so = submitStore(t, g.handle, 4, 3);
    expect(waitSignaled(t, so)).toBe(true);
    expect(vmObject(t, vm.id).asId).toBe(oldAs);
    // The stale fault (at the old job's address) is reported against the new VM's slot.
    expect(t.dev.faultLog.records.map((r) => r.as)).toEqual([oldAs]);
    expect(t.fenceOf(so)?.error).toBe(-EINVAL);
    expect(t.c.groupGetState(g.handle).out.state).toBe(DRM_PANTHOR_GROUP_STATE_FATAL_FAULT);
    expect(t.c.vmGetState(vm.id).state).toBe(DRM_PANTHOR_VM_STATE_USABLE);
    // Re-activation cleared the fault: Mesa's next context works.
    expect(t.c.groupDestroy(g.handle)).toBe(0);
    const g2 = t.c.groupCreate(vm.id, [{ ringbufSize: 4096 }]);
    const so2 = submitStore(t, g2.handle, 5, 3);
    expect(waitSignaled(t, so2)).toBe(true);
    expect(t.fenceOf(so2)?.error).toBe(0);
    expect(t.readData(3)).toBe(5);
    expect(t.warnings.warnings).toEqual([]);
  });
});

/** A stream counting down `n` iterations. */
function busyLoop(n: number): CsAssembler {
  const a = new CsAssembler().move32(0, n);
  const top = a.label();
  return a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
}

describe("VM-FLT with GPU work (spec 2.9)", () => {
  it("VM-FLT-3: streams run from a NOEXEC mapping (CS fetches are data reads); an instruction fetch from it (access probe standing in for a shader) is one EXECUTE permission fault on the AS and makes the group fatal", () => {
    // Observable without shaders: the command-stream front end reads streams as data (NOEXEC
    // does not apply to it), but the hardware's access probe issues instruction fetches (access
    // type EX) through any AS, as a shader core's would.
    const t = rig();
    const { cmd } = rigBos(t);
    // The command BO again, NOEXEC, at X (panthor maps its ring buffers NOEXEC too).
    const X = 0x40_0000n;
    expect(
      t.c.vmBind(t.vm, [
        { flags: MAP | DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC, boHandle: cmd, va: X, size: 0x1_0000n },
      ]).ret,
    ).toBe(0);
    const fromNoexec = (s: { streamAddr: bigint; streamSize: number }) => ({
      streamAddr: s.streamAddr - CMD_VA + X,
      streamSize: s.streamSize,
    });
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const first = t.syncobj();
    expect(
      t.c.groupSubmit(g.handle, [
        { ...fromNoexec(t.stream(igtStore(5, 1))), syncs: t.signal(first) },
      ]),
    ).toBe(0);
    expect(waitSignaled(t, first)).toBe(true);
    expect(t.fenceOf(first)?.error).toBe(0);
    expect(t.readData(1)).toBe(5);

    // A long job keeps the VM active on its AS while the probe fetches instructions through it.
    const so = t.syncobj();
    const busy = busyLoop(50_000);
    for (const w of igtStore(6, 2).words()) busy.raw(w);
    const busyStream = t.stream(busy);
    expect(t.c.groupSubmit(g.handle, [{ ...fromNoexec(busyStream), syncs: t.signal(so) }])).toBe(0);
    t.run(1_000_000);
    const as = vmObject(t, t.vm).asId;
    expect(as).toBeGreaterThan(0);
    const fetch = (va: bigint) => {
      const run = t.sim.gpu.accessProbe.start({
        as,
        accesses: [{ va: Number(va), kind: GpuAccessKind.Execute, size: 4 }],
      });
      expect(t.sim.loop.runUntil(() => run.done, 1_000_000)).toBe(true);
      return run;
    };
    // Control: the executable mapping of the same page can be fetched from.
    const ok = fetch(busyStream.streamAddr);
    expect(ok.status).toBe(1);
    expect(ok.results[0]?.value).toBe(50_000); // the busy loop's first word: MOVE32's immediate
    expect(t.dev.faultLog.total).toBe(0);
    // The NOEXEC mapping cannot.
    const nx = fetch(busyStream.streamAddr - CMD_VA + X);
    expect(nx.status).not.toBe(1);
    expect(nx.counters.faulted).toBe(1);
    expect(waitSignaled(t, so)).toBe(true);
    expect(t.dev.faultLog.total).toBe(1);
    const rec = t.dev.faultLog.records[0];
    expect(rec?.as).toBe(as);
    expect(rec?.va).toBe(Number(busyStream.streamAddr - CMD_VA + X));
    expect(rec?.exceptionName).toMatch(/^PERM_FAULT/);
    expect(rec?.accessName).toBe("EXECUTE");
    expect(rec?.owner?.vmId).toBe(t.vm);
    expect(t.fenceOf(so)?.error).toBe(-EINVAL);
    expect(t.readData(2)).toBe(0);
    const st = t.c.groupGetState(g.handle).out;
    expect(st.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);
    expect(st.fatal_queues).toBe(1);
    expect(t.c.vmGetState(t.vm).state).toBe(DRM_PANTHOR_VM_STATE_USABLE);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("VM-FLT-4: 9 VMs on 7 user AS slots, one group faulting on a slot recycled from another VM: exactly one fault, on that AS, owned by the faulting VM; only its group fatal; no WARN", () => {
    const t = rig();
    const ids = [t.vm];
    for (let i = 1; i < 9; i++) {
      const id = t.c.vmCreate().id;
      mapRigBos(t, id);
      ids.push(id);
    }
    const vms = ids.map((id) => vmObject(t, id));
    // VMs 0..6 take the 7 slots; VM 7 (the faulting one) and VM 8 wait for the first tick's
    // rotation, which gives them the slots of VMs idle on the LRU.
    const FAULTING = 7;
    const faulting = vms[FAULTING] as PanthorVm;
    const mmu = t.dev.mmu;
    // Who held which slot: every binding and eviction, in order.
    const history: { vm: number; as: number; evicted: boolean }[] = [];
    const active = mmu.vmActive.bind(mmu);
    mmu.vmActive = (vm) => {
      const before = vm.asId;
      const ret = active(vm);
      if (before !== vm.asId) {
        history.push({ vm: vms.indexOf(vm as PanthorVm), as: vm.asId, evicted: false });
      }
      return ret;
    };
    const release = mmu.releaseAsLocked.bind(mmu);
    mmu.releaseAsLocked = (vm) => {
      history.push({ vm: vms.indexOf(vm as PanthorVm), as: vm.asId, evicted: true });
      release(vm);
    };
    // The slot table when the IRQ handler saw each fault.
    const atFault: {
      rec: MmuFaultRecord;
      owner: unknown;
      faultingAs: number;
      inLru: boolean;
      activeOnLru: number;
    }[] = [];
    const onRecord = mmu.onFaultRecord;
    mmu.onFaultRecord = (rec) => {
      atFault.push({
        rec,
        owner: mmu.slots[rec.as],
        faultingAs: faulting.asId,
        inLru: mmu.lru.includes(faulting),
        activeOnLru: mmu.lru.filter((vm) => vm.activeCnt > 0).length,
      });
      onRecord?.(rec);
    };
    const groups = ids.map((id) => t.c.groupCreate(id, [{ ringbufSize: 4096 }]).handle);
    const sos = ids.map((_, i) => {
      const so = t.syncobj();
      const a = busyLoop(i === FAULTING ? 5_000 : 30_000);
      if (i === FAULTING) a.move48(40, 0x70_0000).move32(42, 1).storeMultiple(42, 40, 1).wait(0xff);
      else for (const w of igtStore(50 + i, i).words()) a.raw(w);
      expect(t.c.groupSubmit(groups[i] as number, [{ ...t.stream(a), syncs: t.signal(so) }])).toBe(
        0,
      );
      return so;
    });
    const allDone = () => sos.every((so) => t.fenceOf(so)?.signaled === true);
    expect(t.sim.loop.runUntil(allDone, 200 * JOB_NS)).toBe(true);

    // The faulting VM only got a slot by evicting another VM from it.
    const bound = history.find((h) => h.vm === FAULTING && !h.evicted);
    expect(bound).toBeDefined();
    const slot = bound?.as ?? -1;
    const evictedBefore = history.slice(0, history.indexOf(bound as (typeof history)[0]));
    expect(evictedBefore.some((h) => h.evicted && h.as === slot && h.vm !== FAULTING)).toBe(true);
    // One fault, on that slot, while the faulting VM (active, off the LRU) owned it.
    expect(atFault).toHaveLength(1);
    const f = atFault[0];
    expect(f?.rec.as).toBe(slot);
    expect(f?.faultingAs).toBe(slot);
    expect(f?.owner).toBe(faulting);
    expect(f?.rec.vm).toBe(faulting);
    expect(f?.inLru).toBe(false);
    expect(f?.activeOnLru).toBe(0);
    expect(t.dev.faultLog.total).toBe(1);
    expect(t.dev.faultLog.records[0]?.owner?.vmId).toBe(ids[FAULTING]);
    expect(t.dev.faultLog.records[0]?.va).toBe(0x70_0000);
    // Only the faulting group failed; every other job stored its value.
    sos.forEach((so, i) => {
      expect(t.fenceOf(so)?.error).toBe(i === FAULTING ? -EINVAL : 0);
      if (i !== FAULTING) expect(t.readData(i)).toBe(50 + i);
      const st = t.c.groupGetState(groups[i] as number).out.state;
      expect(st & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).toBe(
        i === FAULTING ? DRM_PANTHOR_GROUP_STATE_FATAL_FAULT : 0,
      );
    });
    expect(t.dev.resetRequests).toBe(0);
    expect(t.warnings.warnings).toEqual([]);
  });
});
