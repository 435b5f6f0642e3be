/**
 * The parts of IGT's lib/igt_panthor.c, lib/ioctl_wrappers.c and lib/igt_syncobj.c the panthor
 * tests use, over the simulated stack: the same raw ioctls with IGT's struct layouts (the
 * `@panmmu/uapi` codecs of panthor_drm.h), the same argument values, errno checks as IGT's
 * do_ioctl()/do_ioctl_err() make them. Time is the platform's virtual clock.
 */
import { type DrmVma, drmGemMmap, SyncFile } from "@panmmu/drm";
import { createPlatform, type SimPlatform } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_IOCTL_PANTHOR_BO_CREATE,
  DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
  DRM_IOCTL_PANTHOR_DEV_QUERY,
  DRM_IOCTL_PANTHOR_VM_BIND,
  DRM_IOCTL_PANTHOR_VM_CREATE,
  DRM_IOCTL_PANTHOR_VM_DESTROY,
  DRM_IOCTL_PANTHOR_VM_GET_STATE,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_DESTROY,
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  DRM_IOCTL_SYNCOBJ_WAIT,
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_SYNC_OP_WAIT,
  DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  DrmPanthorBoCreate,
  DrmPanthorBoMmapOffset,
  DrmPanthorDevQuery,
  type DrmPanthorObjArrayArgs,
  DrmPanthorSyncOp,
  type DrmPanthorSyncOpArgs,
  DrmPanthorVmBind,
  DrmPanthorVmBindOp,
  type DrmPanthorVmBindOpArgs,
  DrmPanthorVmCreate,
  DrmPanthorVmDestroy,
  DrmPanthorVmGetState,
  DrmSyncobjCreate,
  DrmSyncobjDestroy,
  DrmSyncobjHandle,
  DrmSyncobjWait,
  ETIME,
  type StructCodec,
  writeObjArray,
} from "@panmmu/uapi";
import { expect } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice, type PanthorProbeOptions } from "../../src/device/device.js";

/** PAGE_SIZE of the IGT tests. */
export const PAGE_SIZE = 0x1000n;
/** NSEC_PER_SEC. */
export const NSEC_PER_SEC = 1_000_000_000;

/** One open panthor device on a simulated Mali-G610: IGT's `fd` plus the simulation behind it. */
export interface IgtPanthor {
  /** The simulated platform (memory, event loop, hardware). */
  readonly sim: SimPlatform;
  /** The probed device. */
  readonly dev: PanthorDevice;
  /** The open file (`drm_open_driver(DRIVER_PANTHOR)`). */
  readonly fd: PanthorClient;
  /** WARN_ON sink of the platform; the tests assert it stays empty. */
  readonly warnings: CollectingWarningSink;
}

/**
 * drm_open_driver(DRIVER_PANTHOR): a G610 platform, the panthor device probed on it (with
 * `options`, e.g. a later kernel's behaviour) and one file opened.
 */
export function drmOpenDriver(options: PanthorProbeOptions = {}, seed = 1): IgtPanthor {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed, warnings });
  const dev = PanthorDevice.probe(sim.platform, options);
  if (typeof dev === "number") throw new Error(`panthor probe failed: ${dev}`);
  const fd = PanthorClient.open(dev);
  if (typeof fd === "number") throw new Error(`panthor open failed: ${fd}`);
  return { sim, dev, fd, warnings };
}

/** drm_reopen_driver(): a second file on the same device. */
export function drmReopenDriver(t: IgtPanthor): PanthorClient {
  const fd = PanthorClient.open(t.dev);
  if (typeof fd === "number") throw new Error(`panthor open failed: ${fd}`);
  return fd;
}

/** drm_close_driver(): closes the file, drains the clock and checks no WARN_ON fired. */
export function drmCloseDriver(t: IgtPanthor): void {
  expect(t.fd.close()).toBe(0);
  t.sim.loop.runUntilIdle();
  expect(t.warnings.warnings).toEqual([]);
}

/** igt_ioctl(): the raw ioctl, 0 or the negative errno (IGT's `-1` with `errno` set). */
export function igtIoctl<T>(
  fd: PanthorClient,
  request: number,
  codec: StructCodec<T>,
  v: T,
): number {
  return fd.ioctl(request, codec, v).ret;
}

/** do_ioctl(): asserts the ioctl succeeds; returns the struct as the kernel wrote it back. */
export function doIoctl<T>(fd: PanthorClient, request: number, codec: StructCodec<T>, v: T): T {
  const { ret, out } = fd.ioctl(request, codec, v);
  expect(ret).toBe(0);
  return out;
}

/** do_ioctl_err(): asserts the ioctl fails with `err` (a positive errno, as IGT passes it). */
export function doIoctlErr<T>(
  fd: PanthorClient,
  request: number,
  codec: StructCodec<T>,
  v: T,
  err: number,
): void {
  expect(fd.ioctl(request, codec, v).ret).toBe(-err);
}

/** Runs an ioctl expecting `err` (0: success), as the igt_panthor_* helpers do. */
function ioctlExpect<T>(
  fd: PanthorClient,
  request: number,
  codec: StructCodec<T>,
  v: T,
  err: number,
): T {
  const { ret, out } = fd.ioctl(request, codec, v);
  expect(ret).toBe(err === 0 ? 0 : -err);
  return out;
}

/** IGT's `struct panthor_bo`. */
export interface IgtPanthorBo {
  /** GEM handle. */
  handle: number;
  /** Fake mmap offset (set by the mapped variant). */
  offset: bigint;
  /** Size written back by BO_CREATE. */
  size: bigint;
  /** CPU mapping, or null. */
  map: DrmVma | null;
}

/** igt_panthor_query(): DEV_QUERY of `type` into a `size`-byte buffer; the bytes, or null on the expected error. */
export function igtPanthorQuery(
  fd: PanthorClient,
  type: number,
  size: number,
  err: number,
  init?: Uint8Array,
): Uint8Array | null {
  const ptr = fd.user.alloc(Math.max(size, 1));
  fd.user.fill(ptr, size, 0);
  if (init !== undefined) fd.user.write(ptr, init);
  ioctlExpect(
    fd,
    DRM_IOCTL_PANTHOR_DEV_QUERY,
    DrmPanthorDevQuery,
    { type, size, pointer: ptr },
    err,
  );
  const out = fd.user.read(ptr, size);
  fd.user.free(ptr);
  if (typeof out === "number") throw new Error(`user read: ${out}`);
  return err === 0 ? out : null;
}

/** igt_panthor_vm_create(): VM_CREATE {flags}; the id (0 on the expected error). */
export function igtPanthorVmCreate(fd: PanthorClient, flags: number, err: number): number {
  return igtPanthorVmCreateUserVaRange(fd, flags, err).id;
}

/** igt_panthor_vm_create_userva_range(): VM_CREATE; the id and the user VA range written back. */
export function igtPanthorVmCreateUserVaRange(
  fd: PanthorClient,
  flags: number,
  err: number,
): { id: number; userVaRange: bigint } {
  const v = DrmPanthorVmCreate.zero();
  v.flags = flags;
  const out = ioctlExpect(fd, DRM_IOCTL_PANTHOR_VM_CREATE, DrmPanthorVmCreate, v, err);
  return { id: err === 0 ? out.id : 0, userVaRange: out.user_va_range };
}

/** igt_panthor_vm_destroy(): VM_DESTROY {id}, expecting `err`. */
export function igtPanthorVmDestroy(fd: PanthorClient, vmId: number, err: number): void {
  ioctlExpect(fd, DRM_IOCTL_PANTHOR_VM_DESTROY, DrmPanthorVmDestroy, { id: vmId, pad: 0 }, err);
}

/** VM_GET_STATE of `vmId` asserting success: the state (the vm_state() helper of panthor_vm.c). */
export function vmState(fd: PanthorClient, vmId: number): number {
  return doIoctl(fd, DRM_IOCTL_PANTHOR_VM_GET_STATE, DrmPanthorVmGetState, {
    vm_id: vmId,
    state: 0,
  }).state;
}

/** A `struct drm_panthor_vm_bind_op` with every field given (unset ones zero). */
export function bindOp(o: Partial<DrmPanthorVmBindOpArgs>): DrmPanthorVmBindOpArgs {
  return { ...DrmPanthorVmBindOp.zero(), ...o };
}

/** DRM_PANTHOR_OBJ_ARRAY(count, ptr) over sync ops copied into user memory. */
export function syncArray(
  fd: PanthorClient,
  syncs: readonly DrmPanthorSyncOpArgs[],
): DrmPanthorObjArrayArgs {
  return writeObjArray(fd.user, DrmPanthorSyncOp, syncs);
}

/** VM_BIND of `ops` (DRM_PANTHOR_OBJ_ARRAY) with `flags`: the raw result and the struct written back. */
export function vmBindRaw(
  fd: PanthorClient,
  vmId: number,
  ops: readonly DrmPanthorVmBindOpArgs[],
  flags = 0,
): { ret: number; count: number } {
  const bind = DrmPanthorVmBind.zero();
  bind.vm_id = vmId;
  bind.flags = flags;
  bind.ops = writeObjArray(fd.user, DrmPanthorVmBindOp, ops);
  const { ret, out } = fd.ioctl(DRM_IOCTL_PANTHOR_VM_BIND, DrmPanthorVmBind, bind);
  return { ret, count: out.ops.count };
}

/** igt_panthor_vm_bind_offset(): one synchronous op, expecting `err`. */
export function igtPanthorVmBindOffset(
  fd: PanthorClient,
  vmId: number,
  boHandle: number,
  va: bigint,
  size: bigint,
  offset: bigint,
  flags: number,
  err: number,
): void {
  const op = bindOp({ flags, bo_handle: boHandle, bo_offset: offset, va, size });
  expect(vmBindRaw(fd, vmId, [op]).ret).toBe(err === 0 ? 0 : -err);
}

/** igt_panthor_vm_bind(): igt_panthor_vm_bind_offset() at BO offset 0. */
export function igtPanthorVmBind(
  fd: PanthorClient,
  vmId: number,
  boHandle: number,
  va: bigint,
  size: bigint,
  flags: number,
  err: number,
): void {
  igtPanthorVmBindOffset(fd, vmId, boHandle, va, size, 0n, flags, err);
}

/** igt_panthor_bo_create(): BO_CREATE {size, flags, exclusive_vm_id}; the BO (handle 0 on the expected error). */
export function igtPanthorBoCreate(
  fd: PanthorClient,
  size: bigint,
  flags: number,
  err: number,
  exclusiveVmId = 0,
): IgtPanthorBo {
  const v = DrmPanthorBoCreate.zero();
  v.size = size;
  v.flags = flags;
  v.exclusive_vm_id = exclusiveVmId;
  const out = ioctlExpect(fd, DRM_IOCTL_PANTHOR_BO_CREATE, DrmPanthorBoCreate, v, err);
  return { handle: err === 0 ? out.handle : 0, offset: 0n, size: out.size, map: null };
}

/** igt_panthor_bo_mmap_offset(): BO_MMAP_OFFSET, expecting `err`; the offset (0 on error). */
export function igtPanthorBoMmapOffset(fd: PanthorClient, handle: number, err: number): bigint {
  const out = ioctlExpect(
    fd,
    DRM_IOCTL_PANTHOR_BO_MMAP_OFFSET,
    DrmPanthorBoMmapOffset,
    { handle, pad: 0, offset: 0n },
    err,
  );
  return err === 0 ? out.offset : 0n;
}

/** igt_panthor_bo_create_mapped(): create, get the mmap offset, mmap the whole BO. */
export function igtPanthorBoCreateMapped(
  fd: PanthorClient,
  size: bigint,
  flags: number,
  err: number,
): IgtPanthorBo {
  const bo = igtPanthorBoCreate(fd, size, flags, err);
  bo.offset = igtPanthorBoMmapOffset(fd, bo.handle, 0);
  const map = drmGemMmap(fd.handle.file, bo.offset, Number(bo.size));
  expect(typeof map).not.toBe("number");
  bo.map = map as DrmVma;
  return bo;
}

/** gem_close(): asserts GEM_CLOSE succeeds. */
export function gemClose(fd: PanthorClient, handle: number): void {
  expect(fd.gemClose(handle)).toBe(0);
}

/** igt_panthor_free_bo(): munmap if mapped, then GEM_CLOSE. */
export function igtPanthorFreeBo(fd: PanthorClient, bo: IgtPanthorBo): void {
  bo.map?.munmap();
  bo.map = null;
  gemClose(fd, bo.handle);
}

/** syncobj_create(): SYNCOBJ_CREATE asserting success. */
export function syncobjCreate(fd: PanthorClient, flags: number): number {
  return doIoctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, DrmSyncobjCreate, {
    ...DrmSyncobjCreate.zero(),
    flags,
  }).handle;
}

/** syncobj_destroy(): SYNCOBJ_DESTROY asserting success. */
export function syncobjDestroy(fd: PanthorClient, handle: number): void {
  doIoctl(fd, DRM_IOCTL_SYNCOBJ_DESTROY, DrmSyncobjDestroy, { handle, pad: 0 });
}

/** An absolute deadline `relNs` from now on the virtual clock (the tests' abs_timeout()). */
export function absTimeout(t: IgtPanthor, relNs: number): bigint {
  return BigInt(t.sim.loop.now + relNs);
}

/**
 * syncobj_wait(): SYNCOBJ_WAIT on `handles` until the absolute deadline; true when they
 * signalled, false on -ETIME, any other error fails the test.
 */
export function syncobjWait(
  fd: PanthorClient,
  handles: readonly number[],
  absNs: bigint,
  flags: number,
): boolean {
  const ptr = fd.user.alloc(handles.length * 4, 8);
  const bytes = new Uint8Array(handles.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < handles.length; i++) view.setUint32(i * 4, handles[i] as number, true);
  fd.user.write(ptr, bytes);
  const v = DrmSyncobjWait.zero();
  v.handles = ptr;
  v.count_handles = handles.length;
  v.timeout_nsec = absNs;
  v.flags = flags;
  const ret = igtIoctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, DrmSyncobjWait, v);
  fd.user.free(ptr);
  if (ret === -ETIME) return false;
  expect(ret).toBe(0);
  return true;
}

/**
 * The status of the fence a syncobj carries (the tests' fence_status()): exported as a sync
 * file (SYNCOBJ_HANDLE_TO_FD with EXPORT_SYNC_FILE), then sync_fence_status() on it: 1
 * signalled, 0 pending, the negative errno when it signalled with an error.
 */
export function fenceStatus(t: IgtPanthor, fd: PanthorClient, syncobj: number): number {
  const out = doIoctl(fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, DrmSyncobjHandle, {
    ...DrmSyncobjHandle.zero(),
    handle: syncobj,
    flags: DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE,
  });
  const file = t.dev.drm.fds.get(out.fd);
  expect(file).toBeInstanceOf(SyncFile);
  const status = (file as SyncFile).fence.status;
  expect(t.dev.drm.fds.close(out.fd)).toBe(0);
  return status;
}

/** A SIGNAL sync op on a binary syncobj (the tests' signal_op()). */
export function signalOp(syncobj: number): DrmPanthorSyncOpArgs {
  return {
    flags: (DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL) >>> 0,
    handle: syncobj,
    timeline_value: 0n,
  };
}

/** A WAIT sync op on a binary syncobj (the tests' wait_op()). */
export function waitOp(syncobj: number): DrmPanthorSyncOpArgs {
  return {
    flags: DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_WAIT,
    handle: syncobj,
    timeline_value: 0n,
  };
}
