/**
 * A display-like second DRM device for PRIME tests: GEM + modeset with shmem dumb buffers and
 * imports, on the same system memory, event loop and process fd table as the panfrost stack.
 */
import { DRIVER_GEM, DRIVER_MODESET, DRM_GEM_SHMEM_DRIVER_OPS, DrmDevice } from "@panmmu/drm";
import type { Stack } from "./stack.js";

/** Creates the KMS device next to the stack's panfrost device. */
export function kmsDevice(s: Stack): DrmDevice {
  return new DrmDevice(
    {
      name: "kms-sim",
      desc: "dumb-buffer display",
      date: "0",
      major: 1,
      minor: 0,
      patchlevel: 0,
      features: DRIVER_GEM | DRIVER_MODESET,
      ioctls: [],
      ...DRM_GEM_SHMEM_DRIVER_OPS,
    },
    { memory: s.sim.platform.memory, loop: s.sim.platform.loop, warnings: s.sim.platform.warnings },
    { fds: s.dev.drm.fds },
  );
}
