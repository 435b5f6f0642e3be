/**
 * The rig of the tiler-heap tests: a probed Mali-G610 with one file and one VM, raw
 * TILER_HEAP_CREATE/DESTROY ioctls, accessors for the VM's pool and heaps, chunk headers, and
 * the snapshot of everything a refused call must leave untouched.
 */
import { createPlatform, GpuAccessKind } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
  DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
  DrmPanthorTilerHeapCreate,
  type DrmPanthorTilerHeapCreateArgs,
  DrmPanthorTilerHeapDestroy,
} from "@panmmu/uapi";
import { expect } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";
import { readHeapChunkHeader } from "../../src/heap/chunk.js";
import type { PanthorHeap, PanthorHeapPool } from "../../src/heap/pool.js";
import { panthorVmHeapPool } from "../../src/heap/vm-heap-pool.js";
import type { PanthorVm } from "../../src/vm/vm.js";

/** 4 KiB. */
export const SZ_4K = 0x1000;
/** 128 KiB: the smallest chunk. */
export const SZ_128K = 0x2_0000;
/** 2 MiB. */
export const SZ_2M = 0x20_0000;
/** 8 MiB: the largest chunk. */
export const SZ_8M = 0x80_0000;
/** Heap-context stride on the G610 (L2_FEATURES line size 2^6). */
export const STRIDE = 64;
/** The pool's context BO: 128 × 64 bytes. */
export const POOL_BO = 0x2000;

/** A probed G610, one file with one VM, and the counters the leak checks compare. */
export function stack(seed = 3) {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const basePages = sim.memory.allocatedPages;
  const baseObjects = dev.drm.objects.size;
  const c = PanthorClient.open(dev, "heaps");
  if (typeof c === "number") throw new Error(`open: ${c}`);
  const created = c.vmCreate();
  expect(created.ret).toBe(0);
  const vmOf = (id: number): PanthorVm => {
    const v = c.handle.priv.vms.get(id);
    if (v === null) throw new Error(`no VM ${id}`);
    v.put();
    return v;
  };
  const vm = vmOf(created.id);
  return {
    sim,
    dev,
    warnings,
    c,
    vmId: created.id,
    vm,
    vmOf,
    basePages,
    baseObjects,
    kernelStart: Number(created.userVaRange),
  };
}
/** What {@link stack} builds. */
export type Stack = ReturnType<typeof stack>;

/** TILER_HEAP_CREATE through the ioctl table: the result and the struct written back. */
export function heapCreate(
  c: PanthorClient,
  vmId: number,
  initial: number,
  chunkSize: number,
  maxChunks: number,
  targetInFlight = 1,
  init: Partial<DrmPanthorTilerHeapCreateArgs> = {},
): { ret: number; out: DrmPanthorTilerHeapCreateArgs } {
  const v = {
    ...DrmPanthorTilerHeapCreate.zero(),
    vm_id: vmId,
    initial_chunk_count: initial,
    chunk_size: chunkSize,
    max_chunks: maxChunks,
    target_in_flight: targetInFlight,
    ...init,
  };
  return c.ioctl(DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE, DrmPanthorTilerHeapCreate, v);
}

/** TILER_HEAP_DESTROY through the ioctl table. */
export function heapDestroy(c: PanthorClient, handle: number, pad = 0): number {
  return c.ioctl(DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, DrmPanthorTilerHeapDestroy, { handle, pad })
    .ret;
}

/** The VM's pool (it must exist). */
export function poolOf(vm: PanthorVm): PanthorHeapPool {
  const p = panthorVmHeapPool(vm);
  if (p === null) throw new Error("no heap pool");
  return p;
}

/** The heap `id` of the VM's pool (it must exist). */
export function heapOf(vm: PanthorVm, id: number): PanthorHeap {
  const h = poolOf(vm).heaps.get(id);
  if (h === undefined) throw new Error(`no heap ${id}`);
  return h;
}

/** The `next` word of each chunk header of `heap`, list order (head first). */
export function nexts(heap: PanthorHeap): number[] {
  return heap.chunks.map((ch) => {
    const h = readHeapChunkHeader(ch);
    if (typeof h === "number") throw new Error(`header: ${h}`);
    expect(h.restZero).toBe(true);
    return h.next;
  });
}

/**
 * Everything a failed call must leave untouched. Pages are counted without the VM's page
 * tables: io-pgtable keeps a table emptied by an unmap, as the kernel's does.
 */
export function snapshot(s: Stack, vm: PanthorVm = s.vm) {
  const pool = panthorVmHeapPool(vm);
  return {
    pages: s.sim.memory.allocatedPages - (vm.ptStats.used - vm.ptStats.freed),
    objects: s.dev.drm.objects.size,
    vaNodes: [...vm.mm.nodes()].map((n) => [n.start, n.size]),
    mappings: vm.mappings().map((m) => [Number(m.addr), Number(m.range)]),
    poolSize: pool?.size ?? -1,
    heaps: pool === null ? [] : pool.heapIds().map((id) => [id, heapOf(vm, id).chunkCount]),
  };
}

/** Closes the file and checks that everything went back and no WARN fired. */
export function closeAndCheck(s: Stack): void {
  expect(s.c.close()).toBe(0);
  s.sim.loop.runUntilIdle();
  expect(s.sim.memory.allocatedPages).toBe(s.basePages);
  expect(s.dev.drm.objects.size).toBe(s.baseObjects);
  expect(s.warnings.warnings).toEqual([]);
}

/** One 4-byte GPU read through the VM's AS (the VM made active for it): the value or -1. */
export function gpuRead(s: Stack, va: number): number {
  expect(s.dev.mmu.vmActive(s.vm)).toBe(0);
  const run = s.sim.gpu.accessProbe.start({
    as: s.vm.asId,
    accesses: [{ va, kind: GpuAccessKind.Read, size: 4 }],
  });
  s.sim.loop.runUntil(() => run.done, 1_000_000);
  s.dev.mmu.vmIdle(s.vm);
  return run.status === 1 ? (run.results[0]?.value ?? -1) : -1;
}
