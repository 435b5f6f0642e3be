/**
 * What the Mesa replay tests share: a G610 probed with the reference firmware and nothing else
 * open, a {@link PanKmodClient} on it, the state right after the probe (the objects and
 * page-table pages the firmware owns), the leak checks run after every replay, and views into
 * the kernel and the simulated hardware the assertions read.
 */
import { type DmaFence, DmaFenceChain } from "@panmmu/drm";
import { createPlatform } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { expect } from "vitest";
import { PanKmodClient } from "../../src/client/pan-kmod.js";
import { PAN_KMOD_CS_EXCEPTION_TILER_OOM } from "../../src/client/pan-kmod-cs.js";
import type { PanKmodOptions } from "../../src/client/pan-kmod-types.js";
import { dumpVm } from "../../src/debug/vm-dump.js";
import { PanthorDevice } from "../../src/device/device.js";
import { PanthorBo } from "../../src/gem/bo.js";
import { PANTHOR_HEAP_CHUNK_LABEL } from "../../src/heap/pool.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import { REFERENCE_IMAGE } from "../helpers/fw-device.js";

/** The rig. */
export interface MesaRig {
  /** The simulated platform. */
  readonly sim: ReturnType<typeof createPlatform>;
  /** The probed device. */
  readonly dev: PanthorDevice;
  /** WARN_ON sink. */
  readonly warnings: CollectingWarningSink;
  /** GEM objects alive right after the probe (the firmware's sections, the MCU VM's root). */
  readonly baseObjects: ReadonlySet<object>;
  /** Physical pages allocated right after the probe. */
  readonly basePages: number;
  /** Page-table pages of the MCU VM right after the probe. */
  readonly baseMcuPtPages: number;
}

/** Probes a G610 with the reference firmware. */
export function mesaDevice(seed = 7): MesaRig {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed, warnings });
  const dev = PanthorDevice.probe(sim.platform, {
    firmware: (path) => (path === "arm/mali/arch10.8/mali_csffw.bin" ? REFERENCE_IMAGE : null),
  });
  if (typeof dev === "number") throw new Error(`probe failed: ${dev}`);
  return {
    sim,
    dev,
    warnings,
    baseObjects: new Set(dev.drm.objects),
    basePages: sim.memory.allocatedPages,
    baseMcuPtPages: dumpVm(dev.mcuVm).ptPages,
  };
}

/** Opens the kmod client on the rig's device (throws on failure). */
export function openKmod(r: MesaRig, o: PanKmodOptions = {}): PanKmodClient {
  const k = PanKmodClient.open(r.dev, o);
  if (typeof k === "number") throw new Error(`pan_kmod_dev_create failed: ${k}`);
  return k;
}

/** The kernel's VM behind the client's VM id (no reference kept). */
export function kernelVm(k: PanKmodClient): PanthorVm {
  const id = k.vm?.id ?? -1;
  const vm = k.fd.client.handle.priv.vms.get(id);
  if (vm === null) throw new Error(`no VM ${id}`);
  vm.put();
  return vm;
}

/**
 * The job fence behind point `point` of the client's VM timeline, looked up in the kernel's
 * syncobj right after the submit that installed it (later the chain node may be gone).
 */
export function jobFenceAt(k: PanKmodClient, point: bigint): DmaFence {
  const so = k.fd.client.handle.file.syncobjIdr.find(k.vm?.syncHandle ?? -1);
  if (so === undefined) throw new Error("no VM syncobj");
  const r = so.findFence(Number(point));
  if (typeof r === "number") throw new Error(`no fence at point ${point}: ${r}`);
  return r.fence instanceof DmaFenceChain ? r.fence.fence : r.fence;
}

/** The last signalled point of the client's VM timeline, as the kernel's syncobj has it. */
export function vmTimelineSignalled(k: PanKmodClient): number {
  const so = k.fd.client.handle.file.syncobjIdr.find(k.vm?.syncHandle ?? -1);
  if (so === undefined) throw new Error("no VM syncobj");
  return so.queryPoint(false);
}

/** Heap chunk BOs alive on the device. */
export function liveHeapChunks(r: MesaRig): number {
  return [...r.dev.drm.objects].filter(
    (o) => o instanceof PanthorBo && o.label === PANTHOR_HEAP_CHUNK_LABEL,
  ).length;
}

/**
 * The checks after every replay (the client closed, time let pass): no GEM object but the
 * firmware's, no page-table page but the MCU VM's, AS1..7 free, no WARN.
 */
export function expectNothingLeft(r: MesaRig): void {
  r.sim.loop.advance(200_000_000);
  const extra = [...r.dev.drm.objects]
    .filter((o) => !r.baseObjects.has(o))
    .map((o) => (o instanceof PanthorBo ? (o.label ?? "bo") : "object"));
  expect(extra, "GEM objects left").toEqual([]);
  // Table pages come from the pt cache, root tables straight from memory: every cached page is
  // one of the MCU VM's non-root tables, and the only pages allocated since the probe are the
  // MCU VM's new tables.
  const mcuPt = dumpVm(r.dev.mcuVm).ptPages;
  expect(r.dev.ptCache.live, "page-table pages besides the MCU VM's").toBe(mcuPt - 1);
  expect(r.sim.memory.allocatedPages - r.basePages, "pages allocated since the probe").toBe(
    mcuPt - r.baseMcuPtPages,
  );
  expect(
    r.dev.mmu.slots.slice(1, 8).map((vm) => vm !== null),
    "AS1..7",
  ).toEqual([false, false, false, false, false, false, false]);
  expect(r.warnings.warnings, "WARN_ON").toEqual([]);
}

/** What the command stream of queue 0 of a resident group holds (the simulated GPU's view). */
export interface CsDebugState {
  /** HEAP_SET's tiler heap context address. */
  readonly heapContext: number;
  /** The tiler-OOM exception handler (address, length), or null when none is set. */
  readonly oomHandler: [number, number] | null;
}

/**
 * The command-stream state of queue 0 of group `handle` of the client's file, read from the
 * firmware model's CSG slot the group is resident on; null when it is not resident (or its
 * queue's stream is not running).
 */
export function csState(r: MesaRig, k: PanKmodClient, handle: number): CsDebugState | null {
  const group = k.fd.client.handle.priv.groups.get(handle);
  const slot = r.dev.sched?.csgSlots.findIndex((s) => group !== null && s.group === group) ?? -1;
  const exec = slot < 0 ? null : (r.sim.gpu.firmware?.groups[slot]?.stream(0) ?? null);
  if (exec === null) return null;
  const h = exec.exceptionHandlers.get(PAN_KMOD_CS_EXCEPTION_TILER_OOM);
  return { heapContext: exec.heapContext, oomHandler: h === undefined ? null : [h[0], h[1]] };
}

/**
 * Closes the client after checking it released what it made (closing the fd would release the
 * rest and hide it): no GEM handle left, no syncobj but the VM's timeline (destroyed with the
 * VM), no BO in the client's books.
 */
export function closeKmod(k: PanKmodClient): number {
  const file = k.fd.client.handle.file;
  expect(
    file.objectIdr.entries().map(([h]) => h),
    "GEM handles left",
  ).toEqual([]);
  expect(
    file.syncobjIdr.entries().map(([h]) => h),
    "syncobjs left",
  ).toEqual(k.vm === null ? [] : [k.vm.syncHandle]);
  expect(k.bos.size, "BOs left").toBe(0);
  return k.close();
}
