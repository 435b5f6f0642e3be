/**
 * Tiler heaps (spec 1.10, 2.7, 2.8): TILER_HEAP_CREATE/DESTROY through the ioctl table on a
 * probed Mali-G610, the heap pool and its lifetime with the VM and the file, chunk headers.
 * Ids: HEAP-C-* creation outputs and encodings, HEAP-V-* the errno table in the kernel's order,
 * HEAP-LIM-* limits, HEAP-D-* destruction, HEAP-VM-* / HEAP-FILE-* lifetimes. The grow path,
 * chunk returns, statistics and the property test are in heap-oom.test.ts.
 */
import { DrmMmNode } from "@panmmu/drm";
import {
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  EBUSY,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorBo } from "../../src/gem/bo.js";
import { readHeapChunkHeader } from "../../src/heap/chunk.js";
import { panthorHeapGrow, panthorHeapReturnChunk } from "../../src/heap/heap.js";
import {
  decodeHeapChunkDescriptor,
  PANTHOR_HEAP_CHUNK_LABEL,
  PANTHOR_HEAP_POOL_LABEL,
  type PanthorHeapPool,
  panthorHeapChunkDescriptor,
} from "../../src/heap/pool.js";
import { panthorVmGetHeapPool, panthorVmHeapPool } from "../../src/heap/vm-heap-pool.js";
import {
  closeAndCheck,
  gpuRead,
  heapCreate,
  heapDestroy,
  heapOf,
  nexts,
  POOL_BO,
  poolOf,
  STRIDE,
  SZ_2M,
  SZ_4K,
  SZ_8M,
  SZ_128K,
  snapshot,
  stack,
} from "../helpers/heap-rig.js";

describe("HEAP-C: TILER_HEAP_CREATE outputs and encodings", () => {
  it("HEAP-C-1: handle = vm_id << 16 | id, context VA = pool BO + id × stride, first chunk = list head; BOs as the kernel makes them", () => {
    const s = stack();
    expect(panthorVmHeapPool(s.vm)).toBeNull();
    const a = heapCreate(s.c, s.vmId, 3, SZ_128K, 8);
    expect(a.ret).toBe(0);
    const pool = poolOf(s.vm);
    const ctx = pool.gpuContexts;
    if (ctx === null) throw new Error("no context BO");
    expect(a.out.handle).toBe((s.vmId << 16) | 0);
    expect(a.out.tiler_heap_ctx_gpu_va).toBe(BigInt(ctx.gpuVa));
    const heap = heapOf(s.vm, 0);
    expect(heap.chunkCount).toBe(3);
    expect(heap.chunks.length).toBe(3);
    expect(a.out.first_heap_chunk_gpu_va).toBe(BigInt(heap.chunks[0]?.gpuVa ?? 0));
    // The context BO: 128 strides of 64 bytes, not mappable, not executable, kernel range.
    expect(pool.ctxStride).toBe(STRIDE);
    expect(ctx.size).toBe(POOL_BO);
    expect(ctx.obj.label).toBe(PANTHOR_HEAP_POOL_LABEL);
    expect(ctx.obj.flags).toBe(DRM_PANTHOR_BO_NO_MMAP);
    expect(ctx.gpuVa).toBeGreaterThanOrEqual(s.kernelStart);
    expect(ctx.kmap).not.toBeNull();
    for (const ch of heap.chunks) {
      expect(ch.bo.obj).toBeInstanceOf(PanthorBo);
      expect(ch.bo.obj.label).toBe(PANTHOR_HEAP_CHUNK_LABEL);
      expect(ch.bo.obj.flags).toBe(DRM_PANTHOR_BO_NO_MMAP);
      expect(ch.bo.obj.exclusiveVmRootGem).toBe(s.vm.rootGem);
      expect(ch.bo.size).toBe(SZ_128K);
      expect(ch.gpuVa).toBeGreaterThanOrEqual(s.kernelStart);
      expect(ch.bo.kmap).toBeNull();
    }
    // One NOEXEC mapping per kernel BO, nothing else.
    const maps = s.vm.mappings().map((m) => [Number(m.addr), Number(m.range), m.mapFlags]);
    const expected = [ctx, ...heap.chunks.map((ch) => ch.bo)]
      .map((k) => [k.gpuVa, k.size, DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC])
      .sort((x, y) => (x[0] as number) - (y[0] as number));
    expect(maps).toEqual(expected);
    // Only the VM's reference on the pool is left after the ioctl.
    expect(pool.refcount).toBe(1);
    expect(pool.size).toBe(POOL_BO + 3 * SZ_128K);
    // A second heap: id 1, the next context slot, a handle that names the VM.
    const b = heapCreate(s.c, s.vmId, 1, SZ_2M, 1, 0);
    expect(b.ret).toBe(0);
    expect(b.out.handle).toBe((s.vmId << 16) | 1);
    expect(b.out.tiler_heap_ctx_gpu_va).toBe(BigInt(ctx.gpuVa + STRIDE));
    expect(poolOf(s.vm)).toBe(pool);
    closeAndCheck(s);
  });

  it("HEAP-C-2: initial chunks are chained from the head, next = (VA & ~0xfff) | chunk_size >> 12, the tail's next 0, the other 56 bytes 0; the GPU reads the header", () => {
    const s = stack();
    const size = SZ_128K + SZ_4K; // not a power of two: only page alignment is required
    const a = heapCreate(s.c, s.vmId, 4, size, 4);
    expect(a.ret).toBe(0);
    const heap = heapOf(s.vm, 0);
    const vas = heap.chunks.map((ch) => ch.gpuVa);
    const want = vas.map((_, i) => {
      const next = vas[i + 1];
      return next === undefined ? 0 : panthorHeapChunkDescriptor(next, size);
    });
    expect(nexts(heap)).toEqual(want);
    for (const n of want.slice(0, -1)) {
      expect(n % SZ_4K).toBe(size >> 12);
      expect(decodeHeapChunkDescriptor(n).chunkSize).toBe(size);
    }
    // The chain from first_heap_chunk_gpu_va visits every chunk once, in allocation order reversed.
    let va = Number(a.out.first_heap_chunk_gpu_va);
    const walked: number[] = [];
    while (va !== 0) {
      walked.push(va);
      const ch = heap.chunks.find((x) => x.gpuVa === va);
      if (ch === undefined) throw new Error(`chain leaves the heap at ${va}`);
      const h = readHeapChunkHeader(ch);
      if (typeof h === "number") throw new Error(`${h}`);
      va = decodeHeapChunkDescriptor(h.next).gpuVa;
    }
    expect(walked).toEqual(vas);
    // What the kernel wrote through its CPU mapping, the GPU reads at the chunk's VA.
    const head = want[0] ?? 0;
    expect(gpuRead(s, vas[0] ?? 0)).toBe(head % 2 ** 32);
    expect(gpuRead(s, (vas[0] ?? 0) + 4)).toBe(Math.floor(head / 2 ** 32));
    closeAndCheck(s);
  });

  it("HEAP-C-3: chunks of 2 MiB and more get 2 MiB-aligned VAs, smaller ones 4 KiB-aligned", () => {
    const s = stack();
    expect(heapCreate(s.c, s.vmId, 2, SZ_2M + SZ_4K, 2).ret).toBe(0);
    expect(heapCreate(s.c, s.vmId, 2, SZ_8M, 2).ret).toBe(0);
    expect(heapCreate(s.c, s.vmId, 3, SZ_128K, 3).ret).toBe(0);
    for (const ch of heapOf(s.vm, 0).chunks) expect(ch.gpuVa % SZ_2M).toBe(0);
    for (const ch of heapOf(s.vm, 1).chunks) expect(ch.gpuVa % SZ_2M).toBe(0);
    const small = heapOf(s.vm, 2).chunks.map((ch) => ch.gpuVa);
    for (const va of small) expect(va % SZ_4K).toBe(0);
    expect(small.some((va) => va % SZ_2M !== 0)).toBe(true);
    closeAndCheck(s);
  });

  it("HEAP-C-4: the context slot (one stride) is zeroed at creation, its neighbours untouched; ids are reused lowest first", () => {
    const s = stack();
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(0);
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(0);
    const pool = poolOf(s.vm);
    const kmap = pool.gpuContexts?.kmap;
    if (kmap === undefined || kmap === null) throw new Error("pool not vmapped");
    // The firmware's state in contexts 0..2.
    kmap.write(0, new Uint8Array(3 * STRIDE).fill(0xa5));
    expect(heapDestroy(s.c, (s.vmId << 16) | 0)).toBe(0);
    const again = heapCreate(s.c, s.vmId, 1, SZ_128K, 1);
    expect(again.out.handle & 0xffff).toBe(0);
    expect([...kmap.read(0, STRIDE)].every((b) => b === 0)).toBe(true);
    expect([...kmap.read(STRIDE, 2 * STRIDE)].every((b) => b === 0xa5)).toBe(true);
    closeAndCheck(s);
  });
});

describe("HEAP-V: the errno table in the kernel's order", () => {
  it("HEAP-V-1: unknown VM, then the pool, then count and size checks; target_in_flight unchecked", () => {
    const s = stack();
    const before = snapshot(s);
    // The VM lookup comes first: nothing is created for an unknown VM.
    expect(heapCreate(s.c, 0xdead, 1, SZ_128K, 1).ret).toBe(-EINVAL);
    expect(heapCreate(s.c, 0, 1, SZ_128K, 1).ret).toBe(-EINVAL);
    expect(snapshot(s)).toEqual(before);
    // The pool comes before the argument checks: the first call, although invalid, creates
    // the pool (as in the kernel), and nothing else.
    expect(heapCreate(s.c, s.vmId, 0, SZ_128K, 1).ret).toBe(-EINVAL);
    const pool = poolOf(s.vm);
    expect(pool.heaps.size).toBe(0);
    expect(s.dev.drm.objects.size).toBe(before.objects + 1);
    const withPool = snapshot(s);
    const bad: Array<[number, number, number]> = [
      [0, SZ_128K, 1], // no initial chunk
      [2, SZ_128K, 1], // more initial chunks than max_chunks
      [1, SZ_128K, 0], // max_chunks 0 leaves no room for the initial chunk
      [1, SZ_128K - SZ_4K, 1],
      [1, SZ_8M + SZ_4K, 1],
      [1, SZ_128K + 1, 1],
      [1, 0, 1],
      [0, 0, 0],
      [1, 0xffff_f000, 1],
    ];
    for (const [initial, size, max] of bad) {
      const r = heapCreate(s.c, s.vmId, initial, size, max, 1, {
        handle: 0x1234,
        tiler_heap_ctx_gpu_va: 7n,
        first_heap_chunk_gpu_va: 9n,
      });
      expect(r.ret, `${initial}/${size}/${max}`).toBe(-EINVAL);
      // Outputs are left as the caller wrote them.
      expect([r.out.handle, r.out.tiler_heap_ctx_gpu_va, r.out.first_heap_chunk_gpu_va]).toEqual([
        0x1234,
        7n,
        9n,
      ]);
      expect(snapshot(s)).toEqual(withPool);
    }
    // target_in_flight is not checked at creation.
    for (const tif of [0, 0xffff_ffff]) {
      const ok = heapCreate(s.c, s.vmId, 1, SZ_128K, 1, tif);
      expect(ok.ret).toBe(0);
      expect(heapDestroy(s.c, ok.out.handle)).toBe(0);
    }
    expect(snapshot(s)).toEqual(withPool);
    closeAndCheck(s);
  });

  it("HEAP-V-2: a pool that cannot be created fails the call before the argument checks (-ENOSPC from a full kernel VA range)", () => {
    const s = stack();
    const hog = new DrmMmNode(0, 0);
    expect(s.vm.allocVa(s.kernelStart, s.vm.kernelAutoVa.end + 1 - s.kernelStart, hog)).toBe(0);
    const before = snapshot(s);
    // initial_chunk_count 0 would be -EINVAL, but the pool comes first.
    expect(heapCreate(s.c, s.vmId, 0, SZ_128K, 1).ret).toBe(-ENOSPC);
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(-ENOSPC);
    expect(panthorVmHeapPool(s.vm)).toBeNull();
    expect(snapshot(s)).toEqual(before);
    s.vm.freeVa(hog);
    closeAndCheck(s);
  });

  it("HEAP-V-3: a chunk allocation failing part way frees the chunks already made (no BO, VA, page or mapping left)", () => {
    const s = stack();
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(0);
    const pool = poolOf(s.vm);
    const before = snapshot(s);
    const freed = pool.stats.chunksFreed;
    // A page allocation inside the second chunk's creation fails.
    s.sim.memory.failNthAllocation(SZ_128K / SZ_4K + 8);
    const r = heapCreate(s.c, s.vmId, 5, SZ_128K, 5, 1, { first_heap_chunk_gpu_va: 9n });
    s.sim.memory.failNthAllocation(0);
    expect(r.ret).toBe(-ENOMEM);
    expect(r.out.first_heap_chunk_gpu_va).toBe(9n);
    expect(pool.stats.chunksFreed).toBeGreaterThan(freed);
    expect(snapshot(s)).toEqual(before);
    s.sim.loop.runUntilIdle();
    expect(s.warnings.warnings).toEqual([]);
    closeAndCheck(s);
  });

  it("HEAP-V-4: a kernel VA range with room for two chunks: three initial chunks fail with the allocator's -ENOSPC and leave nothing, two fit", () => {
    const s = stack();
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(0);
    // Take every hole of the kernel range but 2 × 128 KiB plus the page the auto range never
    // hands out, at the end of the range.
    const end = s.vm.kernelAutoVa.end + 1;
    const hogs = s.vm.mm.holeList().map((h) => {
      const n = new DrmMmNode(0, 0);
      const stop = h.start + h.size === end ? end - 2 * SZ_128K - SZ_4K : h.start + h.size;
      expect(s.vm.allocVa(h.start, stop - h.start, n)).toBe(0);
      return n;
    });
    const tight = snapshot(s);
    expect(heapCreate(s.c, s.vmId, 3, SZ_128K, 3).ret).toBe(-ENOSPC);
    expect(snapshot(s)).toEqual(tight);
    const two = heapCreate(s.c, s.vmId, 2, SZ_128K, 3);
    expect(two.ret).toBe(0);
    expect(panthorHeapGrow(poolOf(s.vm), Number(two.out.tiler_heap_ctx_gpu_va), 0, 0)).toBe(
      -ENOSPC,
    );
    expect(heapDestroy(s.c, two.out.handle)).toBe(0);
    for (const n of hogs) s.vm.freeVa(n);
    closeAndCheck(s);
  });
});

describe("HEAP-LIM: pool limits", () => {
  it("HEAP-LIM-1: 128 heaps per VM (ids 0..127); the 129th is -EBUSY and leaves nothing (its chunk VA was written, as the kernel writes it); a freed id is reused", () => {
    const s = stack();
    for (let i = 0; i < 128; i++) {
      const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 1);
      expect(r.ret).toBe(0);
      expect(r.out.handle).toBe((s.vmId << 16) | i);
    }
    const pool = poolOf(s.vm);
    const ctxVa = pool.gpuContexts?.gpuVa ?? 0;
    const before = snapshot(s);
    const r = heapCreate(s.c, s.vmId, 2, SZ_128K, 2, 1, {
      handle: 0x55,
      tiler_heap_ctx_gpu_va: 7n,
    });
    expect(r.ret).toBe(-EBUSY);
    expect(r.out.handle).toBe(0x55);
    expect(r.out.tiler_heap_ctx_gpu_va).toBe(7n);
    // panthor_heap_create() wrote the list head's VA before xa_alloc() failed.
    expect(r.out.first_heap_chunk_gpu_va).not.toBe(0n);
    expect(Number(r.out.first_heap_chunk_gpu_va)).toBeGreaterThanOrEqual(s.kernelStart);
    expect(snapshot(s)).toEqual(before);
    expect(heapDestroy(s.c, (s.vmId << 16) | 57)).toBe(0);
    const reuse = heapCreate(s.c, s.vmId, 1, SZ_128K, 1);
    expect(reuse.out.handle).toBe((s.vmId << 16) | 57);
    expect(reuse.out.tiler_heap_ctx_gpu_va).toBe(BigInt(ctxVa + 57 * STRIDE));
    closeAndCheck(s);
  });

  it("HEAP-LIM-2: chunk sizes are page-aligned values in [128 KiB, 8 MiB]", () => {
    const s = stack();
    const cases: Array<[number, number]> = [
      [SZ_128K, 0],
      [SZ_128K + SZ_4K, 0],
      [3 * SZ_128K, 0],
      [SZ_8M, 0],
      [SZ_128K - SZ_4K, -EINVAL],
      [SZ_8M + SZ_4K, -EINVAL],
      [SZ_128K + 0x800, -EINVAL],
      [SZ_4K, -EINVAL],
      [16 * SZ_8M, -EINVAL],
    ];
    for (const [size, want] of cases) {
      const r = heapCreate(s.c, s.vmId, 1, size, 1);
      expect(r.ret, `chunk size ${size}`).toBe(want);
      if (r.ret === 0) {
        expect(heapOf(s.vm, r.out.handle & 0xffff).chunks[0]?.bo.size).toBe(size);
        expect(heapDestroy(s.c, r.out.handle)).toBe(0);
      }
    }
    closeAndCheck(s);
  });
});

describe("HEAP-D: TILER_HEAP_DESTROY", () => {
  it("HEAP-D-1: destroy frees every chunk, its VA and mapping; a second destroy is -EINVAL", () => {
    const s = stack();
    const first = heapCreate(s.c, s.vmId, 1, SZ_128K, 1);
    expect(heapDestroy(s.c, first.out.handle)).toBe(0);
    const poolOnly = snapshot(s);
    const r = heapCreate(s.c, s.vmId, 6, SZ_2M, 10);
    expect(r.ret).toBe(0);
    const pool = poolOf(s.vm);
    const va = Number(r.out.tiler_heap_ctx_gpu_va);
    expect(panthorHeapGrow(pool, va, 0, 0)).toBeGreaterThan(0);
    expect(s.dev.drm.objects.size).toBe(poolOnly.objects + 7);
    expect([...s.vm.mm.nodes()].length).toBe(poolOnly.vaNodes.length + 7);
    expect(heapDestroy(s.c, r.out.handle)).toBe(0);
    expect(snapshot(s)).toEqual(poolOnly);
    expect(pool.size).toBe(POOL_BO);
    expect(pool.stats.chunksAllocated).toBe(pool.stats.chunksFreed);
    expect(heapDestroy(s.c, r.out.handle)).toBe(-EINVAL);
    closeAndCheck(s);
  });

  it("HEAP-D-2: pad, then the VM (handle >> 16), then its pool (-ENOENT), then the heap id", () => {
    const s = stack();
    const other = s.c.vmCreate().id;
    const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 1);
    const before = snapshot(s);
    // A non-zero pad (any bit: a must-be-zero field) is refused first, even for a VM without
    // a pool or an unknown VM.
    for (let bit = 0; bit < 32; bit++)
      expect(heapDestroy(s.c, r.out.handle, 2 ** bit)).toBe(-EINVAL);
    expect(heapDestroy(s.c, other << 16, 1)).toBe(-EINVAL);
    expect(heapDestroy(s.c, 0xdead << 16, 1)).toBe(-EINVAL);
    // Unknown VM.
    expect(heapDestroy(s.c, 0xdead << 16)).toBe(-EINVAL);
    expect(heapDestroy(s.c, 0)).toBe(-EINVAL);
    // A VM that never had a heap has no pool.
    expect(heapDestroy(s.c, other << 16)).toBe(-ENOENT);
    expect(panthorVmHeapPool(s.vmOf(other))).toBeNull();
    // A pool without that id (in or beyond [0, 127]).
    expect(heapDestroy(s.c, (s.vmId << 16) | 1)).toBe(-EINVAL);
    expect(heapDestroy(s.c, (s.vmId << 16) | 0x7fff)).toBe(-EINVAL);
    expect(heapDestroy(s.c, (s.vmId << 16) | 0xffff)).toBe(-EINVAL);
    expect(snapshot(s)).toEqual(before);
    expect(poolOf(s.vm).refcount).toBe(1);
    expect(heapDestroy(s.c, r.out.handle)).toBe(0);
    closeAndCheck(s);
  });

  it("HEAP-D-3: handles are per VM: the same heap id in two VMs names two heaps", () => {
    const s = stack();
    const other = s.c.vmCreate().id;
    const a = heapCreate(s.c, s.vmId, 1, SZ_128K, 1);
    const b = heapCreate(s.c, other, 2, SZ_128K, 2);
    expect(a.out.handle & 0xffff).toBe(0);
    expect(b.out.handle).toBe((other << 16) | 0);
    expect(heapDestroy(s.c, b.out.handle)).toBe(0);
    expect(heapOf(s.vm, 0).chunkCount).toBe(1);
    expect(poolOf(s.vmOf(other)).heaps.size).toBe(0);
    closeAndCheck(s);
  });
});

describe("HEAP-VM / HEAP-FILE: the pool's lifetime", () => {
  it("HEAP-VM-1: VM_DESTROY destroys the pool (after marking the VM destroyed, before unmapping the VA range), its heaps and chunks; the VM is then freed", () => {
    const s = stack();
    const bo = s.c.boCreate(BigInt(SZ_4K));
    expect(bo.ret).toBe(0);
    expect(
      s.c.vmBind(s.vmId, [{ flags: 0, boHandle: bo.handle, va: 0x10_0000n, size: 0x1000n }]).ret,
    ).toBe(0);
    const r = heapCreate(s.c, s.vmId, 3, SZ_128K, 5);
    const pool = poolOf(s.vm);
    expect(panthorHeapGrow(pool, Number(r.out.tiler_heap_ctx_gpu_va), 0, 0)).toBeGreaterThan(0);
    const seen: Array<{ destroyed: boolean; userMapped: boolean }> = [];
    const hook = s.vm.hooks.heapPoolDestroy;
    s.vm.hooks.heapPoolDestroy = (vm) => {
      seen.push({
        destroyed: vm.destroyed,
        userMapped: vm.mappings().some((m) => Number(m.addr) === 0x10_0000),
      });
      hook?.(vm);
    };
    const vm = s.vm;
    expect(s.c.vmDestroy(s.vmId)).toBe(0);
    expect(seen).toEqual([{ destroyed: true, userMapped: true }]);
    expect(pool.released).toBe(true);
    expect(pool.vm).toBeNull();
    expect(pool.gpuContexts).toBeNull();
    expect(pool.heaps.size).toBe(0);
    expect(pool.stats.chunksFreed).toBe(pool.stats.chunksAllocated);
    expect(panthorVmHeapPool(vm)).toBeNull();
    expect(vm.isFreed).toBe(true);
    // The handle names a VM that is gone.
    expect(heapDestroy(s.c, r.out.handle)).toBe(-EINVAL);
    expect(s.c.gemClose(bo.handle)).toBe(0);
    closeAndCheck(s);
  });

  it("HEAP-VM-2: a pool reference outliving the VM: no heap can be created, grows and returns are -EINVAL, the pool is released with its last reference", () => {
    const s = stack();
    const r = heapCreate(s.c, s.vmId, 1, SZ_128K, 4);
    const ctxVa = Number(r.out.tiler_heap_ctx_gpu_va);
    const held = panthorVmGetHeapPool(s.dev, s.vm, false);
    if (typeof held === "number") throw new Error(`${held}`);
    expect(held.refcount).toBe(2);
    const vm = s.vm.get();
    expect(s.c.vmDestroy(s.vmId)).toBe(0);
    expect(held.released).toBe(false);
    expect(held.refcount).toBe(1);
    expect(panthorHeapGrow(held, ctxVa, 0, 0)).toBe(-EINVAL);
    expect(panthorHeapReturnChunk(held, ctxVa, 0)).toBe(-EINVAL);
    // The destroyed VM gets no new pool, and has none to give.
    expect(panthorVmGetHeapPool(s.dev, vm, true)).toBe(-EINVAL);
    expect(panthorVmGetHeapPool(s.dev, vm, false)).toBe(-ENOENT);
    held.put();
    expect(held.released).toBe(true);
    vm.put();
    expect(vm.isFreed).toBe(true);
    closeAndCheck(s);
  });

  it("HEAP-VM-3: the pool is made on the first TILER_HEAP_CREATE of a VM, and only then", () => {
    const s = stack();
    const other = s.c.vmCreate().id;
    expect(panthorVmGetHeapPool(s.dev, s.vm, false)).toBe(-ENOENT);
    const objects = s.dev.drm.objects.size;
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(0);
    expect(s.dev.drm.objects.size).toBe(objects + 2);
    expect(panthorVmHeapPool(s.vmOf(other))).toBeNull();
    expect(heapCreate(s.c, s.vmId, 1, SZ_128K, 1).ret).toBe(0);
    expect(s.dev.drm.objects.size).toBe(objects + 3);
    closeAndCheck(s);
  });

  it("HEAP-FILE-1: closing the file destroys every VM's pool, heap and chunk; memory and GEM objects back to baseline", () => {
    const s = stack();
    const ids = [s.vmId, s.c.vmCreate().id, s.c.vmCreate().id];
    const pools: PanthorHeapPool[] = [];
    for (const id of ids) {
      for (let i = 0; i < 3; i++) expect(heapCreate(s.c, id, 2, SZ_2M, 4).ret).toBe(0);
      const pool = poolOf(s.vmOf(id));
      expect(panthorHeapGrow(pool, (pool.gpuContexts?.gpuVa ?? 0) + STRIDE, 0, 0)).toBeGreaterThan(
        0,
      );
      pools.push(pool);
    }
    expect(s.sim.memory.allocatedPages).toBeGreaterThan(s.basePages + 9 * 2 * 512);
    closeAndCheck(s);
    for (const p of pools) expect(p.released).toBe(true);
  });
});
