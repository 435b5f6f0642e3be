/**
 * panfrost's SYNC_BO and QUERY_BO_INFO structs, which postdate the golden header: their layout
 * as the posted patches and the newest driver have it.
 */
import { describe, expect, it } from "vitest";
import {
  DRM_IOCTL_PANFROST_QUERY_BO_INFO,
  DRM_IOCTL_PANFROST_SYNC_BO,
  DrmPanfrostBoSyncOp,
  DrmPanfrostQueryBoInfo,
  DrmPanfrostSyncBo,
  ioctlSize,
  PANFROST_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE,
} from "../src/index.js";

describe("panfrost SYNC_BO / QUERY_BO_INFO layouts", () => {
  it("drm_panfrost_bo_sync_op is four u32s (16 bytes), not panthor's u64 offset/size", () => {
    expect(DrmPanfrostBoSyncOp.size).toBe(16);
    expect(DrmPanfrostBoSyncOp.fields.map((f) => [f.name, f.offset, f.size])).toEqual([
      ["handle", 0, 4],
      ["type", 4, 4],
      ["offset", 8, 4],
      ["size", 12, 4],
    ]);
    const bytes = DrmPanfrostBoSyncOp.encode({
      handle: 7,
      type: PANFROST_BO_SYNC_CPU_CACHE_FLUSH_AND_INVALIDATE,
      offset: 0x40,
      size: 0x1000,
    });
    expect([...bytes]).toEqual([7, 0, 0, 0, 1, 0, 0, 0, 0x40, 0, 0, 0, 0, 0x10, 0, 0]);
  });

  it("the ioctl arguments keep their 16-byte sizes", () => {
    expect(DrmPanfrostSyncBo.size).toBe(16);
    expect(DrmPanfrostQueryBoInfo.size).toBe(16);
    expect(ioctlSize(DRM_IOCTL_PANFROST_SYNC_BO)).toBe(16);
    expect(ioctlSize(DRM_IOCTL_PANFROST_QUERY_BO_INFO)).toBe(16);
  });

  it("QUERY_BO_INFO's pad is output only: the kernel zeroes it and never rejects it", () => {
    const args = { handle: 1, extra_flags: 0, create_flags: 0, pad: 5 };
    expect(DrmPanfrostQueryBoInfo.mustBeZeroOk(args)).toBe(true);
    expect(DrmPanfrostSyncBo.mustBeZeroOk({ ops: 0n, op_count: 0, pad: 1 })).toBe(false);
  });
});
