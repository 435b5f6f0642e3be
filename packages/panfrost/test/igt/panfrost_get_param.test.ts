/**
 * Port of IGT tests/panfrost/panfrost_get_param.c.
 */
import { DRM_PANFROST_PARAM_GPU_PROD_ID, EINVAL } from "@panmmu/uapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { makeStack, type Stack } from "../helpers/stack.js";

describe("panfrost_get_param", () => {
  let s: Stack;
  let fd: PanfrostClient;
  beforeAll(() => {
    s = makeStack();
    fd = s.open("igt");
  });
  afterAll(() => {
    expect(fd.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("base-params", () => {
    // last = GPU_PROD_ID (0): the loop runs once.
    for (let p = 0; p <= DRM_PANFROST_PARAM_GPU_PROD_ID; p++) {
      const r = fd.getParam(p, 0);
      expect(r.ret).toBe(0);
      expect(Number(r.value & 0xffff_ffffn)).not.toBe(0);
    }
  });

  it("get-bad-param", () => {
    const r = fd.getParam(0xd0d0d0d0, 0);
    expect(r.ret).toBe(-EINVAL);
  });

  it("get-bad-padding", () => {
    const r = fd.getParam(DRM_PANFROST_PARAM_GPU_PROD_ID, 1);
    expect(r.ret).toBe(-EINVAL);
  });
});
