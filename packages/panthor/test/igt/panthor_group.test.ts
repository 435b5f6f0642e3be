/**
 * Port of IGT tests/panthor/panthor_group.c on a G610 with the reference firmware: the upstream
 * subtests (`group_create`, `group_submit`: the exact stream at CS VA 0x1000000 storing
 * 0xdeadbeef at 0x1001000, waited for through SYNCOBJ_WAIT) and the extended
 * `group_submit_empty`. Raw ioctls with IGT's struct layouts, IGT's instruction encoders
 * (cross-checked against the genxml assembler of `@panmmu/fixtures`), IGT's subtest names; the
 * ports also check what the ioctls left behind (the group table, the fences, the ring).
 */
import { CsAssembler, CsCondition, CsFlushMode, CsOtherFlushMode } from "@panmmu/fixtures";
import {
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_IOCTL_PANTHOR_VM_CREATE,
  DRM_IOCTL_PANTHOR_VM_DESTROY,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DrmPanthorGroupSubmit,
  DrmPanthorVmCreate,
  DrmPanthorVmDestroy,
  EINVAL,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  boRead32,
  CS_CONDITION,
  CS_FLUSH_MODE,
  csAddImm32,
  csBranch,
  csFlush,
  csMov32,
  csMov48,
  csNop,
  csStm32,
  csSyncSet32,
  csSyncWait32,
  csWait,
  doGroupSubmit,
  drmCloseDriverFw,
  drmOpenDriverFw,
  groupGetState,
  igtPanthorGroupCreateSimple,
  igtPanthorGroupDestroy,
  igtPanthorGroupSubmitSimple,
  writeInstrs,
} from "../helpers/igt-panthor.js";
import {
  absTimeout,
  doIoctl,
  doIoctlErr,
  fenceStatus,
  type IgtPanthor,
  igtPanthorBoCreateMapped,
  igtPanthorFreeBo,
  igtPanthorVmBind,
  igtPanthorVmCreate,
  igtPanthorVmDestroy,
  NSEC_PER_SEC,
  syncobjCreate,
  syncobjDestroy,
  syncobjWait,
} from "./igt-lib.js";

/** WAIT_NS: the completion budget. */
const WAIT_NS = 10 * NSEC_PER_SEC;
/** INT64_MAX, group_submit's SYNCOBJ_WAIT deadline. */
const INT64_MAX = (1n << 63n) - 1n;
/** INITIAL_VA of group_submit. */
const INITIAL_VA = 0x100_0000n;

/** One test body on a freshly opened device with firmware; closes it and checks the WARN_ON sink. */
function withDevice(body: (t: IgtPanthor) => void): void {
  const t = drmOpenDriverFw();
  body(t);
  drmCloseDriverFw(t);
}

/** issue_store_multiple(): the stream of group_submit (7 instructions); its words. */
function issueStoreMultiple(kernelVa: bigint, constant: number): bigint[] {
  const kernelVaReg = 68;
  const constantReg = 70;
  return [
    csMov48(kernelVaReg, kernelVa),
    csMov32(constantReg, constant),
    csStm32(kernelVaReg, constantReg, 0),
    csWait(0xff, false),
    csMov32(constantReg, 0),
    csFlush(
      CS_FLUSH_MODE.CLEAN_AND_INVALIDATE,
      CS_FLUSH_MODE.CLEAN_AND_INVALIDATE,
      CS_FLUSH_MODE.INVALIDATE,
      0,
      constantReg,
      1,
    ),
    csWait(0xff, false),
  ];
}

/** wait_signaled(): SYNCOBJ_WAIT (WAIT_ALL) with the WAIT_NS budget. */
function waitSignaled(t: IgtPanthor, syncobj: number): boolean {
  return syncobjWait(t.fd, [syncobj], absTimeout(t, WAIT_NS), DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL);
}

describe("panthor_group (upstream)", () => {
  it("group_create", () =>
    withDevice((t) => {
      const vm = doIoctl(t.fd, DRM_IOCTL_PANTHOR_VM_CREATE, DrmPanthorVmCreate, {
        ...DrmPanthorVmCreate.zero(),
        flags: 0,
      });
      expect(vm.id).not.toBe(0);

      const groupHandle = igtPanthorGroupCreateSimple(t.fd, vm.id, 0);
      expect(groupHandle).not.toBe(0);
      // A new group is neither timed out nor faulty.
      expect(groupGetState(t.fd, groupHandle)).toEqual({
        group_handle: 0,
        state: 0,
        fatal_queues: 0,
        pad: 0,
      });
      expect(t.fd.handle.priv.groups.get(groupHandle)).not.toBeNull();

      igtPanthorGroupDestroy(t.fd, groupHandle, 0);
      expect(t.fd.handle.priv.groups.get(groupHandle)).toBeNull();
      igtPanthorGroupDestroy(t.fd, groupHandle, EINVAL);

      doIoctl(t.fd, DRM_IOCTL_PANTHOR_VM_DESTROY, DrmPanthorVmDestroy, { id: vm.id, pad: 0 });
    }));

  it("group_submit", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);

      const cmdBufBo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(
        t.fd,
        vmId,
        cmdBufBo.handle,
        INITIAL_VA,
        cmdBufBo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const commandStreamGpuAddr = INITIAL_VA;

      // The BO receiving the store, bound right after the command buffer.
      const resultBo = igtPanthorBoCreateMapped(t.fd, 4096n, 0, 0);
      igtPanthorVmBind(
        t.fd,
        vmId,
        resultBo.handle,
        INITIAL_VA + 4096n,
        resultBo.size,
        DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        0,
      );
      const resultGpuAddr = INITIAL_VA + 4096n;

      const instrs = issueStoreMultiple(resultGpuAddr, 0xdeadbeef);
      writeInstrs(cmdBufBo, instrs);
      const commandStreamSize = instrs.length * 8;

      const groupHandle = igtPanthorGroupCreateSimple(t.fd, vmId, 0);
      expect(groupHandle).not.toBe(0);

      const syncobjHandle = syncobjCreate(t.fd, 0);
      igtPanthorGroupSubmitSimple(
        t.fd,
        groupHandle,
        0,
        commandStreamGpuAddr,
        commandStreamSize,
        syncobjHandle,
        0,
      );

      expect(syncobjWait(t.fd, [syncobjHandle], INT64_MAX, 0)).toBe(true);
      expect(boRead32(resultBo, 0)).toBe(0xdeadbeef);
      // The job's fence carries no error; the kernel's ring slot for the job (128 bytes) retired.
      expect(fenceStatus(t, t.fd, syncobjHandle)).toBe(1);
      const group = t.fd.handle.priv.groups.get(groupHandle);
      expect(group?.queues[0]?.insert).toBe(128);
      expect(group?.queues[0]?.extract).toBe(128);
      expect(groupGetState(t.fd, groupHandle).state).toBe(0);

      syncobjDestroy(t.fd, syncobjHandle);
      igtPanthorGroupDestroy(t.fd, groupHandle, 0);
      igtPanthorVmDestroy(t.fd, vmId, 0);
      igtPanthorFreeBo(t.fd, cmdBufBo);
      igtPanthorFreeBo(t.fd, resultBo);
    }));
});

describe("panthor_group (extended)", () => {
  it("group_submit_empty", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const groupHandle = igtPanthorGroupCreateSimple(t.fd, vmId, 0);
      expect(groupHandle).not.toBe(0);

      // No queue submit at all: a no-op.
      expect(doGroupSubmit(t.fd, groupHandle, [])).toBe(0);

      // An empty stream is a synchronization point: it signals its syncobj.
      const syncobj = syncobjCreate(t.fd, 0);
      const sync = {
        flags: (DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL) >>> 0,
        handle: syncobj,
        timeline_value: 0n,
      };
      expect(doGroupSubmit(t.fd, groupHandle, [{ queueIndex: 0, syncs: [sync] }])).toBe(0);
      expect(waitSignaled(t, syncobj)).toBe(true);
      expect(fenceStatus(t, t.fd, syncobj)).toBe(1);
      // Nothing reached the ring.
      expect(t.fd.handle.priv.groups.get(groupHandle)?.queues[0]?.insert).toBe(0);

      // A stream address and a stream size are all-or-nothing.
      expect(doGroupSubmit(t.fd, groupHandle, [{ queueIndex: 0, streamAddr: INITIAL_VA }])).toBe(
        -EINVAL,
      );
      expect(doGroupSubmit(t.fd, groupHandle, [{ queueIndex: 0, streamSize: 8 }])).toBe(-EINVAL);

      // The group has a single queue.
      expect(doGroupSubmit(t.fd, groupHandle, [{ queueIndex: 1 }])).toBe(-EINVAL);

      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
        DrmPanthorGroupSubmit,
        { ...DrmPanthorGroupSubmit.zero(), group_handle: groupHandle, pad: 1 },
        EINVAL,
      );

      syncobjDestroy(t.fd, syncobj);
      igtPanthorGroupDestroy(t.fd, groupHandle, 0);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));
});

describe("igt_panthor.h encoders", () => {
  it("encode what the genxml assembler encodes (group_submit's stream)", () => {
    const igt = issueStoreMultiple(0x100_1000n, 0xdeadbeef);
    const genxml = new CsAssembler()
      .move48(68, 0x100_1000)
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
      .words();
    expect(igt).toEqual(genxml);
  });

  it("encode what the genxml assembler encodes (the scheduler and sync tests' instructions)", () => {
    const igt = [
      csAddImm32(4, 4, 0xffffffff),
      csBranch(4, CS_CONDITION.EQ, 2),
      csBranch(10, CS_CONDITION.EQ, -5),
      csSyncSet32(0, 2),
      csSyncWait32(0, 2, CS_CONDITION.GT),
      csWait(1, false),
      csNop(),
    ];
    const genxml = new CsAssembler()
      .addImm32(4, 4, -1)
      .branch(CsCondition.EQ, 4, 2)
      .branch(CsCondition.EQ, 10, -5)
      .syncSet32(0, 2)
      .syncWait32(CsCondition.GT, 0, 2)
      .wait(1)
      .nop()
      .words();
    expect(igt).toEqual(genxml);
  });
});
