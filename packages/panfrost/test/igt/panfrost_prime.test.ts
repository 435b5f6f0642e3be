/**
 * Port of IGT tests/panfrost/panfrost_prime.c (gem-prime-import) against a second device of the
 * simulation: a dumb-buffer (KMS-like) DRM device sharing the SoC's system memory.
 *
 * Two steps cannot go through ioctls with today's `@panmmu/drm` and are done through the same
 * kernel paths directly: MODE_CREATE_DUMB (the DRM core has no dumb-buffer ioctls; the second
 * device's driver creates the shmem object), and PRIME_FD_TO_HANDLE of a foreign dma-buf (the
 * core refuses buffers of another device and keeps one fd table per device), done with
 * `PanfrostDevice.primeImport`, the driver half of that ioctl.
 */
import { type DmaBuf, DRIVER_GEM, DrmDevice, type DrmFile, DrmGemShmemObject } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import {
  DRM_CAP_PRIME,
  DRM_CLOEXEC,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_PRIME_CAP_EXPORT,
  DrmGetCap,
  DrmPrimeHandle,
  UserMemory,
} from "@panmmu/uapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { makeStack, type Stack } from "../helpers/stack.js";
import { gemClose, igtPanfrostFreeBo, igtPanfrostGemNew } from "./igt-lib.js";

/** The second device: GEM + PRIME export, dumb buffers. */
function kmsDevice(s: Stack): DrmDevice {
  return new DrmDevice(
    {
      name: "kms-sim",
      desc: "dumb-buffer display",
      date: "0",
      major: 1,
      minor: 0,
      patchlevel: 0,
      features: DRIVER_GEM,
      ioctls: [],
    },
    { memory: s.sim.platform.memory, loop: s.sim.platform.loop, warnings: s.sim.platform.warnings },
  );
}

/** kmstest_dumb_create(fd, w, h, bpp): a shmem object of pitch * height bytes and a handle. */
function dumbCreate(
  file: DrmFile,
  w: number,
  h: number,
  bpp: number,
): { handle: number; size: number } {
  const obj = new DrmGemShmemObject(file.dev as DrmDevice, w * h * (bpp / 8));
  const handle = file.gemHandleCreate(obj);
  obj.put();
  return { handle, size: obj.size };
}

describe("panfrost_prime", () => {
  let s: Stack;
  let fd: PanfrostClient;
  let kms: DrmDevice;
  let kmsFile: DrmFile;
  const user = new UserMemory();
  beforeAll(() => {
    s = makeStack();
    fd = s.open("igt");
    kms = kmsDevice(s);
    const f = kms.open("primary");
    if (typeof f === "number") throw new Error("kms open");
    kmsFile = f;
  });
  afterAll(() => {
    expect(fd.close()).toBe(0);
    expect(kms.close(kmsFile)).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("gem-prime-import", () => {
    // igt_has_prime(kms_fd, DRM_PRIME_CAP_EXPORT)
    const cap = DrmGetCap.zero();
    cap.capability = BigInt(DRM_CAP_PRIME);
    const capBytes = DrmGetCap.encode(cap);
    expect(kmsFile.ioctl(DRM_IOCTL_GET_CAP, capBytes, user)).toBe(0);
    expect(DrmGetCap.decode(capBytes).value & BigInt(DRM_PRIME_CAP_EXPORT)).not.toBe(0n);
    // A BO so that the import cannot land at VA 0 (or the first VA).
    const bo = igtPanfrostGemNew(fd, 1024);
    // kmstest_dumb_create(kms_fd, 1024, 1024, 32)
    const dumb = dumbCreate(kmsFile, 1024, 1024, 32);
    expect(dumb.handle).not.toBe(0);
    expect(dumb.size).toBeGreaterThanOrEqual(1024 * 1024 * 4);
    // prime_handle_to_fd(kms_fd, dumb)
    const ph = DrmPrimeHandle.zero();
    ph.handle = dumb.handle;
    ph.flags = DRM_CLOEXEC;
    ph.fd = -1;
    const phBytes = DrmPrimeHandle.encode(ph);
    expect(kmsFile.ioctl(DRM_IOCTL_PRIME_HANDLE_TO_FD, phBytes, user)).toBe(0);
    const dmabufFd = DrmPrimeHandle.decode(phBytes).fd;
    // prime_fd_to_handle(fd, dmabuf)
    const buf = kms.fds.get(dmabufFd) as DmaBuf;
    const handle = s.dev.primeImport(fd.handle.file, buf);
    expect(handle).toBeGreaterThan(0);
    // GET_BO_OFFSET must succeed with a non-zero offset.
    const off = fd.getBoOffset(handle);
    expect(off.ret).toBe(0);
    expect(off.offset).not.toBe(0);
    expect(off.offset).not.toBe(bo.offset);

    // Beyond IGT: the GPU writes through the import and the exporter sees it.
    const sub = submitProgram(
      fd,
      new ProgramBuilder()
        .write32(off.offset + 4096, 0xc0ffee)
        .end()
        .buildBytes(),
      [handle],
    );
    expect(waitSubmission(fd, sub, 100_000_000)).toBe(true);
    expect(fd.fenceError(sub.outSync)).toBe(0);
    const exporter = kmsFile.objectIdr.find(dumb.handle) as DrmGemShmemObject;
    const view = exporter.vmap();
    if (typeof view === "number") throw new Error("vmap");
    expect(view.readU32(4096)).toBe(0xc0ffee);
    view.unmap();
    fd.gemClose(sub.jobBo);

    gemClose(fd, handle);
    // kmstest_dumb_destroy(kms_fd, dumb)
    expect(kmsFile.gemHandleDelete(dumb.handle)).toBe(0);
    expect(kms.closeFd(dmabufFd)).toBe(0);
    igtPanfrostFreeBo(fd, bo);
  });
});
