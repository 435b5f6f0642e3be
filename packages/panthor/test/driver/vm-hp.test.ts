/**
 * VM-HP-1..13 (panthor spec 2.3): unmapping part of a 2 MiB block (`unmap_hugepage_align`), on
 * the simulated G610 with BOs from system memory. Every test checks the global invariants
 * INV-1..4 after each op (hw walker against the reference model, no region left locked,
 * page-table pages accounted for, no WARN) and that memory returns to its baseline at the end.
 *
 * VM-HP-9 uses our own list of eight odd-sized unmaps (the IGT list was not available here;
 * the spec only quotes its first two entries, 0x3fc000+0x208000 twice, which are kept).
 */
import { PERM_READ, WalkResult, walk } from "@panmmu/hw";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { SysBo } from "../helpers/hw-stack.js";
import { ScatterBo, vmAsConfig } from "../helpers/vm-check.js";
import { makeVmRig, type VmRig } from "../helpers/vm-rig.js";

const SZ_4K = 0x1000;
const SZ_2M = 0x20_0000;
const BASE = 0x20_0000;
/** INV-1 is checked over [0, 16 MiB). */
const WINDOW_END = 0x100_0000;

function rig(): VmRig {
  return makeVmRig([[0, WINDOW_END]]);
}

/** Level of the leaf translating `va` (2: 2 MiB block, 3: 4 KiB page); -1 if it faults. */
function leafLevel(r: VmRig, va: number): number {
  const out = new WalkResult();
  return walk(r.s.sim.memory, vmAsConfig(r.s, r.vm), va, out) === 0 ? out.level : -1;
}

/** Whether `outer` covers `[start, end)`. */
function covers(outer: { start: number; size: number }, start: number, end: number): boolean {
  return outer.start <= start && outer.start + outer.size >= end;
}

/** Map `size` of a huge BO of `boSize` at BASE (from `offset`), checked. */
function mapHuge(r: VmRig, boSize: number, size: number, offset = 0, flags = 0): number {
  const h = r.addBo(new SysBo(r.s.sim, boSize, true));
  r.map(h, offset, BASE, size, flags);
  r.check();
  return h;
}

describe("VM-HP: unmapping part of a 2 MiB block (spec 2.3)", () => {
  it("VM-HP-1: vm_unbind_identical_hugepage_single — map a 2M BO, unmap the same range: no remap step", () => {
    const r = rig();
    mapHuge(r, SZ_2M, SZ_2M);
    expect(leafLevel(r, BASE)).toBe(2);
    r.take();
    const used = r.vm.ptStats.used;
    r.unmap(BASE, SZ_2M);
    r.check();
    const { locked, unlocks } = r.locks();
    expect(locked).toEqual([{ start: BASE, size: SZ_2M }]);
    expect(unlocks).toBe(1);
    expect(r.vm.ptStats.used).toBe(used);
    r.finish();
  });

  it("VM-HP-2: …_single_partial — 4M BO, map 4M, unmap 4M", () => {
    const r = rig();
    mapHuge(r, 2 * SZ_2M, 2 * SZ_2M);
    r.take();
    r.unmap(BASE, 2 * SZ_2M);
    r.check();
    expect(r.locks().locked).toHaveLength(1);
    expect(r.vm.mappings()).toEqual([]);
    r.finish();
  });

  it("VM-HP-3: …_multiple — 6M BO, map 6M, unmap 6M", () => {
    const r = rig();
    mapHuge(r, 3 * SZ_2M, 3 * SZ_2M);
    for (let b = 0; b < 3; b++) expect(leafLevel(r, BASE + b * SZ_2M)).toBe(2);
    r.take();
    r.unmap(BASE, 3 * SZ_2M);
    r.check();
    expect(r.locks().locked).toHaveLength(1);
    r.finish();
  });

  it("VM-HP-4: …_offset — 6M BO, map 4M from BO offset 2M, unmap 6M", () => {
    const r = rig();
    mapHuge(r, 3 * SZ_2M, 2 * SZ_2M, SZ_2M);
    expect(leafLevel(r, BASE)).toBe(2);
    r.take();
    r.unmap(BASE, 3 * SZ_2M);
    r.check();
    expect(r.locks().locked).toHaveLength(1);
    r.finish();
  });

  it("VM-HP-5: vm_unbind_hugepage_leftaligned — unmap 8K at the start of a 4M mapping", () => {
    const r = rig();
    mapHuge(r, 2 * SZ_2M, 2 * SZ_2M);
    r.take();
    r.unmap(BASE, 2 * SZ_4K);
    r.check();
    const { locked, unlocks } = r.locks();
    // First the op's range, then the same lock widened to the whole first block; one unlock.
    expect(locked).toHaveLength(2);
    expect(covers(locked[0] as { start: number; size: number }, BASE, BASE + 2 * SZ_4K)).toBe(true);
    expect(covers(locked[1] as { start: number; size: number }, BASE, BASE + SZ_2M)).toBe(true);
    expect(unlocks).toBe(1);
    expect(leafLevel(r, BASE + 2 * SZ_4K)).toBe(3);
    expect(leafLevel(r, BASE + SZ_2M)).toBe(2);
    r.finish();
  });

  it("VM-HP-6: …_rightaligned — unmap the last 8K: widening at the block start side", () => {
    const r = rig();
    mapHuge(r, 2 * SZ_2M, 2 * SZ_2M);
    r.take();
    const end = BASE + 2 * SZ_2M;
    r.unmap(end - 2 * SZ_4K, 2 * SZ_4K);
    r.check();
    const { locked } = r.locks();
    expect(locked).toHaveLength(2);
    expect(covers(locked[1] as { start: number; size: number }, BASE + SZ_2M, end)).toBe(true);
    expect(leafLevel(r, BASE)).toBe(2);
    expect(leafLevel(r, BASE + SZ_2M)).toBe(3);
    expect(leafLevel(r, end - 3 * SZ_4K)).toBe(3);
    r.finish();
  });

  it("VM-HP-7: …_superset — map 2M, unmap 5M from 0x100000: no prev/next, the whole block goes", () => {
    const r = rig();
    mapHuge(r, SZ_2M, SZ_2M);
    r.take();
    r.unmap(0x10_0000, 0x50_0000);
    r.check();
    expect(r.locks().locked).toHaveLength(1);
    expect(r.vm.mappings()).toEqual([]);
    r.finish();
  });

  it("VM-HP-8: …_subset — 8K holes at +1M and +2M+4K split both blocks, 2 tables consumed ≤ reserved", () => {
    const r = rig();
    mapHuge(r, 2 * SZ_2M, 2 * SZ_2M);
    const st = r.vm.ptStats;
    const used0 = st.used;
    for (const va of [BASE + 0x10_0000, BASE + SZ_2M + SZ_4K]) {
      const before = { reserved: st.reserved, used: st.used };
      r.unmap(va, 2 * SZ_4K);
      r.check();
      expect(st.used - before.used).toBeLessThanOrEqual(st.reserved - before.reserved);
    }
    expect(st.used - used0).toBe(2);
    expect(leafLevel(r, BASE)).toBe(3);
    expect(leafLevel(r, BASE + SZ_2M)).toBe(3);
    r.finish();
  });

  it("VM-HP-9: …_successive — 8 successive odd-sized unmaps over a 6M mapping, INV-1 after each", () => {
    const r = rig();
    mapHuge(r, 3 * SZ_2M, 3 * SZ_2M);
    const unmaps: Array<[number, number]> = [
      [0x3f_c000, 0x20_8000],
      [0x3f_c000, 0x20_8000],
      [0x20_1000, 0x1000],
      [0x5f_f000, 0x3000],
      [0x7f_e000, 0x2000],
      [0x30_0000, 0x12_3000],
      [0x65_0000, 0x4_0000],
      [0x20_0000, 0x60_0000],
    ];
    for (const [va, size] of unmaps) {
      r.unmap(va, size);
      r.check();
    }
    expect(r.vm.mappings()).toEqual([]);
    r.finish();
  });

  it("VM-HP-10: a BO without 2M segments is not widened (the unmap range is the request)", () => {
    const r = rig();
    const h = r.addBo(new ScatterBo(r.s.sim, 2 * SZ_2M));
    r.map(h, 0, BASE, 2 * SZ_2M);
    r.check();
    r.take();
    r.unmap(BASE, 2 * SZ_4K);
    r.check();
    const { locked } = r.locks();
    expect(locked).toHaveLength(1);
    expect(locked[0]?.size).toBeLessThan(SZ_2M);
    r.finish();
  });

  it("VM-HP-11: a huge segment at an unaligned VA still widens, with the same result as VM-HP-10", () => {
    const ops = (r: VmRig, h: number): void => {
      r.map(h, 0, BASE + SZ_4K, 2 * SZ_2M);
      r.check();
      r.take();
      r.unmap(BASE + 0x10_0000, 2 * SZ_4K);
      r.check();
    };
    const huge = rig();
    ops(huge, huge.addBo(new SysBo(huge.s.sim, 3 * SZ_2M, true)));
    expect(leafLevel(huge, BASE + 0x20_0000)).toBe(3);
    const { locked } = huge.locks();
    expect(locked).toHaveLength(2);
    expect(
      covers(locked[1] as { start: number; size: number }, BASE + 0x10_0000, BASE + SZ_2M),
    ).toBe(true);
    const plain = rig();
    ops(plain, plain.addBo(new ScatterBo(plain.s.sim, 3 * SZ_2M)));
    expect(plain.locks().locked).toHaveLength(1);
    const shape = (r: VmRig): number[][] =>
      r.vm.mappings().map((m) => [Number(m.addr), Number(m.range), Number(m.offset)]);
    expect(shape(huge)).toEqual(shape(plain));
    huge.finish();
    plain.finish();
  });

  it("VM-HP-12: a RO+NOEXEC(+UNCACHED) mapping partially unmapped keeps its flags in the re-mapped PTEs", () => {
    const r = rig();
    const flags =
      DRM_PANTHOR_VM_BIND_OP_MAP_READONLY |
      DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC |
      DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;
    mapHuge(r, 2 * SZ_2M, 2 * SZ_2M, 0, flags);
    r.unmap(BASE + 0x10_0000, SZ_4K);
    r.check();
    const out = new WalkResult();
    const cfg = vmAsConfig(r.s, r.vm);
    for (const va of [BASE, BASE + 0x10_1000, BASE + SZ_2M - SZ_4K]) {
      expect(walk(r.s.sim.memory, cfg, va, out)).toBe(0);
      expect(out.level).toBe(3);
      expect(out.perms).toBe(PERM_READ);
    }
    expect(r.vm.mappings().map((m) => m.mapFlags)).toEqual([flags, flags]);
    r.finish();
  });

  it("VM-HP-13: vm_unbind_invalid_address — UNMAP with a BO handle is -EINVAL; a never-mapped range unmaps fine", () => {
    const r = rig();
    mapHuge(r, SZ_2M, SZ_2M);
    r.take();
    const bad = r.bind({
      flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
      boHandle: 1,
      va: BigInt(BASE),
      size: BigInt(SZ_2M),
    });
    expect(bad).toBe(-EINVAL);
    expect(r.writes).toEqual([]);
    r.check();
    r.unmap(0x100_0000, SZ_2M);
    r.check();
    expect(r.vm.mappings()).toHaveLength(1);
    r.finish();
  });
});
