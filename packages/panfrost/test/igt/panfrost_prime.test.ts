/**
 * Port of IGT tests/panfrost/panfrost_prime.c (gem-prime-import) against a second device of the
 * simulation: a KMS-like DRM device with dumb buffers (the DRM core's shmem helpers) on the
 * SoC's system memory, opened by the same process: it shares the panfrost device's fd table, so
 * the dma-buf fd exported on the KMS node is imported on the panfrost node, every step through
 * the ioctl it is in IGT.
 */
import type { DrmDevice, DrmFile, DrmGemShmemObject } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import {
  DRM_CAP_DUMB_BUFFER,
  DRM_CAP_PRIME,
  DRM_CLOEXEC,
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_MODE_CREATE_DUMB,
  DRM_IOCTL_MODE_DESTROY_DUMB,
  DRM_IOCTL_PRIME_FD_TO_HANDLE,
  DRM_IOCTL_PRIME_HANDLE_TO_FD,
  DRM_PRIME_CAP_EXPORT,
  DrmGetCap,
  DrmModeCreateDumb,
  DrmModeDestroyDumb,
  DrmPrimeHandle,
  UserMemory,
} from "@panmmu/uapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { kmsDevice } from "../helpers/kms-device.js";
import { makeStack, type Stack } from "../helpers/stack.js";
import { gemClose, igtPanfrostFreeBo, igtPanfrostGemNew } from "./igt-lib.js";

/** igt_has_dumb / igt_has_prime: GET_CAP, asserting ret 0; the capability value. */
function getCap(file: DrmFile, capability: number, user: UserMemory): bigint {
  const cap = DrmGetCap.zero();
  cap.capability = BigInt(capability);
  const bytes = DrmGetCap.encode(cap);
  expect(file.ioctl(DRM_IOCTL_GET_CAP, bytes, user)).toBe(0);
  return DrmGetCap.decode(bytes).value;
}

describe("panfrost_prime", () => {
  let s: Stack;
  let fd: PanfrostClient;
  let kms: DrmDevice;
  let kmsFd: DrmFile;
  const user = new UserMemory();
  beforeAll(() => {
    s = makeStack();
    fd = s.open("igt");
    kms = kmsDevice(s);
    const f = kms.open("primary");
    if (typeof f === "number") throw new Error("kms open");
    kmsFd = f;
  });
  afterAll(() => {
    expect(fd.close()).toBe(0);
    expect(kms.close(kmsFd)).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("gem-prime-import", () => {
    // igt_require(igt_has_dumb(kms_fd))
    expect(getCap(kmsFd, DRM_CAP_DUMB_BUFFER, user)).toBe(1n);
    // igt_require(igt_has_prime(kms_fd, DRM_PRIME_CAP_EXPORT))
    expect(getCap(kmsFd, DRM_CAP_PRIME, user) & BigInt(DRM_PRIME_CAP_EXPORT)).not.toBe(0n);

    // A BO so that the import cannot land at VA 0 (or the first VA).
    const bo = igtPanfrostGemNew(fd, 1024);

    // kmstest_dumb_create(kms_fd, 1024, 1024, 32, NULL, &size)
    const create = DrmModeCreateDumb.create({ width: 1024, height: 1024, bpp: 32 });
    const createBytes = DrmModeCreateDumb.encode(create);
    expect(kmsFd.ioctl(DRM_IOCTL_MODE_CREATE_DUMB, createBytes, user)).toBe(0);
    const dumb = DrmModeCreateDumb.decode(createBytes);
    expect(dumb.handle).not.toBe(0);
    expect(dumb.size).toBeGreaterThanOrEqual(1024n * 1024n * 4n);

    // dmabuf = prime_handle_to_fd(kms_fd, dumb_handle)
    const ph = DrmPrimeHandle.create({ handle: dumb.handle, flags: DRM_CLOEXEC, fd: -1 });
    const phBytes = DrmPrimeHandle.encode(ph);
    expect(kmsFd.ioctl(DRM_IOCTL_PRIME_HANDLE_TO_FD, phBytes, user)).toBe(0);
    const dmabuf = DrmPrimeHandle.decode(phBytes).fd;
    expect(dmabuf).toBeGreaterThanOrEqual(0);

    // handle = prime_fd_to_handle(fd, dmabuf)
    const imp = DrmPrimeHandle.create({ fd: dmabuf });
    const impBytes = DrmPrimeHandle.encode(imp);
    expect(fd.ioctlRaw(DRM_IOCTL_PRIME_FD_TO_HANDLE, impBytes)).toBe(0);
    const handle = DrmPrimeHandle.decode(impBytes).handle;
    expect(handle).toBeGreaterThan(0);

    // GET_BO_OFFSET must succeed with a non-zero offset.
    const off = fd.getBoOffset(handle);
    expect(off.ret).toBe(0);
    expect(off.offset).not.toBe(0);

    // Beyond IGT: the import has its own VA, and the GPU writes through it into the dumb
    // buffer's pages, which the KMS side reads.
    expect(off.offset).not.toBe(bo.offset);
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
    const exporter = kmsFd.objectIdr.find(dumb.handle) as DrmGemShmemObject;
    // The import shares the dma-buf's reservation object, so the GPU job's fence is visible to
    // the exporter's implicit synchronisation (drm_gem_prime_import_dev sets obj->resv).
    const imported = fd.handle.file.objectIdr.find(handle);
    expect(imported?.resv).toBe(exporter.resv);
    const view = exporter.vmap();
    if (typeof view === "number") throw new Error("vmap");
    expect(view.readU32(4096)).toBe(0xc0ffee);
    view.unmap();
    fd.gemClose(sub.jobBo);

    // gem_close(fd, handle)
    gemClose(fd, handle);
    // kmstest_dumb_destroy(kms_fd, dumb_handle)
    expect(
      kmsFd.ioctl(
        DRM_IOCTL_MODE_DESTROY_DUMB,
        DrmModeDestroyDumb.encode({ handle: dumb.handle }),
        user,
      ),
    ).toBe(0);
    // igt_panfrost_free_bo(fd, bo)
    igtPanfrostFreeBo(fd, bo);

    // Beyond IGT (which leaves it to process exit): close the dma-buf fd. It held the last
    // reference on the dumb buffer.
    expect(exporter.freed).toBe(false);
    expect(s.dev.drm.closeFd(dmabuf)).toBe(0);
    expect(exporter.freed).toBe(true);
  });
});
