import { CollectingWarningSink, EINVAL, ENOMEM, EOPNOTSUPP } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import {
  GPUVM_RESV_PROTECTED,
  GpuVa,
  GpuVm,
  GpuVmBo,
  type GpuVmGemObject,
  type GpuVmOps,
  gemEvict,
} from "../../src/gpuvm/index.js";
import { TestGem } from "./harness.js";

const P = 0x1000;

function makeVm(ops: GpuVmOps = {}, flags = 0) {
  const warnings = new CollectingWarningSink();
  const freedBos: GpuVmBo[] = [];
  const vm = GpuVm.init(
    "bo",
    0,
    1 << 30,
    0,
    0,
    { vmFree: () => {}, vmBoFree: (b) => freedBos.push(b), ...ops },
    { warnings, flags },
  );
  return { vm, warnings, freedBos };
}

function obtain(vm: GpuVm, obj: GpuVmGemObject): GpuVmBo {
  const b = vm.boObtain(obj);
  if (typeof b === "number") throw new Error(`obtain failed ${b}`);
  return b;
}

describe("GpuVmBo", () => {
  it("obtain creates one vm_bo per <VM, object>, on the object's list, with references", () => {
    const { vm, freedBos } = makeVm();
    const gem = new TestGem(1);
    const a = obtain(vm, gem);
    expect(a.refcount).toBe(1);
    expect([...gem.gpuva.vmBos()]).toEqual([a]);
    expect(gem.refs).toBe(2);
    expect(vm.refcount).toBe(2);
    const again = obtain(vm, gem);
    expect(again).toBe(a);
    expect(a.refcount).toBe(2);
    expect(vm.boFind(new TestGem(2))).toBeNull();
    expect(a.put()).toBe(false);
    expect(a.put()).toBe(true);
    expect(freedBos).toEqual([a]);
    expect(gem.gpuva.size).toBe(0);
    expect(gem.refs).toBe(1);
    expect(vm.refcount).toBe(1);
  });

  it("obtain-prealloc puts the preallocated vm_bo when one exists, else installs it", () => {
    const { vm, freedBos } = makeVm();
    const gem = new TestGem(1);
    const pre1 = vm.boCreate(gem);
    if (pre1 === null) throw new Error("create failed");
    expect(gem.gpuva.size).toBe(0);
    expect(vm.boObtainPrealloc(pre1)).toBe(pre1);
    expect([...gem.gpuva.vmBos()]).toEqual([pre1]);
    const pre2 = vm.boCreate(gem);
    if (pre2 === null) throw new Error("create failed");
    expect(vm.boObtainPrealloc(pre2)).toBe(pre1);
    expect(pre1.refcount).toBe(2);
    expect(freedBos).toEqual([pre2]);
    expect(vm.refcount).toBe(2);
    expect(gem.refs).toBe(2);
  });

  it("uses the vmBoAlloc op, and reports -ENOMEM when it fails", () => {
    class DriverBo extends GpuVmBo {
      pinned = true;
    }
    let fail = false;
    const { vm } = makeVm({ vmBoAlloc: (v, o) => (fail ? null : new DriverBo(v, o)) });
    const gem = new TestGem(1);
    expect(obtain(vm, gem)).toBeInstanceOf(DriverBo);
    fail = true;
    expect(vm.boObtain(new TestGem(2))).toBe(-ENOMEM);
    expect(vm.boCreate(new TestGem(3))).toBeNull();
  });

  it("link/unlink keep the per-vm_bo VA list and the vm_bo references", () => {
    const { vm, warnings, freedBos } = makeVm();
    const gem = new TestGem(1);
    const bo = obtain(vm, gem);
    const vas = [0, 1, 2].map((i) => {
      const v = new GpuVa();
      v.init(i * P, P, gem, i * P);
      expect(vm.insert(v)).toBe(0);
      v.link(bo);
      return v;
    });
    expect(bo.refcount).toBe(4);
    expect([...bo.vas()]).toEqual(vas);
    expect(bo.vaListSize).toBe(3);
    vas[1]?.unlink();
    expect([...bo.vas()]).toEqual([vas[0], vas[2]]);
    expect(vas[1]?.vmBo).toBeNull();
    // A mapping without an object is never linked.
    const sparse = new GpuVa();
    sparse.init(8 * P, P, null, 0);
    sparse.link(bo);
    expect(sparse.vmBo).toBeNull();
    // Linking to another object's vm_bo warns.
    const other = new GpuVa();
    other.init(9 * P, P, new TestGem(9), 0);
    other.link(bo);
    expect(warnings.warnings.map((w) => w.where)).toEqual(["drm_gpuva_link"]);
    other.unlink();
    bo.put();
    vas[0]?.unlink();
    expect(freedBos).toEqual([]);
    vas[2]?.unlink();
    expect(freedBos).toEqual([bo]);
  });

  it("extobj list holds only external objects, once each", () => {
    const resvObj = GpuVm.resvObjectAlloc();
    const vm = GpuVm.init("ext", 0, 1 << 20, 0, 0, { vmFree: () => {} }, { resvObj });
    const priv = new TestGem(1, P, resvObj.resv);
    const ext = new TestGem(2);
    expect(vm.isExtobj(priv)).toBe(false);
    expect(vm.isExtobj(ext)).toBe(true);
    expect(vm.isExtobj(null)).toBe(false);
    const a = obtain(vm, priv);
    const b = obtain(vm, ext);
    a.extobjAdd();
    b.extobjAdd();
    b.extobjAdd();
    expect([...vm.extobjList]).toEqual([b]);
    const seen: GpuVmGemObject[] = [];
    const record = (o: GpuVmGemObject): number => {
      seen.push(o);
      return 0;
    };
    expect(vm.prepareObjects(record)).toBe(0);
    expect(seen).toEqual([ext]);
    expect(vm.prepareVm((o) => (o === resvObj ? 0 : -EINVAL))).toBe(0);
    b.put();
    expect(vm.extobjList.size).toBe(0);
    a.put();
  });

  it("evict and validate without GPUVM_RESV_PROTECTED", () => {
    const validated: GpuVmBo[] = [];
    const { vm } = makeVm({
      vmBoValidate: (bo) => {
        validated.push(bo);
        bo.evict(false);
        return 0;
      },
    });
    const g1 = new TestGem(1);
    const g2 = new TestGem(2);
    const b1 = obtain(vm, g1);
    const b2 = obtain(vm, g2);
    b1.evict(true);
    b2.evict(true);
    expect([...vm.evictList]).toEqual([b1, b2]);
    expect(vm.validate(null)).toBe(0);
    expect(validated).toEqual([b1, b2]);
    expect(vm.evictList.size).toBe(0);
    expect([b1.evicted, b2.evicted]).toEqual([false, false]);
    b1.put();
    b2.put();
    expect(makeVm().vm.validate(null)).toBe(-EOPNOTSUPP);
  });

  it("with GPUVM_RESV_PROTECTED, evicted extobjs join the list when objects are prepared", () => {
    let fail = false;
    const { vm } = makeVm({ vmBoValidate: () => (fail ? -ENOMEM : 0) }, GPUVM_RESV_PROTECTED);
    const ext = new TestGem(1);
    const b = obtain(vm, ext);
    b.extobjAdd();
    b.evict(true);
    expect(b.evicted).toBe(true);
    expect(vm.evictList.size).toBe(0);
    expect(vm.prepareObjects(() => 0)).toBe(0);
    expect([...vm.evictList]).toEqual([b]);
    fail = true;
    expect(vm.validate(null)).toBe(-ENOMEM);
    expect(vm.evictList.size).toBe(1);
    fail = false;
    // Still flagged evicted: it stays on the list after a successful validation.
    expect(vm.validate(null)).toBe(0);
    expect(vm.evictList.size).toBe(1);
    b.evicted = false;
    expect(vm.validate(null)).toBe(0);
    expect(vm.evictList.size).toBe(0);
    b.put();
  });

  it("gemEvict flags the object's vm_bo in every VM", () => {
    const gem = new TestGem(1);
    const vms = [makeVm().vm, makeVm().vm];
    const bos = vms.map((vm) => obtain(vm, gem));
    gemEvict(gem, true);
    expect(vms.map((vm) => vm.evictList.size)).toEqual([1, 1]);
    gemEvict(gem, false);
    expect(vms.map((vm) => vm.evictList.size)).toEqual([0, 0]);
    expect(bos.every((b) => !b.evicted)).toBe(true);
  });

  it("prepareRange visits the objects of the mappings in range, skipping sparse ones", () => {
    const { vm } = makeVm();
    const g = new TestGem(1);
    for (const [addr, obj] of [
      [0, g],
      [P, null],
      [2 * P, g],
    ] as const) {
      const v = new GpuVa();
      v.init(addr, P, obj, 0);
      vm.insert(v);
    }
    const seen: GpuVmGemObject[] = [];
    const record = (o: GpuVmGemObject): number => {
      seen.push(o);
      return 0;
    };
    expect(vm.prepareRange(0, 3 * P, record)).toBe(0);
    expect(seen).toEqual([g, g]);
    expect(vm.prepareRange(0, 3 * P, () => -ENOMEM)).toBe(-ENOMEM);
  });
});
