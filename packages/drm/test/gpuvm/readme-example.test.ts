import { describe, expect, it } from "vitest";
import { GpuVa, type GpuVaOp, GpuVm } from "../../src/index.js";

describe("README drm_gpuvm example", () => {
  it("runs as documented", () => {
    const vm: GpuVm = GpuVm.init("demo", 0, 1 << 30, 0, 0, {
      vmFree: () => {},
      smStepMap: (op) => vm.vaMap(new GpuVa(), op.map),
      smStepRemap: (op) => {
        vm.vaRemap(new GpuVa(), new GpuVa(), op.remap);
        return 0;
      },
      smStepUnmap: (op) => {
        vm.vaUnmap(op.unmap);
        return 0;
      },
    });
    expect(vm.smMap(null, 0x10000, 0x4000, null, 0)).toBe(0);
    const ops = vm.smMapOpsCreate(0x11000, 0x1000, null, 0) as GpuVaOp[];
    expect(ops.map((o) => o.op)).toEqual(["remap", "map"]);
    expect(vm.smUnmap(null, 0x10000, 0x2000)).toBe(0);
    expect([...vm.vas()].map((va) => [va.addr, va.range])).toEqual([[73728, 8192]]);
  });
});
