import { EventLoopSim, SystemMemory } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { expect, it } from "vitest";
import {
  DRIVER_GEM,
  DRIVER_MODESET,
  DRM_GEM_SHMEM_DRIVER_OPS,
  DrmDevice,
  type DrmGemShmemObject,
  drmGemPrimeFdToHandle,
  drmGemPrimeHandleToFd,
  drmModeCreateDumb,
  FdTable,
} from "../../src/index.js";

it("the README cross-device example runs as documented", () => {
  const env = {
    memory: new SystemMemory(),
    loop: new EventLoopSim(),
    warnings: new CollectingWarningSink(),
  };
  const fds = new FdTable();
  const base = { desc: "", date: "0", major: 1, minor: 0, patchlevel: 0, ioctls: [] };
  const kms = new DrmDevice(
    { ...base, name: "kms", features: DRIVER_GEM | DRIVER_MODESET, ...DRM_GEM_SHMEM_DRIVER_OPS },
    env,
    { fds },
  );
  const gpu = new DrmDevice(
    {
      ...base,
      name: "gpu",
      features: DRIVER_GEM,
      gemPrimeImportSgTable: DRM_GEM_SHMEM_DRIVER_OPS.gemPrimeImportSgTable,
    },
    env,
    { fds },
  );
  const kf = kms.open("primary");
  const gf = gpu.open();
  if (typeof kf === "number" || typeof gf === "number") throw new Error("open failed");
  const dumb = drmModeCreateDumb(kf, { width: 64, height: 64, bpp: 32, flags: 0 });
  if (typeof dumb === "number") throw new Error("dumb failed");
  expect(dumb).toEqual({ handle: 1, pitch: 256, size: 16384 });
  const fd = drmGemPrimeHandleToFd(kf, dumb.handle, 0);
  expect(fd).toBe(3);
  const h = drmGemPrimeFdToHandle(gf, fd);
  expect(h).toBe(1);
  const imported = gf.objectIdr.find(h) as DrmGemShmemObject;
  const exported = kf.objectIdr.find(dumb.handle) as DrmGemShmemObject;
  expect(imported.pages).toEqual(exported.pages);
  expect(imported.pages).toHaveLength(4);
  gpu.close(gf);
  kms.close(kf);
  expect(fds.close(fd)).toBe(0);
  expect(env.memory.allocatedPages).toBe(0);
  expect(env.warnings.warnings).toEqual([]);
});
