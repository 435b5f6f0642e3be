import { EventLoopSim, SystemMemory } from "@panmmu/hw";
import { CollectingWarningSink, DRM_IOCTL_GEM_CLOSE, DrmGemClose, UserMemory } from "@panmmu/uapi";
import { expect, it } from "vitest";
import { DRIVER_GEM, DrmDevice, DrmGemShmemObject } from "../../src/index.js";

it("the README example runs as documented", () => {
  const env = {
    memory: new SystemMemory(),
    loop: new EventLoopSim(),
    warnings: new CollectingWarningSink(),
  };
  const driver = {
    name: "toy",
    desc: "toy",
    date: "0",
    major: 1,
    minor: 0,
    patchlevel: 0,
    features: DRIVER_GEM,
    ioctls: [],
  };
  const dev = new DrmDevice(driver, env);
  const file = dev.open();
  if (typeof file === "number") throw new Error("open failed");
  const bo = new DrmGemShmemObject(dev, 64 * 1024);
  const handle = file.gemHandleCreate(bo);
  expect(handle).toBe(1);
  bo.put();
  bo.getPagesSgt();
  expect(env.memory.allocatedPages).toBe(16);
  expect(
    file.ioctl(DRM_IOCTL_GEM_CLOSE, DrmGemClose.encode({ handle, pad: 0 }), new UserMemory()),
  ).toBe(0);
  expect([bo.freed, env.memory.allocatedPages]).toEqual([true, 0]);
});
