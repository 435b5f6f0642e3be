/** Dumb-buffer structs and ioctls (drm_mode.h / drm.h). */
import { describe, expect, it } from "vitest";
import {
  _IOC_READ,
  _IOC_WRITE,
  DRM_CAP_DUMB_BUFFER,
  DRM_CORE_IOCTLS,
  DRM_IOCTL_MODE_CREATE_DUMB,
  DRM_IOCTL_MODE_DESTROY_DUMB,
  DrmModeCreateDumb,
  DrmModeDestroyDumb,
  findIoctl,
  ioctlDir,
  ioctlNr,
  ioctlSize,
  ioctlType,
  UAPI_IOCTLS,
  UAPI_STRUCTS,
} from "../src/index.js";

describe("struct drm_mode_create_dumb", () => {
  it("is 32 bytes, 8-aligned, with the LP64 offsets of drm_mode.h", () => {
    expect(DrmModeCreateDumb.size).toBe(32);
    expect(DrmModeCreateDumb.align).toBe(8);
    const offsets = Object.fromEntries(DrmModeCreateDumb.fields.map((f) => [f.name, f.offset]));
    expect(offsets).toEqual({
      height: 0,
      width: 4,
      bpp: 8,
      flags: 12,
      handle: 16,
      pitch: 20,
      size: 24,
    });
    expect(DrmModeCreateDumb.padding).toEqual([]);
    expect(UAPI_STRUCTS.get("drm_mode_create_dumb")).toBe(DrmModeCreateDumb);
  });

  it("encodes little-endian fields and decodes them back", () => {
    const v = DrmModeCreateDumb.create({
      height: 1024,
      width: 768,
      bpp: 32,
      handle: 7,
      pitch: 3072,
      size: 0x1_0030_0000n,
    });
    const b = DrmModeCreateDumb.encode(v);
    const dv = new DataView(b.buffer);
    expect(dv.getUint32(0, true)).toBe(1024);
    expect(dv.getUint32(4, true)).toBe(768);
    expect(dv.getUint32(8, true)).toBe(32);
    expect(dv.getUint32(12, true)).toBe(0);
    expect(dv.getUint32(16, true)).toBe(7);
    expect(dv.getUint32(20, true)).toBe(3072);
    expect(dv.getBigUint64(24, true)).toBe(0x1_0030_0000n);
    expect(DrmModeCreateDumb.decode(b)).toEqual(v);
  });
});

describe("struct drm_mode_destroy_dumb", () => {
  it("is one u32: 4 bytes", () => {
    expect(DrmModeDestroyDumb.size).toBe(4);
    expect(DrmModeDestroyDumb.fields.map((f) => [f.name, f.offset])).toEqual([["handle", 0]]);
    expect(DrmModeDestroyDumb.decode(DrmModeDestroyDumb.encode({ handle: 0xfeed }))).toEqual({
      handle: 0xfeed,
    });
  });
});

describe("dumb-buffer ioctls", () => {
  it("have the request numbers DRM_IOWR(0xB2/0xB4, …) computes", () => {
    expect(DRM_IOCTL_MODE_CREATE_DUMB).toBe(0xc02064b2);
    expect(DRM_IOCTL_MODE_DESTROY_DUMB).toBe(0xc00464b4);
    for (const [req, nr, size] of [
      [DRM_IOCTL_MODE_CREATE_DUMB, 0xb2, 32],
      [DRM_IOCTL_MODE_DESTROY_DUMB, 0xb4, 4],
    ] as const) {
      expect(ioctlDir(req)).toBe(_IOC_READ | _IOC_WRITE);
      expect(ioctlType(req)).toBe(0x64);
      expect(ioctlNr(req)).toBe(nr);
      expect(ioctlSize(req)).toBe(size);
    }
  });

  it("are core ioctls, found by request and by name", () => {
    expect(findIoctl(DRM_CORE_IOCTLS, DRM_IOCTL_MODE_CREATE_DUMB)?.codec).toBe(DrmModeCreateDumb);
    expect(findIoctl(DRM_CORE_IOCTLS, DRM_IOCTL_MODE_DESTROY_DUMB)?.codec).toBe(DrmModeDestroyDumb);
    expect(UAPI_IOCTLS.get("DRM_IOCTL_MODE_CREATE_DUMB")?.request).toBe(0xc02064b2);
    expect(UAPI_IOCTLS.get("DRM_IOCTL_MODE_DESTROY_DUMB")?.request).toBe(0xc00464b4);
  });

  it("DRM_CAP_DUMB_BUFFER is capability 1", () => {
    expect(DRM_CAP_DUMB_BUFFER).toBe(1);
  });
});
