/**
 * PRIME between devices: one process fd table shared by several devices, foreign imports
 * through gemPrimeImportSgTable (pages borrowed, exporter pinned), the per-file import cache,
 * self-import, re-export, and lifetimes.
 */
import { DRM_CLOEXEC, EBADF, EINVAL, ENOSPC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  DmaBuf,
  DrmDevice,
  DrmGemShmemObject,
  drmGemPrimeImport,
  MADV_DONTNEED,
} from "../../src/index.js";
import { makeEnv, openFile } from "./helpers.js";
import {
  fdToHandle,
  handleToFd,
  makeTwoDevices,
  plainDriver,
  shmemAt,
  shmemWithHandle,
} from "./prime-helpers.js";

describe("process fd table", () => {
  it("is per device by default: another device cannot see the fd (-EBADF)", () => {
    const t = makeTwoDevices({ shareFds: false });
    const [h] = shmemWithHandle(t.kmsFile, 4096);
    const [ret, fd] = handleToFd(t.kmsFile, h, DRM_CLOEXEC, t.user);
    expect(ret).toBe(0);
    expect(t.kms.fds).not.toBe(t.gpu.fds);
    expect(fdToHandle(t.gpuFile, fd, t.user)[0]).toBe(-EBADF);
    expect(t.kms.closeFd(fd)).toBe(0);
    t.kms.close(t.kmsFile);
    t.gpu.close(t.gpuFile);
    expect(t.env.memory.allocatedPages).toBe(0);
  });

  it("shared: fds of both devices come from one table, and either device closes them", () => {
    const t = makeTwoDevices();
    expect(t.kms.fds).toBe(t.gpu.fds);
    const [hk] = shmemWithHandle(t.kmsFile, 4096);
    const [hg] = shmemWithHandle(t.gpuFile, 4096);
    const [, fdK] = handleToFd(t.kmsFile, hk, 0, t.user);
    const [, fdG] = handleToFd(t.gpuFile, hg, 0, t.user);
    expect([fdK, fdG]).toEqual([3, 4]);
    expect(t.gpu.closeFd(fdK)).toBe(0);
    expect(t.kms.closeFd(fdK)).toBe(-EBADF);
    expect(t.kms.closeFd(fdG)).toBe(0);
    expect(t.kms.fds.size).toBe(0);
  });
});

describe("foreign PRIME import", () => {
  it("maps the exporter's pages: CPU writes through the exporter show through the importer", () => {
    const t = makeTwoDevices();
    const [dumbHandle, exporter] = shmemWithHandle(t.kmsFile, 5 * 4096);
    const wview = exporter.vmap();
    if (typeof wview === "number") throw new Error("vmap");
    const pagesBefore = t.env.memory.allocatedPages;
    const [r1, fd] = handleToFd(t.kmsFile, dumbHandle, DRM_CLOEXEC, t.user);
    expect(r1).toBe(0);
    const [r2, h] = fdToHandle(t.gpuFile, fd, t.user);
    expect(r2).toBe(0);
    expect(h).toBe(1);
    const imported = shmemAt(t.gpuFile, h);
    expect(imported).not.toBe(exporter);
    expect(imported.dev).toBe(t.gpu);
    expect(imported.isImported).toBe(true);
    expect(imported.borrowsPages).toBe(true);
    expect(imported.size).toBe(exporter.size);
    expect(imported.resv).toBe(exporter.resv);
    expect(imported.pages).toEqual(exporter.pages);
    // The import allocated no page: it borrows the exporter's.
    expect(t.env.memory.allocatedPages).toBe(pagesBefore);
    // The attachment pins the exporter (vmap already held one pin).
    expect(exporter.pagesPinCount).toBe(2);
    expect(exporter.dmaBuf?.attachments.size).toBe(1);

    wview.writeU32(4 * 4096 + 8, 0xdeadbeef);
    wview.write(100, new Uint8Array([1, 2, 3]));
    const rview = imported.vmap();
    if (typeof rview === "number") throw new Error("vmap import");
    expect(rview.readU32(4 * 4096 + 8)).toBe(0xdeadbeef);
    expect([...rview.read(100, 3)]).toEqual([1, 2, 3]);
    // And the other way round.
    rview.writeU32(0, 0x600d);
    expect(wview.readU32(0)).toBe(0x600d);
    // The importer's mapping table is the exporter's pages in order.
    const sgt = imported.getPagesSgt();
    if (typeof sgt === "number") throw new Error("sgt");
    expect(sgt.pages).toEqual(exporter.pages);
    rview.unmap();
    wview.unmap();

    expect(t.gpuFile.gemHandleDelete(h)).toBe(0);
    expect(imported.freed).toBe(true);
    expect(exporter.pagesPinCount).toBe(0);
    expect(t.kms.closeFd(fd)).toBe(0);
    t.kmsFile.gemHandleDelete(dumbHandle);
    expect(exporter.freed).toBe(true);
    expect(t.env.memory.allocatedPages).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });

  it("re-importing in the same file returns the same handle and object; another file gets its own", () => {
    const t = makeTwoDevices();
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 8192);
    const [, fd1] = handleToFd(t.kmsFile, eh, 0, t.user);
    const [, fd2] = handleToFd(t.kmsFile, eh, 0, t.user);
    expect(t.kms.fds.get(fd1)).toBe(t.kms.fds.get(fd2)); // one dma-buf per object
    const [, h1] = fdToHandle(t.gpuFile, fd1, t.user);
    const [, h2] = fdToHandle(t.gpuFile, fd2, t.user);
    const [, h3] = fdToHandle(t.gpuFile, fd1, t.user);
    expect([h1, h2, h3]).toEqual([1, 1, 1]);
    const obj = shmemAt(t.gpuFile, h1);
    expect(obj.handleCount).toBe(1);
    expect(exporter.dmaBuf?.attachments.size).toBe(1);
    // A second file of the importer: the per-file cache misses, so a second import object
    // (drm_gem_prime_fd_to_handle has no device-wide lookup for foreign buffers).
    const other = openFile(t.gpu);
    const [, ho] = fdToHandle(other, fd1, t.user);
    const obj2 = shmemAt(other, ho);
    expect(obj2).not.toBe(obj);
    expect(obj2.pages).toEqual(obj.pages);
    expect(exporter.dmaBuf?.attachments.size).toBe(2);
    expect(exporter.pagesPinCount).toBe(2);
    t.gpu.close(other);
    expect(obj2.freed).toBe(true);
    expect(exporter.pagesPinCount).toBe(1);
    t.gpu.close(t.gpuFile);
    expect(obj.freed).toBe(true);
    expect(exporter.pagesPinCount).toBe(0);
    t.kms.closeFd(fd1);
    t.kms.closeFd(fd2);
    t.kms.close(t.kmsFile);
    expect(t.env.memory.allocatedPages).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });

  it("self-import returns the exported object itself, without an attachment", () => {
    const t = makeTwoDevices();
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    expect(fdToHandle(t.kmsFile, fd, t.user)).toEqual([0, eh]);
    const second = openFile(t.kms, "primary");
    const [ret, h] = fdToHandle(second, fd, t.user);
    expect(ret).toBe(0);
    expect(second.objectIdr.find(h)).toBe(exporter);
    expect(exporter.handleCount).toBe(2);
    expect(exporter.dmaBuf?.attachments.size).toBe(0);
    const buf = t.kms.fds.get(fd) as DmaBuf;
    const self = drmGemPrimeImport(t.kms, buf);
    expect(self).toBe(exporter);
    exporter.put();
    t.kms.close(second);
    t.kms.closeFd(fd);
    t.kms.close(t.kmsFile);
    expect(exporter.freed).toBe(true);
    expect(t.env.warnings.warnings).toEqual([]);
  });

  it("re-exporting an import hands out the original dma-buf, which the exporter self-imports", () => {
    const t = makeTwoDevices();
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    const [, gh] = fdToHandle(t.gpuFile, fd, t.user);
    const [ret, fd2] = handleToFd(t.gpuFile, gh, DRM_CLOEXEC, t.user);
    expect(ret).toBe(0);
    expect(fd2).not.toBe(fd);
    expect(t.gpu.fds.get(fd2)).toBe(t.kms.fds.get(fd));
    const back = openFile(t.kms, "primary");
    const [, bh] = fdToHandle(back, fd2, t.user);
    expect(back.objectIdr.find(bh)).toBe(exporter);
    expect(exporter.dmaBuf?.attachments.size).toBe(1);
    t.kms.close(back);
    t.gpu.close(t.gpuFile);
    t.kms.closeFd(fd);
    t.kms.closeFd(fd2);
    t.kms.close(t.kmsFile);
    expect(exporter.freed).toBe(true);
    expect(t.env.memory.allocatedPages).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });
});

describe("foreign import lifetimes", () => {
  it("the exporter outlives its handle and fd while imported, and is freed when the importer lets go", () => {
    const t = makeTwoDevices();
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 3 * 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    const [, gh] = fdToHandle(t.gpuFile, fd, t.user);
    const imported = shmemAt(t.gpuFile, gh);
    const buf = t.kms.fds.get(fd) as DmaBuf;
    // fd + exporter's cache + export link + importer's cache + import link + attachment
    expect(buf.refcount).toBe(6);
    expect(t.kms.closeFd(fd)).toBe(0);
    expect(t.kmsFile.gemHandleDelete(eh)).toBe(0);
    t.kms.close(t.kmsFile);
    expect(exporter.freed).toBe(false);
    expect(exporter.handleCount).toBe(0);
    expect(buf.refcount).toBe(3);
    // Still pinned with its pages: neither purgeable nor freed.
    expect(exporter.pagesPinCount).toBe(1);
    expect(exporter.madvise(MADV_DONTNEED)).toBe(true);
    expect(exporter.isPurgeable()).toBe(false);
    expect(t.env.memory.allocatedPages).toBe(3);
    const view = imported.vmap();
    if (typeof view === "number") throw new Error("vmap");
    view.writeU32(8192, 7);
    view.unmap();
    // The importer's object never purges borrowed pages either.
    expect(imported.madvise(MADV_DONTNEED)).toBe(true);
    expect(imported.isPurgeable()).toBe(false);
    t.gpu.close(t.gpuFile);
    expect(imported.freed).toBe(true);
    expect(buf.refcount).toBe(0);
    expect(exporter.freed).toBe(true);
    expect(t.env.memory.allocatedPages).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });

  it("freeing the import first leaves the exporter alive, unpinned, with its own page uses only", () => {
    const t = makeTwoDevices();
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    // The exporter had no pages: the attachment's pin allocated them.
    const [, gh] = fdToHandle(t.gpuFile, fd, t.user);
    expect(exporter.pagesUseCount).toBe(1);
    expect(t.env.memory.allocatedPages).toBe(1);
    expect(t.gpuFile.gemHandleDelete(gh)).toBe(0);
    expect(t.gpuFile.primeByBuf.size).toBe(0);
    expect(exporter.freed).toBe(false);
    expect(exporter.handleCount).toBe(1);
    // The unpin dropped the only page use: no pin, and the only page left is the exporter's
    // own backing store (the importer left nothing behind).
    expect(exporter.pagesPinCount).toBe(0);
    expect(exporter.pagesUseCount).toBe(0);
    expect(exporter.residentPages).toBe(1);
    expect(t.env.memory.allocatedPages).toBe(1);
    // Importing again after the handle went makes a fresh object.
    const [, gh2] = fdToHandle(t.gpuFile, fd, t.user);
    expect(shmemAt(t.gpuFile, gh2).pages).toEqual(exporter.pages);
    t.gpu.close(t.gpuFile);
    t.kms.closeFd(fd);
    t.kms.close(t.kmsFile);
    expect(exporter.freed).toBe(true);
    expect(t.env.memory.allocatedPages).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });
});

describe("foreign import refusals undo themselves", () => {
  it("-EINVAL without a gemPrimeImportSgTable hook; nothing attached or pinned", () => {
    const t = makeTwoDevices({ gpuImports: false });
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    const buf = t.kms.fds.get(fd) as DmaBuf;
    const refs = buf.refcount;
    expect(fdToHandle(t.gpuFile, fd, t.user)[0]).toBe(-EINVAL);
    expect(buf.refcount).toBe(refs);
    expect(buf.attachments.size).toBe(0);
    expect(exporter.pagesPinCount).toBe(0);
    expect(t.gpuFile.objectIdr.size).toBe(0);
    expect(t.env.memory.allocatedPages).toBe(0);
  });

  it("-EINVAL for a non-dma-buf fd and for an importer on other system memory", () => {
    const t = makeTwoDevices();
    const [eh] = shmemWithHandle(t.kmsFile, 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    const stranger = new DrmDevice(
      plainDriver("far", 1, {
        gemPrimeImportSgTable: () => -EINVAL,
      }),
      makeEnv(),
      { fds: t.kms.fds },
    );
    const sf = openFile(stranger);
    expect(fdToHandle(sf, fd, t.user)[0]).toBe(-EINVAL);
    expect((t.kms.fds.get(fd) as DmaBuf).attachments.size).toBe(0);
    // An fd that is not a dma-buf: a syncobj-less sync file stand-in is any other fd object.
    const other = t.kms.fds.install({ release: () => {} });
    expect(fdToHandle(t.gpuFile, other, t.user)[0]).toBe(-EINVAL);
  });

  it("a failing handle creation drops the new import: exporter unpinned, dma-buf refs restored", () => {
    const t = makeTwoDevices({ gpuMaxHandles: 1 });
    shmemWithHandle(t.gpuFile, 4096); // uses the only handle
    const [eh, exporter] = shmemWithHandle(t.kmsFile, 4096);
    const [, fd] = handleToFd(t.kmsFile, eh, 0, t.user);
    const buf = t.kms.fds.get(fd) as DmaBuf;
    const refs = buf.refcount;
    const before = t.gpu.objects.size;
    expect(fdToHandle(t.gpuFile, fd, t.user)[0]).toBe(-ENOSPC);
    expect(buf.refcount).toBe(refs);
    expect(buf.attachments.size).toBe(0);
    expect(exporter.pagesPinCount).toBe(0);
    expect(t.gpu.objects.size).toBe(before);
    expect(t.gpuFile.primeByBuf.size).toBe(0);
    expect(t.env.warnings.warnings).toEqual([]);
  });

  it("a failing hook undoes the attachment and the dma-buf reference", () => {
    const env = makeEnv();
    const kms = new DrmDevice(plainDriver("kms", 1), env);
    let calls = 0;
    const gpu = new DrmDevice(
      plainDriver("gpu", 1, {
        gemPrimeImportSgTable: (_dev, attach, sgt) => {
          calls++;
          expect(attach.attached).toBe(true);
          expect(attach.sgt).toBe(sgt);
          return -ENOSPC;
        },
      }),
      env,
      { fds: kms.fds },
    );
    const exporter = new DrmGemShmemObject(kms, 4096);
    const buf = new DmaBuf(exporter);
    exporter.put();
    const obj = drmGemPrimeImport(gpu, buf);
    expect(obj).toBe(-ENOSPC);
    expect(calls).toBe(1);
    expect(buf.refcount).toBe(1);
    expect(buf.attachments.size).toBe(0);
    expect(exporter.pagesPinCount).toBe(0);
    buf.put();
    expect(exporter.freed).toBe(true);
    expect(env.memory.allocatedPages).toBe(0);
    expect(env.warnings.warnings).toEqual([]);
  });
});
