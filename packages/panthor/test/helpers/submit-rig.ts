/**
 * A device with firmware, one file with a VM, a command BO at CMD_VA and a data BO at DATA_VA
 * (VM_BIND-mapped), a stream writer, data reads, syncobjs: what GROUP_SUBMIT tests need.
 */
import { type DmaFence, drmSyncobjCreate, drmSyncobjFindFence } from "@panmmu/drm";
import { CsAssembler, CsFlushMode, CsOtherFlushMode } from "@panmmu/fixtures";
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
} from "@panmmu/uapi";
import { expect } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import { PanthorBo } from "../../src/gem/bo.js";
import { fwDevice } from "./fw-device.js";

/** GPU VA of the command BO (64 KiB). */
export const CMD_VA = 0x10_0000n;
/** GPU VA of the data BO (4 KiB). */
export const DATA_VA = 0x20_0000n;

/** The rig. */
export function rig() {
  const t = fwDevice();
  const c: PanthorClient = t.client;
  const vm = c.vmCreate().id;
  const cmd = c.boCreate(0x1_0000n).handle;
  const data = c.boCreate(0x1000n).handle;
  expect(
    c.vmBind(vm, [
      { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: cmd, va: CMD_VA, size: 0x1_0000n },
      { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, boHandle: data, va: DATA_VA, size: 0x1000n },
    ]).ret,
  ).toBe(0);
  const bo = (h: number): PanthorBo => {
    const o = c.handle.file.gemObjectLookup(h);
    if (!(o instanceof PanthorBo)) throw new Error("no BO");
    o.put();
    return o;
  };
  let cursor = 0;
  /** Writes `a` into the command BO (64-byte aligned) and returns its VA and size. */
  const stream = (a: CsAssembler): { streamAddr: bigint; streamSize: number } => {
    const bytes = a.bytes();
    const view = bo(cmd).vmap();
    if (typeof view === "number") throw new Error("vmap");
    view.write(cursor, bytes);
    view.unmap();
    const addr = CMD_VA + BigInt(cursor);
    cursor += Math.ceil(bytes.length / 64) * 64;
    return { streamAddr: addr, streamSize: bytes.length };
  };
  const readData = (word: number): number => {
    const view = bo(data).vmap();
    if (typeof view === "number") throw new Error("vmap");
    const v = view.readU32(word * 4);
    view.unmap();
    return v;
  };
  const writeData = (offset: number, value: number): void => {
    const view = bo(data).vmap();
    if (typeof view === "number") throw new Error("vmap");
    view.writeU32(offset, value);
    view.unmap();
  };
  const syncobj = (): number => drmSyncobjCreate(c.handle.file, 0);
  const fenceOf = (h: number): DmaFence | null => {
    const f = drmSyncobjFindFence(c.handle.file, h, 0, 0);
    return typeof f === "number" ? null : f;
  };
  const signal = (h: number) => [
    { flags: DRM_PANTHOR_SYNC_OP_SIGNAL | DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ, handle: h },
  ];
  const run = (ns = 50_000_000): void => t.sim.loop.advance(ns);
  return { ...t, c, vm, stream, readData, writeData, syncobj, fenceOf, signal, run };
}

/** IGT's group_submit stream: store 0xdeadbeef at DATA_VA, then flush. */
export function igtStore(value = 0xdeadbeef, word = 0): CsAssembler {
  return new CsAssembler()
    .move48(68, Number(DATA_VA) + word * 4)
    .move32(70, value)
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
    .wait(0xff);
}
