/**
 * Runtime PM and system sleep of the device with firmware (spec 2.10 PM-1/PM-2 on the whole
 * driver, USR-3): autosuspend 50 ms after the last use, what a suspend powers down, the
 * scheduler's reference while a group has work, a submit resuming the device, the dummy USER
 * page, a reset asked for while suspended, system suspend with a group running, and the kernel's
 * blind spot for a sync object the CPU writes while the device sleeps.
 */
import { type DrmVma, RpmStatus } from "@panmmu/drm";
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import {
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  asReg,
  CSF_GPU_LATEST_FLUSH_ID,
  CsfFirmwareState,
  L2_READY_LO,
  MCU_STATUS,
  MCU_STATUS_DISABLED,
} from "@panmmu/hw";
import {
  DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO,
  DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
  ETIMEDOUT,
  MAP_SHARED,
  PROT_READ,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PANTHOR_DUMMY_LATEST_FLUSH, PanthorPmState } from "../../src/device/pm.js";
import { DATA_VA, igtStore, rig } from "../helpers/submit-rig.js";
import { igtPanthorQuery } from "../igt/igt-lib.js";

const MS = 1_000_000;

/** A stream that counts down `n` iterations, then stores `value` at data word `word`. */
function busyStore(n: number, value: number, word: number): CsAssembler {
  const a = new CsAssembler().move32(0, n);
  const top = a.label();
  a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
  for (const w of igtStore(value, word).words()) a.raw(w);
  return a;
}

describe("runtime PM", () => {
  it("PM-1 (device): 50 ms after its last use the device suspends: MCU halted then stopped, every AS unmapped, L2 off, no watchdog — the event loop goes idle", () => {
    const t = rig();
    const fw = t.dev.fw;
    if (fw === null) throw new Error("no firmware");
    const mmio = t.sim.platform.mmio;
    t.run(40 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    expect(mmio.read32(L2_READY_LO) & 1).toBe(1);
    t.run(20 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    expect(t.dev.pm.rpm.status).toBe(RpmStatus.Suspended);
    expect(fw.fastReset).toBe(true);
    expect(mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_DISABLED);
    // The MCU's AS (the only one in use) disabled and released.
    expect(mmio.read32(asReg(0, AS_TRANSCFG_LO))).toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
    expect(t.dev.mcuVm.asId).toBe(-1);
    expect(t.dev.mmu.allocMask).toBe(0);
    expect(mmio.read32(L2_READY_LO) & 1).toBe(0);
    // Nothing is left to run: no watchdog, no tick.
    t.sim.loop.runUntilIdle(10_000);
    expect(t.sim.loop.pending).toBe(0);
    expect(fw.counters.pings).toBe(0);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("PM-2 (device): a submit resumes the device (fast restart), the job completes, its VM gets a slot; the scheduler holds the device while the group has work, 50 ms after it went idle the device suspends again", () => {
    const t = rig();
    const fw = t.dev.fw;
    if (fw === null) throw new Error("no firmware");
    t.run(100 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    // ~100 ms of GPU time (0.1 µs per instruction): it outlasts the autosuspend delay.
    expect(
      t.c.groupSubmit(g.handle, [
        { ...t.stream(busyStore(500_000, 0x77, 2)), syncs: t.signal(so) },
      ]),
    ).toBe(0);
    t.run(1 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    expect(t.dev.pm.rpm.counters.resumes).toBe(1);
    expect(fw.counters.boots).toBe(2);
    expect(t.dev.mcuVm.asId).toBe(0);
    const vm = t.c.handle.priv.vms.get(t.vm);
    if (vm === null) throw new Error("no VM");
    vm.put();
    t.run(20 * MS);
    expect(vm.asId).toBeGreaterThan(0);
    expect(t.dev.sched?.pmHasRef).toBe(true);
    t.sim.loop.runUntil(() => t.fenceOf(so)?.signaled === true, 2_000 * MS);
    expect(t.fenceOf(so)?.error).toBe(0);
    expect(t.readData(2)).toBe(0x77);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    t.run(100 * MS);
    expect(t.dev.sched?.pmHasRef).toBe(false);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    expect(vm.asId).toBe(-1);
    // The second cycle works the same way.
    const so2 = t.syncobj();
    expect(
      t.c.groupSubmit(g.handle, [{ ...t.stream(igtStore(0x99, 3)), syncs: t.signal(so2) }]),
    ).toBe(0);
    t.run(10 * MS);
    expect(t.fenceOf(so2)?.error).toBe(0);
    expect(t.readData(3)).toBe(0x99);
    expect(t.dev.pm.rpm.counters.resumes).toBe(2);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("USR-3: the USER page reads LATEST_FLUSH_ID while the device is active, the dummy page (1) while it is suspended, the register again after a resume", () => {
    const t = rig();
    const vma = t.c.mmap(
      DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
      4096,
      PROT_READ,
      MAP_SHARED,
    ) as DrmVma;
    const mmio = t.sim.platform.mmio;
    const live = mmio.read32(CSF_GPU_LATEST_FLUSH_ID);
    expect(live).not.toBe(PANTHOR_DUMMY_LATEST_FLUSH);
    expect(vma.readU32(0)).toBe(live);
    t.run(100 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    expect(vma.readU32(0)).toBe(PANTHOR_DUMMY_LATEST_FLUSH);
    expect(vma.readU32(4)).toBe(0);
    const so = t.syncobj();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    expect(t.c.groupSubmit(g.handle, [{ ...t.stream(igtStore(1, 0)), syncs: t.signal(so) }])).toBe(
      0,
    );
    t.run(1 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    expect(vma.readU32(0)).toBe(mmio.read32(CSF_GPU_LATEST_FLUSH_ID));
    expect(vma.readU32(0)).not.toBe(PANTHOR_DUMMY_LATEST_FLUSH);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("DEV_QUERY TIMESTAMP_INFO resumes a suspended device for its register reads; it suspends again after the delay", () => {
    const t = rig();
    t.run(100 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    expect(igtPanthorQuery(t.c, DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO, 56, 0)).not.toBeNull();
    expect(t.dev.pm.rpm.counters.resumes).toBe(1);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    t.run(49 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    t.run(2 * MS);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
  });

  it("a reset asked for while the device is suspended does not run: the next resume restarts the firmware slowly (every section reloaded) and clears it", () => {
    const t = rig();
    const fw = t.dev.fw;
    if (fw === null) throw new Error("no firmware");
    t.run(100 * MS);
    const text = fw.sections[0];
    const pages = text?.mem.obj.pages;
    if (pages === null || pages === undefined) throw new Error("no text pages");
    const word = t.sim.memory.read32(pages[0] as number);
    t.sim.memory.write32(pages[0] as number, 0xdead);
    t.dev.scheduleReset();
    t.run(10 * MS);
    expect(t.dev.resetsDone).toBe(0);
    expect(t.dev.resetPending).toBe(true);
    const so = t.syncobj();
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    expect(
      t.c.groupSubmit(g.handle, [{ ...t.stream(igtStore(0x5, 1)), syncs: t.signal(so) }]),
    ).toBe(0);
    t.run(10 * MS);
    expect(t.dev.resetPending).toBe(false);
    expect(t.sim.memory.read32(pages[0] as number)).toBe(word);
    expect(t.fenceOf(so)?.error).toBe(0);
    expect(t.readData(1)).toBe(0x5);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("a CPU write that would release a queue blocked on a sync object goes unnoticed once the device autosuspended (every scheduled group idle): the job times out; with power/control = on the write is seen", () => {
    for (const pinned of [false, true]) {
      const t = rig();
      if (pinned) expect(t.dev.pm.rpm.forbid()).toBe(0);
      const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
      const so = t.syncobj();
      const wait = new CsAssembler()
        .move48(40, Number(DATA_VA) + 0x100)
        .move32(42, 0)
        .syncWait32(CsCondition.GT, 40, 42);
      for (const w of igtStore(0x42, 5).words()) wait.raw(w);
      expect(t.c.groupSubmit(g.handle, [{ ...t.stream(wait), syncs: t.signal(so) }])).toBe(0);
      t.run(1_000 * MS);
      expect(t.dev.pm.state).toBe(pinned ? PanthorPmState.Active : PanthorPmState.Suspended);
      t.writeData(0x100, 1);
      t.run(6_000 * MS);
      expect([pinned, t.fenceOf(so)?.error]).toEqual([pinned, pinned ? 0 : -ETIMEDOUT]);
      expect(t.readData(5)).toBe(pinned ? 0x42 : 0);
      expect(t.warnings.warnings).toEqual([]);
    }
  });
});

describe("system sleep", () => {
  it("a system suspend with a group running suspends the group off its slot; after the resume it runs to completion with the full count", () => {
    const t = rig();
    const fw = t.dev.fw;
    if (fw === null) throw new Error("no firmware");
    const g = t.c.groupCreate(t.vm, [{ ringbufSize: 4096 }]);
    const so = t.syncobj();
    expect(
      t.c.groupSubmit(g.handle, [
        { ...t.stream(busyStore(500_000, 0xab, 4)), syncs: t.signal(so) },
      ]),
    ).toBe(0);
    t.run(20 * MS);
    expect(t.dev.sched?.csgSlots.some((s) => s.group !== null)).toBe(true);
    expect(t.dev.systemSuspend()).toBe(0);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    expect(t.dev.sched?.csgSlots.every((s) => s.group === null)).toBe(true);
    expect(t.sim.gpu.firmware?.state).not.toBe(CsfFirmwareState.Running);
    // Asleep: time passes, nothing runs, no runtime resume is possible.
    t.run(5_000 * MS);
    expect(t.fenceOf(so)?.signaled).toBe(false);
    expect(t.dev.systemResume()).toBe(0);
    expect(t.dev.pm.state).toBe(PanthorPmState.Active);
    t.sim.loop.runUntil(() => t.fenceOf(so)?.signaled === true, 2_000 * MS);
    expect(t.fenceOf(so)?.error).toBe(0);
    expect(t.readData(4)).toBe(0xab);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("a device runtime-suspended before the system sleep stays suspended after it", () => {
    const t = rig();
    t.run(100 * MS);
    const resumes = t.dev.pm.rpm.counters.resumes;
    expect(t.dev.systemSuspend()).toBe(0);
    expect(t.dev.systemResume()).toBe(0);
    expect(t.dev.pm.state).toBe(PanthorPmState.Suspended);
    expect(t.dev.pm.rpm.counters.resumes).toBe(resumes);
  });
});
