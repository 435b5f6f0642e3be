/**
 * Port of IGT tests/panthor/panthor_pm.c (the 2026 file) on a G610 with the reference firmware:
 * the runtime-PM subtests by their IGT names, and the system-sleep ones (opt-in in IGT because
 * a board whose RTC cannot wake it hangs; here the sleep is the model's system suspend and
 * resume, so they always run).
 *
 * What changes with the model: igt_setup_runtime_pm() becomes the device's autosuspend delay
 * set to 0 and power/control "auto"; igt_wait_for_pm_status() polls the runtime-PM status
 * (sysfs `power/runtime_status`) for up to 10 s of virtual time; the workload is IGT's counted
 * loop, verified by the counter the GPU wrote.
 */
import { RpmStatus } from "@panmmu/drm";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  PANTHOR_GROUP_PRIORITY_LOW,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  boRead32,
  boWrite32,
  drmCloseDriverFw,
  drmOpenDriverFw,
  emitCountedLoop,
  gpuInfo,
  groupCreateArgs,
  igtPanthorGroupCreate,
  igtPanthorGroupDestroy,
  igtPanthorGroupSubmit,
  igtSleep,
  writeInstrs,
} from "../helpers/igt-panthor.js";
import {
  absTimeout,
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
} from "./igt-lib.js";

const INITIAL_VA = 0x100_0000n;
const COUNTER_OFFSET = 2064;
const SEC_NS = 1_000_000_000;
/** A short job: it completes in milliseconds. */
const SHORT_LOOP_N = 4096;

/** A counted-loop workload: its handles and the mapped scratch BO. */
interface Workload {
  vmId: number;
  group: number;
  syncobj: number;
  bo: IgtPanthorBo;
}

/** The fixture: the device opened, runtime PM set up (delay 0, "auto"). */
function withPm(body: (t: IgtPanthor) => void): void {
  const t = drmOpenDriverFw();
  // igt_setup_runtime_pm(): autosuspend_delay_ms = 0, power/control = auto.
  t.dev.pm.rpm.setAutosuspendDelay(0);
  body(t);
  drmCloseDriverFw(t);
}

/** igt_wait_for_pm_status(): polls the runtime status every 10 ms for up to 10 s. */
function waitForPmStatus(t: IgtPanthor, status: RpmStatus): boolean {
  for (let i = 0; i < 1000 && t.dev.pm.rpm.status !== status; i++) igtSleep(t, 10_000_000);
  return t.dev.pm.rpm.status === status;
}

/** submit_workload(): VM, syncobj, scratch BO with the loop mapped UNCACHED, a LOW group, the submit. */
function submitWorkload(t: IgtPanthor, n: number): Workload {
  const gpu = gpuInfo(t.fd);
  const vmId = igtPanthorVmCreate(t.fd, 0, 0);
  const syncobj = syncobjCreate(t.fd, 0);
  const bo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
  boWrite32(bo, COUNTER_OFFSET, 0);
  const instrs = emitCountedLoop(INITIAL_VA + BigInt(COUNTER_OFFSET), 0n, n);
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
  const cfg = groupCreateArgs(t.fd, [{ priority: 0, ringbufSize: 4096 }], {
    max_compute_cores: 1,
    max_fragment_cores: 1,
    max_tiler_cores: 1,
    priority: PANTHOR_GROUP_PRIORITY_LOW,
    compute_core_mask: gpu.shader_present,
    fragment_core_mask: gpu.shader_present,
    tiler_core_mask: gpu.tiler_present,
    vm_id: vmId,
  });
  const group = igtPanthorGroupCreate(t.fd, cfg, 0).group_handle;
  igtPanthorGroupSubmit(
    t.fd,
    group,
    [
      {
        queueIndex: 0,
        streamAddr: INITIAL_VA,
        streamSize: instrs.length * 8,
        syncs: [signalOp(syncobj)],
      },
    ],
    0,
  );
  return { vmId, group, syncobj, bo };
}

/** teardown_workload(). */
function teardownWorkload(t: IgtPanthor, w: Workload): void {
  igtPanthorGroupDestroy(t.fd, w.group, 0);
  syncobjDestroy(t.fd, w.syncobj);
  igtPanthorFreeBo(t.fd, w.bo);
  igtPanthorVmDestroy(t.fd, w.vmId, 0);
}

/** run_verified_job(): the job completes within 60 s and the counter reads exactly `n`. */
function runVerifiedJob(t: IgtPanthor, n: number): void {
  const w = submitWorkload(t, n);
  expect(
    syncobjWait(t.fd, [w.syncobj], absTimeout(t, 60 * SEC_NS), DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL),
  ).toBe(true);
  expect(fenceStatus(t, t.fd, w.syncobj)).toBe(1);
  expect(boRead32(w.bo, COUNTER_OFFSET)).toBe(n);
  teardownWorkload(t, w);
}

describe("panthor_pm", () => {
  it("rpm-idle-suspend", () =>
    withPm((t) => {
      expect(waitForPmStatus(t, RpmStatus.Suspended)).toBe(true);
    }));

  it("rpm-resume-on-exec", () =>
    withPm((t) => {
      expect(waitForPmStatus(t, RpmStatus.Suspended)).toBe(true);
      const resumes = t.dev.pm.rpm.counters.resumes;
      runVerifiedJob(t, SHORT_LOOP_N);
      expect(t.dev.pm.rpm.counters.resumes).toBeGreaterThan(resumes);
      expect(waitForPmStatus(t, RpmStatus.Suspended)).toBe(true);
    }));

  it("rpm-multiple-execs", () =>
    withPm((t) => {
      for (let i = 0; i < 8; i++) {
        expect([i, waitForPmStatus(t, RpmStatus.Suspended)]).toEqual([i, true]);
        runVerifiedJob(t, SHORT_LOOP_N);
      }
      expect(t.dev.pm.rpm.counters.resumes).toBeGreaterThanOrEqual(8);
    }));

  for (const mode of ["s2idle", "mem"]) {
    it(`system-${mode}`, () =>
      withPm((t) => {
        runVerifiedJob(t, SHORT_LOOP_N);
        // igt_system_suspend_autoresume(): the machine sleeps, the RTC wakes it.
        expect(t.dev.systemSuspend()).toBe(0);
        expect(t.dev.pm.rpm.status).toBe(RpmStatus.Suspended);
        igtSleep(t, 5 * SEC_NS);
        expect(t.dev.systemResume()).toBe(0);
        runVerifiedJob(t, SHORT_LOOP_N);
      }));
  }
});
