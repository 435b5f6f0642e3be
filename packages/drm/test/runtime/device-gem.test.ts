import {
  DRM_IOCTL_GEM_CLOSE,
  DrmGemClose,
  EBADF,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DrmGemObject,
  DrmGemShmemObject,
  drmGemFlink,
  drmGemOpen,
  drmGemPrimeFdToHandle,
  drmGemPrimeHandleToFd,
  GpuVm,
} from "../../src/index.js";
import { callIoctl, makeToyDevice, openFile, TestUserMemory, ToyBo } from "./helpers.js";

describe("DrmDevice open/close", () => {
  it("calls the open hook, lists files newest first, and closes with handles released before postclose", () => {
    const { dev, log, env } = makeToyDevice();
    const a = openFile(dev);
    const b = openFile(dev);
    expect(dev.files).toEqual([b, a]);
    expect(a.clientId).toBe(1);
    expect(b.clientId).toBe(2);
    const bo = new ToyBo(dev, 8192, log, true);
    expect(a.gemHandleCreate(bo)).toBe(1);
    bo.put();
    expect(env.memory.allocatedPages).toBe(3); // 2 BO pages + the file's mapping page
    expect(dev.close(a)).toBe(0);
    expect(dev.files).toEqual([b]);
    // close callback ran before postclose, and postclose saw an empty handle table
    expect(log.events.slice(-3)).toEqual([
      `bo-close:${bo.id}:1`,
      `bo-free:${bo.id}`,
      "postclose:1:0",
    ]);
    expect(env.memory.allocatedPages).toBe(0);
    expect(dev.close(a)).toBe(-EBADF);
    expect(
      a.ioctl(DRM_IOCTL_GEM_CLOSE, DrmGemClose.encode({ handle: 1, pad: 0 }), new TestUserMemory()),
    ).toBe(-EBADF);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("a failing open hook leaves nothing allocated", () => {
    const { dev, env } = makeToyDevice({ openErr: -ENOMEM });
    expect(dev.open()).toBe(-ENOMEM);
    expect(dev.files).toEqual([]);
    expect(env.memory.allocatedPages).toBe(0);
  });
});

describe("GEM handles", () => {
  it("numbers handles lowest-free from 1 and reuses freed ones", () => {
    const { dev, log } = makeToyDevice({ pinOnOpen: false });
    const f = openFile(dev);
    const bos = [0, 1, 2, 3].map(() => new ToyBo(dev, 4096, log, false));
    expect(bos.map((b) => f.gemHandleCreate(b))).toEqual([1, 2, 3, 4]);
    expect(f.gemHandleDelete(2)).toBe(0);
    expect(f.gemHandleDelete(3)).toBe(0);
    const again = new ToyBo(dev, 4096, log, false);
    expect(f.gemHandleCreate(again)).toBe(2);
    expect(f.gemHandleCreate(again)).toBe(3);
    expect(f.objectIdr.ids()).toEqual([1, 2, 3, 4]);
    expect(again.handleCount).toBe(2);
  });

  it("GEM_CLOSE of an unknown handle is -EINVAL and changes nothing", () => {
    const { dev, log } = makeToyDevice();
    const f = openFile(dev);
    const bo = new ToyBo(dev, 4096, log, true);
    f.gemHandleCreate(bo);
    bo.put();
    const user = new TestUserMemory();
    expect(callIoctl(f, DRM_IOCTL_GEM_CLOSE, DrmGemClose, { handle: 7, pad: 0 }, user).ret).toBe(
      -EINVAL,
    );
    expect(f.objectIdr.ids()).toEqual([1]);
    expect(callIoctl(f, DRM_IOCTL_GEM_CLOSE, DrmGemClose, { handle: 1, pad: 0 }, user).ret).toBe(0);
    expect(callIoctl(f, DRM_IOCTL_GEM_CLOSE, DrmGemClose, { handle: 1, pad: 0 }, user).ret).toBe(
      -EINVAL,
    );
    expect(bo.freed).toBe(true);
  });

  it("frees the object only when the last handle and the last reference are gone", () => {
    const { dev, log, env } = makeToyDevice();
    const f = openFile(dev);
    const bo = new ToyBo(dev, 3 * 4096, log, true);
    expect(f.gemHandleCreate(bo)).toBe(1);
    expect(bo.refcount).toBe(2); // creator + handles
    const extra = f.gemObjectLookup(1);
    expect(extra).toBe(bo);
    bo.put(); // creator's reference
    expect(f.gemHandleDelete(1)).toBe(0);
    expect(bo.freed).toBe(false);
    expect(dev.objects.has(bo)).toBe(true);
    // pages were pinned by the open callback and unpinned by close; the object still exists
    extra?.put();
    expect(bo.freed).toBe(true);
    expect(dev.objects.size).toBe(0);
    expect(env.memory.allocatedPages).toBe(0);
    expect(log.events.filter((e) => e.startsWith("bo-free"))).toHaveLength(1);
  });

  it("an open callback failure undoes the handle", () => {
    const { dev, log } = makeToyDevice();
    const f = openFile(dev);
    const bo = new ToyBo(dev, 4096, log, true);
    bo.failOpen = -ENOMEM;
    expect(f.gemHandleCreate(bo)).toBe(-ENOMEM);
    expect(f.objectIdr.size).toBe(0);
    expect(bo.handleCount).toBe(0);
    expect(bo.refcount).toBe(1);
    bo.failOpen = 0;
    expect(f.gemHandleCreate(bo)).toBe(1);
  });

  it("handle table exhaustion is -ENOSPC and undoes itself", () => {
    const { dev, log, env } = makeToyDevice({ maxHandles: 2 });
    const f = openFile(dev);
    for (let i = 0; i < 2; i++) {
      const bo = new ToyBo(dev, 4096, log, true);
      expect(f.gemHandleCreate(bo)).toBe(i + 1);
      bo.put();
    }
    const before = env.memory.allocatedPages;
    const bo = new ToyBo(dev, 4096, log, true);
    expect(f.gemHandleCreate(bo)).toBe(-ENOSPC);
    expect(bo.handleCount).toBe(0);
    bo.put();
    expect(bo.freed).toBe(true);
    expect(env.memory.allocatedPages).toBe(before);
  });

  it("drm_gem_objects_lookup is all or nothing", () => {
    const { dev, log } = makeToyDevice({ pinOnOpen: false });
    const f = openFile(dev);
    const bo = new ToyBo(dev, 4096, log, false);
    f.gemHandleCreate(bo);
    expect(f.gemObjectsLookup([1, 9])).toBe(-ENOENT);
    expect(bo.refcount).toBe(2);
    const objs = f.gemObjectsLookup([1, 1]);
    expect(Array.isArray(objs) && objs.length).toBe(2);
    expect(bo.refcount).toBe(4);
  });
});

describe("sharing between files", () => {
  it("flink + open: one object open in two files gets both open callbacks", () => {
    const { dev, log, env } = makeToyDevice();
    const a = openFile(dev, "primary");
    const b = openFile(dev, "primary");
    const bo = new ToyBo(dev, 8192, log, true);
    expect(a.gemHandleCreate(bo)).toBe(1);
    bo.put();
    const name = drmGemFlink(a, 1);
    expect(name).toBe(1);
    expect(drmGemFlink(a, 1)).toBe(1);
    expect(drmGemFlink(a, 5)).toBe(-ENOENT);
    const opened = drmGemOpen(b, name);
    expect(opened).toEqual({ handle: 1, size: 8192 });
    expect(drmGemOpen(b, 99)).toBe(-ENOENT);
    expect(log.events.filter((e) => e.startsWith("bo-open"))).toEqual([
      `bo-open:${bo.id}:1`,
      `bo-open:${bo.id}:2`,
    ]);
    expect(b.driverPriv?.opened).toEqual([bo.id]);
    expect(bo.handleCount).toBe(2);
    expect(bo.pagesPinCount).toBe(2);
    expect(env.memory.allocatedPages).toBe(4); // 2 BO pages + one mapping page per file
    dev.close(a);
    expect(bo.freed).toBe(false);
    expect(bo.name).toBe(1);
    dev.close(b);
    expect(bo.freed).toBe(true);
    expect(dev.objectNames.size).toBe(0);
    expect(env.memory.allocatedPages).toBe(0);
  });

  it("PRIME export/import shares the object; re-import gives the same handle; fds keep it alive", () => {
    const { dev, log, env } = makeToyDevice();
    const a = openFile(dev);
    const b = openFile(dev);
    const bo = new ToyBo(dev, 4096, log, true);
    a.gemHandleCreate(bo);
    bo.put();
    expect(drmGemPrimeHandleToFd(a, 1, 0x1234)).toBe(-EINVAL);
    expect(drmGemPrimeHandleToFd(a, 2, 0)).toBe(-ENOENT);
    const fd = drmGemPrimeHandleToFd(a, 1, 0);
    expect(fd).toBe(3);
    expect(drmGemPrimeFdToHandle(a, fd)).toBe(1);
    const f2 = new ToyBo(dev, 4096, log, false);
    b.gemHandleCreate(f2);
    expect(drmGemPrimeFdToHandle(b, fd)).toBe(2);
    expect(drmGemPrimeFdToHandle(b, fd)).toBe(2);
    expect(drmGemPrimeFdToHandle(b, 42)).toBe(-EBADF);
    expect(bo.handleCount).toBe(2);
    expect(log.events.filter((e) => e.startsWith(`bo-open:${bo.id}`))).toHaveLength(2);
    // close every handle: the fd still holds the object
    dev.close(a);
    expect(b.gemHandleDelete(2)).toBe(0);
    expect(bo.freed).toBe(false);
    expect(bo.dmaBuf).toBe(null);
    // import again from the fd after all handles went
    expect(drmGemPrimeFdToHandle(b, fd)).toBe(2);
    expect(b.gemHandleDelete(2)).toBe(0);
    expect(dev.closeFd(fd)).toBe(0);
    expect(dev.closeFd(fd)).toBe(-EBADF);
    expect(bo.freed).toBe(true);
    expect(env.memory.allocatedPages).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });

  it("GEM objects of plain DrmGemObject type work without shmem", () => {
    const { dev } = makeToyDevice();
    const f = openFile(dev);
    const obj = new DrmGemObject(dev, 4096);
    expect(f.gemHandleCreate(obj)).toBe(1);
    obj.put();
    expect(f.gemHandleDelete(1)).toBe(0);
    expect(obj.freed).toBe(true);
  });
});

describe("GEM objects in drm_gpuvm", () => {
  it("implement GpuVmGemObject: vm_bos hold references; a shared resv makes a VM-private object", () => {
    const { dev, log } = makeToyDevice();
    const root = new DrmGemObject(dev, 0);
    const vm = new GpuVm("vm", 0, 2 ** 32, 0, 0, { vmFree: () => {} }, { resvObj: root });
    const priv = new ToyBo(dev, 4096, log, false);
    const shared = new DrmGemShmemObject(dev, 4096, root.resv);
    expect(vm.isExtobj(priv)).toBe(true);
    expect(vm.isExtobj(shared)).toBe(false);
    const vmBo = vm.boObtain(priv);
    if (typeof vmBo === "number") throw new Error("boObtain failed");
    expect(priv.gpuva.size).toBe(1);
    expect(priv.refcount).toBe(2);
    priv.put();
    expect(priv.freed).toBe(false);
    vmBo.put();
    expect(priv.gpuva.size).toBe(0);
    expect(priv.freed).toBe(true);
  });
});
