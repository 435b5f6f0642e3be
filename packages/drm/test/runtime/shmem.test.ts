import { EventLoopSim, PAGE_SIZE, SystemMemory } from "@panmmu/hw";
import { CollectingWarningSink, EFAULT, EINVAL, ENOMEM, KernelError } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DrmDevice,
  DrmGemShmemObject,
  DrmGemShmemShrinker,
  MADV_DONTNEED,
  MADV_WILLNEED,
} from "../../src/index.js";
import { makeToyDevice, makeToyDriver, mmapObject, openFile } from "./helpers.js";

const MiB = 1024 * 1024;

describe("shmem pages", () => {
  it("allocates lazily, counts uses and pins; the last use keeps the pages until the object goes", () => {
    const { dev, env } = makeToyDevice();
    const bo = new DrmGemShmemObject(dev, 5000);
    expect(bo.size).toBe(2 * PAGE_SIZE);
    expect(bo.pages).toBe(null);
    expect(env.memory.allocatedPages).toBe(0);
    expect(bo.getPages()).toBe(0);
    expect(env.memory.allocatedPages).toBe(2);
    expect(bo.pages?.every((pa) => env.memory.isAllocated(pa))).toBe(true);
    expect(bo.pin()).toBe(0);
    expect(bo.pin()).toBe(0);
    expect([bo.pagesUseCount, bo.pagesPinCount]).toEqual([2, 2]);
    bo.unpin();
    expect([bo.pagesUseCount, bo.pagesPinCount]).toEqual([2, 1]);
    bo.unpin();
    expect([bo.pagesUseCount, bo.pagesPinCount]).toEqual([1, 0]);
    const pages = bo.pages;
    bo.putPages();
    // Like a shmem file: the page array goes, the pages stay in the backing store.
    expect(bo.pages).toBe(null);
    expect(bo.residentPages).toBe(2);
    expect(env.memory.allocatedPages).toBe(2);
    // The next use finds the same pages again, without allocating.
    expect(bo.getPages()).toBe(0);
    expect(bo.pages).toEqual(pages);
    expect(env.memory.allocatedPages).toBe(2);
    bo.putPages();
    bo.putPages();
    expect(env.warnings.warnings.map((w) => w.where)).toEqual(["drm_gem_shmem_put_pages"]);
    bo.put();
    expect(env.memory.allocatedPages).toBe(0);
  });

  it("keeps what was written through a CPU view after every use is dropped", () => {
    const { dev, env } = makeToyDevice();
    const bo = new DrmGemShmemObject(dev, 2 * PAGE_SIZE);
    const first = bo.vmap();
    if (typeof first === "number") throw new Error("vmap");
    first.write(PAGE_SIZE - 2, Uint8Array.of(1, 2, 3, 4));
    first.unmap();
    expect(bo.pagesUseCount).toBe(0);
    const again = bo.vmap();
    if (typeof again === "number") throw new Error("vmap");
    expect([...again.read(PAGE_SIZE - 2, 4)]).toEqual([1, 2, 3, 4]);
    again.unmap();
    bo.put();
    expect(env.memory.allocatedPages).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("rejects bad sizes with -EINVAL", () => {
    const { dev } = makeToyDevice();
    expect(DrmGemShmemObject.create(dev, 0)).toBe(-EINVAL);
    expect(DrmGemShmemObject.create(dev, -5)).toBe(-EINVAL);
    expect(DrmGemShmemObject.create(dev, 1.5)).toBe(-EINVAL);
  });

  it("uses 2 MiB-aligned runs for every covered 2 MiB and single pages for the tail", () => {
    const { dev, env } = makeToyDevice();
    const bo = new DrmGemShmemObject(dev, 4 * MiB + 3 * PAGE_SIZE);
    const sgt = bo.getPagesSgt();
    if (typeof sgt === "number") throw new Error("no sgt");
    expect(sgt.pages).toHaveLength(1024 + 3);
    const first = sgt.segments[0];
    expect(first?.pa !== undefined && first.pa % (2 * MiB)).toBe(0);
    // the two runs are 2 MiB aligned (possibly merged into one segment)
    for (const k of [0, 512]) {
      const pa = sgt.pages[k] as number;
      expect(pa % (2 * MiB)).toBe(0);
      for (let i = 1; i < 512; i++) expect(sgt.pages[k + i]).toBe(pa + i * PAGE_SIZE);
    }
    expect(sgt.segments.reduce((s, seg) => s + seg.size, 0)).toBe(bo.size);
    expect(env.memory.allocatedPages).toBe(1027);
    expect(bo.getPagesSgt()).toBe(sgt);
    expect(bo.pagesUseCount).toBe(1);
  });

  it("falls back to single pages when no 2 MiB run is available", () => {
    const warnings = new CollectingWarningSink();
    const memory = new SystemMemory({ size: 8 * MiB, warnings });
    const dev = new DrmDevice(makeToyDriver({ events: [] }), {
      memory,
      loop: new EventLoopSim(),
      warnings,
    });
    // fragment: one page taken inside every 2 MiB block
    for (let blk = 0; blk < 4; blk++)
      expect(memory.allocPageAt(memory.base + blk * 2 * MiB + PAGE_SIZE)).toBe(true);
    const bo = new DrmGemShmemObject(dev, 2 * MiB);
    expect(bo.getPages()).toBe(0);
    expect(memory.allocatedPages).toBe(4 + 512);
    const pages = bo.pages as readonly number[];
    expect(new Set(pages).size).toBe(512);
    expect(memory.stats.failures).toBe(1); // the 2 MiB attempt
    bo.putPages();
    expect(memory.allocatedPages).toBe(4 + 512);
    bo.put();
    expect(memory.allocatedPages).toBe(4);
  });

  it("a CPU view reads what was written, across pages, and faults out of range", () => {
    const { dev, env } = makeToyDevice();
    const bo = new DrmGemShmemObject(dev, 3 * PAGE_SIZE);
    const file = openFile(dev);
    expect(file.gemHandleCreate(bo)).toBe(1);
    bo.put();
    const view = mmapObject(file, bo);
    const data = Uint8Array.from({ length: 6000 }, (_, i) => (i * 7) & 0xff);
    view.write(1000, data);
    expect(view.read(1000, 6000)).toEqual(data);
    view.writeU32(8188, 0xdeadbeef);
    expect(view.readU32(8188)).toBe(0xdeadbeef);
    // the bytes really are in the pages
    const pages = bo.pages as readonly number[];
    expect(env.memory.pageU8(pages[1] as number)[1000 + 6000 - 4096 - 1]).toBe(data[5999]);
    expect(() => view.read(3 * PAGE_SIZE - 2, 4)).toThrowError(KernelError);
    const v2 = bo.vmap();
    if (typeof v2 === "number") throw new Error("vmap failed");
    expect(v2.read(1000, 6000)).toEqual(data);
    expect([bo.pagesUseCount, bo.pagesPinCount, bo.vmapUseCount]).toEqual([2, 1, 1]);
    v2.unmap();
    expect(view.munmap()).toBe(0);
    expect(bo.pages).toBe(null);
    try {
      view.read(0, 1);
      expect.unreachable();
    } catch (e) {
      expect((e as KernelError).errno).toBe(EFAULT);
    }
  });
});

describe("madvise, purge and the shrinker", () => {
  it("purge frees exactly the object's pages and marks it purged", () => {
    const { dev, env } = makeToyDevice();
    const keep = new DrmGemShmemObject(dev, 4 * PAGE_SIZE);
    const drop = new DrmGemShmemObject(dev, 3 * PAGE_SIZE);
    keep.getPagesSgt();
    drop.getPagesSgt();
    const dropPages = [...(drop.pages as readonly number[])];
    const keepPages = [...(keep.pages as readonly number[])];
    expect(env.memory.allocatedPages).toBe(7);
    expect(drop.isPurgeable()).toBe(false);
    expect(drop.madvise(MADV_DONTNEED)).toBe(true);
    expect(drop.isPurgeable()).toBe(true);
    expect(drop.purge()).toBe(3);
    expect(env.memory.allocatedPages).toBe(4);
    expect(dropPages.some((pa) => env.memory.isAllocated(pa))).toBe(false);
    expect(keepPages.every((pa) => env.memory.isAllocated(pa))).toBe(true);
    expect(drop.purged).toBe(true);
    expect(drop.madvise(MADV_WILLNEED)).toBe(false);
    expect(drop.getPages()).toBe(-ENOMEM);
    drop.put();
    expect(env.memory.allocatedPages).toBe(4);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("pinned, vmapped or exported objects are not purgeable", () => {
    const { dev } = makeToyDevice();
    const bo = new DrmGemShmemObject(dev, PAGE_SIZE);
    bo.getPagesSgt();
    bo.madvise(MADV_DONTNEED);
    bo.pin();
    expect(bo.isPurgeable()).toBe(false);
    bo.unpin();
    const v = bo.vmap();
    expect(bo.isPurgeable()).toBe(false);
    if (typeof v !== "number") v.unmap();
    expect(bo.isPurgeable()).toBe(true);
  });

  it("the shrinker counts and scans oldest first, under explicit pressure", () => {
    const { dev, env } = makeToyDevice();
    const shrinker = new DrmGemShmemShrinker();
    const bos = [2, 3, 4].map((n) => {
      const bo = new DrmGemShmemObject(dev, n * PAGE_SIZE);
      bo.getPagesSgt();
      return bo;
    });
    expect(shrinker.count()).toBe(0);
    for (const bo of bos) shrinker.madvise(bo, MADV_DONTNEED);
    shrinker.madvise(bos[1] as DrmGemShmemObject, MADV_WILLNEED);
    expect(shrinker.objects).toEqual([bos[0], bos[2]]);
    expect(shrinker.count()).toBe(6);
    expect(shrinker.shrink(1)).toBe(2);
    expect(bos[0]?.purged).toBe(true);
    expect(shrinker.count()).toBe(4);
    expect(env.memory.allocatedPages).toBe(7);
    expect(shrinker.shrink(100)).toBe(4);
    expect(shrinker.count()).toBe(0);
    expect(shrinker.shrink(1)).toBe(0);
    expect(env.memory.allocatedPages).toBe(3);
  });

  it("registered with memory, it frees purgeable pages when an allocation finds memory exhausted", () => {
    const warnings = new CollectingWarningSink();
    const memory = new SystemMemory({ size: 16 * PAGE_SIZE, warnings });
    const dev = new DrmDevice(makeToyDriver({ events: [] }), {
      memory,
      loop: new EventLoopSim(),
      warnings,
    });
    const shrinker = new DrmGemShmemShrinker({ name: "toy" });
    const unregister = shrinker.register(memory);
    const old = new DrmGemShmemObject(dev, 10 * PAGE_SIZE);
    old.getPagesSgt();
    shrinker.madvise(old, MADV_DONTNEED);
    const fresh = new DrmGemShmemObject(dev, 10 * PAGE_SIZE);
    expect(fresh.getPages()).toBe(0);
    expect(old.purged).toBe(true);
    expect(memory.allocatedPages).toBe(10);
    expect(memory.stats.shrinkerCalls).toBeGreaterThan(0);
    unregister();
    const third = new DrmGemShmemObject(dev, 10 * PAGE_SIZE);
    expect(third.getPages()).toBe(-ENOMEM);
    expect(memory.allocatedPages).toBe(10);
  });

  it("madvise values other than WILLNEED / DONTNEED set the state and leave the list alone", () => {
    const { dev } = makeToyDevice();
    const shrinker = new DrmGemShmemShrinker();
    const [tracked, untracked] = [1, 1].map((n) => {
      const bo = new DrmGemShmemObject(dev, n * PAGE_SIZE);
      bo.getPagesSgt();
      return bo;
    }) as [DrmGemShmemObject, DrmGemShmemObject];
    shrinker.madvise(tracked, MADV_DONTNEED);
    expect(shrinker.madvise(tracked, 7)).toBe(true);
    expect(shrinker.madvise(untracked, 7)).toBe(true);
    expect(untracked.madv).toBe(7);
    expect(shrinker.objects).toEqual([tracked]);
    expect(shrinker.shrink(100)).toBe(1);
    expect(untracked.purged).toBe(false);
    tracked.put();
    untracked.put();
    expect(dev.memory.allocatedPages).toBe(0);
  });

  it("freeing a tracked object removes it from the shrinker", () => {
    const { dev } = makeToyDevice();
    const shrinker = new DrmGemShmemShrinker();
    const bo = new DrmGemShmemObject(dev, PAGE_SIZE);
    bo.getPagesSgt();
    shrinker.madvise(bo, MADV_DONTNEED);
    bo.put();
    expect(shrinker.objects).toEqual([]);
    expect(dev.memory.allocatedPages).toBe(0);
  });
});

describe("grow-on-fault population (heap objects)", () => {
  it("populates 2 MiB at a time into a sparse page array, idempotently, keeping partial progress", () => {
    const { dev, env } = makeToyDevice();
    const heap = new DrmGemShmemObject(dev, 8 * MiB);
    expect(heap.populateRange(512, 512)).toBe(0);
    expect(heap.pagesUseCount).toBe(1);
    expect(env.memory.allocatedPages).toBe(512);
    expect(heap.pageAt(0)).toBe(-1);
    expect(heap.pageAt(512) % (2 * MiB)).toBe(0);
    expect(heap.populateRange(512, 512)).toBe(0);
    expect(env.memory.allocatedPages).toBe(512);
    expect(heap.populateRange(2048, 1)).toBe(-EINVAL);
    // a failing population keeps what it got (as the kernel's fault handler does): a range
    // that is not a whole 2 MiB takes single pages; the first 9 succeed, the 10th fails
    env.memory.failNthAllocation(10);
    expect(heap.populateRange(0, 100)).toBe(-ENOMEM);
    expect(env.memory.allocatedPages).toBe(512 + 9);
    expect(heap.pageAt(8)).toBeGreaterThanOrEqual(0);
    expect(heap.pageAt(9)).toBe(-1);
    expect(heap.rangeSegments(0, 100)).toBe(-EINVAL);
    // the next attempt allocates only the 91 missing pages and keeps the others
    const kept = heap.pageAt(0);
    expect(heap.populateRange(0, 100)).toBe(0);
    expect(env.memory.allocatedPages).toBe(512 + 100);
    expect(heap.pageAt(0)).toBe(kept);
    expect(heap.rangeSegments(512, 512)).toEqual([[heap.pageAt(512), 2 * MiB]]);
    // mapping the whole object needs every page
    expect(heap.getPagesSgt()).toBe(-EINVAL);
    expect(heap.pagesUseCount).toBe(1);
    env.warnings.clear();
    heap.put();
    expect(env.memory.allocatedPages).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });
  it("getPages of an unused sparse object that runs out of memory undoes itself", () => {
    const { dev, env } = makeToyDevice();
    const heap = new DrmGemShmemObject(dev, 16 * PAGE_SIZE);
    expect(heap.populateRange(0, 1)).toBe(0);
    const first = heap.pageAt(0);
    heap.putPages();
    expect([heap.pagesUseCount, heap.pages, heap.residentPages]).toEqual([0, null, 1]);
    env.memory.failNthAllocation(5);
    expect(heap.getPages()).toBe(-ENOMEM);
    // no use taken, no page array, and only the page it had before is still allocated
    expect([heap.pagesUseCount, heap.pages, heap.residentPages]).toEqual([0, null, 1]);
    expect(env.memory.allocatedPages).toBe(1);
    expect(heap.getPages()).toBe(0);
    expect(heap.pageAt(0)).toBe(first);
    expect(heap.pages?.every((pa) => pa >= 0)).toBe(true);
    expect(env.memory.allocatedPages).toBe(16);
    heap.putPages();
    heap.put();
    expect(env.memory.allocatedPages).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });
});
