/**
 * The panthor device's VM and BO ioctls through raw ioctl structs: checks in the kernel's
 * order, outputs written back, nothing changed on an error, everything released on close.
 */
import { createPlatform, GpuAccessKind } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_IOCTL_PANTHOR_DEV_QUERY,
  DRM_IOCTL_PANTHOR_GROUP_CREATE,
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_BO_WB_MMAP,
  DRM_PANTHOR_DEV_QUERY_CSIF_INFO,
  DRM_PANTHOR_DEV_QUERY_GPU_INFO,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DrmPanthorCsifInfo,
  DrmPanthorDevQuery,
  DrmPanthorGpuInfo,
  DrmPanthorGroupCreate,
  E2BIG,
  EBUSY,
  EINVAL,
  ENODEV,
  ENOENT,
  EPERM,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";

function stack() {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 3, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const base = sim.memory.allocatedPages;
  const open = (name?: string): PanthorClient => {
    const c = PanthorClient.open(dev, name);
    if (typeof c === "number") throw new Error(`open: ${c}`);
    return c;
  };
  return { sim, dev, warnings, base, open };
}

describe("panthor device", () => {
  it("probes a CSF GPU with the MCU VM on AS 0, refuses a Job Manager GPU", () => {
    const s = stack();
    expect(s.dev.mcuVm.asId).toBe(0);
    expect(s.dev.mmu.slots[0]).toBe(s.dev.mcuVm);
    expect(s.dev.mcuVm.forMcu).toBe(true);
    const jm = createPlatform("t860", { seed: 1 });
    expect(PanthorDevice.probe(jm.platform)).toBe(-ENODEV);
    expect(s.warnings.warnings).toEqual([]);
  });
});

describe("VM_CREATE / VM_DESTROY / VM_GET_STATE", () => {
  it("ids from 1, the user range reported as the kernel range's start, 32 per file", () => {
    const s = stack();
    const c = s.open();
    const first = c.vmCreate();
    expect(first).toEqual({ ret: 0, id: 1, userVaRange: 1n << 47n });
    expect(c.vmCreate(0n, 1).ret).toBe(-EINVAL);
    // A user range leaving less than 256 MiB to the kernel.
    expect(c.vmCreate((1n << 48n) - (1n << 27n)).ret).toBe(-EINVAL);
    for (let i = 2; i <= 32; i++) expect(c.vmCreate().id).toBe(i);
    expect(c.vmCreate().ret).toBe(-EBUSY);
    expect(c.vmDestroy(7, 1)).toBe(-EINVAL);
    expect(c.vmDestroy(7)).toBe(0);
    expect(c.vmDestroy(7)).toBe(-EINVAL);
    // The lowest free id is reused.
    expect(c.vmCreate().id).toBe(7);
    expect(c.vmGetState(7)).toEqual({ ret: 0, state: 0 });
    expect(c.vmGetState(40).ret).toBe(-EINVAL);
    expect(c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });
});

describe("VM_BIND (synchronous)", () => {
  it("maps a BO the GPU then reads, and a failing op reports its index with the earlier ops applied", () => {
    const s = stack();
    const c = s.open();
    const vm = c.vmCreate().id;
    const bo = c.boCreate(0x10000n);
    expect(bo.ret).toBe(0);
    const view = c.map(bo.handle);
    if (typeof view === "number") throw new Error(`map: ${view}`);
    view.writeU32(0x2000, 0xcafe);
    view.munmap();
    const r = c.vmBind(vm, [
      { boHandle: bo.handle, va: 0x100000n, size: 0x10000n },
      { boHandle: bo.handle, va: 0x201000n, size: 0x1800n },
      { boHandle: bo.handle, va: 0x300000n, size: 0x1000n },
    ]);
    expect(r).toEqual({ ret: -EINVAL, count: 1 });
    const pvm = c.handle.priv.vms.get(vm);
    if (pvm === null) throw new Error("no VM");
    expect(pvm.mappings().map((m) => [Number(m.addr), Number(m.range)])).toEqual([
      [0x100000, 0x10000],
    ]);
    // The GPU reads what the CPU wrote, once the VM is active.
    expect(s.dev.mmu.vmActive(pvm)).toBe(0);
    const run = s.sim.gpu.accessProbe.start({
      as: pvm.asId,
      accesses: [{ va: 0x102000, kind: GpuAccessKind.Read, size: 4 }],
    });
    s.sim.loop.runUntil(() => run.done, 1_000_000);
    expect(run.results[0]?.value).toBe(0xcafe);
    s.dev.mmu.vmIdle(pvm);
    pvm.put();
    // The client gives back the op arrays it wrote for the ioctl.
    const before = c.user.allocatedBytes;
    expect(
      c.vmBind(vm, [{ flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, va: 0x300000n, size: 0x1000n }])
        .ret,
    ).toBe(0);
    expect(c.user.allocatedBytes).toBe(before);
    // Unmap through the ioctl; an unknown VM is -EINVAL.
    const unmap = { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, va: 0x100000n, size: 0x10000n };
    expect(c.vmBind(vm, [unmap]).ret).toBe(0);
    expect(c.vmBind(99, [unmap]).ret).toBe(-EINVAL);
    expect(c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("a file's VMs are destroyed at close, mappings and all", () => {
    const s = stack();
    const c = s.open();
    const vm = c.vmCreate().id;
    const bo = c.boCreate(0x200000n);
    expect(c.vmBind(vm, [{ boHandle: bo.handle, va: 0x200000n, size: 0x200000n }]).ret).toBe(0);
    expect(s.sim.memory.allocatedPages).toBeGreaterThan(s.base + 512);
    expect(c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
  });
});

describe("BO ioctls", () => {
  it("BO_CREATE: checks in the kernel's order, size rounded and written back", () => {
    const s = stack();
    const c = s.open();
    const vm = c.vmCreate().id;
    expect(c.boCreate(0n).ret).toBe(-EINVAL);
    expect(c.boCreate(4096n, 1 << 5).ret).toBe(-EINVAL);
    expect(c.boCreate(4096n, DRM_PANTHOR_BO_NO_MMAP | DRM_PANTHOR_BO_WB_MMAP).ret).toBe(-EINVAL);
    expect(c.boCreate(4096n, 0, 9).ret).toBe(-EINVAL);
    const bo = c.boCreate(4096n + 904n);
    expect(bo).toMatchObject({ ret: 0, size: 8192n });
    expect(bo.handle).toBeGreaterThan(0);
    const excl = c.boCreate(4096n, 0, vm);
    expect(excl.ret).toBe(0);
    const pvm = c.handle.priv.vms.get(vm);
    const obj = c.handle.file.gemObjectLookup(excl.handle);
    if (pvm === null || obj === null) throw new Error("lookup failed");
    expect(obj.resv).toBe((pvm.rootGem as { resv: unknown }).resv);
    obj.put();
    pvm.put();
    // The exclusive BO cannot be mapped into another VM.
    const other = c.vmCreate().id;
    expect(c.vmBind(other, [{ boHandle: excl.handle, va: 0x10000n, size: 4096n }]).ret).toBe(
      -EINVAL,
    );
    expect(c.vmBind(vm, [{ boHandle: excl.handle, va: 0x10000n, size: 4096n }]).ret).toBe(0);
    expect(c.close()).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(s.base);
  });

  it("BO_MMAP_OFFSET, BO_SET_LABEL, BO_QUERY_INFO", () => {
    const s = stack();
    const c = s.open();
    const bo = c.boCreate(4096n, DRM_PANTHOR_BO_WB_MMAP);
    const nomap = c.boCreate(4096n, DRM_PANTHOR_BO_NO_MMAP);
    expect(c.boMmapOffset(nomap.handle).ret).toBe(-EPERM);
    expect(c.boMmapOffset(77).ret).toBe(-ENOENT);
    const view = c.map(bo.handle);
    if (typeof view === "number") throw new Error(`map: ${view}`);
    expect(view.readU32(0)).toBe(0);
    view.munmap();
    expect(c.boSetLabel(bo.handle, "hello")).toBe(0);
    expect(c.boSetLabel(77, "x")).toBe(-ENOENT);
    expect(c.boSetLabel(bo.handle, "x".repeat(4096))).toBe(-E2BIG);
    expect(c.boSetLabel(bo.handle, "x".repeat(4095))).toBe(0);
    expect(c.boSetLabel(bo.handle, null)).toBe(0);
    expect(c.boQueryInfo(bo.handle)).toEqual({
      ret: 0,
      createFlags: DRM_PANTHOR_BO_WB_MMAP,
      extraFlags: 0,
    });
    expect(c.boQueryInfo(0).ret).toBe(-ENOENT);
    expect(c.close()).toBe(0);
  });

  it("GROUP_CREATE answers -ENODEV on a device probed without firmware", () => {
    const s = stack();
    const c = s.open();
    expect(
      c.ioctl(DRM_IOCTL_PANTHOR_GROUP_CREATE, DrmPanthorGroupCreate, DrmPanthorGroupCreate.zero())
        .ret,
    ).toBe(-ENODEV);
    c.close();
  });

  it("after unplug, VM_CREATE, VM_BIND and BO_CREATE fail with -ENODEV", () => {
    const s = stack();
    const c = s.open();
    const vm = c.vmCreate().id;
    s.dev.unplug();
    expect(c.vmCreate().ret).toBe(-ENODEV);
    expect(c.boCreate(4096n).ret).toBe(-ENODEV);
    expect(
      c.vmBind(vm, [{ flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, va: 0n, size: 4096n }]).ret,
    ).toBe(-ENODEV);
    expect(c.vmGetState(vm).ret).toBe(0);
    expect(c.close()).toBe(0);
  });
});

describe("DEV_QUERY through the ioctl", () => {
  it("Q-1/Q-2: size query, then GPU_INFO and CSIF_INFO from the preset and the firmware profile", () => {
    const s = stack();
    const c = s.open();
    const q = (type: number, size: number, pointer: bigint) =>
      c.ioctl(DRM_IOCTL_PANTHOR_DEV_QUERY, DrmPanthorDevQuery, { type, size, pointer });
    expect(q(DRM_PANTHOR_DEV_QUERY_GPU_INFO, 0, 0n).out.size).toBe(DrmPanthorGpuInfo.size);
    expect(q(99, 0, 0n).ret).toBe(-EINVAL);
    const buf = c.user.alloc(DrmPanthorGpuInfo.size);
    expect(q(DRM_PANTHOR_DEV_QUERY_GPU_INFO, DrmPanthorGpuInfo.size, buf).ret).toBe(0);
    const info = c.user.readStruct(DrmPanthorGpuInfo, buf);
    if (typeof info === "number") throw new Error("read");
    expect(info.gpu_id).toBe(s.sim.platform.mmio.read32(0));
    expect(info.as_present).toBe(s.sim.platform.mmio.read32(0x18));
    const csif = c.user.alloc(DrmPanthorCsifInfo.size);
    expect(q(DRM_PANTHOR_DEV_QUERY_CSIF_INFO, DrmPanthorCsifInfo.size, csif).ret).toBe(0);
    const ci = c.user.readStruct(DrmPanthorCsifInfo, csif);
    if (typeof ci === "number") throw new Error("read");
    expect(ci.unpreserved_cs_reg_count).toBe(4);
    expect(ci.csg_slot_count).toBeGreaterThan(0);
    expect(q(DRM_PANTHOR_DEV_QUERY_GPU_INFO, 8, buf).ret).toBe(-EINVAL);
    c.close();
  });
});
