import { CollectingWarningSink, EEXIST, EINVAL, ENOMEM } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  GpuVa,
  type GpuVaOp,
  GpuVm,
  type GpuVmOps,
  remapToUnmapRange,
} from "../../src/gpuvm/index.js";
import {
  applyingOps,
  mappingRecords,
  removeAll,
  type StepContext,
  stepContext,
  TestGem,
} from "./harness.js";

const P = 0x1000;

function makeVm(opts: { reserve?: [number, number]; ops?: GpuVmOps<StepContext> } = {}) {
  const warnings = new CollectingWarningSink();
  let freed = 0;
  const [ro, rr] = opts.reserve ?? [0, 0];
  const vm = GpuVm.init<StepContext>(
    "test",
    0,
    1 << 30,
    ro,
    rr,
    { ...applyingOps, vmFree: () => freed++, ...opts.ops },
    { warnings },
  );
  return { vm, warnings, freed: () => freed };
}

function va(addr: number, range: number, obj: TestGem | null = null, offset = 0): GpuVa {
  const v = new GpuVa();
  v.init(addr, range, obj, offset);
  return v;
}

describe("GpuVm init, references and teardown", () => {
  it("inserts the kernel-reserved node and excludes it from requests", () => {
    const { vm, warnings } = makeVm({ reserve: [0, P] });
    expect(vm.vaCount).toBe(1);
    expect(vm.findFirst(0, 16 * P)).toBe(vm.kernelAllocNode);
    expect(vm.rangeValid(0, P)).toBe(false);
    expect(vm.rangeValid(P, P)).toBe(true);
    expect(vm.smMap(stepContext(vm), 0, 2 * P, new TestGem(1), 0)).toBe(-EINVAL);
    vm.remove(vm.kernelAllocNode);
    expect(vm.vaCount).toBe(1);
    expect(warnings.warnings.map((w) => w.where)).toEqual(["drm_gpuva_remove"]);
  });

  it("warns about an overflowing reserve and leaves it out of the tree, like the kernel", () => {
    const warnings = new CollectingWarningSink();
    const top = (1n << 64n) - 0x10000n;
    const vm = GpuVm.init("wrap", top, 0xffffn, (1n << 64n) - 0x1000n, 0x2000, {}, { warnings });
    expect(warnings.warnings.map((w) => w.where)).toEqual(["drm_gpuvm_init"]);
    expect(vm.vaCount).toBe(0);
    expect(vm.kernelAllocNode.inTree).toBe(false);
    // The wrapped reserve [2^64 - 0x1000, 0x1000) excludes nothing: the kernel's intersection
    // test needs `addr < 0x1000` and `end > 2^64 - 0x1000` at once.
    expect(vm.rangeValid((1n << 64n) - 0x800n, 0x100)).toBe(true);
    expect(vm.findFirst(top, 0xffffn)).toBeNull();
  });

  it("counts references: one per inserted mapping and per vm_bo; the last put frees", () => {
    const { vm, warnings, freed } = makeVm();
    const gem = new TestGem(1);
    expect(vm.smMap(stepContext(vm), P, 4 * P, gem, 0)).toBe(0);
    expect(vm.refcount).toBe(3); // init + mapping + vm_bo
    expect(gem.refs).toBe(2);
    vm.put();
    expect(freed()).toBe(0);
    expect(vm.smUnmap(stepContext(vm), 0, 1 << 30)).toBe(0);
    expect(vm.refcount).toBe(0);
    expect(freed()).toBe(1);
    expect(gem.refs).toBe(1);
    expect(warnings.warnings).toEqual([]);
  });

  it("warns at teardown when mappings leak, and without a vmFree op", () => {
    const warnings = new CollectingWarningSink();
    const vm = GpuVm.init("leaky", 0, 1 << 20, 0, 0, {}, { warnings });
    expect(vm.insert(va(0, P))).toBe(0);
    vm.refcount = 1; // simulate a driver dropping a reference it does not own
    vm.put();
    expect(warnings.warnings.map((w) => w.where)).toEqual(["drm_gpuvm_fini", "drm_gpuvm_free"]);
  });

  it("rejects non-u64 constructor arguments", () => {
    expect(() => GpuVm.init("bad", -1, 10, 0, 0, {})).toThrow(RangeError);
    expect(() => GpuVm.init("bad", 0, 1n << 64n, 0, 0, {})).toThrow(RangeError);
  });
});

describe("GpuVm insert, remove and lookups", () => {
  it("insert returns -EEXIST on overlap and -EINVAL outside the space, without side effects", () => {
    const { vm } = makeVm();
    const first = va(P, 2 * P);
    expect(vm.insert(first)).toBe(0);
    expect(vm.insert(first)).toBe(-EEXIST);
    expect(vm.insert(va(2 * P, 2 * P))).toBe(-EEXIST);
    expect(vm.insert(va(1 << 30, P))).toBe(-EINVAL);
    const weird = new GpuVa();
    weird.addr = -5;
    expect(vm.insert(weird)).toBe(-EINVAL);
    expect(vm.vaCount).toBe(1);
    expect(vm.refcount).toBe(2);
  });

  it("find, findFirst, findPrev, findNext and intervalEmpty follow the kernel", () => {
    const { vm } = makeVm();
    const a = va(P, 2 * P);
    const b = va(3 * P, P);
    const c = va(8 * P, P);
    for (const v of [a, b, c]) expect(vm.insert(v)).toBe(0);
    expect(vm.findFirst(0, 2 * P)).toBe(a);
    expect(vm.findFirst(4 * P, 4 * P)).toBeNull();
    expect(vm.find(P, 2 * P)).toBe(a);
    expect(vm.find(P, P)).toBeNull();
    expect(vm.findPrev(3 * P)).toBe(a);
    expect(vm.findNext(3 * P)).toBe(b);
    expect(vm.findNext(4 * P)).toBeNull();
    // Quirk: nothing ends at 8P, but a mapping starts there.
    expect(vm.findPrev(8 * P)).toBe(c);
    expect(vm.intervalEmpty(4 * P, 4 * P)).toBe(true);
    expect(vm.intervalEmpty(4 * P, 5 * P)).toBe(false);
    expect([...vm.vasInRange(2 * P, 8 * P)]).toEqual([a, b]);
    expect([...vm.vas()]).toEqual([a, b, c]);
    expect(vm.nextVa(a)).toBe(b);
    expect(vm.findFirst(-1, 1)).toBeNull();
  });

  it("works at the top of the u64 space with exact bigint values", () => {
    const top = 0xffff_ffff_ffff_0000n;
    const vm = GpuVm.init<StepContext>("high", top, 0xffffn, 0, 0, applyingOps);
    const gem = new TestGem(1);
    expect(vm.smMap(stepContext(vm), top, 0x100n, gem, 0xffff_ffff_ffff_ff80n)).toBe(0);
    const ops = vm.smMapOpsCreate(top + 0x10n, 0x20n, gem, 0);
    if (typeof ops === "number") throw new Error("unexpected errno");
    expect(ops.map((o) => o.op)).toEqual(["remap", "map"]);
    const remap = ops[0];
    if (remap?.op !== "remap") throw new Error("expected remap");
    expect(remap.remap.next).toEqual({
      addr: top + 0x30n,
      range: 0xd0,
      obj: gem,
      offset: 0xffff_ffff_ffff_ffb0n,
    });
    expect(vm.rangeValid(top, 0xffffn)).toBe(true);
    expect(vm.rangeValid(top, 0x10000n)).toBe(false);
    expect(vm.rangeValid(0xffff_ffff_ffff_ffffn, 1)).toBe(false);
  });
});

describe("GpuVm split/merge entry points", () => {
  it("returns -EINVAL without calling anything when a step op is missing", () => {
    let calls = 0;
    const vm = GpuVm.init<null>("no-map", 0, 1 << 20, 0, 0, {
      smStepRemap: () => ++calls && 0,
      smStepUnmap: () => ++calls && 0,
    });
    expect(vm.smMap(null, 0, P, null, 0)).toBe(-EINVAL);
    expect(vm.smUnmap(null, 0, P)).toBe(0);
    expect(calls).toBe(0);
  });

  it("a failing step stops the walk and returns its errno, earlier steps stay applied", () => {
    const { vm } = makeVm();
    const gem = new TestGem(1);
    for (let i = 0; i < 3; i++) expect(vm.smMap(stepContext(vm), 2 * i * P, P, gem, 0)).toBe(0);
    const ctx = stepContext(vm);
    ctx.failAt = { index: 1, errno: -ENOMEM };
    expect(vm.smMap(ctx, 0, 6 * P, gem, 0)).toBe(-ENOMEM);
    expect(ctx.log?.map((s) => s.op)).toEqual(["unmap", "unmap"]);
    expect(mappingRecords(vm).map((m) => m.addr)).toEqual(["0x2000", "0x4000"]);
  });

  it("ops-create lists the steps without touching the VM", () => {
    const { vm } = makeVm();
    const gem = new TestGem(1);
    expect(vm.smMap(stepContext(vm), 0, 4 * P, gem, 0)).toBe(0);
    const before = mappingRecords(vm);
    const refs = vm.refcount;
    const ops = vm.smUnmapOpsCreate(P, P) as GpuVaOp[];
    expect(ops).toHaveLength(1);
    const op = ops[0];
    if (op?.op !== "remap") throw new Error("expected remap");
    expect(op.remap.prev).toEqual({ addr: 0, range: P, obj: gem, offset: 0 });
    expect(op.remap.next).toEqual({ addr: 2 * P, range: 2 * P, obj: gem, offset: 2 * P });
    expect(remapToUnmapRange(op.remap)).toEqual({ addr: P, range: P });
    expect(vm.smMapOpsCreate(1 << 30, P, gem, 0)).toBe(-EINVAL);
    expect(vm.smUnmapOpsCreate(0, -1)).toBe(-EINVAL);
    expect(mappingRecords(vm)).toEqual(before);
    expect(vm.refcount).toBe(refs);
  });

  it("the keep hint is set only for the same object at the same object offset", () => {
    const { vm } = makeVm();
    const a = new TestGem(1);
    const b = new TestGem(2);
    expect(vm.smMap(stepContext(vm), 0, 4 * P, a, 0x10 * P)).toBe(0);
    const keepOf = (obj: TestGem, offset: number) => {
      const ops = vm.smMapOpsCreate(P, 4 * P, obj, offset) as GpuVaOp[];
      const first = ops[0];
      return first?.op === "remap" ? first.remap.unmap.keep : undefined;
    };
    expect(keepOf(a, 0x11 * P)).toBe(true);
    expect(keepOf(a, 0x12 * P)).toBe(false);
    expect(keepOf(b, 0x11 * P)).toBe(false);
  });

  it("prefetch and vm_bo unmap op lists", () => {
    const { vm } = makeVm();
    const gem = new TestGem(1);
    vm.smMap(stepContext(vm), 0, P, gem, 0);
    vm.smMap(stepContext(vm), 4 * P, P, gem, P);
    vm.smMap(stepContext(vm), 8 * P, P, null, 0);
    const pre = vm.prefetchOpsCreate(0, 5 * P) as GpuVaOp[];
    expect(pre.map((o) => (o.op === "prefetch" ? o.prefetch.va.addr : -1))).toEqual([0, 4 * P]);
    const vmBo = vm.boFind(gem);
    if (vmBo === null) throw new Error("no vm_bo");
    const unmaps = vm.boUnmapOpsCreate(vmBo);
    expect(unmaps.map((o) => (o.op === "unmap" ? [o.unmap.va.addr, o.unmap.keep] : []))).toEqual([
      [0, false],
      [4 * P, false],
    ]);
    vmBo.put();
  });

  it("GpuVa flags", () => {
    const v = new GpuVa();
    v.invalidate(true);
    expect(v.invalidated).toBe(true);
    v.invalidate(false);
    expect(v.invalidated).toBe(false);
  });

  it("teardown helper leaves nothing behind", () => {
    const { vm, warnings } = makeVm({ reserve: [0, P] });
    const gem = new TestGem(1);
    vm.smMap(stepContext(vm), P, 8 * P, gem, 0);
    vm.smMap(stepContext(vm), 2 * P, P, null, 0);
    removeAll(vm);
    expect(vm.vaCount).toBe(1);
    expect(vm.refcount).toBe(1);
    expect(gem.gpuva.size).toBe(0);
    expect(warnings.warnings).toEqual([]);
  });
});
