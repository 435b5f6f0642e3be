/**
 * GEM mmap: fake offsets (drm_vma_offset_manager), the per-object allow list, and mappings
 * that keep their object and their file alive until munmap (drm_gem_mmap / drm_gem_mmap_obj).
 */
import { PAGE_SIZE } from "@panmmu/hw";
import {
  DRM_IOCTL_GEM_CLOSE,
  DrmGemClose,
  EACCES,
  EBADF,
  EFAULT,
  EINVAL,
  KernelError,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DRM_FILE_PAGE_OFFSET_START,
  type DrmFile,
  DrmGemObject,
  type DrmGemShmemObject,
  DrmVmaOffsetManager,
  DrmVmaOffsetNode,
  drmGemCreateMmapOffset,
  drmGemFlink,
  drmGemMmap,
  drmGemOpen,
} from "../../src/index.js";
import {
  callIoctl,
  makeToyDevice,
  mmapObject,
  openFile,
  TestUserMemory,
  ToyBo,
} from "./helpers.js";
import { fdToHandle, handleToFd, makeTwoDevices, shmemWithHandle } from "./prime-helpers.js";

const OFFSET_BASE = DRM_FILE_PAGE_OFFSET_START * PAGE_SIZE;

function gemClose(file: DrmFile, handle: number): number {
  return callIoctl(file, DRM_IOCTL_GEM_CLOSE, DrmGemClose, { handle, pad: 0 }, new TestUserMemory())
    .ret;
}

function faultErrno(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

describe("drm_vma_offset_manager", () => {
  it("hands out page ranges from DRM_FILE_PAGE_OFFSET_START, looks them up exactly, reuses freed ones", () => {
    const mgr = new DrmVmaOffsetManager<string>();
    const a = new DrmVmaOffsetNode("a");
    const b = new DrmVmaOffsetNode("b");
    expect(a.offsetAddr).toBe(0);
    expect(mgr.add(a, 4)).toBe(0);
    expect(mgr.add(a, 9)).toBe(0); // already has one: kept
    expect(mgr.add(b, 2)).toBe(0);
    expect([a.start, a.pages, a.offsetAddr]).toEqual([0x100000, 4, 0x1_0000_0000]);
    expect([b.start, b.pages]).toEqual([0x100004, 2]);
    expect(mgr.exactLookup(0x100000, 4)?.owner).toBe("a");
    expect(mgr.exactLookup(0x100000, 5)).toBe(null); // longer than the node
    expect(mgr.exactLookup(0x100001, 1)).toBe(null); // not its first page
    mgr.remove(a);
    expect([a.allocated, a.start, a.pages]).toEqual([false, 0, 0]);
    expect(mgr.exactLookup(0x100000, 1)).toBe(null);
    const c = new DrmVmaOffsetNode("c");
    expect(mgr.add(c, 3)).toBe(0);
    expect(c.start).toBe(0x100000); // best fit: the freed 4-page hole
    expect(mgr.add(new DrmVmaOffsetNode("zero"), 0)).toBeLessThan(0);
    expect(mgr.size).toBe(2);
  });

  it("the allow list counts each allow and forgets a file at its last revoke", () => {
    const node = new DrmVmaOffsetNode(null);
    const f1 = {};
    const f2 = {};
    node.allow(f1);
    node.allow(f1);
    node.allowOnce(f2);
    node.allowOnce(f2);
    expect([node.isAllowed(f1), node.isAllowed(f2), node.allowedFiles]).toEqual([true, true, 2]);
    node.revoke(f1);
    expect(node.isAllowed(f1)).toBe(true);
    node.revoke(f1);
    node.revoke(f2);
    node.revoke({}); // not on the list: ignored
    expect([node.isAllowed(f1), node.isAllowed(f2), node.allowedFiles]).toEqual([false, false, 0]);
  });
});

describe("mmap of a GEM object", () => {
  it("the mapping holds its own object reference: GEM_CLOSE of the only handle keeps the pages until munmap", () => {
    const { dev, env } = makeToyDevice();
    const file = openFile(dev);
    const [handle, bo] = shmemWithHandle(file, 3 * PAGE_SIZE);
    const map = mmapObject(file, bo);
    expect(map.offset).toBe(OFFSET_BASE);
    expect(map.length).toBe(3 * PAGE_SIZE);
    expect(bo.refcount).toBe(2); // the handles' reference + the mapping's
    map.writeU32(PAGE_SIZE + 8, 0xcafef00d);
    expect(gemClose(file, handle)).toBe(0);
    expect(bo.freed).toBe(false);
    expect(env.memory.allocatedPages).toBe(3);
    map.writeU32(2 * PAGE_SIZE, 0x1234);
    expect(map.readU32(PAGE_SIZE + 8)).toBe(0xcafef00d);
    expect(map.readU32(2 * PAGE_SIZE)).toBe(0x1234);
    expect(map.munmap()).toBe(0);
    expect(bo.freed).toBe(true);
    expect(env.memory.allocatedPages).toBe(0);
    expect(dev.vmaOffsetManager.size).toBe(0);
    // munmap of what is no longer mapped succeeds and does nothing, as munmap(2); accesses fault.
    expect(map.munmap()).toBe(0);
    expect(faultErrno(() => map.readU32(0))).toBe(EFAULT);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("offsets are per object, created once, and freed with the object", () => {
    const { dev, env } = makeToyDevice();
    const file = openFile(dev);
    const [h1, a] = shmemWithHandle(file, 2 * PAGE_SIZE);
    const [, b] = shmemWithHandle(file, PAGE_SIZE);
    expect(drmGemCreateMmapOffset(a)).toBe(0);
    expect(drmGemCreateMmapOffset(b)).toBe(0);
    expect(drmGemCreateMmapOffset(a)).toBe(0);
    expect([a.vmaNode.offsetAddr, b.vmaNode.offsetAddr]).toEqual([
      OFFSET_BASE,
      OFFSET_BASE + 2 * PAGE_SIZE,
    ]);
    expect(gemClose(file, h1)).toBe(0);
    expect(a.freed).toBe(true);
    expect(drmGemMmap(file, OFFSET_BASE)).toBe(-EINVAL);
    expect(dev.vmaOffsetManager.size).toBe(1);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("refuses bad offsets and lengths with -EINVAL and maps a prefix of an object", () => {
    const { dev, env } = makeToyDevice();
    const file = openFile(dev);
    const [, bo] = shmemWithHandle(file, 4 * PAGE_SIZE);
    expect(drmGemCreateMmapOffset(bo)).toBe(0);
    const off = bo.vmaNode.offsetAddr;
    expect(drmGemMmap(file, 0x2_0000_0000n)).toBe(-EINVAL); // never allocated
    expect(drmGemMmap(file, 0)).toBe(-EINVAL);
    expect(drmGemMmap(file, off + 1)).toBe(-EINVAL); // not page aligned
    expect(drmGemMmap(file, off + PAGE_SIZE)).toBe(-EINVAL); // inside the object, not its start
    expect(drmGemMmap(file, -PAGE_SIZE)).toBe(-EINVAL);
    expect(drmGemMmap(file, 1n << 64n)).toBe(-EINVAL);
    expect(drmGemMmap(file, off, 0)).toBe(-EINVAL);
    expect(drmGemMmap(file, off, 5 * PAGE_SIZE)).toBe(-EINVAL); // longer than the object
    const part = drmGemMmap(file, BigInt(off), 100);
    if (typeof part === "number") throw new Error(`mmap ${part}`);
    expect(part.length).toBe(PAGE_SIZE);
    part.writeU32(PAGE_SIZE - 4, 7);
    expect(faultErrno(() => part.readU32(PAGE_SIZE))).toBe(EFAULT);
    expect(part.munmap()).toBe(0);
    expect(bo.pagesUseCount).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("an object without an mmap function cannot be mapped (-EINVAL), and the failed mmap holds nothing", () => {
    const { dev, env } = makeToyDevice();
    const file = openFile(dev);
    const obj = new DrmGemObject(dev, PAGE_SIZE);
    expect(file.gemHandleCreate(obj)).toBe(1);
    obj.put();
    expect(drmGemCreateMmapOffset(obj)).toBe(0);
    expect(drmGemMmap(file, obj.vmaNode.offsetAddr)).toBe(-EINVAL);
    expect([obj.refcount, file.refcount]).toEqual([1, 1]);
    expect(dev.close(file)).toBe(0);
    expect([obj.freed, file.released]).toEqual([true, true]);
    expect(env.warnings.warnings).toEqual([]);
  });
});

describe("the mmap allow list", () => {
  it("another file's object: -EACCES; after GEM_OPEN by flink name the mmap works; its GEM_CLOSE revokes", () => {
    const { dev, log, env } = makeToyDevice();
    const a = openFile(dev, "primary");
    const b = openFile(dev, "primary");
    const bo = new ToyBo(dev, 2 * PAGE_SIZE, log, true);
    expect(a.gemHandleCreate(bo)).toBe(1);
    bo.put();
    expect(drmGemCreateMmapOffset(bo)).toBe(0);
    const off = bo.vmaNode.offsetAddr;
    expect(drmGemMmap(b, off)).toBe(-EACCES);
    expect(drmGemMmap(b, off + 2 * PAGE_SIZE)).toBe(-EINVAL);
    expect(bo.refcount).toBe(1);
    const name = drmGemFlink(a, 1);
    const first = drmGemOpen(b, name);
    const second = drmGemOpen(b, name);
    if (typeof first === "number" || typeof second === "number") throw new Error("GEM_OPEN");
    expect([first.handle, second.handle]).toEqual([1, 2]);
    const map = drmGemMmap(b, off);
    if (typeof map === "number") throw new Error(`mmap ${map}`);
    map.write(0, Uint8Array.of(9, 8, 7));
    expect(map.munmap()).toBe(0);
    // Each handle counts on the list: the file stays allowed until its last handle goes.
    expect(gemClose(b, first.handle)).toBe(0);
    expect(bo.vmaNode.isAllowed(b)).toBe(true);
    expect(gemClose(b, second.handle)).toBe(0);
    expect(drmGemMmap(b, off)).toBe(-EACCES);
    const again = mmapObject(a, bo);
    expect([...again.read(0, 3)]).toEqual([9, 8, 7]);
    again.munmap();
    expect(env.warnings.warnings).toEqual([]);
  });

  it("a handle whose open callback fails leaves the file off the list", () => {
    const { dev, log } = makeToyDevice();
    const a = openFile(dev);
    const b = openFile(dev);
    const bo = new ToyBo(dev, PAGE_SIZE, log, true);
    expect(a.gemHandleCreate(bo)).toBe(1);
    bo.put();
    bo.failOpen = -EINVAL;
    expect(b.gemHandleCreate(bo)).toBe(-EINVAL);
    expect(drmGemCreateMmapOffset(bo)).toBe(0);
    expect(drmGemMmap(b, bo.vmaNode.offsetAddr)).toBe(-EACCES);
    expect(bo.vmaNode.allowedFiles).toBe(1);
  });
});

describe("a mapping keeps its file open", () => {
  it("close(fd) with a live mapping: the release (handles, postclose) runs at munmap", () => {
    const { dev, log, env } = makeToyDevice();
    const file = openFile(dev);
    const bo = new ToyBo(dev, 2 * PAGE_SIZE, log, true);
    expect(file.gemHandleCreate(bo)).toBe(1);
    bo.put();
    const map = mmapObject(file, bo);
    expect(file.refcount).toBe(2);
    expect(dev.close(file)).toBe(0);
    expect([file.closed, file.released]).toEqual([true, false]);
    expect(dev.files).toContain(file);
    expect(log.events.some((e) => e.startsWith("postclose"))).toBe(false);
    expect(file.objectIdr.size).toBe(1);
    // The fd is gone: no second close, no ioctl, no new mapping.
    expect(dev.close(file)).toBe(-EBADF);
    expect(gemClose(file, 1)).toBe(-EBADF);
    expect(drmGemMmap(file, bo.vmaNode.offsetAddr)).toBe(-EBADF);
    map.writeU32(0, 42);
    expect(map.readU32(0)).toBe(42);
    expect(map.munmap()).toBe(0);
    expect(file.released).toBe(true);
    expect(log.events.slice(-3)).toEqual([
      `bo-close:${bo.id}:${file.clientId}`,
      `bo-free:${bo.id}`,
      `postclose:${file.clientId}:0`,
    ]);
    expect(dev.files).not.toContain(file);
    expect(env.memory.allocatedPages).toBe(0);
    expect(dev.objects.size).toBe(0);
    expect(map.munmap()).toBe(0);
    expect(file.refcount).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("closing with no mapping releases at once, as before", () => {
    const { dev, log } = makeToyDevice();
    const file = openFile(dev);
    expect(dev.close(file)).toBe(0);
    expect(file.released).toBe(true);
    expect(log.events).toEqual([`open:${file.clientId}`, `postclose:${file.clientId}:0`]);
  });
});

describe("mmap of an imported object", () => {
  it("maps the exporter's pages through the dma-buf: the mapping holds the dma-buf, not the importer's file", () => {
    const t = makeTwoDevices();
    const [kh, exporter] = shmemWithHandle(t.kmsFile, 2 * PAGE_SIZE);
    const [ret, fd] = handleToFd(t.kmsFile, kh, 0, t.user);
    expect(ret).toBe(0);
    const [r2, gh] = fdToHandle(t.gpuFile, fd, t.user);
    expect(r2).toBe(0);
    expect(t.kms.closeFd(fd)).toBe(0);
    const imported = t.gpuFile.objectIdr.find(gh) as DrmGemShmemObject;
    expect(imported).not.toBe(exporter);
    const map = mmapObject(t.gpuFile, imported);
    expect(exporter.pagesUseCount).toBeGreaterThan(0);
    map.writeU32(PAGE_SIZE, 0xabcd);
    // The importer's file is not held by the mapping: closing it releases it now.
    expect(t.gpu.close(t.gpuFile)).toBe(0);
    expect(t.gpuFile.released).toBe(true);
    expect(imported.freed).toBe(true);
    // The exporter's last handle goes too: the mapping keeps the exporter and its pages.
    expect(gemClose(t.kmsFile, kh)).toBe(0);
    expect(exporter.freed).toBe(false);
    expect(map.readU32(PAGE_SIZE)).toBe(0xabcd);
    expect(map.munmap()).toBe(0);
    expect(exporter.freed).toBe(true);
    expect(t.env.memory.allocatedPages).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });
});

describe("purge", () => {
  it("takes the object's offset away: a later mmap of it is -EINVAL", () => {
    const { dev, env } = makeToyDevice();
    const file = openFile(dev);
    const [, bo] = shmemWithHandle(file, PAGE_SIZE);
    expect(typeof bo.getPagesSgt()).toBe("object");
    expect(drmGemCreateMmapOffset(bo)).toBe(0);
    const off = bo.vmaNode.offsetAddr;
    bo.madvise(1);
    expect(bo.purge()).toBe(1);
    expect(drmGemMmap(file, off)).toBe(-EINVAL);
    expect(dev.vmaOffsetManager.size).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });
});
