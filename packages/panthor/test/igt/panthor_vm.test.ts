/**
 * Port of IGT tests/panthor/panthor_vm.c: the upstream subtests (create/destroy, bind/unbind,
 * the huge-page unmap family, `vm_bind_intersect_kbo_range`) and the 2026 extended ones
 * (validation, ops array, async validation, VM state, async remap, queue depth, async failure
 * state). Each test is named after its IGT subtest and asserts what IGT asserts; the ports also
 * check the VA layout and page table the ioctls left behind.
 */
import {
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_IOCTL_PANTHOR_VM_GET_STATE,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_PANTHOR_VM_STATE_UNUSABLE,
  DRM_PANTHOR_VM_STATE_USABLE,
  DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
  DrmPanthorGpuInfo,
  DrmPanthorVmBind,
  DrmPanthorVmBindOp,
  type DrmPanthorVmBindOpArgs,
  DrmPanthorVmGetState,
  E2BIG,
  EINVAL,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import {
  absTimeout,
  bindOp,
  doIoctl,
  doIoctlErr,
  drmCloseDriver,
  drmOpenDriver,
  fenceStatus,
  type IgtPanthor,
  igtPanthorBoCreate,
  igtPanthorFreeBo,
  igtPanthorQuery,
  igtPanthorVmBind,
  igtPanthorVmBindOffset,
  igtPanthorVmCreate,
  igtPanthorVmCreateUserVaRange,
  igtPanthorVmDestroy,
  NSEC_PER_SEC,
  PAGE_SIZE,
  signalOp,
  syncArray,
  syncobjCreate,
  syncobjDestroy,
  syncobjWait,
  vmBindRaw,
  vmState,
  waitOp,
} from "./igt-lib.js";
import { expectPageTable, handleAt, layout } from "./vm-view.js";

const MAP = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;
const UNMAP = DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP;
const SZ_4K = 0x1000n;
const SZ_8K = 0x2000n;
const SZ_1M = 0x10_0000n;
const SZ_2M = 0x20_0000n;
const SZ_4M = 0x40_0000n;
const UINT64_MAX = (1n << 64n) - 1n;
/** TEST_VA of the extended subtests. */
const TEST_VA = 0x10_0000n;
/** QUEUE_DEPTH_OPS of vm_bind_async_queue_depth. */
const QUEUE_DEPTH_OPS = 64;
/** WAIT_NS: the completion budget. */
const WAIT_NS = 10 * NSEC_PER_SEC;

/** One test body on a freshly opened device; closes it and checks the WARN_ON sink after. */
function withDevice(body: (t: IgtPanthor) => void, options = {}): void {
  const t = drmOpenDriver(options);
  body(t);
  drmCloseDriver(t);
}

/** do_sync_bind_op(): one synchronous op; the raw result. */
function doSyncBindOp(fd: PanthorClient, vmId: number, op: DrmPanthorVmBindOpArgs): number {
  return vmBindRaw(fd, vmId, [op]).ret;
}

/** wait_done(): SYNCOBJ_WAIT (WAIT_ALL) on one syncobj for `relNs` of virtual time. */
function waitDone(t: IgtPanthor, syncobj: number, relNs: number): boolean {
  return syncobjWait(t.fd, [syncobj], absTimeout(t, relNs), DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL);
}

/** assert_completed(): the syncobj retires and its fence carries no error. */
function assertCompleted(t: IgtPanthor, syncobj: number): void {
  expect(waitDone(t, syncobj, WAIT_NS)).toBe(true);
  expect(fenceStatus(t, t.fd, syncobj)).toBe(1);
}

/**
 * do_async_bind_op(): one asynchronous op signalling a fresh syncobj, drained if accepted; the
 * ioctl's result at entry.
 */
function doAsyncBindOp(t: IgtPanthor, vmId: number, op: DrmPanthorVmBindOpArgs): number {
  const syncobj = syncobjCreate(t.fd, 0);
  const withSync = { ...op, syncs: syncArray(t.fd, [signalOp(syncobj)]) };
  const ret = vmBindRaw(t.fd, vmId, [withSync], DRM_PANTHOR_VM_BIND_ASYNC).ret;
  if (ret === 0) waitDone(t, syncobj, NSEC_PER_SEC);
  syncobjDestroy(t.fd, syncobj);
  return ret;
}

/** require_async_vm_bind(): one async MAP through the bind queue must complete. */
function requireAsyncVmBind(t: IgtPanthor): void {
  const vmId = igtPanthorVmCreate(t.fd, 0, 0);
  const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
  const syncobj = syncobjCreate(t.fd, 0);
  const op = bindOp({
    flags: MAP,
    bo_handle: bo.handle,
    va: TEST_VA,
    size: PAGE_SIZE,
    syncs: syncArray(t.fd, [signalOp(syncobj)]),
  });
  expect(vmBindRaw(t.fd, vmId, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
  assertCompleted(t, syncobj);
  syncobjDestroy(t.fd, syncobj);
  igtPanthorFreeBo(t.fd, bo);
  igtPanthorVmDestroy(t.fd, vmId, 0);
}

/** Creates a VM and a BO of `boSize` and maps it at `va` (the huge-page subtests' preamble). */
function mapped(t: IgtPanthor, boSize: bigint, va = 0x20_0000n): number {
  const vmId = igtPanthorVmCreate(t.fd, 0, 0);
  expect(vmId).not.toBe(0);
  const bo = igtPanthorBoCreate(t.fd, boSize, 0, 0);
  igtPanthorVmBind(t.fd, vmId, bo.handle, va, boSize, MAP, 0);
  return vmId;
}

describe("panthor_vm (upstream)", () => {
  it("vm_create_destroy", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      igtPanthorVmDestroy(t.fd, vmId, 0);
      expect(t.fd.handle.priv.vms.get(vmId)).toBeNull();
    }));

  it("vm_destroy_invalid", () =>
    withDevice((t) => {
      igtPanthorVmDestroy(t.fd, 0xdeadbeef, EINVAL);
    }));

  it("vm_bind", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, 0x1000n, 0, 0);
      igtPanthorVmBind(t.fd, vmId, bo.handle, 0x1000n, 0x1000n, MAP, 0);
      expect(layout(t, vmId)).toEqual([[0x1000, 0x1000]]);
      expectPageTable(t, vmId);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, 0x1000n, 0, 0);
      igtPanthorVmBind(t.fd, vmId, bo.handle, 0x1000n, 0x1000n, MAP, 0);
      igtPanthorVmBind(t.fd, vmId, 0, 0x1000n, 0x1000n, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [0x1000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_invalid_address", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, 0x1000n, 0, 0);
      // An UNMAP carrying a BO handle is malformed, whatever is mapped there.
      igtPanthorVmBind(t.fd, vmId, bo.handle, 0x1000n, 0x1000n, UNMAP, EINVAL);
      expect(layout(t, vmId)).toEqual([]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_identical_hugepage_single", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_2M);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n, SZ_2M, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [0x20_0000, 0x3f_f000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_identical_hugepage_single_partial", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_4M);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n, SZ_4M, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [0x20_0000, 0x5f_f000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_identical_hugepage_multiple", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_1M * 6n);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n, SZ_1M * 6n, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [0x20_0000, 0x40_0000, 0x7f_f000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_identical_hugepage_offset", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, SZ_1M * 6n, 0, 0);
      igtPanthorVmBindOffset(t.fd, vmId, bo.handle, 0x20_0000n, SZ_4M, SZ_2M, MAP, 0);
      expect(layout(t, vmId)).toEqual([[0x20_0000, 0x40_0000]]);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n, SZ_1M * 6n, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [0x20_0000, 0x5f_f000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_hugepage_leftaligned", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_4M);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n, SZ_8K, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([[0x20_2000, 0x3f_e000]]);
      expectPageTable(t, vmId, [0x20_0000, 0x20_1000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_hugepage_rightaligned", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_4M);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n + SZ_4M - SZ_8K, SZ_8K, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([[0x20_0000, 0x3f_e000]]);
      expectPageTable(t, vmId, [0x5f_e000, 0x5f_f000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_hugepage_superset", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_2M);
      igtPanthorVmBind(t.fd, vmId, 0, 0x10_0000n, SZ_1M * 5n, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [0x20_0000, 0x3f_f000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_hugepage_subset", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_4M);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n + SZ_1M, SZ_8K, UNMAP, 0);
      igtPanthorVmBind(t.fd, vmId, 0, 0x20_0000n + SZ_2M + SZ_4K, SZ_8K, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([
        [0x20_0000, 0x10_0000],
        [0x30_2000, 0xf_f000],
        [0x40_3000, 0x1f_d000],
      ]);
      expectPageTable(t, vmId, [0x30_0000, 0x30_1000, 0x40_1000, 0x40_2000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_unbind_hugepage_successive", () =>
    withDevice((t) => {
      const vmId = mapped(t, SZ_1M * 6n);
      const unmaps: Array<[bigint, bigint]> = [
        [0x3f_c000n, 0x20_8000n],
        [0x3f_c000n, 0x20_8000n],
        [0x20_0000n, 0x4000n],
        [0x40_1000n, 0x4000n],
        [0x4f_b000n, 0xa000n],
        [0x3f_b000n, 0xa000n],
        [0x3f_c000n, 0x4000n],
        [0x20_0000n, 0x1000n],
      ];
      for (const [va, size] of unmaps) igtPanthorVmBind(t.fd, vmId, 0, va, size, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([
        [0x20_4000, 0x1f_7000],
        [0x60_4000, 0x1f_c000],
      ]);
      expectPageTable(t, vmId, [0x20_3000, 0x3f_b000, 0x40_0000, 0x60_3000]);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));
});

describe("panthor_vm: vm_bind_intersect_kbo_range (a later kernel's behaviour)", () => {
  /** The subtest's body: a 2 MiB MAP at the first 2 MiB boundary of the kernel VA range. */
  function intersectKboRange(t: IgtPanthor, err: number): { vmId: number; va: bigint } {
    const { id: vmId, userVaRange } = igtPanthorVmCreateUserVaRange(t.fd, 0, 0);
    expect(vmId).not.toBe(0);
    const bo = igtPanthorBoCreate(t.fd, SZ_2M, 0, 0);
    const va = (userVaRange + SZ_2M - 1n) & ~(SZ_2M - 1n);
    igtPanthorVmBind(t.fd, vmId, bo.handle, va, SZ_2M, MAP, err);
    return { vmId, va };
  }

  it("vm_bind_intersect_kbo_range: refused with rejectKernelRangeUserBinds", () =>
    withDevice(
      (t) => {
        const { vmId, va } = intersectKboRange(t, EINVAL);
        expect(layout(t, vmId)).toEqual([]);
        // The asynchronous path refuses it at job creation, UNMAP included.
        const bo = igtPanthorBoCreate(t.fd, SZ_2M, 0, 0);
        expect(
          doAsyncBindOp(t, vmId, bindOp({ flags: MAP, bo_handle: bo.handle, va, size: SZ_2M })),
        ).toBe(-EINVAL);
        expect(doSyncBindOp(t.fd, vmId, bindOp({ flags: UNMAP, va, size: SZ_4K }))).toBe(-EINVAL);
        // A range ending right below the kernel range is still a user bind.
        const below = va - SZ_2M;
        expect(
          doSyncBindOp(
            t.fd,
            vmId,
            bindOp({ flags: MAP, bo_handle: bo.handle, va: below, size: SZ_2M }),
          ),
        ).toBe(0);
        expect(layout(t, vmId)).toEqual([[Number(below), 0x20_0000]]);
        expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
        igtPanthorVmDestroy(t.fd, vmId, 0);
      },
      { rejectKernelRangeUserBinds: true },
    ));

  it("vm_bind_intersect_kbo_range: Linux 6.18 (default) accepts the bind", () =>
    withDevice((t) => {
      const { vmId, va } = intersectKboRange(t, 0);
      expect(layout(t, vmId)).toEqual([[Number(va), 0x20_0000]]);
      expectPageTable(t, vmId);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));
});

describe("panthor_vm: overflow cases of the sparse branch", () => {
  // vm_unbind_sparse_overflow maps a sparse range first (uAPI 1.9 SPARSE, not in Linux 6.18 and
  // not modelled); its UNMAP, whose va + size overflows, is refused whatever is mapped, so it is
  // ported over an ordinary mapping of the same range.
  it("vm_unbind_sparse_overflow (UNMAP half, over a non-sparse mapping)", () =>
    withDevice((t) => {
      const mapSize = SZ_2M * 3n;
      const unmapSize = (UINT64_MAX & ~(SZ_2M - 1n)) - mapSize;
      const initialVa = 0x2000_0000n;
      const vmId = mapped(t, mapSize, initialVa);
      igtPanthorVmBind(t.fd, vmId, 0, initialVa, unmapSize, UNMAP, EINVAL);
      expect(layout(t, vmId)).toEqual([[Number(initialVa), Number(mapSize)]]);
      expectPageTable(t, vmId);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));
});

describe("panthor_vm (extended)", () => {
  it("vm_bind_validation", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const base = { flags: MAP, bo_handle: bo.handle, va: TEST_VA, size: PAGE_SIZE };
      // Unaligned va, size and bo_offset.
      expect(doSyncBindOp(t.fd, vmId, bindOp({ ...base, va: TEST_VA + 1n }))).toBe(-EINVAL);
      expect(doSyncBindOp(t.fd, vmId, bindOp({ ...base, size: PAGE_SIZE + 1n }))).toBe(-EINVAL);
      expect(doSyncBindOp(t.fd, vmId, bindOp({ ...base, bo_offset: 1n }))).toBe(-EINVAL);
      // va + size past UINT64_MAX fails (IGT accepts any errno).
      expect(
        doSyncBindOp(t.fd, vmId, bindOp({ ...base, va: UINT64_MAX - (PAGE_SIZE - 1n) })),
      ).toBeLessThan(0);
      // size > bo size, bo_offset + size > bo size.
      expect(doSyncBindOp(t.fd, vmId, bindOp({ ...base, size: PAGE_SIZE * 2n }))).toBe(-EINVAL);
      expect(doSyncBindOp(t.fd, vmId, bindOp({ ...base, bo_offset: PAGE_SIZE }))).toBe(-EINVAL);
      // A bogus vm_id, a bogus bo_handle (IGT accepts any errno; panthor says EINVAL).
      expect(doSyncBindOp(t.fd, 0xdeadbeef, bindOp(base))).toBe(-EINVAL);
      expect(doSyncBindOp(t.fd, vmId, bindOp({ ...base, bo_handle: 0xdeadbeef }))).toBe(-EINVAL);
      // None of the refused ops changed the VM.
      expect(layout(t, vmId)).toEqual([]);
      expectPageTable(t, vmId, [Number(TEST_VA)]);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_bind_array", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const op = bindOp({ flags: MAP, bo_handle: bo.handle, va: TEST_VA, size: PAGE_SIZE });
      const opBytes = DrmPanthorVmBindOp.encode(op);
      const bind = (count: number, stride: number, array: bigint) => ({
        ...DrmPanthorVmBind.zero(),
        vm_id: vmId,
        ops: { count, stride, array },
      });
      /** The op followed by a 16-byte tail whose first byte is `tail0`, in user memory. */
      const padded = (tail0: number): bigint => {
        const bytes = new Uint8Array(opBytes.length + 16);
        bytes.set(opBytes);
        bytes[opBytes.length] = tail0;
        const ptr = t.fd.user.alloc(bytes.length);
        t.fd.user.write(ptr, bytes);
        return ptr;
      };
      const stride = opBytes.length + 16;

      // stride < sizeof(op): EINVAL.
      const plain = t.fd.user.alloc(opBytes.length);
      t.fd.user.write(plain, opBytes);
      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_VM_BIND,
        DrmPanthorVmBind,
        bind(1, opBytes.length - 8, plain),
        EINVAL,
      );
      expect(layout(t, vmId)).toEqual([]);

      // stride > sizeof(op) with a zero tail: accepted and mapped; then unmapped.
      doIoctl(t.fd, DRM_IOCTL_PANTHOR_VM_BIND, DrmPanthorVmBind, bind(1, stride, padded(0)));
      expect(layout(t, vmId)).toEqual([[Number(TEST_VA), 0x1000]]);
      igtPanthorVmBind(t.fd, vmId, 0, TEST_VA, PAGE_SIZE, UNMAP, 0);
      expect(layout(t, vmId)).toEqual([]);

      // stride > sizeof(op) with a non-zero tail: E2BIG.
      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_VM_BIND,
        DrmPanthorVmBind,
        bind(1, stride, padded(1)),
        E2BIG,
      );
      expect(layout(t, vmId)).toEqual([]);

      // count == 0 is a no-op success (the pointer is never read).
      doIoctl(t.fd, DRM_IOCTL_PANTHOR_VM_BIND, DrmPanthorVmBind, bind(0, opBytes.length, 0n));

      // Per-op syncs on a synchronous bind: EINVAL.
      const syncobj = syncobjCreate(t.fd, 0);
      const withSyncs = bindOp({
        ...op,
        syncs: syncArray(t.fd, [
          { flags: DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ, handle: syncobj, timeline_value: 0n },
        ]),
      });
      const r = vmBindRaw(t.fd, vmId, [withSyncs]);
      expect(r.ret).toBe(-EINVAL);
      expect(r.count).toBe(0);
      syncobjDestroy(t.fd, syncobj);
      expect(layout(t, vmId)).toEqual([]);

      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_bind_async_validation", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmId).not.toBe(0);
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const map = bindOp({ flags: MAP, bo_handle: bo.handle, va: TEST_VA, size: PAGE_SIZE });
      expect(doAsyncBindOp(t, vmId, map)).toBe(0);
      expect(layout(t, vmId)).toEqual([[Number(TEST_VA), 0x1000]]);
      expect(doAsyncBindOp(t, vmId, bindOp({ flags: UNMAP, va: TEST_VA, size: PAGE_SIZE }))).toBe(
        0,
      );
      expect(layout(t, vmId)).toEqual([]);
      // Misaligned ops are refused at ioctl entry.
      expect(doAsyncBindOp(t, vmId, bindOp({ ...map, va: TEST_VA + 1n }))).toBe(-EINVAL);
      expect(doAsyncBindOp(t, vmId, bindOp({ ...map, size: PAGE_SIZE + 1n }))).toBe(-EINVAL);
      expect(doAsyncBindOp(t, vmId, bindOp({ ...map, bo_offset: 1n }))).toBe(-EINVAL);
      expect(layout(t, vmId)).toEqual([]);
      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_get_state", () =>
    withDevice((t) => {
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      doIoctlErr(
        t.fd,
        DRM_IOCTL_PANTHOR_VM_GET_STATE,
        DrmPanthorVmGetState,
        { vm_id: 0xdeadbeef, state: 0 },
        EINVAL,
      );
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_bind_async_unmap_remap", () =>
    withDevice((t) => {
      requireAsyncVmBind(t);
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const first = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const second = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const mappedS = syncobjCreate(t.fd, 0);
      const unmapped = syncobjCreate(t.fd, 0);
      const remapped = syncobjCreate(t.fd, 0);
      const ops = [
        bindOp({
          flags: MAP,
          bo_handle: first.handle,
          va: TEST_VA,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [signalOp(mappedS)]),
        }),
        bindOp({
          flags: UNMAP,
          va: TEST_VA,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [waitOp(mappedS), signalOp(unmapped)]),
        }),
        bindOp({
          flags: MAP,
          bo_handle: second.handle,
          va: TEST_VA,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [waitOp(unmapped), signalOp(remapped)]),
        }),
      ];
      expect(vmBindRaw(t.fd, vmId, ops, DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
      assertCompleted(t, mappedS);
      assertCompleted(t, unmapped);
      assertCompleted(t, remapped);
      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      // The address now maps the second BO.
      expect(layout(t, vmId)).toEqual([[Number(TEST_VA), 0x1000]]);
      expect(handleAt(t, vmId, Number(TEST_VA), [first.handle, second.handle])).toBe(second.handle);
      expectPageTable(t, vmId);
      syncobjDestroy(t.fd, mappedS);
      syncobjDestroy(t.fd, unmapped);
      syncobjDestroy(t.fd, remapped);
      igtPanthorFreeBo(t.fd, first);
      igtPanthorFreeBo(t.fd, second);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_bind_async_queue_depth", () =>
    withDevice((t) => {
      requireAsyncVmBind(t);
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const syncobjs: number[] = [];
      for (let i = 0; i < QUEUE_DEPTH_OPS; i++) {
        const va = TEST_VA + BigInt(Math.floor(i / 2)) * PAGE_SIZE;
        const isMap = i % 2 === 0;
        const s = syncobjCreate(t.fd, 0);
        syncobjs.push(s);
        const op = bindOp({
          flags: isMap ? MAP : UNMAP,
          bo_handle: isMap ? bo.handle : 0,
          va,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [signalOp(s)]),
        });
        expect(vmBindRaw(t.fd, vmId, [op], DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
      }
      // Nothing ran yet: the queue holds all 64 jobs.
      expect(fenceStatus(t, t.fd, syncobjs[QUEUE_DEPTH_OPS - 1] as number)).toBe(0);
      expect(
        syncobjWait(t.fd, syncobjs, absTimeout(t, WAIT_NS), DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL),
      ).toBe(true);
      for (const s of syncobjs) expect(fenceStatus(t, t.fd, s)).toBe(1);
      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_USABLE);
      // Every map was undone by the unmap after it, in order.
      expect(layout(t, vmId)).toEqual([]);
      for (const s of syncobjs) syncobjDestroy(t.fd, s);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));

  it("vm_bind_async_failure_state", () =>
    withDevice((t) => {
      requireAsyncVmBind(t);
      const info = igtPanthorQuery(
        t.fd,
        DRM_PANTHOR_DEV_QUERY_GPU_INFO,
        DrmPanthorGpuInfo.size,
        0,
      ) as Uint8Array;
      const vaBits = DrmPanthorGpuInfo.decode(info).mmu_features & 0xff;
      expect(vaBits).toBeGreaterThanOrEqual(32);
      expect(vaBits).toBeLessThan(64);
      // The first address past the VM: only the bind queue's run finds it out of range.
      const outOfRange = 1n << BigInt(vaBits);
      const vmId = igtPanthorVmCreate(t.fd, 0, 0);
      const bo = igtPanthorBoCreate(t.fd, PAGE_SIZE, 0, 0);
      const good = syncobjCreate(t.fd, 0);
      const bad = syncobjCreate(t.fd, 0);
      const ops = [
        bindOp({
          flags: MAP,
          bo_handle: bo.handle,
          va: TEST_VA,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [signalOp(good)]),
        }),
        bindOp({
          flags: MAP,
          bo_handle: bo.handle,
          va: outOfRange,
          size: PAGE_SIZE,
          syncs: syncArray(t.fd, [signalOp(bad)]),
        }),
      ];
      expect(vmBindRaw(t.fd, vmId, ops, DRM_PANTHOR_VM_BIND_ASYNC).ret).toBe(0);
      assertCompleted(t, good);
      expect(waitDone(t, bad, WAIT_NS)).toBe(true);
      expect(fenceStatus(t, t.fd, bad)).toBe(-EINVAL);
      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_UNUSABLE);

      // Every further MAP is refused: async at job creation, sync at execution.
      const next = bindOp({
        flags: MAP,
        bo_handle: bo.handle,
        va: TEST_VA + PAGE_SIZE,
        size: PAGE_SIZE,
      });
      expect(doAsyncBindOp(t, vmId, next)).toBe(-EINVAL);
      expect(doSyncBindOp(t.fd, vmId, next)).toBe(-EINVAL);
      expect(layout(t, vmId)).toEqual([[Number(TEST_VA), 0x1000]]);
      // The synchronous UNMAP userspace needs to tear it down still works.
      expect(doSyncBindOp(t.fd, vmId, bindOp({ flags: UNMAP, va: TEST_VA, size: PAGE_SIZE }))).toBe(
        0,
      );
      expect(layout(t, vmId)).toEqual([]);
      expect(vmState(t.fd, vmId)).toBe(DRM_PANTHOR_VM_STATE_UNUSABLE);

      syncobjDestroy(t.fd, good);
      syncobjDestroy(t.fd, bad);
      igtPanthorFreeBo(t.fd, bo);
      igtPanthorVmDestroy(t.fd, vmId, 0);
    }));
});
