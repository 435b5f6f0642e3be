/**
 * Port of IGT tests/panthor/panthor_heap.c (2026 extended tests): `heap_create_validation`
 * (the chunk-size and chunk-count checks of TILER_HEAP_CREATE, values on both sides of each
 * limit) and `heap_create_destroy` (create/destroy cycles on a live VM, destroy requests naming
 * a heap, a VM or a pool that is not there). Each test is named after its IGT subtest and
 * asserts what IGT asserts, through raw ioctls with IGT's argument values; the ports also check
 * that what the ioctls left behind (heaps, chunk BOs, kernel VA) matches.
 */
import {
  DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
  DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
  DrmPanthorTilerHeapCreate,
  DrmPanthorTilerHeapDestroy,
  EINVAL,
  ENOENT,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorClient } from "../../src/client/client.js";
import { panthorVmHeapPool } from "../../src/heap/vm-heap-pool.js";
import {
  doIoctlErr,
  drmCloseDriver,
  drmOpenDriver,
  type IgtPanthor,
  igtIoctl,
  igtPanthorVmCreate,
  igtPanthorVmDestroy,
} from "./igt-lib.js";

/** CHUNK_SIZE_MIN: SZ_128K. */
const CHUNK_SIZE_MIN = 0x2_0000;
/** CHUNK_SIZE_MAX: SZ_8M. */
const CHUNK_SIZE_MAX = 0x80_0000;
/** getpagesize(). */
const PAGE = 0x1000;

/**
 * do_heap_create(): the raw TILER_HEAP_CREATE result (0, or the negative errno where IGT sees
 * -1 and errno). On success it asserts what IGT asserts — the handle names the VM, both GPU
 * VAs are non-zero — and returns the handle in `out`.
 */
function doHeapCreate(
  fd: PanthorClient,
  vmId: number,
  initialChunkCount: number,
  chunkSize: number,
  maxChunks: number,
  targetInFlight: number,
  out: { handle: number } | null,
): number {
  const args = {
    ...DrmPanthorTilerHeapCreate.zero(),
    vm_id: vmId,
    initial_chunk_count: initialChunkCount,
    chunk_size: chunkSize,
    max_chunks: maxChunks,
    target_in_flight: targetInFlight,
  };
  const { ret, out: written } = fd.ioctl(
    DRM_IOCTL_PANTHOR_TILER_HEAP_CREATE,
    DrmPanthorTilerHeapCreate,
    args,
  );
  if (ret !== 0) return ret;
  expect(written.handle >>> 16).toBe(vmId);
  expect(written.tiler_heap_ctx_gpu_va).not.toBe(0n);
  expect(written.first_heap_chunk_gpu_va).not.toBe(0n);
  if (out !== null) out.handle = written.handle;
  return 0;
}

/** do_heap_destroy(): the raw TILER_HEAP_DESTROY result. */
function doHeapDestroy(fd: PanthorClient, handle: number): number {
  return igtIoctl(fd, DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY, DrmPanthorTilerHeapDestroy, {
    handle,
    pad: 0,
  });
}

/**
 * require_tiler_heap(): one minimal heap created and destroyed on a throw-away VM; IGT skips
 * the subtest when that fails. The model has the ioctls, so it must succeed.
 */
function requireTilerHeap(fd: PanthorClient): void {
  const vmId = igtPanthorVmCreate(fd, 0, 0);
  const h = { handle: 0 };
  const ret = doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN, 1, 1, h);
  if (ret === 0) expect(doHeapDestroy(fd, h.handle)).toBe(0);
  igtPanthorVmDestroy(fd, vmId, 0);
  expect(ret, "tiler heap ioctls unsupported").toBe(0);
}

/** Heap ids and chunk counts of a VM's pool (the state the ports check behind IGT's asserts). */
function heapsOf(t: IgtPanthor, vmId: number): Array<[number, number]> | null {
  const vm = t.fd.handle.priv.vms.get(vmId);
  if (vm === null) throw new Error(`no VM ${vmId}`);
  vm.put();
  const pool = panthorVmHeapPool(vm);
  return pool === null
    ? null
    : pool.heapIds().map((id) => [id, pool.heaps.get(id)?.chunkCount ?? -1]);
}

/** One subtest on a freshly opened device; closes it and checks the WARN_ON sink after. */
function withDevice(body: (t: IgtPanthor) => void): void {
  const t = drmOpenDriver();
  const objects = t.dev.drm.objects.size;
  const pages = t.sim.memory.allocatedPages;
  body(t);
  // Every heap, chunk and pool went with its VM.
  expect(t.dev.drm.objects.size).toBe(objects);
  expect(t.sim.memory.allocatedPages).toBe(pages);
  drmCloseDriver(t);
}

describe("IGT panthor_heap", () => {
  it("heap_create_validation", () => {
    withDevice((t) => {
      const fd = t.fd;
      const h = { handle: 0 };
      requireTilerHeap(fd);
      const vmId = igtPanthorVmCreate(fd, 0, 0);

      // target_in_flight has no range check at creation time.
      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN, 1, 0, h)).toBe(0);
      expect(doHeapDestroy(fd, h.handle)).toBe(0);

      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MAX, 1, 1, h)).toBe(0);
      expect(doHeapDestroy(fd, h.handle)).toBe(0);

      // Only page alignment is required, not a power of two.
      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN + PAGE, 1, 1, h)).toBe(0);
      expect(doHeapDestroy(fd, h.handle)).toBe(0);

      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN - PAGE, 1, 1, null)).toBe(-EINVAL);
      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MAX + PAGE, 1, 1, null)).toBe(-EINVAL);
      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN + 1, 1, 1, null)).toBe(-EINVAL);
      expect(doHeapCreate(fd, vmId, 1, 0, 1, 1, null)).toBe(-EINVAL);
      expect(doHeapCreate(fd, vmId, 0, CHUNK_SIZE_MIN, 1, 1, null)).toBe(-EINVAL);
      expect(doHeapCreate(fd, vmId, 2, CHUNK_SIZE_MIN, 1, 1, null)).toBe(-EINVAL);
      // A zero maximum leaves no room for the initial chunk.
      expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN, 0, 1, null)).toBe(-EINVAL);
      // None of the refused calls left a heap behind.
      expect(heapsOf(t, vmId)).toEqual([]);

      expect(doHeapCreate(fd, vmId, 4, CHUNK_SIZE_MIN, 4, 1, h)).toBe(0);
      expect(heapsOf(t, vmId)).toEqual([[h.handle & 0xffff, 4]]);
      expect(doHeapDestroy(fd, h.handle)).toBe(0);

      expect(doHeapCreate(fd, 0xdead, 1, CHUNK_SIZE_MIN, 1, 1, null)).toBe(-EINVAL);

      igtPanthorVmDestroy(fd, vmId, 0);
    });
  });

  it("heap_create_destroy", () => {
    withDevice((t) => {
      const fd = t.fd;
      requireTilerHeap(fd);
      const vmId = igtPanthorVmCreate(fd, 0, 0);

      for (let i = 0; i < 8; i++) {
        const h = { handle: 0 };
        expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN, 4, 1, h)).toBe(0);
        // Each cycle reuses heap id 0.
        expect(h.handle).toBe((vmId << 16) | 0);
        expect(doHeapDestroy(fd, h.handle)).toBe(0);
      }

      const handles: number[] = [];
      for (let i = 0; i < 4; i++) {
        const h = { handle: 0 };
        expect(doHeapCreate(fd, vmId, 1, CHUNK_SIZE_MIN, 4, 1, h)).toBe(0);
        handles.push(h.handle);
      }
      expect(heapsOf(t, vmId)).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      for (const handle of handles) expect(doHeapDestroy(fd, handle)).toBe(0);
      expect(heapsOf(t, vmId)).toEqual([]);

      const first = handles[0] as number;
      expect(doHeapDestroy(fd, first)).toBe(-EINVAL);
      expect(doHeapDestroy(fd, (vmId << 16) | 0x7fff)).toBe(-EINVAL);
      expect(doHeapDestroy(fd, (0xdead << 16) >>> 0)).toBe(-EINVAL);
      doIoctlErr(
        fd,
        DRM_IOCTL_PANTHOR_TILER_HEAP_DESTROY,
        DrmPanthorTilerHeapDestroy,
        { handle: first, pad: 1 },
        EINVAL,
      );

      // A VM that never created a heap has no pool to look the handle up in: ENOENT.
      const poollessVm = igtPanthorVmCreate(fd, 0, 0);
      expect(doHeapDestroy(fd, poollessVm << 16)).toBe(-ENOENT);
      expect(heapsOf(t, poollessVm)).toBeNull();
      igtPanthorVmDestroy(fd, poollessVm, 0);

      igtPanthorVmDestroy(fd, vmId, 0);
    });
  });
});
