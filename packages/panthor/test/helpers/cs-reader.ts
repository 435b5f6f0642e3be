/**
 * VM-AT-1's hammering with a real GPU reader: a group on VM V runs a command stream that loads
 * 64 words spread over [A, A + 4 MiB) pass after pass (LOAD_MULTIPLE through the group's AS,
 * so TLB, walks, locked regions and faults apply) and stores each pass's values into a result
 * BO, while the VM's range is remapped by an asynchronous VM_BIND and cut by a partial
 * huge-page unmap. The outcome is what the result BO, the hardware counters and the driver saw.
 */
import { type DmaFence, drmSyncobjCreate, drmSyncobjFindFence } from "@panmmu/drm";
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import type { PlatformOptions } from "@panmmu/hw";
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
} from "@panmmu/uapi";
import { expect } from "vitest";
import { PanthorBo } from "../../src/gem/bo.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import { pageTag } from "./bind-ops.js";
import { fwDevice } from "./fw-device.js";

export const SZ_2M = 0x20_0000;
export const SZ_4M = 0x40_0000;
/** Base of the hammered range (1 GiB: 2 MiB-aligned, so the BOs' huge folios map as blocks). */
export const A = 0x4000_0000;
/** Byte of each page holding its tag. */
export const TAG_AT = 0x800;
/**
 * The reader's stream (one page). Its VA and the result BO's are chosen so that their TLB sets
 * (vpn mod 512) differ from the 64 hammered pages' (0 and 1 mod 16): the reader's own fetches
 * and stores never evict a hammered page's TLB entry, which would hide a missing invalidation.
 */
export const CMD_VA = 0x10_2000;
/** Result BO: word 0 = passes completed, word 1 = stop flag, pass p's 64 words at 256 + 256 p. */
export const RES_VA = 0x20_2000;
/** Result BO size: 14 pages (TLB sets 2..15). */
const RES_SIZE = 14 * 0x1000;
/** Most passes the result BO holds. */
export const MAX_PASSES = (RES_SIZE - 256) / 256;
/** Passes the reader runs before, between and after the two operations. */
const SETTLE_PASSES = 3;
/** About half a pass of the reader at the default CS timing. */
const HALF_PASS_NS = 10_000;
/** Virtual-time budget of each wait. */
const WAIT_NS = 20_000_000;

/** The 64 read addresses: one every 64 KiB, the upper half one page further (distinct TLB sets). */
export function readerPages(): number[] {
  return Array.from({ length: 64 }, (_, i) => i * 16 + (i >> 5));
}

/**
 * The reader: pass after pass, LOAD_MULTIPLE of one word of each of the 64 pages into r0..r63,
 * STORE_MULTIPLE of them to the pass's result slot, passes-completed counter bumped; ends after
 * `maxPasses` or when the CPU sets the stop flag.
 */
export function readerStream(maxPasses = MAX_PASSES): CsAssembler {
  const a = new CsAssembler()
    .move48(66, RES_VA + 256)
    .move48(72, RES_VA)
    .move32(68, 0)
    .move32(69, maxPasses);
  const top = a.label();
  const end = a.label();
  a.bind(top);
  for (const [i, page] of readerPages().entries()) {
    a.move48(64, A + page * 0x1000 + TAG_AT).loadMultiple(i, 64, 0x1);
  }
  a.wait(0xff);
  for (let j = 0; j < 4; j++) a.storeMultiple(16 * j, 66, 0xffff, 64 * j);
  a.addImm64(66, 66, 256).addImm32(68, 68, 1).storeMultiple(68, 72, 0x1).wait(0xff);
  a.loadMultiple(70, 72, 0x1, 4).wait(0xff).branch(CsCondition.NE, 70, end);
  a.addImm32(69, 69, -1).branch(CsCondition.GT, 69, top);
  a.bind(end);
  return a;
}

/** One VM operation as the reader saw it. */
export interface ObservedOp {
  /** Passes completed when the operation started and when it returned. */
  passes: [number, number];
  /** Virtual times of its start and end. */
  time: [number, number];
  /** The AS's locked-access counter (accesses refused in the locked region) over the operation. */
  lockedAccesses: number;
  /** Its return value. */
  ret: number;
}

/** What one hammering run saw. */
export interface ReaderOutcome {
  t: ReturnType<typeof fwDevice>;
  vmId: number;
  vm: PanthorVm;
  as: number;
  /** The remap (asynchronous) and the partial unmap (synchronous), in that order. */
  ops: ObservedOp[];
  /** Passes the reader completed. */
  passes: number;
  /** The reader job's done fence error (0: completed; null: it never ended). */
  jobError: number | null;
  /** The remap's bind fence error (null: not signalled). */
  bindError: number | null;
  /** Words that were neither BO's tag (a fault would have ended the stream instead). */
  wrong: number;
  /** Words back from BO2 to BO1, BO2 seen in a pass completed before the remap began, or BO1 in a pass begun after it returned (stale TLB). */
  stale: number;
  /** Passes that saw BO1 / BO2 only / a mix. */
  bo1Passes: number;
  bo2Passes: number;
  mixedPasses: number;
  /** The AS's hardware counters at the end. */
  faults: number;
  lockedAccesses: number;
}

/**
 * Runs the scenario on a fresh device. `atomicUpdates` false turns the VM's lock region off
 * (debug switch); `platform` sets the hardware timing.
 */
export function hammerWithCsReader(
  atomicUpdates: boolean,
  platform: Omit<PlatformOptions, "warnings"> = {},
): ReaderOutcome {
  const t = fwDevice({}, false, platform);
  const c = t.client;
  const vmId = c.vmCreate().id;
  const cmd = c.boCreate(0x1000n).handle;
  const res = c.boCreate(BigInt(RES_SIZE)).handle;
  const bo1 = c.boCreate(BigInt(SZ_4M)).handle;
  const bo2 = c.boCreate(BigInt(SZ_4M)).handle;
  const MAP = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;
  expect(
    c.vmBind(vmId, [
      { flags: MAP, boHandle: cmd, va: BigInt(CMD_VA), size: 0x1000n },
      { flags: MAP, boHandle: res, va: BigInt(RES_VA), size: BigInt(RES_SIZE) },
      { flags: MAP, boHandle: bo1, va: BigInt(A), size: BigInt(SZ_4M) },
    ]).ret,
  ).toBe(0);
  const bo = (h: number): PanthorBo => {
    const o = c.handle.file.gemObjectLookup(h);
    if (!(o instanceof PanthorBo)) throw new Error("no BO");
    o.put();
    return o;
  };
  const view = (h: number) => {
    const v = bo(h).vmap();
    if (typeof v === "number") throw new Error("vmap");
    return v;
  };
  for (const [h, id] of [
    [bo1, 1],
    [bo2, 2],
  ] as const) {
    const v = view(h);
    for (let p = 0; p < SZ_4M / 0x1000; p++) v.writeU32(p * 0x1000 + TAG_AT, pageTag(id, p));
    v.unmap();
  }
  const stream = readerStream();
  const cv = view(cmd);
  cv.write(0, stream.bytes());
  cv.unmap();
  const rv = view(res);
  const passes = (): number => rv.readU32(0);

  const vmRef = c.handle.priv.vms.get(vmId);
  if (vmRef === null) throw new Error("no VM");
  vmRef.put();
  const vm: PanthorVm = vmRef;
  vm.atomicUpdates = atomicUpdates;
  const sync = (): { so: number; fence: () => DmaFence | null } => {
    const so = drmSyncobjCreate(c.handle.file, 0);
    return {
      so,
      fence: () => {
        const f = drmSyncobjFindFence(c.handle.file, so, 0, 0);
        return typeof f === "number" ? null : f;
      },
    };
  };
  const signal = (so: number) => [
    { flags: DRM_PANTHOR_SYNC_OP_SIGNAL | DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ, handle: so },
  ];
  const loop = t.sim.loop;
  const g = c.groupCreate(vmId, [{ ringbufSize: 4096 }]);
  expect(g.ret).toBe(0);
  const job = sync();
  expect(
    c.groupSubmit(g.handle, [
      { streamAddr: BigInt(CMD_VA), streamSize: stream.byteLength, syncs: signal(job.so) },
    ]),
  ).toBe(0);
  // Waits end early when the reader's job ended (a fault kills it) or after WAIT_NS (a reader
  // stuck on a region never unlocked): the outcome then shows it (jobError, passes).
  const jobDone = (): boolean => job.fence()?.signaled === true;
  const waitPasses = (n: number): void => {
    loop.runUntil(() => passes() >= n || jobDone(), WAIT_NS);
  };
  waitPasses(SETTLE_PASSES);
  const as = vm.asId;
  expect(as).toBeGreaterThan(0);
  // Half a pass on: the remap starts in the middle of a pass.
  loop.advance(HALF_PASS_NS);
  // From now on every operation of the VM is observed (the group's kernel BOs are mapped).
  const hw = t.sim.gpu.mmu;
  const ops: ObservedOp[] = [];
  const execOp = vm.execOp.bind(vm);
  vm.execOp = (ctx, unusable) => {
    const slot = vm.asId;
    const locked = (): number => (slot < 0 ? 0 : hw.slot(slot).counters.lockedAccesses);
    const p0 = passes();
    const t0 = t.sim.loop.now;
    const l0 = locked();
    const ret = execOp(ctx, unusable);
    ops.push({
      passes: [p0, passes()],
      time: [t0, t.sim.loop.now],
      lockedAccesses: locked() - l0,
      ret,
    });
    return ret;
  };

  // BO1 replaced by BO2 over the whole range in one asynchronous MAP (gpuvm: unmap + map).
  const bind = sync();
  expect(
    c.vmBind(
      vmId,
      [{ flags: MAP, boHandle: bo2, va: BigInt(A), size: BigInt(SZ_4M), syncs: signal(bind.so) }],
      DRM_PANTHOR_VM_BIND_ASYNC,
    ).ret,
  ).toBe(0);
  loop.runUntil(() => bind.fence()?.signaled === true, WAIT_NS);
  waitPasses(passes() + SETTLE_PASSES);
  // 8 KiB cut out of the first 2 MiB block (pages 2-3, not read): the block's survivors are
  // re-mapped as pages under the widened lock while the reader reads pages 0, 16, 32...
  expect(
    c.vmBind(vmId, [
      { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, va: BigInt(A + 0x2000), size: 0x2000n },
    ]).ret,
  ).toBe(0);
  waitPasses(passes() + SETTLE_PASSES);
  rv.writeU32(4, 1);
  loop.runUntil(jobDone, WAIT_NS);

  // The result BO, pass by pass.
  const pages = readerPages();
  const done = passes();
  const remap = ops[0];
  let wrong = 0;
  let stale = 0;
  let bo1Passes = 0;
  let bo2Passes = 0;
  let mixedPasses = 0;
  const sawBo2 = new Set<number>();
  for (let p = 0; p < done; p++) {
    let n1 = 0;
    let n2 = 0;
    pages.forEach((page, i) => {
      const v = rv.readU32(256 + p * 256 + i * 4);
      const isBo1 = v === pageTag(1, page);
      const isBo2 = v === pageTag(2, page);
      if (!isBo1 && !isBo2) wrong++;
      if (isBo1) n1++;
      if (isBo2) n2++;
      if (isBo1 && sawBo2.has(i)) stale++;
      if (isBo2) sawBo2.add(i);
      // Pass p began after pass p-1 was counted: after the remap returned if p > passes then.
      if (remap !== undefined && isBo1 && p > remap.passes[1]) stale++;
      if (remap !== undefined && isBo2 && p < remap.passes[0]) stale++;
    });
    if (n1 === 64) bo1Passes++;
    else if (n2 === 64) bo2Passes++;
    else mixedPasses++;
  }
  rv.unmap();
  const counters = hw.slot(as).counters;
  return {
    t,
    vmId,
    vm,
    as,
    ops,
    passes: done,
    jobError: jobDone() ? (job.fence()?.error ?? null) : null,
    bindError: bind.fence()?.signaled === true ? (bind.fence()?.error ?? null) : null,
    wrong,
    stale,
    bo1Passes,
    bo2Passes,
    mixedPasses,
    faults: counters.faults,
    lockedAccesses: counters.lockedAccesses,
  };
}
