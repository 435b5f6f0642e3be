/**
 * The USER page mmap (spec 1.6) and its register (USR, spec 3.4): the mapping rules of
 * panthor_device_mmap_io() in order, LATEST_FLUSH_ID read through the mapping as the GPU's
 * full cache flushes advance it, the file reference a mapping holds, unplug.
 */
import { DrmVma } from "@panmmu/drm";
import { CSF_GPU_LATEST_FLUSH_ID, createPlatform } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET,
  DRM_PANTHOR_USER_MMIO_OFFSET_32BIT,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  EBADF,
  EFAULT,
  EINVAL,
  ENODEV,
  KernelError,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";

const PAGE = 4096;
const FLUSH_ID = DRM_PANTHOR_USER_FLUSH_ID_MMIO_OFFSET;

function stack() {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 5, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const client = PanthorClient.open(dev, "user-page");
  if (typeof client === "number") throw new Error(`open: ${client}`);
  return { sim, dev, client, warnings };
}

function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return 0;
}

describe("USER page mmap", () => {
  it("USR-2: a shared read-only page at the flush-id offset reads LATEST_FLUSH_ID, which VM_BIND's full flushes advance", () => {
    const s = stack();
    const vma = s.client.mmap(FLUSH_ID, PAGE, PROT_READ, MAP_SHARED) as DrmVma;
    expect(vma).toBeInstanceOf(DrmVma);
    expect(vma.length).toBe(PAGE);
    const before = vma.readU32(0);
    expect(before).toBe(s.sim.platform.mmio.read32(CSF_GPU_LATEST_FLUSH_ID));
    // A bind on a resident VM locks, flushes L2 and LSC (clean + invalidate) and unlocks.
    const created = s.client.vmCreate();
    const vm = s.client.handle.priv.vms.get(created.id);
    if (vm === null) throw new Error("no VM");
    vm.put();
    expect(s.dev.mmu.vmActive(vm)).toBe(0);
    const bo = s.client.boCreate(BigInt(PAGE));
    const op = {
      flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
      boHandle: bo.handle,
      va: 0x10_0000n,
      size: BigInt(PAGE),
    };
    expect(s.client.vmBind(created.id, [op]).ret).toBe(0);
    expect(vma.readU32(0)).toBe(before + 1);
    // The rest of the page reads 0; a length that is not a page is rounded up to one.
    expect(vma.readU32(PAGE - 4)).toBe(0);
    expect([...vma.read(1, 2)]).toEqual([
      ((before + 1) >>> 8) & 0xff,
      ((before + 1) >>> 16) & 0xff,
    ]);
    const short = s.client.mmap(FLUSH_ID, 8, PROT_READ, MAP_SHARED) as DrmVma;
    expect(short.length).toBe(PAGE);
    expect(short.readU32(0)).toBe(before + 1);
    // Read-only: a store is a fault, and the register is unchanged.
    expect(errnoOf(() => vma.writeU32(0, 7))).toBe(EFAULT);
    expect(vma.readU32(0)).toBe(before + 1);
    expect(vma.munmap()).toBe(0);
    expect(short.munmap()).toBe(0);
    expect(errnoOf(() => vma.readU32(0))).toBe(EFAULT);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("refuses private, writable, executable, longer and other-offset mappings with -EINVAL, holding nothing", () => {
    const s = stack();
    const file = s.client.handle.file;
    const refs = file.refcount;
    const cases: [bigint, number, number, number][] = [
      [FLUSH_ID, PAGE, PROT_READ, MAP_PRIVATE],
      [FLUSH_ID, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED],
      [FLUSH_ID, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED],
      [FLUSH_ID, 2 * PAGE, PROT_READ, MAP_SHARED],
      [FLUSH_ID + BigInt(PAGE), PAGE, PROT_READ, MAP_SHARED],
      [FLUSH_ID + 4n, PAGE, PROT_READ, MAP_SHARED],
    ];
    for (const [offset, length, prot, flags] of cases) {
      expect(s.client.mmap(offset, length, prot, flags)).toBe(-EINVAL);
      expect(file.refcount).toBe(refs);
    }
    // MAP_SHARED is checked before the offset: a private mapping anywhere is refused first.
    expect(s.client.mmap(FLUSH_ID + BigInt(PAGE), PAGE, PROT_READ, MAP_PRIVATE)).toBe(-EINVAL);
    expect(s.client.mmap(FLUSH_ID, 0, PROT_READ, MAP_SHARED)).toBe(-EINVAL);
  });

  it("moves with SET_USER_MMIO_OFFSET: offsets at or above the file's window are rebased onto it", () => {
    const s = stack();
    expect(s.client.setUserMmioOffset(DRM_PANTHOR_USER_MMIO_OFFSET_32BIT)).toBe(0);
    const low = s.client.mmap(DRM_PANTHOR_USER_MMIO_OFFSET_32BIT, PAGE, PROT_READ, MAP_SHARED);
    expect(low).toBeInstanceOf(DrmVma);
    expect((low as DrmVma).readU32(0)).toBe(s.sim.platform.mmio.read32(CSF_GPU_LATEST_FLUSH_ID));
    // 1 << 56 is now far past the window's page.
    expect(s.client.mmap(FLUSH_ID, PAGE, PROT_READ, MAP_SHARED)).toBe(-EINVAL);
    // Below the window: a GEM fake offset (none there → -EINVAL from drm_gem_mmap()).
    expect(
      s.client.mmap(DRM_PANTHOR_USER_MMIO_OFFSET_32BIT - BigInt(PAGE), PAGE, PROT_READ, MAP_SHARED),
    ).toBe(-EINVAL);
    const bo = s.client.boCreate(BigInt(PAGE));
    const off = s.client.boMmapOffset(bo.handle).offset;
    const map = s.client.mmap(off, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED) as DrmVma;
    map.writeU32(0, 0x1234);
    expect(map.readU32(0)).toBe(0x1234);
    expect(map.munmap()).toBe(0);
    expect((low as DrmVma).munmap()).toBe(0);
  });

  it("holds the file until munmap; a closed fd maps nothing; an unplugged device -ENODEV and SIGBUS", () => {
    const s = stack();
    const file = s.client.handle.file;
    const vma = s.client.mmap(FLUSH_ID, PAGE, PROT_READ, MAP_SHARED) as DrmVma;
    expect(file.refcount).toBe(2);
    expect(s.client.close()).toBe(0);
    expect(file.released).toBe(false);
    expect(s.dev.mmap(file, FLUSH_ID, PAGE, PROT_READ, MAP_SHARED)).toBe(-EBADF);
    expect(vma.readU32(0)).toBe(s.sim.platform.mmio.read32(CSF_GPU_LATEST_FLUSH_ID));
    expect(vma.munmap()).toBe(0);
    expect(file.released).toBe(true);

    const t = stack();
    const kept = t.client.mmap(FLUSH_ID, PAGE, PROT_READ, MAP_SHARED) as DrmVma;
    t.dev.unplug();
    expect(t.client.mmap(FLUSH_ID, PAGE, PROT_READ, MAP_SHARED)).toBe(-ENODEV);
    // panthor_mmio_vm_fault() after unplug: SIGBUS.
    expect(errnoOf(() => kept.readU32(0))).toBe(EFAULT);
    expect(kept.munmap()).toBe(0);
  });
});

describe("uAPI 1.9 sparse mappings (not implemented)", () => {
  it("VM_BIND refuses MAP_SPARSE with -EINVAL and changes nothing, as a kernel without it does", () => {
    const s = stack();
    const created = s.client.vmCreate();
    const flags =
      DRM_PANTHOR_VM_BIND_OP_TYPE_MAP |
      DRM_PANTHOR_VM_BIND_OP_MAP_SPARSE |
      DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC;
    const r = s.client.vmBind(created.id, [{ flags, va: 0x10_0000n, size: BigInt(PAGE) }]);
    expect(r).toEqual({ ret: -EINVAL, count: 0 });
    const vm = s.client.handle.priv.vms.get(created.id);
    expect(vm?.gpuvm.vaCount ?? -1).toBe(0);
    vm?.put();
  });
});
