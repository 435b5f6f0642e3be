/**
 * What IGT's panthor group, scheduler and sync tests add to `test/igt/igt-lib.ts`: a device
 * with firmware (groups need the MCU), the group helpers of lib/igt_panthor.c over the raw
 * GROUP_* ioctls with IGT's struct layouts, and the instruction encoders of lib/igt_panthor.h
 * (IGT's own bitfield layout, written from it independently of `@panmmu/fixtures`' assembler).
 * Time is the platform's virtual clock: never run a firmware device until idle (the ping
 * watchdog keeps its loop busy), advance it instead.
 */
import { type CsTiming, createPlatform } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_IOCTL_PANTHOR_GROUP_CREATE,
  DRM_IOCTL_PANTHOR_GROUP_DESTROY,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_PANTHOR_GROUP_SUBMIT,
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DrmPanthorCsifInfo,
  type DrmPanthorCsifInfoArgs,
  DrmPanthorGpuInfo,
  type DrmPanthorGpuInfoArgs,
  DrmPanthorGroupCreate,
  type DrmPanthorGroupCreateArgs,
  DrmPanthorGroupDestroy,
  DrmPanthorGroupGetState,
  type DrmPanthorGroupGetStateArgs,
  DrmPanthorGroupSubmit,
  DrmPanthorQueueCreate,
  DrmPanthorQueueSubmit,
  type DrmPanthorQueueSubmitArgs,
  DrmPanthorSyncOp,
  type DrmPanthorSyncOpArgs,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  writeObjArray,
} from "@panmmu/uapi";
import { expect } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice, type PanthorProbeOptions } from "../../src/device/device.js";
import { type IgtPanthor, type IgtPanthorBo, igtPanthorQuery } from "../igt/igt-lib.js";
import { REFERENCE_IMAGE } from "./fw-device.js";

/** The firmware path panthor asks for on a G610 (arch 10.8). */
const FW_PATH = "arm/mali/arch10.8/mali_csffw.bin";

/** How {@link drmOpenDriverFw} builds the device. */
export interface IgtFwOptions {
  /** Open the file with CAP_SYS_NICE (HIGH/REALTIME groups allowed). Default false. */
  privileged?: boolean;
  /** Probe options (a later kernel's behaviour, ...). */
  probe?: PanthorProbeOptions;
  /** Command-stream timing of the GPU (how fast the simulated front end runs streams). */
  csTiming?: Partial<CsTiming>;
  /** Platform seed. Default 1. */
  seed?: number;
  /**
   * sysfs `power/control` of the GPU: "auto" (default) lets it runtime-suspend 50 ms after the
   * scheduler found every group idle; "on" (pm_runtime_forbid()) pins it powered.
   */
  runtimePm?: "auto" | "on";
}

/**
 * drm_open_driver(DRIVER_PANTHOR) on a G610 whose firmware store holds the reference image. IGT
 * runs as root, so `privileged` (CAP_SYS_NICE: HIGH/REALTIME groups) is what the scheduler tests
 * open with; the others open an ordinary file.
 */
export function drmOpenDriverFw(o: IgtFwOptions = {}): IgtPanthor {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", {
    seed: o.seed ?? 1,
    warnings,
    ...(o.csTiming === undefined ? {} : { csTiming: o.csTiming }),
  });
  const dev = PanthorDevice.probe(sim.platform, {
    firmware: (path) => (path === FW_PATH ? REFERENCE_IMAGE : null),
    ...o.probe,
  });
  if (typeof dev === "number") throw new Error(`panthor probe failed: ${dev}`);
  if (o.runtimePm === "on") expect(dev.pm.rpm.forbid()).toBe(0);
  const fd = PanthorClient.open(dev, "igt", o.privileged ?? false);
  if (typeof fd === "number") throw new Error(`panthor open failed: ${fd}`);
  return { sim, dev, fd, warnings };
}

/** drm_reopen_driver() on a firmware device: a second (unprivileged unless asked) file. */
export function drmReopenDriverFw(t: IgtPanthor, privileged = false): PanthorClient {
  const fd = PanthorClient.open(t.dev, "igt-reopen", privileged);
  if (typeof fd === "number") throw new Error(`panthor open failed: ${fd}`);
  return fd;
}

/**
 * drm_close_driver() on a firmware device: closes the file, lets the scheduler and the
 * firmware settle for `settleNs` of virtual time (not until idle: the ping watchdog never
 * stops), then checks that no WARN_ON fired.
 */
export function drmCloseDriverFw(t: IgtPanthor, settleNs = 100_000_000): void {
  expect(t.fd.close()).toBe(0);
  t.sim.loop.advance(settleNs);
  expect(t.warnings.warnings).toEqual([]);
}

/** usleep()/sleep(): lets `ns` of virtual time pass (the GPU and the scheduler run meanwhile). */
export function igtSleep(t: IgtPanthor, ns: number): void {
  t.sim.loop.advance(ns);
}

/** The GPU_INFO query. */
export function gpuInfo(fd: PanthorClient): DrmPanthorGpuInfoArgs {
  const bytes = igtPanthorQuery(fd, DRM_PANTHOR_DEV_QUERY_GPU_INFO, DrmPanthorGpuInfo.size, 0);
  if (bytes === null) throw new Error("GPU_INFO");
  return DrmPanthorGpuInfo.decode(bytes);
}

/** The CSIF_INFO query. */
export function csifInfo(fd: PanthorClient): DrmPanthorCsifInfoArgs {
  const bytes = igtPanthorQuery(fd, DRM_PANTHOR_DEV_QUERY_CSIF_INFO, DrmPanthorCsifInfo.size, 0);
  if (bytes === null) throw new Error("CSIF_INFO");
  return DrmPanthorCsifInfo.decode(bytes);
}

/** igt_panthor_get_first_core(): the lowest set bit of a core mask (0 for none). */
export function igtPanthorGetFirstCore(present: bigint): bigint {
  return present === 0n ? 0n : present & -present;
}

/** A `struct drm_panthor_queue_create` as the tests write it. */
export interface IgtQueueCreate {
  /** Queue priority in its group. */
  priority: number;
  /** Ring buffer size in bytes. */
  ringbufSize: number;
}

/**
 * A `struct drm_panthor_group_create` whose queue array is copied into the file's user memory
 * (DRM_PANTHOR_OBJ_ARRAY(n, queues)); the other fields as given, the rest zero.
 */
export function groupCreateArgs(
  fd: PanthorClient,
  queues: readonly IgtQueueCreate[],
  fields: Partial<DrmPanthorGroupCreateArgs>,
): DrmPanthorGroupCreateArgs {
  const v = DrmPanthorGroupCreate.zero();
  v.queues = writeObjArray(
    fd.user,
    DrmPanthorQueueCreate,
    queues.map((q) => ({ priority: q.priority, pad: [0, 0, 0], ringbuf_size: q.ringbufSize })),
  );
  return { ...v, ...fields };
}

/**
 * igt_panthor_group_create(): GROUP_CREATE expecting `err` (0: success); the struct written back
 * (its `group_handle`).
 */
export function igtPanthorGroupCreate(
  fd: PanthorClient,
  cfg: DrmPanthorGroupCreateArgs,
  err: number,
): DrmPanthorGroupCreateArgs {
  const { ret, out } = fd.ioctl(DRM_IOCTL_PANTHOR_GROUP_CREATE, DrmPanthorGroupCreate, cfg);
  expect(ret).toBe(err === 0 ? 0 : -err);
  return out;
}

/**
 * igt_panthor_group_create_simple(): one queue (priority 0, 4 KiB ring), one core of each kind
 * taken from the first present one, MEDIUM priority; the handle.
 */
export function igtPanthorGroupCreateSimple(fd: PanthorClient, vmId: number, err: number): number {
  const gpu = gpuInfo(fd);
  const cfg = groupCreateArgs(fd, [{ priority: 0, ringbufSize: 4096 }], {
    max_compute_cores: 1,
    max_fragment_cores: 1,
    max_tiler_cores: 1,
    priority: PANTHOR_GROUP_PRIORITY_MEDIUM,
    compute_core_mask: igtPanthorGetFirstCore(gpu.shader_present),
    fragment_core_mask: igtPanthorGetFirstCore(gpu.shader_present),
    tiler_core_mask: igtPanthorGetFirstCore(gpu.tiler_present),
    vm_id: vmId,
  });
  return igtPanthorGroupCreate(fd, cfg, err).group_handle;
}

/** igt_panthor_group_destroy(): GROUP_DESTROY expecting `err`. */
export function igtPanthorGroupDestroy(fd: PanthorClient, handle: number, err: number): void {
  const { ret } = fd.ioctl(DRM_IOCTL_PANTHOR_GROUP_DESTROY, DrmPanthorGroupDestroy, {
    group_handle: handle,
    pad: 0,
  });
  expect(ret).toBe(err === 0 ? 0 : -err);
}

/** A `struct drm_panthor_queue_submit` as the tests write it (sync ops as values). */
export interface IgtQueueSubmit {
  /** Queue index. */
  queueIndex: number;
  /** Stream GPU VA (0 with size 0: an empty submit). */
  streamAddr?: bigint;
  /** Stream size in bytes. */
  streamSize?: number;
  /** latest_flush. */
  latestFlush?: number;
  /** The job's sync operations. */
  syncs?: readonly DrmPanthorSyncOpArgs[];
}

/**
 * The raw GROUP_SUBMIT of `submits` (DRM_PANTHOR_OBJ_ARRAY(n, submits), each with its own sync
 * array) to `handle`: 0 or the negative errno (IGT's igt_ioctl() with errno). `pad` sets the
 * top-level pad.
 */
export function doGroupSubmit(
  fd: PanthorClient,
  handle: number,
  submits: readonly IgtQueueSubmit[],
  pad = 0,
): number {
  const allocs: bigint[] = [];
  const values: DrmPanthorQueueSubmitArgs[] = submits.map((s) => {
    const v = DrmPanthorQueueSubmit.zero();
    v.queue_index = s.queueIndex;
    v.stream_addr = s.streamAddr ?? 0n;
    v.stream_size = s.streamSize ?? 0;
    v.latest_flush = s.latestFlush ?? 0;
    if (s.syncs !== undefined && s.syncs.length > 0) {
      v.syncs = writeObjArray(fd.user, DrmPanthorSyncOp, s.syncs);
      allocs.push(v.syncs.array);
    } else {
      // A zeroed struct: IGT leaves the array unset when the job has no sync op.
      v.syncs = { stride: 0, count: 0, array: 0n };
    }
    return v;
  });
  const arg = DrmPanthorGroupSubmit.zero();
  arg.group_handle = handle;
  arg.pad = pad;
  arg.queue_submits =
    values.length === 0
      ? { stride: 0, count: 0, array: 0n }
      : writeObjArray(fd.user, DrmPanthorQueueSubmit, values);
  if (values.length > 0) allocs.push(arg.queue_submits.array);
  const { ret } = fd.ioctl(DRM_IOCTL_PANTHOR_GROUP_SUBMIT, DrmPanthorGroupSubmit, arg);
  for (const p of allocs) fd.user.free(p);
  return ret;
}

/** igt_panthor_group_submit(): GROUP_SUBMIT of `submits` expecting `err`. */
export function igtPanthorGroupSubmit(
  fd: PanthorClient,
  handle: number,
  submits: readonly IgtQueueSubmit[],
  err: number,
): void {
  expect(doGroupSubmit(fd, handle, submits)).toBe(err === 0 ? 0 : -err);
}

/**
 * igt_panthor_group_submit_simple(): one job on `queueIndex` whose only sync op signals
 * `syncobj` (flags = DRM_PANTHOR_SYNC_OP_SIGNAL: handle type 0 is a binary syncobj).
 */
export function igtPanthorGroupSubmitSimple(
  fd: PanthorClient,
  handle: number,
  queueIndex: number,
  streamAddr: bigint,
  streamSize: number,
  syncobj: number,
  err: number,
): void {
  igtPanthorGroupSubmit(
    fd,
    handle,
    [
      {
        queueIndex,
        streamAddr,
        streamSize,
        latestFlush: 0,
        syncs: [{ flags: DRM_PANTHOR_SYNC_OP_SIGNAL, handle: syncobj, timeline_value: 0n }],
      },
    ],
    err,
  );
}

/** GROUP_GET_STATE of `handle` asserting success: the struct written back. */
export function groupGetState(fd: PanthorClient, handle: number): DrmPanthorGroupGetStateArgs {
  const v = DrmPanthorGroupGetState.zero();
  v.group_handle = handle;
  const { ret, out } = fd.ioctl(DRM_IOCTL_PANTHOR_GROUP_GET_STATE, DrmPanthorGroupGetState, v);
  expect(ret).toBe(0);
  return out;
}

/** memcpy() of 64-bit instruction words to `offset` of a mapped BO. */
export function writeInstrs(bo: IgtPanthorBo, instrs: readonly bigint[], offset = 0): void {
  const bytes = new Uint8Array(instrs.length * 8);
  const view = new DataView(bytes.buffer);
  instrs.forEach((w, i) => {
    view.setBigUint64(i * 8, w, true);
  });
  if (bo.map === null) throw new Error("BO not mapped");
  bo.map.write(offset, bytes);
}

/** A 32-bit word of a mapped BO (a `volatile uint32_t *` read). */
export function boRead32(bo: IgtPanthorBo, offset: number): number {
  if (bo.map === null) throw new Error("BO not mapped");
  return bo.map.readU32(offset);
}

/** A 32-bit CPU store into a mapped BO. */
export function boWrite32(bo: IgtPanthorBo, offset: number, value: number): void {
  if (bo.map === null) throw new Error("BO not mapped");
  bo.map.writeU32(offset, value >>> 0);
}

// ---------------------------------------------------------------------------------------------
// lib/igt_panthor.h's instruction encoders: opcode in bits 63:56, the rest per instruction.
// ---------------------------------------------------------------------------------------------

/** IGT's `enum cs_opcode`. */
export const CS_OPCODE = {
  NOP: 0,
  MOVE48: 1,
  MOVE32: 2,
  WAIT: 3,
  ADD_IMM32: 16,
  LOAD_MULTIPLE: 20,
  STM: 21,
  BRANCH: 22,
  FLUSH_CACHE: 36,
  SYNC_SET32: 38,
  SYNC_WAIT32: 39,
} as const;

/** IGT's `enum cs_flush_mode`. */
export const CS_FLUSH_MODE = {
  NONE: 0,
  CLEAN: 1,
  INVALIDATE: 2,
  CLEAN_AND_INVALIDATE: 3,
} as const;

/** IGT's `enum cs_condition`. */
export const CS_CONDITION = { GT: 1, EQ: 2 } as const;

/** Places `value` (masked to `bits`) at bit `shift`. */
function field(value: number | bigint, shift: number, bits: number): bigint {
  return (BigInt.asUintN(64, BigInt(value)) & ((1n << BigInt(bits)) - 1n)) << BigInt(shift);
}

function opcode(op: number): bigint {
  return field(op, 56, 8);
}

/** cs_nop(). */
export function csNop(): bigint {
  return opcode(CS_OPCODE.NOP);
}

/** cs_mov48(dst, imm): immediate 47:0, dest 55:48. */
export function csMov48(dst: number, imm: number | bigint): bigint {
  return opcode(CS_OPCODE.MOVE48) | field(dst, 48, 8) | field(imm, 0, 48);
}

/** cs_mov32(dst, imm): immediate 31:0, dest 55:48. */
export function csMov32(dst: number, imm: number): bigint {
  return opcode(CS_OPCODE.MOVE32) | field(dst, 48, 8) | field(imm >>> 0, 0, 32);
}

/** cs_wait(mask, progress_inc): wait mask 31:16 (16 bits in IGT's layout), progress_inc 32. */
export function csWait(waitMask: number, progressInc: boolean): bigint {
  return opcode(CS_OPCODE.WAIT) | field(waitMask, 16, 16) | field(progressInc ? 1 : 0, 32, 1);
}

/** cs_stm(address, src, mask, offset): offset 15:0, mask 31:16, address 47:40, src 55:48. */
export function csStm(address: number, src: number, mask: number, offset: number): bigint {
  return (
    opcode(CS_OPCODE.STM) |
    field(src, 48, 8) |
    field(address, 40, 8) |
    field(mask, 16, 16) |
    field(offset & 0xffff, 0, 16)
  );
}

/** cs_stm32(address, src, offset): one register. */
export function csStm32(address: number, src: number, offset: number): bigint {
  return csStm(address, src, 0x1, offset);
}

/**
 * cs_flush(l2, lsc, other, wait_mask, flush_id, signal_slot): modes 3:0 / 7:4 / 11:8, wait mask
 * 31:16, flush-id register 47:40, signal slot 51:48.
 */
export function csFlush(
  l2: number,
  lsc: number,
  other: number,
  waitMask: number,
  flushId: number,
  signalSlot: number,
): bigint {
  return (
    opcode(CS_OPCODE.FLUSH_CACHE) |
    field(l2, 0, 4) |
    field(lsc, 4, 4) |
    field(other, 8, 4) |
    field(waitMask, 16, 16) |
    field(flushId, 40, 8) |
    field(signalSlot, 48, 4)
  );
}

/** cs_add_imm32(dst, src, imm): immediate 31:0, src 47:40, dest 55:48. */
export function csAddImm32(dst: number, src: number, imm: number): bigint {
  return (
    opcode(CS_OPCODE.ADD_IMM32) | field(dst, 48, 8) | field(src, 40, 8) | field(imm >>> 0, 0, 32)
  );
}

/** cs_branch(src, condition, offset): offset 15:0 (instructions after the next one), condition 31:28, src 47:40. */
export function csBranch(src: number, condition: number, offset: number): bigint {
  return (
    opcode(CS_OPCODE.BRANCH) |
    field(src, 40, 8) |
    field(condition, 28, 4) |
    field(offset & 0xffff, 0, 16)
  );
}

/** cs_sync_set32(address, val): value register 39:32, address register 47:40 (system scope, no wait/signal). */
export function csSyncSet32(address: number, val: number): bigint {
  return opcode(CS_OPCODE.SYNC_SET32) | field(address, 40, 8) | field(val, 32, 8);
}

/** cs_sync_wait32(address, val, condition): condition 31:28, value register 39:32, address register 47:40. */
export function csSyncWait32(address: number, val: number, condition: number): bigint {
  return (
    opcode(CS_OPCODE.SYNC_WAIT32) |
    field(address, 40, 8) |
    field(val, 32, 8) |
    field(condition, 28, 4)
  );
}

/**
 * emit_counted_loop(): optionally SYNC_SET32 1 at `startedAddr` once, then `n` iterations each
 * incrementing r2 and SYNC_SET32-ing it at `counterAddr`; register-only control flow (an EQ
 * branch on r10 = 0 as the unconditional back edge).
 */
export function emitCountedLoop(counterAddr: bigint, startedAddr: bigint, n: number): bigint[] {
  const instrs: bigint[] = [];
  if (startedAddr !== 0n) instrs.push(csMov48(8, startedAddr), csMov32(6, 1), csSyncSet32(8, 6));
  instrs.push(csMov48(0, counterAddr), csMov32(2, 0), csMov32(4, n), csMov32(10, 0));
  const body = instrs.length;
  instrs.push(csAddImm32(2, 2, 1), csSyncSet32(0, 2), csAddImm32(4, 4, 0xffffffff));
  const brExit = instrs.length;
  const brBack = brExit + 1;
  const exit = brBack + 1;
  instrs.push(csBranch(4, CS_CONDITION.EQ, exit - brExit - 1));
  instrs.push(csBranch(10, CS_CONDITION.EQ, body - brBack - 1));
  return instrs;
}
