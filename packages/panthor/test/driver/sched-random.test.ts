/**
 * A seeded random interleaving of what clients do to the scheduler and the MMU (issue 15's
 * acceptance): group creation and destruction, submits of good, faulting, stuck and looping
 * streams with signal syncobjs, asynchronous binds and unbinds, VM destruction, resets, system
 * suspends, and time passing (long enough for runtime suspends) — with the event loop's tie-breaks chosen by the same seed. Afterwards every
 * fence has signalled (with or without error), nothing was WARNed, and once the file is closed
 * no GEM object, user AS slot or CSG slot is left.
 */
import { drmSyncobjCreate, drmSyncobjFindFence } from "@panmmu/drm";
import { CsAssembler, CsCondition, createRng } from "@panmmu/fixtures";
import { createPlatform } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";
import { PanthorBo } from "../../src/gem/bo.js";
import { REFERENCE_IMAGE } from "../helpers/fw-device.js";

const CMD_VA = 0x10_0000;
const DATA_VA = 0x20_0000;
const SPARE_VA = 0x40_0000;
const SIGNAL = DRM_PANTHOR_SYNC_OP_SIGNAL | DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ;

/** The streams a client may submit, written once into its command BO (offset, bytes). */
function streams(): { name: string; words: CsAssembler }[] {
  const store = new CsAssembler()
    .move48(40, DATA_VA)
    .move32(42, 1)
    .storeMultiple(42, 40, 1)
    .wait(0xff);
  const fault = new CsAssembler()
    .move48(40, 0x7f_0000)
    .move32(42, 1)
    .storeMultiple(42, 40, 1)
    .wait(0xff);
  const stuck = new CsAssembler()
    .move48(40, DATA_VA + 0x100)
    .move32(42, 0xffff_ffff)
    .syncWait32(CsCondition.GT, 40, 42);
  const loop = new CsAssembler().move32(0, 5000);
  const top = loop.label();
  loop.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
  const invalid = new CsAssembler().nop().raw(0xffn << 56n);
  return [
    { name: "store", words: store },
    { name: "fault", words: fault },
    { name: "stuck", words: stuck },
    { name: "loop", words: loop },
    { name: "invalid", words: invalid },
  ];
}

function runSeed(seed: number): void {
  const rng = createRng(seed);
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed, warnings });
  sim.loop.setChooser((tied) => rng.int(0, tied.length - 1));
  const dev = PanthorDevice.probe(sim.platform, { firmware: () => REFERENCE_IMAGE });
  if (typeof dev === "number") throw new Error(`probe ${dev}`);
  const baseObjects = dev.drm.objects.size;
  const c = PanthorClient.open(dev, "random");
  if (typeof c === "number") throw new Error("open");
  const cmd = c.boCreate(0x1000n).handle;
  const data = c.boCreate(0x1000n).handle;
  const list = streams();
  const offsets: { addr: number; size: number }[] = [];
  {
    const obj = c.handle.file.gemObjectLookup(cmd);
    if (!(obj instanceof PanthorBo)) throw new Error("bo");
    const view = obj.vmap();
    if (typeof view === "number") throw new Error("vmap");
    let at = 0;
    for (const s of list) {
      const bytes = s.words.bytes();
      view.write(at, bytes);
      offsets.push({ addr: CMD_VA + at, size: bytes.length });
      at += Math.ceil(bytes.length / 64) * 64;
    }
    view.unmap();
    obj.put();
  }
  const vms: number[] = [];
  const newVm = (): void => {
    const id = c.vmCreate().id;
    c.vmBind(id, [
      { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: cmd, va: BigInt(CMD_VA), size: 0x1000n },
      {
        flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        boHandle: data,
        va: BigInt(DATA_VA),
        size: 0x1000n,
      },
    ]);
    vms.push(id);
  };
  newVm();
  const groups: number[] = [];
  const groupVm = new Map<number, number>();
  const fences: number[] = [];
  const binds: { vm: number; so: number }[] = [];
  for (let step = 0; step < 60; step++) {
    const action = rng.int(0, 9);
    if (action === 0 && vms.length < 4) newVm();
    else if (action === 1 && vms.length > 0) {
      const vm = rng.pick(vms);
      const r = c.groupCreate(vm, [{ ringbufSize: 4096 }, { ringbufSize: 8192 }]);
      if (r.ret === 0) {
        groups.push(r.handle);
        groupVm.set(r.handle, vm);
      }
    } else if ((action === 2 || action === 3) && groups.length > 0) {
      const so = drmSyncobjCreate(c.handle.file, 0);
      const s = rng.int(0, list.length - 1);
      const o = offsets[s] as { addr: number; size: number };
      const ret = c.groupSubmit(rng.pick(groups), [
        {
          queueIndex: rng.int(0, 1),
          streamAddr: BigInt(o.addr),
          streamSize: o.size,
          syncs: [{ flags: SIGNAL, handle: so }],
        },
      ]);
      if (ret === 0) fences.push(so);
    } else if (action === 4 && groups.length > 0) {
      const h = groups.splice(rng.int(0, groups.length - 1), 1)[0] as number;
      expect(c.groupDestroy(h)).toBe(0);
    } else if (action === 5 && vms.length > 0) {
      const so = drmSyncobjCreate(c.handle.file, 0);
      const map = rng.chance(0.5);
      const vm = rng.pick(vms);
      const ret = c.vmBind(
        vm,
        [
          {
            flags: map ? DRM_PANTHOR_VM_BIND_OP_TYPE_MAP : DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
            ...(map ? { boHandle: data } : {}),
            va: BigInt(SPARE_VA),
            size: 0x1000n,
            syncs: [{ flags: SIGNAL, handle: so }],
          },
        ],
        DRM_PANTHOR_VM_BIND_ASYNC,
      ).ret;
      if (ret === 0) {
        fences.push(so);
        binds.push({ vm, so });
      }
    } else if (action === 6 && vms.length > 1) {
      const id = vms.splice(rng.int(0, vms.length - 1), 1)[0] as number;
      // As Mesa does, the client waits for its binds on the VM before destroying it: a MAP
      // still queued would run after VM_DESTROY (Linux checks `destroyed` when the job is
      // made, not when it runs), and its mapping would pin the VM (see vm-destroy-race.test.ts).
      const signaled = (so: number): boolean => {
        const f = drmSyncobjFindFence(c.handle.file, so, 0, 0);
        return typeof f !== "number" && f.signaled;
      };
      const mine = binds.filter((b) => b.vm === id).map((b) => b.so);
      sim.loop.runUntil(() => mine.every(signaled), 1_000_000_000);
      // Also as Mesa does, the VM's groups go first: a queue blocked on a sync object in a
      // destroyed VM finds no BO there, a WARN in the kernel's sync_upd_work.
      for (const h of groups.filter((g) => groupVm.get(g) === id)) {
        groups.splice(groups.indexOf(h), 1);
        expect(c.groupDestroy(h)).toBe(0);
      }
      expect(c.vmDestroy(id)).toBe(0);
    } else if (action === 7 && rng.chance(0.3)) {
      dev.scheduleReset();
    } else if (action === 8 && rng.chance(0.3)) {
      // A system sleep with whatever is in flight. No kernel code runs while the machine
      // sleeps (timers and work items wait for the wake-up), so no virtual time passes.
      expect(dev.systemSuspend()).toBe(0);
      expect(dev.systemResume()).toBe(0);
    } else {
      // Up to 80 ms: long enough for the device to runtime-suspend when it went idle.
      sim.loop.advance(rng.int(0, 80) * 1_000_000);
    }
  }
  // Stuck jobs time out (5 s); everything signals.
  sim.loop.advance(12_000_000_000);
  for (const so of fences) {
    const f = drmSyncobjFindFence(c.handle.file, so, 0, 0);
    expect([seed, so, typeof f === "number" ? f : f.signaled]).toEqual([seed, so, true]);
  }
  for (const h of groups) expect(c.groupDestroy(h)).toBe(0);
  expect(c.close()).toBe(0);
  sim.loop.advance(100_000_000);
  expect(warnings.warnings).toEqual([]);
  const left = [...dev.drm.objects].map((o) => (o instanceof PanthorBo ? o.label : "vm-root"));
  expect(left.length, `left: ${left.join(", ")}`).toBe(baseObjects);
  expect(dev.sched?.csgSlots.every((s) => s.group === null)).toBe(true);
  expect(dev.mmu.slots.slice(1).every((vm) => vm === null)).toBe(true);
}

describe("random interleavings of binds, submits, destroys, faults, resets and suspends", () => {
  for (let seed = 1; seed <= 32; seed++) {
    it(`seed ${seed}: every fence signals, no WARN, nothing left after close`, () => runSeed(seed));
  }
});
