/**
 * Issue 15 benchmarks on the built package, a Mali-G610 with the firmware model:
 *
 * 1. Jobs per host second with more groups than CSG slots: 12 groups (8 slots), each job a
 *    short stream (a STORE and a cache flush through the VM, IGT's group_submit words); a
 *    sample submits one job to every group and runs the virtual clock until all 12 done fences
 *    signalled (the tick rotates the groups).
 * 2. GROUP_SUBMIT ioctl cost: one job with a signal syncobj, on a group that stays resident;
 *    a sample is the ioctl plus the clock run until its fence signals, and the ioctl alone.
 * 3. Asynchronous binds per host second: a MAP and an UNMAP of one 4 KiB page through the VM's
 *    bind queue (two VM_BIND ioctls with a signal syncobj each), the clock run until both
 *    fences signalled; the VM keeps the AS its group's jobs gave it (runtime PM is forbidden in
 *    these rigs), so every op locks, flushes and unlocks on the simulated MMU.
 * 4. Ioctl throughput: GROUP_GET_STATE round trips (argument copy-in, lookup, copy-out).
 *
 * The suite prints a table of medians when it ends.
 */
import { drmSyncobjCreate, drmSyncobjDestroy, drmSyncobjFindFence } from "@panmmu/drm";
import {
  buildCsfFirmwareImage,
  CsAssembler,
  CsFlushMode,
  CsOtherFlushMode,
} from "@panmmu/fixtures";
import { createPlatform } from "@panmmu/hw";
import { PanthorBo, PanthorClient, PanthorDevice } from "@panmmu/panthor";
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
} from "@panmmu/uapi";
import { afterAll, bench, describe } from "vitest";

const CMD_VA = 0x10_0000;
const DATA_VA = 0x20_0000;
const IMAGE = buildCsfFirmwareImage();

/** A device with firmware, one file, one VM with a command and a data BO, `groups` groups. */
function rig(groups: number) {
  const sim = createPlatform("g610");
  const dev = PanthorDevice.probe(sim.platform, { firmware: () => IMAGE });
  if (typeof dev === "number") throw new Error(`probe ${dev}`);
  // power/control = on: the device never runtime-suspends between samples.
  if (dev.pm.rpm.forbid() !== 0) throw new Error("rpm");
  const c = PanthorClient.open(dev, "bench");
  if (typeof c === "number") throw new Error(`open ${c}`);
  const vm = c.vmCreate().id;
  const cmd = c.boCreate(0x1000n).handle;
  const data = c.boCreate(0x1000n).handle;
  c.vmBind(vm, [
    { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: cmd, va: BigInt(CMD_VA), size: 0x1000n },
    { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: data, va: BigInt(DATA_VA), size: 0x1000n },
  ]);
  const stream = new CsAssembler()
    .move48(68, DATA_VA)
    .move32(70, 0xdeadbeef)
    .storeMultiple(70, 68, 0x1, 0)
    .wait(0xff)
    .move32(70, 0)
    .flushCache2({
      l2: CsFlushMode.CLEAN_INVALIDATE,
      lsc: CsFlushMode.CLEAN_INVALIDATE,
      other: CsOtherFlushMode.INVALIDATE,
      flushIdReg: 70,
      signal: 1,
    })
    .wait(0xff)
    .bytes();
  const obj = c.handle.file.gemObjectLookup(cmd);
  if (!(obj instanceof PanthorBo)) throw new Error("no BO");
  const view = obj.vmap();
  if (typeof view === "number") throw new Error("vmap");
  view.write(0, stream);
  view.unmap();
  obj.put();
  const handles = Array.from(
    { length: groups },
    () => c.groupCreate(vm, [{ ringbufSize: 65536 }]).handle,
  );
  const syncobjs = handles.map(() => drmSyncobjCreate(c.handle.file, 0));
  const job = (so: number) => ({
    streamAddr: BigInt(CMD_VA),
    streamSize: stream.length,
    syncs: [
      { flags: DRM_PANTHOR_SYNC_OP_SIGNAL | DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ, handle: so },
    ],
  });
  const signalled = (so: number): boolean => {
    const f = drmSyncobjFindFence(c.handle.file, so, 0, 0);
    return typeof f !== "number" && f.signaled;
  };
  return { sim, dev, c, vm, data, handles, syncobjs, job, signalled };
}

const samples = new Map<string, number[]>();
let recording = false;
const record = (label: string, v: number): void => {
  if (!recording) return;
  const list = samples.get(label) ?? [];
  list.push(v);
  samples.set(label, list);
};
const setup = (_t: unknown, mode: "warmup" | "run"): void => {
  recording = mode === "run";
};

const many = rig(12);
const one = rig(1);

describe("panthor scheduler", () => {
  bench(
    "12 groups on 8 CSG slots: one job each, to completion",
    () => {
      const t0 = performance.now();
      many.handles.forEach((h, i) => {
        if (many.c.groupSubmit(h, [many.job(many.syncobjs[i] as number)]) !== 0)
          throw new Error("submit");
      });
      const ok = many.sim.loop.runUntil(
        () => many.syncobjs.every((so) => many.signalled(so)),
        1_000_000_000,
      );
      if (!ok) throw new Error("jobs did not complete");
      const ms = performance.now() - t0;
      record("jobs per host second (12 groups, 8 slots)", 12 / (ms / 1000));
    },
    { time: 2000, warmupTime: 500, setup },
  );
  bench(
    "GROUP_SUBMIT of one job (resident group) to its fence",
    () => {
      const so = one.syncobjs[0] as number;
      const t0 = performance.now();
      if (one.c.groupSubmit(one.handles[0] as number, [one.job(so)]) !== 0)
        throw new Error("submit");
      const t1 = performance.now();
      if (!one.sim.loop.runUntil(() => one.signalled(so), 1_000_000_000)) throw new Error("job");
      record("GROUP_SUBMIT ioctl, host µs", (t1 - t0) * 1000);
      record("submit to fence, host µs", (performance.now() - t0) * 1000);
    },
    { time: 2000, warmupTime: 500, setup },
  );
});

describe("panthor VM_BIND and ioctls", () => {
  const SPARE_VA = 0x40_0000n;
  const sync = (so: number) => [
    { flags: DRM_PANTHOR_SYNC_OP_SIGNAL | DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ, handle: so },
  ];
  bench(
    "async VM_BIND MAP + UNMAP of one page (active VM) to their fences",
    () => {
      const mapped = drmSyncobjCreate(one.c.handle.file, 0);
      const unmapped = drmSyncobjCreate(one.c.handle.file, 0);
      const t0 = performance.now();
      const a = one.c.vmBind(
        one.vm,
        [
          {
            flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
            boHandle: one.data,
            va: SPARE_VA,
            size: 0x1000n,
            syncs: sync(mapped),
          },
        ],
        DRM_PANTHOR_VM_BIND_ASYNC,
      );
      const b = one.c.vmBind(
        one.vm,
        [
          {
            flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
            va: SPARE_VA,
            size: 0x1000n,
            syncs: sync(unmapped),
          },
        ],
        DRM_PANTHOR_VM_BIND_ASYNC,
      );
      if (a.ret !== 0 || b.ret !== 0) throw new Error("bind");
      const done = () => one.signalled(mapped) && one.signalled(unmapped);
      if (!one.sim.loop.runUntil(done, 1_000_000_000)) throw new Error("binds");
      record("async binds per host second", 2 / ((performance.now() - t0) / 1000));
      drmSyncobjDestroy(one.c.handle.file, mapped);
      drmSyncobjDestroy(one.c.handle.file, unmapped);
    },
    { time: 2000, warmupTime: 500, setup },
  );
  bench(
    "GROUP_GET_STATE ioctl",
    () => {
      const t0 = performance.now();
      for (let i = 0; i < 100; i++) {
        if (one.c.groupGetState(one.handles[0] as number).ret !== 0) throw new Error("state");
      }
      record("GROUP_GET_STATE ioctls per host second", 100 / ((performance.now() - t0) / 1000));
    },
    { time: 1000, warmupTime: 300, setup },
  );
});

afterAll(() => {
  const rows = ["| workload | median |", "| --- | --- |"];
  for (const [label, xs] of samples) {
    const s = [...xs].sort((a, b) => a - b);
    rows.push(`| ${label} | ${(s[s.length >> 1] as number).toPrecision(3)} |`);
  }
  console.log(`\n${rows.join("\n")}\n`);
});
