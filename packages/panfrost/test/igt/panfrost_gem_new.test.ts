/**
 * Port of IGT tests/panfrost/panfrost_gem_new.c.
 */
import type { DrmVma } from "@panmmu/drm";
import { EINVAL } from "@panmmu/uapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { makeStack, type Stack } from "../helpers/stack.js";
import { gemClose, igtPanfrostFreeBo, igtPanfrostGemNew } from "./igt-lib.js";

describe("panfrost_gem_new", () => {
  let s: Stack;
  let fd: PanfrostClient;
  beforeAll(() => {
    s = makeStack();
    fd = s.open("igt");
  });
  afterAll(() => {
    expect(fd.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.basePages);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("gem-new-4096", () => {
    const r = fd.createBo(4096, 0);
    expect(r.ret).toBe(0);
    gemClose(fd, r.handle);
  });

  it("gem-new-0", () => {
    const r = fd.createBo(0, 0);
    expect(r.ret).toBe(-EINVAL);
  });

  it("gem-new-zeroed", () => {
    const fd2 = s.open("igt-2");
    const size = 4096 * 3;
    const bo = igtPanfrostGemNew(fd, size);
    const m1 = fd.mmapBo(bo.handle);
    expect(m1.ret).toBe(0);
    const map1 = fd.mmap(m1.offset) as DrmVma;
    map1.write(0, new Uint8Array(size).fill(0xd0));
    map1.munmap();
    igtPanfrostFreeBo(fd, bo);

    const bo2 = igtPanfrostGemNew(fd2, size);
    const m2 = fd2.mmapBo(bo2.handle);
    expect(m2.ret).toBe(0);
    const map2 = fd2.mmap(m2.offset) as DrmVma;
    for (let i = 0; i < size / 4; i++) expect(map2.readU32(i * 4)).toBe(0);
    map2.munmap();
    gemClose(fd2, bo2.handle);
    expect(fd2.close()).toBe(0);
  });
});
