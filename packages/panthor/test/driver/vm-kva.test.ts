/**
 * VM-KVA-1..6 (spec 2.7): kernel BOs in the kernel VA range of user VMs and of the MCU VM —
 * auto-VA placement and alignment, a full range, destroy returning the VA, user binds into the
 * kernel range, get_bo_for_va, explicit VAs for firmware sections.
 */
import { DrmMmNode } from "@panmmu/drm";
import {
  CSF_MCU_SHARED_REGION_SIZE,
  CSF_MCU_SHARED_REGION_START,
  createPlatform,
  GpuAccessKind,
} from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  EINVAL,
  ENOENT,
  ENOSPC,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";
import {
  PANTHOR_GEM_USAGE_FLAG_FW_MAPPED,
  PANTHOR_GEM_USAGE_FLAG_KERNEL,
  type PanthorKernelBo,
  panthorKernelBoCreate,
  panthorKernelBoDestroy,
  panthorKernelBoVmap,
} from "../../src/gem/kernel-bo.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "../../src/vm/vm-types.js";

const SZ_4K = 0x1000;
const SZ_2M = 0x20_0000;
const AUTO = PANTHOR_VM_KERNEL_AUTO_VA;
const KFLAGS = DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;

function stack() {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 5, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const base = sim.memory.allocatedPages;
  const c = PanthorClient.open(dev, "kva");
  if (typeof c === "number") throw new Error(`open: ${c}`);
  const created = c.vmCreate();
  const vm = c.handle.priv.vms.get(created.id);
  if (vm === null) throw new Error("no VM");
  vm.put();
  const kernelStart = Number(created.userVaRange);
  const kernelEnd = vm.kernelAutoVa.end + 1;
  const kbo = (v: PanthorVm, size: number, va = AUTO, name = "kbo"): PanthorKernelBo => {
    const k = panthorKernelBoCreate(dev.drm, v, size, DRM_PANTHOR_BO_NO_MMAP, KFLAGS, va, name);
    if (typeof k === "number") throw new Error(`kernel BO: ${k}`);
    return k;
  };
  /** One GPU read of 4 bytes through the VM's AS: the value, or -1 if it faulted. */
  const gpuRead = (v: PanthorVm, va: number): number => {
    expect(dev.mmu.vmActive(v)).toBe(0);
    const run = sim.gpu.accessProbe.start({
      as: v.asId,
      accesses: [{ va, kind: GpuAccessKind.Read, size: 4 }],
    });
    sim.loop.runUntil(() => run.done, 1_000_000);
    dev.mmu.vmIdle(v);
    return run.status === 1 ? (run.results[0]?.value ?? -1) : -1;
  };
  return { sim, dev, warnings, base, c, vm, kernelStart, kernelEnd, kbo, gpuRead };
}

describe("VM-KVA: kernel BOs and the kernel auto-VA region", () => {
  it("VM-KVA-1: kernel BOs land inside the kernel region, 2 MiB-aligned from 2 MiB up, mapped and readable by the GPU", () => {
    const s = stack();
    const small = s.kbo(s.vm, 0x1800, AUTO, "ring");
    const big = s.kbo(s.vm, SZ_2M + SZ_4K, AUTO, "heap chunk");
    const small2 = s.kbo(s.vm, SZ_4K, AUTO, "syncobjs");
    for (const k of [small, big, small2]) {
      expect(k.gpuVa).toBeGreaterThanOrEqual(s.kernelStart);
      expect(k.gpuVa + k.size).toBeLessThanOrEqual(s.kernelEnd);
      expect(k.gpuVa % SZ_4K).toBe(0);
      expect(k.obj.exclusiveVmRootGem).toBe(s.vm.rootGem);
      expect(k.usageFlags).toBe(PANTHOR_GEM_USAGE_FLAG_KERNEL);
    }
    // The size is rounded to the VM page size, the 2 MiB+ object is 2 MiB-aligned.
    expect(small.size).toBe(0x2000);
    expect(big.gpuVa % SZ_2M).toBe(0);
    expect(small.obj.label).toBe("ring");
    // Each is one gpuva with the kernel's map flags.
    const maps = s.vm.mappings().map((m) => [Number(m.addr), Number(m.range), m.mapFlags]);
    expect(maps).toEqual(
      [small, big, small2]
        .map((k) => [k.gpuVa, k.size, KFLAGS])
        .sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    // What the CPU writes through the kernel mapping, the GPU reads at the BO's VA.
    expect(panthorKernelBoVmap(big)).toBe(0);
    expect(panthorKernelBoVmap(big)).toBe(0);
    big.kmap?.write(SZ_2M, new Uint8Array([0x78, 0x56, 0x34, 0x12]));
    expect(s.gpuRead(s.vm, big.gpuVa + SZ_2M)).toBe(0x12345678);
    for (const k of [small, big, small2]) panthorKernelBoDestroy(k);
    expect(s.vm.mappings()).toEqual([]);
    expect(s.c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-KVA-2: a full kernel region answers -ENOSPC and leaves nothing behind; bad sizes/VAs -EINVAL", () => {
    const s = stack();
    // Everything but the last 4 MiB of the auto range is taken. The kernel passes the range's
    // inclusive end to drm_mm as its exclusive end, so the last page (here: the last 2 MiB
    // slot) of the auto range can never be handed out.
    const hog = new DrmMmNode(0, 0);
    expect(s.vm.allocVa(s.kernelStart, s.kernelEnd - s.kernelStart - 2 * SZ_2M, hog)).toBe(0);
    const last = s.kbo(s.vm, SZ_2M);
    expect(last.gpuVa).toBe(s.kernelEnd - 2 * SZ_2M);
    // Below 2 MiB the alignment is 4 KiB: the final slot takes 2 MiB - 4 KiB, not one more page.
    const tail = s.kbo(s.vm, SZ_2M - SZ_4K);
    expect(tail.gpuVa).toBe(s.kernelEnd - SZ_2M);
    const pages = s.sim.memory.allocatedPages;
    const objects = s.dev.drm.objects.size;
    const flags = DRM_PANTHOR_BO_NO_MMAP;
    expect(panthorKernelBoCreate(s.dev.drm, s.vm, SZ_4K, flags, KFLAGS, AUTO, "x")).toBe(-ENOSPC);
    // An explicit VA over an allocated node is -ENOSPC too.
    expect(panthorKernelBoCreate(s.dev.drm, s.vm, SZ_4K, flags, KFLAGS, last.gpuVa, "x")).toBe(
      -ENOSPC,
    );
    expect(panthorKernelBoCreate(s.dev.drm, s.vm, 0, flags, KFLAGS, AUTO, "x")).toBe(-EINVAL);
    expect(
      panthorKernelBoCreate(s.dev.drm, s.vm, SZ_4K, flags, KFLAGS, s.kernelStart + 0x800, "x"),
    ).toBe(-EINVAL);
    expect(s.sim.memory.allocatedPages).toBe(pages);
    expect(s.dev.drm.objects.size).toBe(objects);
    expect(s.vm.mappings().length).toBe(2);
    panthorKernelBoDestroy(tail);
    panthorKernelBoDestroy(last);
    s.vm.freeVa(hog);
    expect(s.c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-KVA-3: destroying a kernel BO unmaps it and returns its VA", () => {
    const s = stack();
    const a = s.kbo(s.vm, SZ_2M);
    const va = a.gpuVa;
    expect(panthorKernelBoVmap(a)).toBe(0);
    a.kmap?.write(0, new Uint8Array([1, 0, 0, 0]));
    expect(s.gpuRead(s.vm, va)).toBe(1);
    const pages = s.sim.memory.allocatedPages;
    panthorKernelBoDestroy(a);
    expect(a.kmap).toBeNull();
    expect(a.obj.freed).toBe(true);
    expect(s.sim.memory.allocatedPages).toBeLessThan(pages - 511);
    expect(s.vm.mappings()).toEqual([]);
    expect([...s.vm.mm.nodes()]).toEqual([]);
    // The VA faults now, and the next object of the same size gets the same VA back.
    expect(s.gpuRead(s.vm, va)).toBe(-1);
    expect(s.vm.unhandledFault).toBe(true);
    const b = s.kbo(s.vm, SZ_2M);
    expect(b.gpuVa).toBe(va);
    // Destroying a failed create (an errno) or null is a no-op.
    panthorKernelBoDestroy(-ENOSPC);
    panthorKernelBoDestroy(null);
    panthorKernelBoDestroy(b);
    expect(s.c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-KVA-4: 6.18 accepts a user MAP inside the kernel region (the golden default; later IGT expects -EINVAL)", () => {
    const s = stack();
    const bo = s.c.boCreate(BigInt(SZ_2M));
    const va = BigInt(Math.ceil(s.kernelStart / SZ_2M) * SZ_2M);
    const r = s.c.vmBind(s.c.handle.priv.vms.entries()[0]?.[0] ?? 0, [
      { boHandle: bo.handle, va, size: BigInt(SZ_2M) },
    ]);
    expect(r.ret).toBe(0);
    expect(s.vm.mappings().map((m) => Number(m.addr))).toEqual([Number(va)]);
    // The kernel VA allocator does not know of it: the user mapping is not in the drm_mm.
    expect([...s.vm.mm.nodes()]).toEqual([]);
    expect(s.c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-KVA-5: get_bo_for_va finds the BO and offset anywhere inside a mapping, -ENOENT elsewhere", () => {
    const s = stack();
    const a = s.kbo(s.vm, 3 * SZ_4K);
    const b = s.kbo(s.vm, SZ_2M);
    for (const [k, off] of [
      [a, 0],
      [a, 0x1234],
      [a, 3 * SZ_4K - 1],
      [b, 0],
      [b, SZ_2M - 4],
    ] as const) {
      expect(s.vm.getBoForVa(k.gpuVa + off)).toEqual({ bo: k.obj, offset: off });
    }
    expect(s.vm.getBoForVa(a.gpuVa + 3 * SZ_4K)).toBe(-ENOENT);
    expect(s.vm.getBoForVa(b.gpuVa + SZ_2M)).toBe(-ENOENT);
    expect(s.vm.getBoForVa(0)).toBe(-ENOENT);
    panthorKernelBoDestroy(a);
    expect(s.vm.getBoForVa(a.gpuVa)).toBe(-ENOENT);
    panthorKernelBoDestroy(b);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-KVA-6: the MCU VM takes firmware sections at explicit VAs and FW buffers in its shared region", () => {
    const s = stack();
    const mcu = s.dev.mcuVm;
    const section = s.kbo(mcu, 0x3000, 0x0, "FW section");
    expect(section.gpuVa).toBe(0);
    expect(section.usageFlags).toBe(
      PANTHOR_GEM_USAGE_FLAG_KERNEL | PANTHOR_GEM_USAGE_FLAG_FW_MAPPED,
    );
    // Overlapping or unaligned explicit VAs are refused.
    const f = DRM_PANTHOR_BO_NO_MMAP;
    expect(panthorKernelBoCreate(s.dev.drm, mcu, SZ_4K, f, 0, 0x2000, "x")).toBe(-ENOSPC);
    expect(panthorKernelBoCreate(s.dev.drm, mcu, SZ_4K, f, 0, 0x5004, "x")).toBe(-EINVAL);
    const suspend = s.kbo(mcu, 0x5000, AUTO, "suspend buffer");
    expect(suspend.gpuVa).toBeGreaterThanOrEqual(CSF_MCU_SHARED_REGION_START);
    expect(suspend.gpuVa + suspend.size).toBeLessThanOrEqual(
      CSF_MCU_SHARED_REGION_START + CSF_MCU_SHARED_REGION_SIZE,
    );
    // The MCU (AS 0) reads what the CPU wrote.
    expect(panthorKernelBoVmap(section)).toBe(0);
    section.kmap?.write(0x2000, new Uint8Array([0xef, 0xbe, 0xad, 0xde]));
    expect(mcu.asId).toBe(0);
    const run = s.sim.gpu.accessProbe.start({
      as: 0,
      accesses: [{ va: 0x2000, kind: GpuAccessKind.Read, size: 4 }],
    });
    s.sim.loop.runUntil(() => run.done, 1_000_000);
    expect(run.results[0]?.value).toBe(0xdeadbeef);
    panthorKernelBoDestroy(section);
    panthorKernelBoDestroy(suspend);
    expect(mcu.mappings()).toEqual([]);
    expect([...mcu.mm.nodes()]).toEqual([]);
    expect(section.obj.freed && suspend.obj.freed).toBe(true);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });
});
