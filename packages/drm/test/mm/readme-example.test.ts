/** The drm_mm example of the package README, run as written. */
import { describe, expect, it } from "vitest";
import { DRM_MM_INSERT_BEST, DrmMm, DrmMmNode, panfrostColorAdjust } from "../../src/index.js";

describe("README drm_mm example", () => {
  it("places a panfrost BO and frees it", () => {
    const mm = new DrmMm();
    mm.init(0x2000, 0xfe000);
    mm.colorAdjust = panfrostColorAdjust;
    const bo = new DrmMmNode(0, 0);
    expect(mm.insertNodeGeneric(bo, 16, 16, 0, DRM_MM_INSERT_BEST)).toBe(0);
    expect(bo.start).toBe(0x2000);
    expect(mm.holeList()).toEqual([{ start: 0x2010, size: 0xfdff0 }]);
    mm.removeNode(bo);
    expect(mm.takedown()).toEqual([]);
  });
});
