/**
 * Port of IGT tests/panthor/panthor_scheduler.c (the 2026 extended file) on a G610 with the
 * reference firmware: every subtest, by its IGT name, with IGT's raw ioctls, struct layouts,
 * instruction encoders (`emit_counted_loop()`, the SYNC_WAIT32 stall) and VAs/offsets.
 *
 * What changes with the virtual clock:
 * - usleep()/sleep() and the SYNCOBJ_WAIT budgets are virtual time; the file is opened
 *   privileged (IGT runs as root: CAP_SYS_NICE), so the HIGH/REALTIME subtests never skip, and
 *   an unprivileged file is checked to get EACCES where IGT would skip;
 * - the counted loop costs ~20 µs of host time per iteration (each SYNC_SET32 raises a CSG
 *   SYNC_UPDATE the driver processes), so `counted_loop` keeps IGT's 100 000 iterations but the
 *   subtests that run one loop per group use {@link SLOT_LOOP_N}; the GPU runs streams at
 *   {@link GPU_TIMING} (5 µs per instruction) so that those loops still outlast several
 *   scheduler ticks (10 ms), as IGT's do on hardware: time-slicing and preemption really happen;
 * - `sync_wait_block` and `multi_queue_dep_chain` release their head job by a CPU write of the
 *   sync object a second after submitting: they run with runtime PM forbidden (sysfs
 *   power/control = on). With it allowed, the kernel lets the GPU autosuspend 50 ms after every
 *   scheduled group went idle (a queue blocked on a sync object counts as idle) and nothing
 *   notices a CPU write: the job times out (`test/driver/pm.test.ts` shows it);
 * - the kmsg "wedge" checks (GPU reset, firmware/job timeouts) become checks of the driver's
 *   reset requests and scheduler timeout counters;
 * - where IGT accepts either of two outcomes (unbind_active_range) or does not look
 *   (group_destroy_active's fence, job_timeout_recovery's status), the port asserts the one the
 *   kernel produces on this deterministic model; where IGT's stream does not exercise what the
 *   subtest is named for (empty streams never reach a CSG slot, a WAIT on an idle scoreboard
 *   does not block), a second phase does it with real streams (RUN_COMPUTE as an endpoint task
 *   without shader, register-only busy loops).
 */
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import {
  DRM_IOCTL_PANTHOR_GROUP_CREATE,
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_GROUP_STATE_TIMEDOUT,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_PANTHOR_VM_STATE_USABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DrmPanthorGroupCreate,
  type DrmPanthorGroupCreateArgs,
  DrmPanthorGroupSubmit,
  DrmPanthorQueueSubmit,
  type DrmPanthorSyncOpArgs,
  EACCES,
  EBUSY,
  ECANCELED,
  EINVAL,
  ETIMEDOUT,
  PANTHOR_GROUP_PRIORITY_HIGH,
  PANTHOR_GROUP_PRIORITY_LOW,
  PANTHOR_GROUP_PRIORITY_REALTIME,
  writeObjArray,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import { SCHED_TICK_PERIOD_NS } from "../../src/sched/sched-base.js";
import {
  boRead32,
  boWrite32,
  CS_CONDITION,
  csifInfo,
  csMov32,
  csMov48,
  csSyncWait32,
  csWait,
  doGroupSubmit,
  drmCloseDriverFw,
  drmOpenDriverFw,
  drmReopenDriverFw,
  emitCountedLoop,
  gpuInfo,
  groupCreateArgs,
  groupGetState,
  type IgtQueueCreate,
  type IgtQueueSubmit,
  igtPanthorGroupCreate,
  igtPanthorGroupDestroy,
  igtPanthorGroupSubmit,
  igtSleep,
  writeInstrs,
} from "../helpers/igt-panthor.js";
import {
  absTimeout,
  doIoctlErr,
  fenceStatus,
  type IgtPanthor,
  type IgtPanthorBo,
  igtPanthorBoCreateMapped,
  igtPanthorFreeBo,
  igtPanthorVmBind,
  igtPanthorVmCreate,
  igtPanthorVmDestroy,
  signalOp,
  syncobjCreate,
  syncobjDestroy,
  syncobjWait,
  vmState,
  waitOp,
} from "./igt-lib.js";

const INITIAL_VA = 0x100_0000n;
/** Second mapping of the scratch BO (unbind_active_range). */
const DATA_VA = 0x101_0000n;
/** Where run_fresh_group() maps its own BO. */
const FRESH_VA = 0x102_0000n;
/** Byte offsets in the per-group scratch BO. */
const USER_SYNC_OFFSET = 2048;
const STARTED_OFFSET = 2056;
const COUNTER_OFFSET = 2064;
/** IGT's COUNTED_LOOP_N, kept by `counted_loop`. */
const COUNTED_LOOP_N = 100_000;
/** The loop count of the subtests running one loop per group (see the file header). */
const SLOT_LOOP_N = 2_000;
/** The GPU's stream timing in this file (see the file header). */
const GPU_TIMING = { instrNs: 5_000, sliceNs: 500_000 };
const SEC_NS = 1_000_000_000;
/** usleep(10000), IGT's polling step. */
const POLL_NS = 10_000_000;

/** One test body on a fresh privileged file on a device with firmware; closes it and checks the WARN_ON sink. */
function withDevice(
  body: (t: IgtPanthor, g: Globals) => void,
  runtimePm: "auto" | "on" = "auto",
): void {
  const t = drmOpenDriverFw({ privileged: true, csTiming: GPU_TIMING, runtimePm });
  const gpu = gpuInfo(t.fd);
  const slots = csifInfo(t.fd).csg_slot_count;
  expect(slots).not.toBe(0);
  body(t, { shaderPresent: gpu.shader_present, tilerPresent: gpu.tiler_present, slots });
  drmCloseDriverFw(t);
}

/** What the top-level fixture queries once. */
interface Globals {
  shaderPresent: bigint;
  tilerPresent: bigint;
  slots: number;
}

/** wait_done(): SYNCOBJ_WAIT (WAIT_ALL) on one syncobj for `relNs` of virtual time. */
function waitDone(t: IgtPanthor, syncobj: number, relNs: number, fd = t.fd): boolean {
  return syncobjWait(fd, [syncobj], absTimeout(t, relNs), DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL);
}

/** Set bits of a mask. */
function popcount(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

/** Polls `cond` every 10 ms (usleep(10000)) at most `retries` times; whether it came true. */
function pollUntil(t: IgtPanthor, cond: () => boolean, retries: number): boolean {
  for (let i = 0; i < retries && !cond(); i++) igtSleep(t, POLL_NS);
  return cond();
}

/** The SYNC_WAIT32 stall on the user sync word: r0 = its VA, r2 = 0, wait until mem > 0. */
function userSyncStall(base: bigint): bigint[] {
  return [
    csMov48(0, base + BigInt(USER_SYNC_OFFSET)),
    csMov32(2, 0),
    csSyncWait32(0, 2, CS_CONDITION.GT),
  ];
}

/** make_group_cfg(): `queues`, one core of each kind at most, `priority`, every present core. */
function makeGroupCfg(
  fd: PanthorClient,
  g: Globals,
  queues: readonly IgtQueueCreate[],
  priority: number,
  vmId: number,
): DrmPanthorGroupCreateArgs {
  return groupCreateArgs(fd, queues, {
    max_compute_cores: 1,
    max_fragment_cores: 1,
    max_tiler_cores: 1,
    priority,
    compute_core_mask: g.shaderPresent,
    fragment_core_mask: g.shaderPresent,
    tiler_core_mask: g.tilerPresent,
    vm_id: vmId,
  });
}

const MAP = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;
const QUEUE: IgtQueueCreate = { priority: 0, ringbufSize: 4096 };

/** Creates a group of `queues` at `priority` on `vmId`, asserting success; its handle. */
function createGroup(
  t: IgtPanthor,
  g: Globals,
  vmId: number,
  priority = PANTHOR_GROUP_PRIORITY_LOW,
  queues: readonly IgtQueueCreate[] = [QUEUE],
): number {
  const handle = igtPanthorGroupCreate(
    t.fd,
    makeGroupCfg(t.fd, g, queues, priority, vmId),
    0,
  ).group_handle;
  expect(handle).not.toBe(0);
  return handle;
}

/** submit_stream(): one job on `queueIndex` with `syncs`, asserting success. */
function submitStream(
  fd: PanthorClient,
  group: number,
  queueIndex: number,
  streamAddr: bigint,
  streamSize: number,
  syncs: readonly DrmPanthorSyncOpArgs[] = [],
): void {
  igtPanthorGroupSubmit(fd, group, [{ queueIndex, streamAddr, streamSize, syncs }], 0);
}

/** assert_submit_rejected(): an (empty) submit to a group that cannot run fails with EINVAL. */
function assertSubmitRejected(fd: PanthorClient, group: number): void {
  expect(doGroupSubmit(fd, group, [{ queueIndex: 0 }])).toBe(-EINVAL);
}

/** A VM with a 4 KiB scratch BO mapped at INITIAL_VA holding `instrs` (zeroed flag words). */
interface LoopGroup {
  vmId: number;
  bo: IgtPanthorBo;
  group: number;
  syncobj: number;
  ninstrs: number;
}

/**
 * The per-group setup of the slot subtests: VM, syncobj, scratch BO with the counted loop
 * (started flag, counter) mapped UNCACHED at INITIAL_VA, group at `priority`, and the submit.
 */
function loopGroup(t: IgtPanthor, g: Globals, priority: number, n: number): LoopGroup {
  const vmId = igtPanthorVmCreate(t.fd, 0, 0);
  const syncobj = syncobjCreate(t.fd, 0);
  const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
  boWrite32(bo, STARTED_OFFSET, 0);
  boWrite32(bo, COUNTER_OFFSET, 0);
  const instrs = emitCountedLoop(
    INITIAL_VA + BigInt(COUNTER_OFFSET),
    INITIAL_VA + BigInt(STARTED_OFFSET),
    n,
  );
  writeInstrs(bo, instrs);
  igtPanthorVmBind(
    t.fd,
    vmId,
    bo.handle,
    INITIAL_VA,
    bo.size,
    DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
    0,
  );
  const group = createGroup(t, g, vmId, priority);
  submitStream(t.fd, group, 0, INITIAL_VA, instrs.length * 8, [signalOp(syncobj)]);
  return { vmId, bo, group, syncobj, ninstrs: instrs.length };
}

/** The teardown of {@link loopGroup}. */
function loopGroupFini(t: IgtPanthor, lg: LoopGroup): void {
  igtPanthorGroupDestroy(t.fd, lg.group, 0);
  syncobjDestroy(t.fd, lg.syncobj);
  igtPanthorFreeBo(t.fd, lg.bo);
  igtPanthorVmDestroy(t.fd, lg.vmId, 0);
}

/** run_fresh_group(): a new LOW group on `vmId` runs a full counted loop to completion. */
function runFreshGroup(t: IgtPanthor, g: Globals, vmId: number, n: number): void {
  const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
  boWrite32(bo, COUNTER_OFFSET, 0);
  const instrs = emitCountedLoop(FRESH_VA + BigInt(COUNTER_OFFSET), 0n, n);
  writeInstrs(bo, instrs);
  igtPanthorVmBind(
    t.fd,
    vmId,
    bo.handle,
    FRESH_VA,
    bo.size,
    DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
    0,
  );
  const group = createGroup(t, g, vmId);
  const syncobj = syncobjCreate(t.fd, 0);
  submitStream(t.fd, group, 0, FRESH_VA, instrs.length * 8, [signalOp(syncobj)]);
  expect(waitDone(t, syncobj, 10 * SEC_NS)).toBe(true);
  expect(fenceStatus(t, t.fd, syncobj)).toBe(1);
  expect(boRead32(bo, COUNTER_OFFSET)).toBe(n);
  syncobjDestroy(t.fd, syncobj);
  igtPanthorGroupDestroy(t.fd, group, 0);
  igtPanthorVmBind(t.fd, vmId, 0, FRESH_VA, bo.size, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 0);
  igtPanthorFreeBo(t.fd, bo);
}

/** assert_no_wedge(): no GPU reset was asked for and no job hit the scheduler timeout. */
function assertNoWedge(t: IgtPanthor): void {
  expect(t.dev.resetRequests).toBe(0);
  expect(t.dev.sched?.counters.timeouts).toBe(0);
}

/** The scheduler (present on a device with firmware). */
function sched(t: IgtPanthor) {
  const s = t.dev.sched;
  if (s === null || s === undefined) throw new Error("no scheduler");
  return s;
}

/**
 * The body of csg_slots_max / _overcommit / _extreme_overcommit: `n` LOW groups on `n` VMs each
 * running a counted loop; every one starts within `retries` polls and completes with the full
 * count within `waitNs`.
 */
function slotsTest(t: IgtPanthor, g: Globals, n: number, retries: number, waitNs: number): void {
  const groups: LoopGroup[] = [];
  for (let i = 0; i < n; i++) groups.push(loopGroup(t, g, PANTHOR_GROUP_PRIORITY_LOW, SLOT_LOOP_N));
  groups.forEach((lg, i) => {
    const started = pollUntil(t, () => boRead32(lg.bo, STARTED_OFFSET) !== 0, retries);
    expect([i, started]).toEqual([i, true]);
  });
  groups.forEach((lg, i) => {
    expect([i, waitDone(t, lg.syncobj, waitNs)]).toEqual([i, true]);
    expect([i, boRead32(lg.bo, COUNTER_OFFSET)]).toEqual([i, SLOT_LOOP_N]);
    expect(fenceStatus(t, t.fd, lg.syncobj)).toBe(1);
  });
  for (const lg of groups) loopGroupFini(t, lg);
}

describe("panthor_scheduler", () => {
  it("nop", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const group = createGroup(t, g, vmId);
      const syncobj = syncobjCreate(t.fd, 0);
      submitStream(t.fd, group, 0, 0n, 0, [signalOp(syncobj)]);
      expect(waitDone(t, syncobj, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(1);
      // An empty job retires from the queue's last fence: nothing ran, no slot was used.
      expect(sched(t).counters.jobsRun).toBe(0);
      expect(sched(t).counters.groupStarts).toBe(0);
      syncobjDestroy(t.fd, syncobj);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("compute_simple", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      writeInstrs(bo, new Array<bigint>(8).fill(csWait(0, false)));
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const group = createGroup(t, g, vmId);
      const syncobj = syncobjCreate(t.fd, 0);
      submitStream(t.fd, group, 0, INITIAL_VA, 64, [signalOp(syncobj)]);
      expect(waitDone(t, syncobj, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(1);

      // With compute work in it: a RUN_COMPUTE (an endpoint task, no shader in the model)
      // drained by a WAIT on its scoreboard slot, then a marker store.
      const compute = new CsAssembler()
        .setSbEntry(2, 0)
        .emit("RUN_COMPUTE")
        .wait(0x4)
        .move48(0, INITIAL_VA + 0x800n)
        .move32(2, 0xc0de)
        .syncSet32(0, 2)
        .wait(0xff)
        .words();
      writeInstrs(bo, compute, 0x100);
      const done = syncobjCreate(t.fd, 0);
      submitStream(t.fd, group, 0, INITIAL_VA + 0x100n, compute.length * 8, [signalOp(done)]);
      expect(waitDone(t, done, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, done)).toBe(1);
      expect(boRead32(bo, 0x800)).toBe(0xc0de);

      syncobjDestroy(t.fd, done);
      syncobjDestroy(t.fd, syncobj);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorVmDestroy(t.fd, vmId, 0);
      igtPanthorFreeBo(t.fd, bo);
    }));

  it("csg_slots_max", () =>
    withDevice((t, g) => {
      slotsTest(t, g, g.slots, 100, 10 * SEC_NS);
    }));

  it("csg_slots_overcommit", () =>
    withDevice((t, g) => {
      slotsTest(t, g, g.slots + 1, 1000, 15 * SEC_NS);
      // Time-slicing: some group was taken off its slot with work left, then resumed.
      expect(sched(t).counters.groupStarts).toBeGreaterThan(g.slots + 1);
      assertNoWedge(t);
    }));

  it("csg_slots_extreme_overcommit", () =>
    withDevice((t, g) => {
      slotsTest(t, g, g.slots * 2, 2000, 20 * SEC_NS);
      expect(sched(t).counters.groupStarts).toBeGreaterThan(g.slots * 2);
      assertNoWedge(t);
    }));

  it("idle_prepopulate", () =>
    withDevice((t, g) => {
      const n = g.slots;
      const vmIds: number[] = [];
      const groups: number[] = [];
      const syncobjs: number[] = [];
      for (let i = 0; i < n; i++) {
        vmIds.push(igtPanthorVmCreate(t.fd, 0, 0));
        syncobjs.push(syncobjCreate(t.fd, 0));
        groups.push(createGroup(t, g, vmIds[i] as number));
        submitStream(t.fd, groups[i] as number, 0, 0n, 0, [signalOp(syncobjs[i] as number)]);
        expect([i, waitDone(t, syncobjs[i] as number, 10 * SEC_NS)]).toEqual([i, true]);
      }
      const extraVm = igtPanthorVmCreate(t.fd, 0, 0);
      const extraSync = syncobjCreate(t.fd, 0);
      const extraGroup = createGroup(t, g, extraVm);
      submitStream(t.fd, extraGroup, 0, 0n, 0, [signalOp(extraSync)]);
      expect(waitDone(t, extraSync, 10 * SEC_NS)).toBe(true);

      // Empty streams never reach a slot. With a RUN_COMPUTE job each, the groups really go
      // resident and then idle; the extra group must still get a slot and run.
      const bos: IgtPanthorBo[] = [];
      const computeJob = (vmId: number, group: number, syncobj: number): IgtPanthorBo => {
        const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
        const a = new CsAssembler().emit("RUN_COMPUTE").wait(0xff).words();
        writeInstrs(bo, a);
        igtPanthorVmBind(t.fd, vmId, bo.handle, INITIAL_VA, bo.size, MAP, 0);
        submitStream(t.fd, group, 0, INITIAL_VA, a.length * 8, [signalOp(syncobj)]);
        return bo;
      };
      for (let i = 0; i < n; i++) {
        bos.push(computeJob(vmIds[i] as number, groups[i] as number, syncobjs[i] as number));
        expect([i, waitDone(t, syncobjs[i] as number, 10 * SEC_NS)]).toEqual([i, true]);
        expect(fenceStatus(t, t.fd, syncobjs[i] as number)).toBe(1);
      }
      // Idle groups stay on their slots until someone needs one: as many as there are slots
      // and address spaces for them (every AS but the MCU's).
      const asCount = popcount(gpuInfo(t.fd).as_present) - 1;
      const resident = sched(t).csgSlots.filter((s) => s.group !== null).length;
      expect(resident).toBe(Math.min(n, asCount));
      const { groupStarts, groupEvictions } = sched(t).counters;
      bos.push(computeJob(extraVm, extraGroup, extraSync));
      expect(waitDone(t, extraSync, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, extraSync)).toBe(1);
      expect(sched(t).counters.groupStarts).toBe(groupStarts + 1);
      // Every AS was held by an idle group: one of them made room.
      if (resident === asCount) {
        expect(sched(t).counters.groupEvictions).toBeGreaterThan(groupEvictions);
      }

      syncobjDestroy(t.fd, extraSync);
      igtPanthorGroupDestroy(t.fd, extraGroup, 0);
      igtPanthorVmDestroy(t.fd, extraVm, 0);
      for (let i = 0; i < n; i++) {
        igtPanthorGroupDestroy(t.fd, groups[i] as number, 0);
        syncobjDestroy(t.fd, syncobjs[i] as number);
        igtPanthorVmDestroy(t.fd, vmIds[i] as number, 0);
      }
      for (const bo of bos) igtPanthorFreeBo(t.fd, bo);
    }));

  it("priority_preemption", () =>
    withDevice((t, g) => {
      const lowVm = igtPanthorVmCreate(t.fd, 0, 0);
      const highVm = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      // IGT's "blocks forever" WAIT on scoreboard 1 (nothing is pending on it).
      writeInstrs(bo, [csWait(1, false)]);
      igtPanthorVmBind(
        t.fd,
        lowVm,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const lowGroup = createGroup(t, g, lowVm);
      submitStream(t.fd, lowGroup, 0, INITIAL_VA, 8);

      // HIGH needs CAP_SYS_NICE: an unprivileged file is refused (IGT would skip there).
      const other = drmReopenDriverFw(t);
      const otherVm = igtPanthorVmCreate(other, 0, 0);
      doIoctlErr(
        other,
        DRM_IOCTL_PANTHOR_GROUP_CREATE,
        DrmPanthorGroupCreate,
        makeGroupCfg(other, g, [QUEUE], PANTHOR_GROUP_PRIORITY_HIGH, otherVm),
        EACCES,
      );
      expect(other.close()).toBe(0);

      const highCfg = makeGroupCfg(t.fd, g, [QUEUE], PANTHOR_GROUP_PRIORITY_HIGH, highVm);
      const created = t.fd.ioctl(DRM_IOCTL_PANTHOR_GROUP_CREATE, DrmPanthorGroupCreate, highCfg);
      expect(created.ret).toBe(0);
      const highGroup = created.out.group_handle;
      const highSync = syncobjCreate(t.fd, 0);
      submitStream(t.fd, highGroup, 0, 0n, 0, [signalOp(highSync)]);
      expect(waitDone(t, highSync, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, highSync)).toBe(1);

      // With the slots really busy: LOW groups spinning in register-only loops on every slot,
      // then a HIGH job; it completes while every LOW loop is still running.
      const spin = (n: number): bigint[] => {
        const a = new CsAssembler().move32(0, n);
        const top = a.label();
        a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
        return a.words();
      };
      const spinBo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      const spinWords = spin(50_000); // 100 000 instructions: 200 ms
      writeInstrs(spinBo, spinWords);
      const store = new CsAssembler()
        .move48(0, INITIAL_VA + 0x800n)
        .move32(2, 0x600d)
        .syncSet32(0, 2)
        .wait(0xff)
        .words();
      writeInstrs(spinBo, store, 0x400);
      igtPanthorVmBind(t.fd, highVm, spinBo.handle, INITIAL_VA, spinBo.size, MAP, 0);
      const lows: { vmId: number; group: number; syncobj: number }[] = [];
      for (let i = 0; i < g.slots; i++) {
        const vmId = igtPanthorVmCreate(t.fd, 0, 0);
        igtPanthorVmBind(t.fd, vmId, spinBo.handle, INITIAL_VA, spinBo.size, MAP, 0);
        const group = createGroup(t, g, vmId);
        const syncobj = syncobjCreate(t.fd, 0);
        submitStream(t.fd, group, 0, INITIAL_VA, spinWords.length * 8, [signalOp(syncobj)]);
        lows.push({ vmId, group, syncobj });
      }
      igtSleep(t, 2 * SCHED_TICK_PERIOD_NS);
      const highDone = syncobjCreate(t.fd, 0);
      submitStream(t.fd, highGroup, 0, INITIAL_VA + 0x400n, store.length * 8, [signalOp(highDone)]);
      expect(waitDone(t, highDone, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, highDone)).toBe(1);
      expect(boRead32(spinBo, 0x800)).toBe(0x600d);
      for (const l of lows) expect(fenceStatus(t, t.fd, l.syncobj)).toBe(0);
      for (const l of lows) {
        expect(waitDone(t, l.syncobj, 10 * SEC_NS)).toBe(true);
        expect(fenceStatus(t, t.fd, l.syncobj)).toBe(1);
        syncobjDestroy(t.fd, l.syncobj);
        igtPanthorGroupDestroy(t.fd, l.group, 0);
        igtPanthorVmDestroy(t.fd, l.vmId, 0);
      }
      syncobjDestroy(t.fd, highDone);
      igtPanthorFreeBo(t.fd, spinBo);

      syncobjDestroy(t.fd, highSync);
      igtPanthorGroupDestroy(t.fd, highGroup, 0);
      igtPanthorVmDestroy(t.fd, highVm, 0);
      igtPanthorGroupDestroy(t.fd, lowGroup, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, lowVm, 0);
      assertNoWedge(t);
    }));

  it("multi_queue", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const group = createGroup(t, g, vmId, PANTHOR_GROUP_PRIORITY_LOW, [QUEUE, QUEUE]);
      const syncobjs = [0, 1].map((i) => {
        const s = syncobjCreate(t.fd, 0);
        submitStream(t.fd, group, i, 0n, 0, [signalOp(s)]);
        return s;
      });
      syncobjs.forEach((s, i) => {
        expect([i, waitDone(t, s, 10 * SEC_NS)]).toEqual([i, true]);
      });

      // Real streams on both queues: each stores its own marker.
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(t.fd, vmId, bo.handle, INITIAL_VA, bo.size, MAP, 0);
      const done = [0, 1].map((i) => {
        const words = new CsAssembler()
          .move48(0, INITIAL_VA + 0x800n + BigInt(4 * i))
          .move32(2, 0x100 + i)
          .syncSet32(0, 2)
          .wait(0xff)
          .words();
        writeInstrs(bo, words, 0x100 * i);
        const s = syncobjCreate(t.fd, 0);
        submitStream(t.fd, group, i, INITIAL_VA + BigInt(0x100 * i), words.length * 8, [
          signalOp(s),
        ]);
        return s;
      });
      done.forEach((s, i) => {
        expect([i, waitDone(t, s, 10 * SEC_NS)]).toEqual([i, true]);
        expect(fenceStatus(t, t.fd, s)).toBe(1);
        expect(boRead32(bo, 0x800 + 4 * i)).toBe(0x100 + i);
      });

      for (const s of [...syncobjs, ...done]) syncobjDestroy(t.fd, s);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("sync_wait_block", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const syncA = syncobjCreate(t.fd, 0);
      const syncB = syncobjCreate(t.fd, 0);
      const group = createGroup(t, g, vmId, PANTHOR_GROUP_PRIORITY_LOW, [QUEUE, QUEUE]);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      boWrite32(bo, USER_SYNC_OFFSET, 0);
      const instrs = userSyncStall(INITIAL_VA);
      writeInstrs(bo, instrs);

      // Job 1 (queue 0) stalls on the user sync and signals A; job 2 (queue 1) waits A, signals B.
      submitStream(t.fd, group, 0, INITIAL_VA, instrs.length * 8, [signalOp(syncA)]);
      submitStream(t.fd, group, 1, 0n, 0, [waitOp(syncA), signalOp(syncB)]);

      expect(waitDone(t, syncB, SEC_NS)).toBe(false);
      expect(fenceStatus(t, t.fd, syncA)).toBe(0);

      boWrite32(bo, USER_SYNC_OFFSET, 1);
      expect(waitDone(t, syncB, 5 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, syncA)).toBe(1);
      expect(fenceStatus(t, t.fd, syncB)).toBe(1);

      syncobjDestroy(t.fd, syncA);
      syncobjDestroy(t.fd, syncB);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }, "on"));

  it("job_timeout", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      boWrite32(bo, USER_SYNC_OFFSET, 0);
      const instrs = userSyncStall(INITIAL_VA);
      writeInstrs(bo, instrs);
      const group = createGroup(t, g, vmId);
      submitStream(t.fd, group, 0, INITIAL_VA, instrs.length * 8);

      // sleep(10): the 5 s job timeout fires and terminates the group.
      igtSleep(t, 10 * SEC_NS);

      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
        DrmPanthorGroupSubmit,
        {
          ...DrmPanthorGroupSubmit.zero(),
          group_handle: group,
          queue_submits: writeObjArray(t.fd.user, DrmPanthorQueueSubmit, [
            DrmPanthorQueueSubmit.zero(),
          ]),
        },
        EINVAL,
      );
      expect(groupGetState(t.fd, group).state & DRM_PANTHOR_GROUP_STATE_TIMEDOUT).not.toBe(0);
      expect(sched(t).counters.timeouts).toBeGreaterThan(0);

      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("fatal_fault", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      writeInstrs(bo, [0xffn << 56n]); // invalid opcode 0xff
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const group = createGroup(t, g, vmId);
      submitStream(t.fd, group, 0, INITIAL_VA, 8);

      igtSleep(t, SEC_NS);

      const st = groupGetState(t.fd, group);
      expect(st.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);
      expect(st.fatal_queues).toBe(1);
      expect(t.dev.resetRequests).toBe(0); // CS_INSTR_INVALID is not CS_UNRECOVERABLE

      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("large_instruction_stream", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      writeInstrs(bo, new Array<bigint>(512).fill(csMov32(0, 42)));
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const group = createGroup(t, g, vmId);
      const syncobj = syncobjCreate(t.fd, 0);
      submitStream(t.fd, group, 0, INITIAL_VA, 4096, [signalOp(syncobj)]);
      expect(waitDone(t, syncobj, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(1);
      syncobjDestroy(t.fd, syncobj);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("rt_priority_preemption", () =>
    withDevice((t, g) => {
      const n = g.slots;
      // Every slot busy with a HIGH counted loop.
      const highs: LoopGroup[] = [];
      for (let i = 0; i < n; i++)
        highs.push(loopGroup(t, g, PANTHOR_GROUP_PRIORITY_HIGH, SLOT_LOOP_N));
      highs.forEach((lg, i) => {
        const started = pollUntil(t, () => boRead32(lg.bo, STARTED_OFFSET) !== 0, 1000);
        expect([i, started]).toEqual([i, true]);
      });

      const rt = loopGroup(t, g, PANTHOR_GROUP_PRIORITY_REALTIME, SLOT_LOOP_N);
      expect(pollUntil(t, () => boRead32(rt.bo, STARTED_OFFSET) !== 0, 100)).toBe(true);
      // No HIGH job had finished: the RT group got its slot (and an address space) by
      // preempting a running HIGH group.
      for (const lg of highs) expect(fenceStatus(t, t.fd, lg.syncobj)).toBe(0);

      expect(waitDone(t, rt.syncobj, 15 * SEC_NS)).toBe(true);
      expect(boRead32(rt.bo, COUNTER_OFFSET)).toBe(SLOT_LOOP_N);
      expect(fenceStatus(t, t.fd, rt.syncobj)).toBe(1);

      highs.forEach((lg, i) => {
        expect([i, waitDone(t, lg.syncobj, 15 * SEC_NS)]).toEqual([i, true]);
        expect([i, boRead32(lg.bo, COUNTER_OFFSET)]).toEqual([i, SLOT_LOOP_N]);
      });
      // The preempted HIGH group was resumed to finish its loop.
      expect(sched(t).counters.groupStarts).toBeGreaterThan(n + 1);
      for (const lg of [...highs, rt]) loopGroupFini(t, lg);
      assertNoWedge(t);
    }));

  it("ringbuf_wrap", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const group = createGroup(t, g, vmId);
      const syncobj = syncobjCreate(t.fd, 0);
      // 600 empty jobs; a full ring would answer EBUSY: wait a little and retry.
      let busy = 0;
      for (let i = 0; i < 600; i++) {
        const ret = doGroupSubmit(t.fd, group, [{ queueIndex: 0, syncs: [signalOp(syncobj)] }]);
        if (ret !== 0) {
          expect(ret).toBe(-EBUSY);
          busy++;
          igtSleep(t, 1_000_000);
          i--;
        }
      }
      expect(waitDone(t, syncobj, 10 * SEC_NS)).toBe(true);
      expect(busy).toBe(0);

      // Empty jobs never reach the ring: 600 one-store jobs (128 bytes of ring each) wrap the
      // 4 KiB ring ~19 times, in order.
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(t.fd, vmId, bo.handle, INITIAL_VA, bo.size, MAP, 0);
      const addOne = new CsAssembler()
        .move48(0, INITIAL_VA + 0x800n)
        .move32(2, 1)
        .syncAdd32(0, 2)
        .wait(0xff)
        .words();
      writeInstrs(bo, addOne);
      const last = syncobjCreate(t.fd, 0);
      for (let i = 0; i < 600; i++) {
        const syncs = i === 599 ? [signalOp(last)] : [];
        submitStream(t.fd, group, 0, INITIAL_VA, addOne.length * 8, syncs);
      }
      expect(waitDone(t, last, 10 * SEC_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, last)).toBe(1);
      expect(boRead32(bo, 0x800)).toBe(600);
      const queue = t.fd.handle.priv.groups.get(group)?.queues[0];
      expect(queue?.insert).toBe(600 * 128);
      expect(queue?.extract).toBe(600 * 128);

      syncobjDestroy(t.fd, last);
      syncobjDestroy(t.fd, syncobj);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("group_destroy_active", () =>
    withDevice((t, g) => {
      const lg = loopGroup(t, g, PANTHOR_GROUP_PRIORITY_LOW, SLOT_LOOP_N);
      expect(pollUntil(t, () => boRead32(lg.bo, STARTED_OFFSET) !== 0, 1000)).toBe(true);

      // Destroyed while genuinely running.
      igtPanthorGroupDestroy(t.fd, lg.group, 0);
      waitDone(t, lg.syncobj, SEC_NS / 2);
      const counter = boRead32(lg.bo, COUNTER_OFFSET);
      expect(counter).toBeLessThan(SLOT_LOOP_N);
      // The loop stopped for good and the job was cancelled.
      igtSleep(t, 100_000_000);
      expect(boRead32(lg.bo, COUNTER_OFFSET)).toBe(counter);
      expect(fenceStatus(t, t.fd, lg.syncobj)).toBe(-ECANCELED);

      syncobjDestroy(t.fd, lg.syncobj);
      igtPanthorFreeBo(t.fd, lg.bo);
      igtPanthorVmDestroy(t.fd, lg.vmId, 0);
    }));

  it("multi_queue_dep_chain", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const [syncA, syncB, syncC, syncD] = [0, 1, 2, 3].map(() => syncobjCreate(t.fd, 0)) as [
        number,
        number,
        number,
        number,
      ];
      const group = createGroup(t, g, vmId, PANTHOR_GROUP_PRIORITY_LOW, [
        QUEUE,
        QUEUE,
        QUEUE,
        QUEUE,
      ]);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      boWrite32(bo, USER_SYNC_OFFSET, 0);
      const instrs = userSyncStall(INITIAL_VA);
      writeInstrs(bo, instrs);

      const submits: IgtQueueSubmit[] = [
        {
          queueIndex: 0,
          streamAddr: INITIAL_VA,
          streamSize: instrs.length * 8,
          syncs: [signalOp(syncA)],
        },
        { queueIndex: 1, syncs: [waitOp(syncA), signalOp(syncB)] },
        { queueIndex: 2, syncs: [waitOp(syncB), signalOp(syncC)] },
        { queueIndex: 3, syncs: [waitOp(syncC), signalOp(syncD)] },
      ];
      igtPanthorGroupSubmit(t.fd, group, submits, 0);

      expect(waitDone(t, syncD, SEC_NS)).toBe(false);
      for (const s of [syncA, syncB, syncC, syncD]) expect(fenceStatus(t, t.fd, s)).toBe(0);

      boWrite32(bo, USER_SYNC_OFFSET, 1);
      expect(waitDone(t, syncD, 5 * SEC_NS)).toBe(true);
      for (const s of [syncA, syncB, syncC, syncD]) expect(fenceStatus(t, t.fd, s)).toBe(1);

      for (const s of [syncA, syncB, syncC, syncD]) syncobjDestroy(t.fd, s);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }, "on"));

  it("counted_loop", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const syncobj = syncobjCreate(t.fd, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      boWrite32(bo, COUNTER_OFFSET, 0);
      const instrs = emitCountedLoop(INITIAL_VA + BigInt(COUNTER_OFFSET), 0n, COUNTED_LOOP_N);
      writeInstrs(bo, instrs);
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
        0,
      );
      const group = createGroup(t, g, vmId);
      submitStream(t.fd, group, 0, INITIAL_VA, instrs.length * 8, [signalOp(syncobj)]);
      expect(waitDone(t, syncobj, 10 * SEC_NS)).toBe(true);
      expect(boRead32(bo, COUNTER_OFFSET)).toBe(COUNTED_LOOP_N);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(1);

      syncobjDestroy(t.fd, syncobj);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("fatal_fault_vm_isolation", () =>
    withDevice((t, g) => {
      const faultyVm = igtPanthorVmCreate(t.fd, 0, 0);
      const faultyBo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      writeInstrs(faultyBo, [0xffn << 56n]);
      igtPanthorVmBind(
        t.fd,
        faultyVm,
        faultyBo.handle,
        INITIAL_VA,
        faultyBo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const faultyGroup = createGroup(t, g, faultyVm);
      submitStream(t.fd, faultyGroup, 0, INITIAL_VA, 8);

      let st = groupGetState(t.fd, faultyGroup);
      for (let i = 0; i < 500 && (st.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT) === 0; i++) {
        igtSleep(t, POLL_NS);
        st = groupGetState(t.fd, faultyGroup);
      }
      expect(st.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);
      expect(st.fatal_queues).not.toBe(0);
      // A command-stream fault leaves the VM usable.
      expect(vmState(t.fd, faultyVm)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      assertSubmitRejected(t.fd, faultyGroup);

      const goodVm = igtPanthorVmCreate(t.fd, 0, 0);
      runFreshGroup(t, g, goodVm, SLOT_LOOP_N);

      igtPanthorVmDestroy(t.fd, goodVm, 0);
      igtPanthorGroupDestroy(t.fd, faultyGroup, 0);
      igtPanthorFreeBo(t.fd, faultyBo);
      igtPanthorVmDestroy(t.fd, faultyVm, 0);
    }));

  it("unbind_active_range", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const syncobj = syncobjCreate(t.fd, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      boWrite32(bo, STARTED_OFFSET, 0);
      boWrite32(bo, COUNTER_OFFSET, 0);
      // The loop runs from INITIAL_VA and writes through DATA_VA: unbinding DATA_VA takes the
      // data away while the instructions stay mapped.
      const instrs = emitCountedLoop(
        DATA_VA + BigInt(COUNTER_OFFSET),
        DATA_VA + BigInt(STARTED_OFFSET),
        SLOT_LOOP_N,
      );
      writeInstrs(bo, instrs);
      const flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;
      igtPanthorVmBind(t.fd, vmId, bo.handle, INITIAL_VA, bo.size, flags, 0);
      igtPanthorVmBind(t.fd, vmId, bo.handle, DATA_VA, bo.size, flags, 0);
      const group = createGroup(t, g, vmId);
      submitStream(t.fd, group, 0, INITIAL_VA, instrs.length * 8, [signalOp(syncobj)]);

      expect(pollUntil(t, () => boRead32(bo, STARTED_OFFSET) !== 0, 1000)).toBe(true);
      const faults = t.dev.faultLog.total;
      igtPanthorVmBind(t.fd, vmId, 0, DATA_VA, bo.size, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 0);

      // Either outcome retires the fence; mid-loop, the next store faults on the unmapped page.
      expect(waitDone(t, syncobj, 20 * SEC_NS)).toBe(true);
      expect(boRead32(bo, COUNTER_OFFSET)).toBeLessThan(SLOT_LOOP_N);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(-EINVAL);
      expect(t.dev.faultLog.total).toBe(faults + 1);
      expect(t.dev.faultLog.records.at(-1)?.va).toBe(Number(DATA_VA) + COUNTER_OFFSET);
      expect(groupGetState(t.fd, group).state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT).not.toBe(0);

      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      igtPanthorGroupDestroy(t.fd, group, 0);
      runFreshGroup(t, g, vmId, SLOT_LOOP_N);

      syncobjDestroy(t.fd, syncobj);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("job_timeout_recovery", () =>
    withDevice((t, g) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(
        t.fd,
        vmId,
        bo.handle,
        INITIAL_VA,
        bo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      boWrite32(bo, USER_SYNC_OFFSET, 0);
      const instrs = userSyncStall(INITIAL_VA);
      writeInstrs(bo, instrs);
      const group = createGroup(t, g, vmId);
      const syncobj = syncobjCreate(t.fd, 0);
      submitStream(t.fd, group, 0, INITIAL_VA, instrs.length * 8, [signalOp(syncobj)]);

      // Nothing releases the sync: only the timeout retires the job.
      const submittedAt = t.sim.loop.now;
      expect(waitDone(t, syncobj, 30 * SEC_NS)).toBe(true);
      expect(t.sim.loop.now - submittedAt).toBeGreaterThanOrEqual(5 * SEC_NS);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(-ETIMEDOUT);
      expect(groupGetState(t.fd, group).state & DRM_PANTHOR_GROUP_STATE_TIMEDOUT).not.toBe(0);
      assertSubmitRejected(t.fd, group);

      igtPanthorGroupDestroy(t.fd, group, 0);
      runFreshGroup(t, g, vmId, SLOT_LOOP_N);

      syncobjDestroy(t.fd, syncobj);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));
});
