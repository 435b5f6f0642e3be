/**
 * Port of IGT tests/panthor/panthor_sync.c (the 2026 extended file) on a G610 with the reference
 * firmware: every subtest, by its IGT name (chained syncobjs in one VM_BIND array, a batch wait
 * resolved against the syncobj's fence from before the ioctl, bind and submit fences gating each
 * other, syncobjs crossing file descriptors as syncobj fds, a timeline point transferred into a
 * binary syncobj on another fd). Raw ioctls with IGT's struct layouts and instruction encoders;
 * the "blocked job" is IGT's SYNC_WAIT32 on a word the CPU releases through the BO's mmap. Time
 * is the virtual clock. The subtests whose blocked job the CPU releases more than 50 ms after
 * the group went idle run with runtime PM forbidden (power/control = on): with it allowed the
 * GPU autosuspends and the kernel never notices the CPU's write (see panthor_scheduler's
 * header). Nothing is skipped: the model has async VM_BIND, timeline sync ops,
 * SYNCOBJ_HANDLE_TO_FD / FD_TO_HANDLE and SYNCOBJ_TRANSFER, which IGT probes for.
 */
import {
  DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE,
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_TRANSFER,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_SYNCOBJ_CREATE_SIGNALED,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  type DrmPanthorSyncOpArgs,
  DrmSyncobjHandle,
  DrmSyncobjTransfer,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import {
  boRead32,
  boWrite32,
  CS_CONDITION,
  csMov32,
  csMov48,
  csSyncSet32,
  csSyncWait32,
  doGroupSubmit,
  drmCloseDriverFw,
  drmOpenDriverFw,
  drmReopenDriverFw,
  igtPanthorGroupCreateSimple,
  igtPanthorGroupDestroy,
  igtPanthorGroupSubmit,
  writeInstrs,
} from "../helpers/igt-panthor.js";
import {
  absTimeout,
  bindOp,
  doIoctl,
  fenceStatus,
  type IgtPanthor,
  type IgtPanthorBo,
  igtPanthorBoCreate,
  igtPanthorBoCreateMapped,
  igtPanthorFreeBo,
  igtPanthorVmBind,
  igtPanthorVmCreate,
  igtPanthorVmDestroy,
  NSEC_PER_SEC,
  signalOp,
  syncArray,
  syncobjCreate,
  syncobjDestroy,
  syncobjWait,
  vmBindRaw,
  waitOp,
} from "./igt-lib.js";
import { layout } from "./vm-view.js";

const PAGE_SIZE = 4096n;
const VA_A = 0x10_0000n;
const VA_B = 0x10_1000n;
const VA_C = 0x10_2000n;
/** Byte offset of the word the CPU writes to release a blocked job. */
const RELEASE_OFFSET = 2048;
const RESULT_MAGIC = 0xc0ffee;
const SEC_NS = NSEC_PER_SEC;
const WAIT_NS = 10 * SEC_NS;

/** One test body on a freshly opened device with firmware; closes it and checks the WARN_ON sink. */
function withDevice(body: (t: IgtPanthor) => void, runtimePm: "auto" | "on" = "auto"): void {
  const t = drmOpenDriverFw({ runtimePm });
  body(t);
  drmCloseDriverFw(t);
}

/** wait_done(): SYNCOBJ_WAIT (WAIT_ALL) on one syncobj of `fd` for `relNs` of virtual time. */
function waitDone(t: IgtPanthor, fd: PanthorClient, syncobj: number, relNs: number): boolean {
  return syncobjWait(fd, [syncobj], absTimeout(t, relNs), DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL);
}

/** assert_completed(): the syncobj retires within WAIT_NS and its fence carries no error. */
function assertCompleted(t: IgtPanthor, fd: PanthorClient, syncobj: number, what: string): void {
  expect([what, waitDone(t, fd, syncobj, WAIT_NS)]).toEqual([what, true]);
  expect([what, fenceStatus(t, fd, syncobj)]).toEqual([what, 1]);
}

/** require_async_vm_bind(): one async MAP through the bind queue must complete. */
function requireAsyncVmBind(t: IgtPanthor): void {
  const vmId = igtPanthorVmCreate(t.fd, 0, 0);
  const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
  const syncobj = syncobjCreate(t.fd, 0);
  const op = bindOp({
    flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
    bo_handle: bo.handle,
    va: VA_A,
    size: PAGE_SIZE,
    syncs: syncArray(t.fd, [signalOp(syncobj)]),
  });
  const ret = vmBindRaw(t.fd, vmId, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret;
  if (ret === 0) assertCompleted(t, t.fd, syncobj, "probe bind");
  syncobjDestroy(t.fd, syncobj);
  igtPanthorFreeBo(t.fd, bo);
  igtPanthorVmDestroy(t.fd, vmId, 0);
  expect(ret).toBe(0); // igt_require(): the model always has the async bind path
}

/** emit_store32(): SYNC_SET32 of `value` at `addr`; the stream. */
function emitStore32(addr: bigint, value: number): bigint[] {
  return [csMov48(0, addr), csMov32(2, value), csSyncSet32(0, 2)];
}

/** IGT's `struct blocked_job`: a group whose stream spins until the CPU writes `release`. */
interface BlockedJob {
  vmId: number;
  group: number;
  streamSize: number;
  bo: IgtPanthorBo;
}

/** blocked_job_init(): VM, simple group, BO at VA_A holding the SYNC_WAIT32 on RELEASE_OFFSET. */
function blockedJobInit(t: IgtPanthor): BlockedJob {
  const vmId = igtPanthorVmCreate(t.fd, 0, 0);
  const group = igtPanthorGroupCreateSimple(t.fd, vmId, 0);
  const bo = igtPanthorBoCreateMapped(t.fd, PAGE_SIZE, 0, 0);
  igtPanthorVmBind(t.fd, vmId, bo.handle, VA_A, bo.size, DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0);
  boWrite32(bo, RELEASE_OFFSET, 0);
  const instrs = [
    csMov48(0, VA_A + BigInt(RELEASE_OFFSET)),
    csMov32(2, 0),
    csSyncWait32(0, 2, CS_CONDITION.GT),
  ];
  writeInstrs(bo, instrs);
  return { vmId, group, streamSize: instrs.length * 8, bo };
}

/** blocked_job_submit(): the raw GROUP_SUBMIT of the blocked stream with `syncs`. */
function blockedJobSubmit(
  t: IgtPanthor,
  job: BlockedJob,
  syncs: readonly DrmPanthorSyncOpArgs[],
): number {
  return doGroupSubmit(t.fd, job.group, [
    { queueIndex: 0, streamAddr: VA_A, streamSize: job.streamSize, syncs },
  ]);
}

/** `*job->release = 1`: the CPU releases the blocked stream. */
function release(job: BlockedJob): void {
  boWrite32(job.bo, RELEASE_OFFSET, 1);
}

/** blocked_job_fini(). */
function blockedJobFini(t: IgtPanthor, job: BlockedJob): void {
  igtPanthorGroupDestroy(t.fd, job.group, 0);
  igtPanthorFreeBo(t.fd, job.bo);
  igtPanthorVmDestroy(t.fd, job.vmId, 0);
}

/** syncobj_handle_to_fd(): SYNCOBJ_HANDLE_TO_FD asserting success; the fd. */
function syncobjHandleToFd(fd: PanthorClient, handle: number, flags: number): number {
  return doIoctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DrmSyncobjHandle, {
    ...DrmSyncobjHandle.zero(),
    handle,
    flags,
  }).fd;
}

/** syncobj_fd_to_handle(): SYNCOBJ_FD_TO_HANDLE asserting success; the handle. */
function syncobjFdToHandle(fd: PanthorClient, syncFd: number, flags: number): number {
  return doIoctl(fd, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, DrmSyncobjHandle, {
    ...DrmSyncobjHandle.zero(),
    fd: syncFd,
    flags,
  }).handle;
}

/** syncobj_timeline_to_binary(): SYNCOBJ_TRANSFER of timeline `point` into binary `binary`. */
function syncobjTimelineToBinary(
  fd: PanthorClient,
  binary: number,
  timeline: number,
  point: bigint,
  flags: number,
): void {
  doIoctl(fd, DRM_IOCTL_SYNCOBJ_TRANSFER, DrmSyncobjTransfer, {
    src_handle: timeline,
    dst_handle: binary,
    src_point: point,
    dst_point: 0n,
    flags,
    pad: 0,
  });
}

/** close() of a file descriptor of the process. */
function closeFd(t: IgtPanthor, fd: number): void {
  expect(t.dev.drm.fds.close(fd)).toBe(0);
}

describe("panthor_sync", () => {
  it("vm-bind-array-chained-syncobj", () =>
    withDevice((t) => {
      requireAsyncVmBind(t);
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const boA = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const boB = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const chained = syncobjCreate(t.fd, 0);
      const done = syncobjCreate(t.fd, 0);

      // The second map waits on what the first one signals.
      const ops = [
        bindOp({
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
          bo_handle: boA.handle,
          va: VA_A,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [signalOp(chained)]),
        }),
        bindOp({
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
          bo_handle: boB.handle,
          va: VA_B,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [waitOp(chained), signalOp(done)]),
        }),
      ];
      expect(vmBindRaw(t.fd, vmId, ops, DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);

      assertCompleted(t, t.fd, chained, "first map");
      assertCompleted(t, t.fd, done, "second map");
      expect(layout(t, vmId)).toEqual([
        [Number(VA_A), Number(PAGE_SIZE)],
        [Number(VA_B), Number(PAGE_SIZE)],
      ]);

      syncobjDestroy(t.fd, chained);
      syncobjDestroy(t.fd, done);
      igtPanthorFreeBo(t.fd, boA);
      igtPanthorFreeBo(t.fd, boB);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("group-submit-batch-wait-on-later-signal", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const group = igtPanthorGroupCreateSimple(t.fd, vmId, 0);
      // The wait resolves against the fence `shared` carries before the ioctl: signalled.
      const shared = syncobjCreate(t.fd, DRM_SYNCOBJ_CREATE_SIGNALED);
      const firstDone = syncobjCreate(t.fd, 0);
      const secondDone = syncobjCreate(t.fd, 0);

      // Both on queue 0: a wait resolved against the later job's own fence would stall it.
      const ret = doGroupSubmit(t.fd, group, [
        { queueIndex: 0, syncs: [waitOp(shared), signalOp(firstDone)] },
        { queueIndex: 0, syncs: [signalOp(shared), signalOp(secondDone)] },
      ]);
      expect(ret).toBe(0);

      assertCompleted(t, t.fd, firstDone, "first job");
      assertCompleted(t, t.fd, secondDone, "second job");
      assertCompleted(t, t.fd, shared, "shared");

      syncobjDestroy(t.fd, shared);
      syncobjDestroy(t.fd, firstDone);
      syncobjDestroy(t.fd, secondDone);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("bind-fence-gates-submit", () =>
    withDevice((t) => {
      requireAsyncVmBind(t);
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const group = igtPanthorGroupCreateSimple(t.fd, vmId, 0);
      const cmd = igtPanthorBoCreateMapped(t.fd, PAGE_SIZE, 0, 0);
      const result = igtPanthorBoCreateMapped(t.fd, PAGE_SIZE, 0, 0);
      const instrs = emitStore32(VA_B, RESULT_MAGIC);
      writeInstrs(cmd, instrs);
      boWrite32(result, 0, 0);
      igtPanthorVmBind(t.fd, vmId, cmd.handle, VA_A, cmd.size, DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0);

      const bound = syncobjCreate(t.fd, 0);
      const done = syncobjCreate(t.fd, 0);
      const op = bindOp({
        flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
        bo_handle: result.handle,
        va: VA_B,
        size: result.size,
        syncs: syncArray(t.fd, [signalOp(bound)]),
      });
      expect(vmBindRaw(t.fd, vmId, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);

      igtPanthorGroupSubmit(
        t.fd,
        group,
        [
          {
            queueIndex: 0,
            streamAddr: VA_A,
            streamSize: instrs.length * 8,
            syncs: [waitOp(bound), signalOp(done)],
          },
        ],
        0,
      );

      assertCompleted(t, t.fd, done, "gated job");
      expect(boRead32(result, 0)).toBe(RESULT_MAGIC);
      // The store went through the mapping the bind created: no fault.
      expect(t.dev.faultLog.total).toBe(0);

      syncobjDestroy(t.fd, bound);
      syncobjDestroy(t.fd, done);
      igtPanthorGroupDestroy(t.fd, group, 0);
      igtPanthorFreeBo(t.fd, cmd);
      igtPanthorFreeBo(t.fd, result);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("submit-fence-gates-bind", () =>
    withDevice((t) => {
      requireAsyncVmBind(t);
      const job = blockedJobInit(t);
      const scratch = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      igtPanthorVmBind(
        t.fd,
        job.vmId,
        scratch.handle,
        VA_C,
        scratch.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const jobDone = syncobjCreate(t.fd, 0);
      const unbound = syncobjCreate(t.fd, 0);
      expect(blockedJobSubmit(t, job, [signalOp(jobDone)])).toBe(0);

      const op = bindOp({
        flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
        va: VA_C,
        size: scratch.size,
        syncs: syncArray(t.fd, [waitOp(jobDone), signalOp(unbound)]),
      });
      expect(vmBindRaw(t.fd, job.vmId, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);

      const early = waitDone(t, t.fd, unbound, SEC_NS);
      // The range is still mapped while the job blocks.
      const during = layout(t, job.vmId);
      release(job);
      expect(early).toBe(false);
      expect(during).toContainEqual([Number(VA_C), Number(PAGE_SIZE)]);

      assertCompleted(t, t.fd, jobDone, "blocked job");
      assertCompleted(t, t.fd, unbound, "gated unbind");
      expect(layout(t, job.vmId)).not.toContainEqual([Number(VA_C), Number(PAGE_SIZE)]);

      syncobjDestroy(t.fd, jobDone);
      syncobjDestroy(t.fd, unbound);
      igtPanthorFreeBo(t.fd, scratch);
      blockedJobFini(t, job);
    }, "on"));

  it("syncobj-cross-fd-transfer", () =>
    withDevice((t) => {
      const job = blockedJobInit(t);
      const local = syncobjCreate(t.fd, 0);
      expect(blockedJobSubmit(t, job, [signalOp(local)])).toBe(0);

      const otherFd = drmReopenDriverFw(t);
      const syncFd = syncobjHandleToFd(t.fd, local, 0);
      const remote = syncobjFdToHandle(otherFd, syncFd, 0);
      closeFd(t, syncFd);

      const early = waitDone(t, otherFd, remote, SEC_NS);
      release(job);
      expect(early).toBe(false);

      assertCompleted(t, otherFd, remote, "imported syncobj");

      syncobjDestroy(otherFd, remote);
      expect(otherFd.close()).toBe(0);
      syncobjDestroy(t.fd, local);
      blockedJobFini(t, job);
    }, "on"));

  it("syncobj-timeline-to-binary-cross-fd", () =>
    withDevice((t) => {
      const job = blockedJobInit(t);
      const timeline = syncobjCreate(t.fd, 0);
      const sync = {
        flags:
          (DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_TIMELINE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL) >>> 0,
        handle: timeline,
        timeline_value: 1n,
      };
      // IGT skips when timeline sync ops are refused; the model has them.
      expect(blockedJobSubmit(t, job, [sync])).toBe(0);

      const binary = syncobjCreate(t.fd, 0);
      syncobjTimelineToBinary(t.fd, binary, timeline, 1n, 0);

      const otherFd = drmReopenDriverFw(t);
      const syncFd = syncobjHandleToFd(t.fd, binary, 0);
      const remote = syncobjFdToHandle(otherFd, syncFd, 0);
      closeFd(t, syncFd);

      const early = waitDone(t, otherFd, remote, SEC_NS);
      release(job);
      expect(early).toBe(false);

      assertCompleted(t, otherFd, remote, "transferred timeline point");
      // The transferred point is a dma_fence_chain, which signals without the job fence's
      // error: a job killed by the timeout would pass the check above too. It was released.
      expect(t.dev.sched?.counters.timeouts).toBe(0);

      syncobjDestroy(otherFd, remote);
      expect(otherFd.close()).toBe(0);
      syncobjDestroy(t.fd, binary);
      syncobjDestroy(t.fd, timeline);
      blockedJobFini(t, job);
    }, "on"));
});
