/**
 * VM-PT-1..8 (panthor spec 2.2): page-table pre-reservation, on the simulated G610 with BOs
 * from system memory. The reserved counts are checked against an independent statement of the
 * kernel's worst case: for a MAP, the 512 GiB, 1 GiB and 2 MiB granules the range touches; for
 * an UNMAP, one level-3 table per end inside a 2 MiB block (one if both ends share a block).
 *
 * Not here: VM-PT-4's "io-pgtable asks for a second table during init" hook (the root path is
 * covered by failing the root allocation instead) and VM-PT-7's asynchronous half (needs the
 * VM_BIND bind queue).
 */
import { createRng, type Rng } from "@panmmu/fixtures";
import { IOMMU_READ, IOMMU_WRITE } from "@panmmu/iopgtable";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
  ENOMEM,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { cleanupOpCtx, PanthorVmOpCtx, prepareUnmapOpCtx } from "../../src/vm/op-ctx.js";
import { makeHwStack, SysBo } from "../helpers/hw-stack.js";
import { countTables, type PagedBo, ScatterBo, vmAsConfig } from "../helpers/vm-check.js";
import { makeVmRig, type VmRig } from "../helpers/vm-rig.js";

const SZ_4K = 0x1000;
const SZ_2M = 0x20_0000;
const SZ_1G = 0x4000_0000;
const SZ_512G = 2 ** 39;
/** Boundaries the random ops straddle, each with a ±4 MiB window INV-1 walks. */
const BOUNDARIES = [4 * SZ_2M, 3 * SZ_1G, SZ_512G];
const WINDOWS = BOUNDARIES.map((b) => [b - 2 * SZ_2M, b + 2 * SZ_2M] as const);

/** Number of `g`-aligned granules `[va, va + size)` touches. */
function granules(va: number, size: number, g: number): number {
  return Math.ceil((va + size) / g) - Math.floor(va / g);
}

/** Worst-case tables of a MAP (spec 2.2), stated independently of src/mmu/pt-count.ts. */
function expectedMapReserve(va: number, size: number): number {
  return granules(va, size, SZ_512G) + granules(va, size, SZ_1G) + granules(va, size, SZ_2M);
}

/** Worst-case tables of an UNMAP: one per end inside a 2 MiB block, shared blocks once. */
function expectedUnmapReserve(va: number, size: number): number {
  const end = va + size;
  const startInBlock = va % SZ_2M !== 0;
  const endInBlock = end % SZ_2M !== 0;
  if (startInBlock && endInBlock && Math.floor(va / SZ_2M) === Math.floor(end / SZ_2M)) return 1;
  return (startInBlock ? 1 : 0) + (endInBlock ? 1 : 0);
}

interface OpRecord {
  kind: "map" | "unmap";
  va: number;
  size: number;
  reserved: number;
  used: number;
}

/**
 * Seeded random MAP/UNMAP (and MAP-over-existing remap) ops straddling the 2 MiB, 1 GiB and
 * 512 GiB boundaries, 4 KiB- or 2 MiB-aligned, over huge and scattered BOs; INV-1..4 after
 * every op. Returns what each op reserved and used.
 */
function boundaryOps(seed: number, count: number): OpRecord[] {
  const r = makeVmRig(WINDOWS);
  const rng: Rng = createRng(seed);
  const bos: PagedBo[] = [
    new SysBo(r.s.sim, 2 * SZ_2M, true),
    new ScatterBo(r.s.sim, SZ_2M + 16 * SZ_4K),
    new SysBo(r.s.sim, SZ_2M + 8 * SZ_4K, true),
  ];
  for (const bo of bos) r.addBo(bo);
  const out: OpRecord[] = [];
  const st = r.vm.ptStats;
  for (let n = 0; n < count; n++) {
    const b = rng.pick(BOUNDARIES);
    const aligned = rng.chance(0.4);
    const unit = aligned ? SZ_2M : SZ_4K;
    const before = { reserved: st.reserved, used: st.used };
    if (rng.chance(0.55)) {
      const h = rng.int(1, bos.length);
      const bo = bos[h - 1] as PagedBo;
      const units = Math.floor(bo.size / unit);
      const size = rng.int(1, Math.min(units, aligned ? 2 : 600)) * unit;
      const offset = rng.int(0, Math.floor((bo.size - size) / unit)) * unit;
      // Start so that [va, va + size) straddles b (or ends/starts right at it).
      const va = b - rng.int(0, size / unit) * unit;
      const flags = rng.pick([
        0,
        DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
        DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC | DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
      ]);
      r.map(h, offset, va, size, flags);
      out.push({ kind: "map", va, size, ...delta(r, before) });
    } else {
      const size = rng.int(1, aligned ? 2 : 700) * unit;
      const va = b - rng.int(0, size / unit) * unit;
      r.unmap(va, size);
      out.push({ kind: "unmap", va, size, ...delta(r, before) });
    }
    r.check();
  }
  for (const [from, size] of [
    [0, SZ_1G * 4],
    [SZ_512G - SZ_1G, 2 * SZ_1G],
  ] as const) {
    r.unmap(from, size);
  }
  r.check();
  r.finish();
  return out;
}

function delta(
  r: VmRig,
  before: { reserved: number; used: number },
): { reserved: number; used: number } {
  return {
    reserved: r.vm.ptStats.reserved - before.reserved,
    used: r.vm.ptStats.used - before.used,
  };
}

describe("VM-PT: page-table pre-reservation (spec 2.2)", () => {
  it("VM-PT-1: seeded random map/unmap/remap across 2M, 1G and 512G boundaries all succeed with no reservation WARN", () => {
    const ops = boundaryOps(21, 1500);
    expect(ops).toHaveLength(1500);
    // The sequence did split blocks and build tables on every boundary.
    expect(ops.filter((o) => o.used > 0).length).toBeGreaterThan(100);
    expect(ops.some((o) => o.va < SZ_512G && o.va + o.size > SZ_512G && o.used >= 2)).toBe(true);
  });

  it("VM-PT-2: every op consumes at most what it reserved, and reserves the kernel's worst case", () => {
    for (const o of boundaryOps(22, 1000)) {
      expect(o.used).toBeLessThanOrEqual(o.reserved);
      const want =
        o.kind === "map" ? expectedMapReserve(o.va, o.size) : expectedUnmapReserve(o.va, o.size);
      expect(o.reserved, `${o.kind} 0x${o.va.toString(16)}+0x${o.size.toString(16)}`).toBe(want);
    }
  });

  it("VM-PT-3: no reserved page is left behind after success, validation failure or exec failure; destroy returns to baseline", () => {
    const s = makeHwStack();
    const base = s.sim.memory.allocatedPages;
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const bo = new ScatterBo(s.sim, 64 * SZ_4K);
    const boBase = s.sim.memory.allocatedPages;
    const lookup = (h: number): PagedBo | null => (h === 1 ? bo : null);
    const op = (flags: number, va: number, size: number, handle = 1): number =>
      vm.bindExecSyncOp(lookup, {
        flags,
        boHandle: handle,
        boOffset: 0n,
        va: BigInt(va),
        size: BigInt(size),
        syncsCount: 0,
      });
    const leftovers = (): void => {
      const st = vm.ptStats;
      expect(vm.opCtx).toBeNull();
      expect(st.reserved).toBe(st.used + st.returned);
      expect(s.cache.live).toBe(countTables(s, vm, vmAsConfig(s, vm)));
      // Memory in use = root + BO (boBase) + live tables: nothing else is held.
      expect(s.sim.memory.allocatedPages).toBe(boBase + s.cache.live);
    };
    expect(op(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0x10_0000, 16 * SZ_4K)).toBe(0);
    leftovers();
    expect(vm.ptStats.returned).toBe(0);
    expect(op(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0x4000_0000 - SZ_4K, 2 * SZ_4K)).toBe(0);
    leftovers();
    expect(vm.ptStats.returned).toBeGreaterThan(0);
    // Validation failures: nothing reserved at all.
    const reserved = vm.ptStats.reserved;
    expect(op(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0x10_0800, SZ_4K)).toBe(-EINVAL);
    expect(op(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0x10_0000, 65 * SZ_4K)).toBe(-EINVAL);
    expect(op(DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 0x10_1000, SZ_4K)).toBe(-EINVAL);
    expect(vm.ptStats.reserved).toBe(reserved);
    leftovers();
    // Exec failure: MAP on an unusable VM fails in exec_op after its reservation was made.
    vm.declareUnusable();
    expect(op(DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 0x80_0000_0000, 4 * SZ_4K)).toBe(-EINVAL);
    expect(vm.ptStats.reserved).toBe(reserved + expectedMapReserve(0x80_0000_0000, 4 * SZ_4K));
    leftovers();
    s.mmu.vmIdle(vm);
    vm.destroy();
    expect(s.cache.live).toBe(0);
    expect(bo.pins).toBe(0);
    bo.release();
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-PT-4: VM creation allocates exactly the root table; a failed root allocation fails creation without a leak", () => {
    const s = makeHwStack();
    const base = s.sim.memory.allocatedPages;
    const vm = s.userVm();
    expect(s.sim.memory.allocatedPages).toBe(base + 1);
    expect(vm.rootPageTable).toBe(vm.transtab);
    expect(vm.ptStats).toEqual({ reserved: 0, used: 0, returned: 0, freed: 0 });
    expect(s.cache.live).toBe(0);
    // After creation, an allocation is never the root's again, even with no op context.
    expect(vm.allocPt(SZ_4K)).toBeNull();
    expect(vm.rootPageTable).toBe(vm.transtab);
    expect(s.warnings.warnings.map((w) => w.where)).toEqual(["alloc_pt"]);
    s.warnings.clear();
    vm.destroy();
    expect(vm.rootPageTable).toBeNull();
    expect(s.sim.memory.allocatedPages).toBe(base);
    s.sim.memory.failNthAllocation(1);
    expect(() => s.userVm()).toThrow(/VM creation failed: -\d+/);
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.cache.live).toBe(0);
    const again = s.userVm();
    expect(s.sim.memory.allocatedPages).toBe(base + 1);
    again.destroy();
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-PT-5: a table allocation with no op context gets null and a WARN; io-pgtable's map fails cleanly", () => {
    const s = makeHwStack();
    const base = s.sim.memory.allocatedPages;
    const vm = s.userVm();
    const bo = new ScatterBo(s.sim, SZ_4K);
    const ret = vm.pgtable.mapPages(
      0x10_0000,
      bo.pages[0] as number,
      SZ_4K,
      1,
      IOMMU_READ | IOMMU_WRITE,
    );
    expect(ret).toBe(-ENOMEM);
    expect(s.warnings.warnings.length).toBeGreaterThan(0);
    expect(s.warnings.warnings.every((w) => w.where === "alloc_pt")).toBe(true);
    s.warnings.clear();
    expect(vm.pgtable.iovaToPhys(0x10_0000)).toBe(0);
    expect(countTables(s, vm, vmAsConfig(s, vm))).toBe(0);
    expect(vm.ptStats.used).toBe(0);
    vm.destroy();
    bo.release();
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-PT-6: a non-4 KiB table allocation gets null and a WARN, and takes no reserved page", () => {
    const s = makeHwStack();
    const base = s.sim.memory.allocatedPages;
    const vm = s.userVm();
    const ctx = new PanthorVmOpCtx();
    expect(prepareUnmapOpCtx(ctx, vm, 0x1000n, 0x1000n)).toBe(0);
    expect(ctx.remainingPages).toBe(1);
    vm.opCtx = ctx;
    expect(vm.allocPt(2 * SZ_4K)).toBeNull();
    expect(s.warnings.warnings.map((w) => w.where)).toEqual(["alloc_pt"]);
    expect(ctx.remainingPages).toBe(1);
    // The reserved page is still there for a 4 KiB request.
    const pa = vm.allocPt(SZ_4K);
    expect(pa).not.toBeNull();
    expect(ctx.remainingPages).toBe(0);
    vm.opCtx = null;
    vm.freePt(pa as number, SZ_4K);
    cleanupOpCtx(ctx, vm);
    s.warnings.clear();
    vm.destroy();
    expect(s.cache.live).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(base);
  });

  it("VM-PT-7: a page allocation failure during the ioctl returns -ENOMEM, leaves the VM usable and changes nothing", () => {
    const r = makeVmRig([[0, 8 * SZ_2M]]);
    const h = r.addBo(new SysBo(r.s.sim, 2 * SZ_2M, true));
    r.map(h, 0, 0, SZ_2M);
    r.check();
    const pages = r.s.sim.memory.allocatedPages;
    const live = r.s.cache.live;
    for (const nth of [1, 2, 3]) {
      r.s.sim.memory.failNthAllocation(nth);
      const ret = r.bind({
        flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        boHandle: h,
        va: BigInt(3 * SZ_2M - SZ_4K),
        size: BigInt(2 * SZ_4K),
      });
      expect(ret).toBe(-ENOMEM);
      r.s.sim.memory.failNthAllocation(0);
      expect(r.s.sim.memory.allocatedPages).toBe(pages);
      expect(r.s.cache.live).toBe(live);
      r.check();
    }
    r.map(h, 0, 3 * SZ_2M - SZ_4K, 2 * SZ_4K);
    r.check();
    r.finish();
  });

  it("VM-PT-8: tables io-pgtable releases in a block-sized unmap go through free_pt into the cache", () => {
    const r = makeVmRig([[0, 8 * SZ_2M]]);
    const h = r.addBo(new ScatterBo(r.s.sim, 2 * SZ_2M));
    r.map(h, 0, SZ_2M, 2 * SZ_2M);
    r.check();
    const cfg = vmAsConfig(r.s, r.vm);
    const tables = countTables(r.s, r.vm, cfg);
    const live = r.s.cache.live;
    const pages = r.s.sim.memory.allocatedPages;
    const freed = r.vm.ptStats.freed;
    r.unmap(SZ_2M, 2 * SZ_2M);
    r.check();
    // Both level-3 tables went back through free_pt.
    expect(r.vm.ptStats.freed - freed).toBe(2);
    expect(tables - countTables(r.s, r.vm, cfg)).toBe(2);
    expect(live - r.s.cache.live).toBe(2);
    expect(pages - r.s.sim.memory.allocatedPages).toBe(2);
    r.finish();
  });
});
