/**
 * Seeded property test of the VM core on the simulated G610 (issue 13): random VM_BIND MAP and
 * UNMAP ops, VM activations and idles (three VMs competing for two user AS slots), invalid ops
 * and VM destroy/recreate, over huge (2 MiB folio) and scattered BOs. After every op:
 * - the touched VM's page table, walked by hw's walker, translates exactly the reference
 *   model's mappings (PA and permissions) and nothing else, over both VA windows;
 * - the VM's gpuva list equals the model (drm_gpuvm never merges neighbours);
 * - no WARN (alloc_pt WARNs when a reservation is short), no op context left, no region
 *   locked, the VM still usable, and the page-table cache's live pages equal the non-root
 *   tables of the live VMs;
 * - for a VM bound to an AS, GPU reads through that AS (the hw TLB included) see the BO pages.
 * At the end every VM is destroyed, every BO released, and system memory is back to baseline.
 *
 * Unusable VMs are avoided by construction, so the model needs no unusable rule: a 2 MiB block
 * only ever comes from a 2 MiB folio of a huge BO (scattered BOs have no two contiguous pages),
 * and partial unmaps of such blocks are widened, never refused by io-pgtable.
 */
import { createRng, type Rng } from "@panmmu/fixtures";
import { GpuAccessKind } from "@panmmu/hw";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  EINVAL,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorVm } from "../../src/vm/vm.js";
import { type HwStack, makeHwStack, SysBo } from "../helpers/hw-stack.js";
import {
  checkTranslations,
  countTables,
  type PagedBo,
  RefVm,
  refRows,
  ScatterBo,
  vmAsConfig,
  vmRows,
} from "../helpers/vm-check.js";

const SZ_4K = 0x1000;
const SZ_2M = 0x20_0000;
const SZ_1G = 0x4000_0000;
/** VA windows: around a 1 GiB boundary and around the 512 GiB boundary. */
const WINDOWS: ReadonlyArray<readonly [number, number]> = [
  [SZ_1G - 6 * SZ_2M, SZ_1G + 6 * SZ_2M],
  [2 ** 39 - 4 * SZ_2M, 2 ** 39 + 4 * SZ_2M],
];
const SEEDS = [1, 2, 3, 4, 5];
const OPS_PER_SEED = 2000;

interface Slot {
  vm: PanthorVm;
  ref: RefVm;
  active: boolean;
}

interface World {
  s: HwStack;
  bos: PagedBo[];
  slots: Slot[];
  rng: Rng;
  /** Non-root tables of each VM, as last counted. */
  tables: Map<PanthorVm, number>;
}

function bind(
  w: World,
  slot: Slot,
  flags: number,
  bo: number,
  off: number,
  va: number,
  size: number,
): number {
  const lookup = (h: number): PagedBo | null => w.bos[h - 1] ?? null;
  return slot.vm.bindExecSyncOp(lookup, {
    flags,
    boHandle: bo,
    boOffset: BigInt(off),
    va: BigInt(va),
    size: BigInt(size),
    syncsCount: 0,
  });
}

/** A tag per BO page, read back through the GPU. */
function tagOf(bo: number, page: number): number {
  return ((bo << 20) | page) >>> 0;
}

function randomMap(w: World, slot: Slot): { va: number; size: number } {
  const { rng } = w;
  const h = rng.int(1, w.bos.length);
  const bo = w.bos[h - 1] as PagedBo;
  const [lo, hi] = rng.pick(WINDOWS);
  const pages = bo.size / SZ_4K;
  let size: number;
  let off: number;
  let va: number;
  if (rng.chance(0.4) && bo.size >= SZ_2M) {
    // 2 MiB-aligned: blocks where the BO has folios.
    size = rng.int(1, Math.floor(bo.size / SZ_2M)) * SZ_2M;
    off = rng.int(0, Math.floor((bo.size - size) / SZ_2M)) * SZ_2M;
    va = lo + rng.int(0, (hi - lo - size) / SZ_2M) * SZ_2M;
  } else {
    size = rng.int(1, rng.chance(0.5) ? Math.min(pages, 16) : pages) * SZ_4K;
    off = rng.int(0, (bo.size - size) / SZ_4K) * SZ_4K;
    va = lo + rng.int(0, (hi - lo - size) / SZ_4K) * SZ_4K;
  }
  let flags = DRM_PANTHOR_VM_BIND_OP_TYPE_MAP;
  if (rng.chance(0.25)) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_READONLY;
  if (rng.chance(0.25)) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC;
  if (rng.chance(0.2)) flags |= DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;
  expect(bind(w, slot, flags, h, off, va, size)).toBe(0);
  slot.ref.map(va, size, bo, off, flags & 7);
  return { va, size };
}

function randomUnmap(w: World, slot: Slot): { va: number; size: number } {
  const { rng } = w;
  const existing = slot.ref.list;
  let va: number;
  let size: number;
  const m = existing.length > 0 && rng.chance(0.7) ? rng.pick(existing) : undefined;
  if (m !== undefined && rng.chance(0.3)) {
    va = m.start;
    size = m.end - m.start;
  } else if (m !== undefined) {
    // A piece of a mapping, often cutting a 2 MiB block.
    const pages = (m.end - m.start) / SZ_4K;
    const first = rng.int(0, pages - 1);
    va = m.start + first * SZ_4K;
    size = rng.int(1, Math.min(pages - first, rng.chance(0.5) ? 4 : 1024)) * SZ_4K;
  } else {
    const [lo, hi] = rng.pick(WINDOWS);
    size = rng.int(1, 1024) * SZ_4K;
    va = lo + rng.int(0, (hi - lo - size) / SZ_4K) * SZ_4K;
  }
  expect(bind(w, slot, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 0, 0, va, size)).toBe(0);
  slot.ref.unmap(va, size);
  return { va, size };
}

/** Ops the kernel refuses at validation time: nothing may change. */
function invalidOp(w: World, slot: Slot): void {
  const { rng } = w;
  const bo = w.bos[0] as PagedBo;
  const [lo] = rng.pick(WINDOWS);
  const cases: Array<() => number> = [
    () => bind(w, slot, DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 1, 0, lo + 0x800, SZ_4K),
    () => bind(w, slot, DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 1, 0, lo, bo.size + SZ_4K),
    () => bind(w, slot, DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, 99, 0, lo, SZ_4K),
    () => bind(w, slot, DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | 0x100, 1, 0, lo, SZ_4K),
    () => bind(w, slot, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, 1, 0, lo, SZ_4K),
    () =>
      bind(
        w,
        slot,
        DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP | DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
        0,
        0,
        lo,
        SZ_4K,
      ),
  ];
  expect(rng.pick(cases)()).toBe(-EINVAL);
}

function toggle(w: World, slot: Slot): void {
  const { s } = w;
  if (slot.active) {
    s.mmu.vmIdle(slot.vm);
    slot.active = false;
  } else if (w.slots.filter((x) => x.active).length < 2) {
    expect(s.mmu.vmActive(slot.vm)).toBe(0);
    slot.active = true;
  }
  for (const x of w.slots) {
    if (x.active) expect(x.vm.asId === 1 || x.vm.asId === 2).toBe(true);
  }
  const bound = w.slots.filter((x) => x.vm.asId >= 0).map((x) => x.vm.asId);
  expect(new Set(bound).size).toBe(bound.length);
}

function recreate(w: World, i: number): void {
  const slot = w.slots[i] as Slot;
  slot.vm.destroy();
  expect(slot.vm.isFreed).toBe(true);
  w.slots[i] = { vm: w.s.userVm(), ref: new RefVm(), active: false };
}

/** Reads through the VM's AS (hw TLB included) a few mapped pages and compares their tags. */
function gpuReads(w: World, slot: Slot): void {
  const { s, rng } = w;
  const list = slot.ref.list;
  if (slot.vm.asId < 0 || list.length === 0) return;
  const accesses = [];
  const want: number[] = [];
  for (let k = 0; k < 3; k++) {
    const m = rng.pick(list);
    const va = m.start + rng.int(0, (m.end - m.start) / SZ_4K - 1) * SZ_4K;
    const page = (m.offset + va - m.start) / SZ_4K;
    accesses.push({ va, kind: GpuAccessKind.Read, size: 4 });
    want.push(tagOf(w.bos.indexOf(m.bo) + 1, page));
  }
  const run = s.sim.gpu.accessProbe.start({ as: slot.vm.asId, accesses });
  s.sim.loop.runUntil(() => run.done, 10_000_000);
  expect(run.status).toBe(1);
  expect(run.results.map((r) => r.value >>> 0)).toEqual(want);
}

/** Rows as one string per mapping, BOs named by handle (cheap to compare). */
function rowKey(w: World, rows: Array<[number, number, unknown, number, number]>): string {
  return rows
    .map(
      ([a, e, bo, o, f]) =>
        `${a.toString(16)}-${e.toString(16)}:${w.bos.indexOf(bo as PagedBo) + 1}+${o.toString(16)}/${f}`,
    )
    .join(" ");
}

function checkAll(w: World, slot: Slot): void {
  const { s } = w;
  const vm = slot.vm;
  if (s.warnings.warnings.length !== 0) expect(s.warnings.warnings).toEqual([]);
  expect(vm.opCtx).toBeNull();
  expect(vm.regionLocked).toBe(false);
  expect(vm.unusable).toBe(false);
  expect(rowKey(w, vmRows(vm))).toBe(rowKey(w, refRows(slot.ref)));
  const cfg = vmAsConfig(s, vm);
  for (const [lo, hi] of WINDOWS) {
    const bad = checkTranslations(s, cfg, slot.ref, lo, hi);
    if (bad !== null) expect(bad).toBeNull();
  }
  w.tables.set(vm, countTables(s, vm, cfg));
  let tables = 0;
  for (const x of w.slots) tables += w.tables.get(x.vm) ?? 0;
  expect(s.cache.live).toBe(tables);
  for (const bo of w.bos) {
    const users = w.slots.filter((x) => x.ref.maps(bo)).length;
    if (bo.pins !== users) expect(bo.pins).toBe(users);
  }
}

function runSeed(seed: number): number {
  const s = makeHwStack({ seed, overrides: { asPresent: 0x7 } });
  const rng = createRng(seed);
  const base = s.sim.memory.allocatedPages;
  const bos: PagedBo[] = [
    new SysBo(s.sim, 3 * SZ_2M, true),
    new SysBo(s.sim, 2 * SZ_2M + 5 * SZ_4K, true),
    new ScatterBo(s.sim, SZ_2M + 64 * SZ_4K),
    new ScatterBo(s.sim, 300 * SZ_4K),
  ];
  bos.forEach((bo, h) => {
    for (let i = 0; i < bo.pages.length; i++) {
      const t = tagOf(h + 1, i);
      s.sim.memory.writeBytes(
        bo.pages[i] as number,
        new Uint8Array([t, t >>> 8, t >>> 16, t >>> 24]),
      );
    }
  });
  const w: World = {
    s,
    bos,
    rng,
    tables: new Map(),
    slots: [0, 1, 2].map(() => ({ vm: s.userVm(), ref: new RefVm(), active: false })),
  };
  let ops = 0;
  /** UNMAPs that had to split a 2 MiB block (they link a new level-3 table). */
  let hugeSplits = 0;
  /** Ops after which io-pgtable had released tables. */
  let tablesFreed = 0;
  for (let n = 0; n < OPS_PER_SEED; n++) {
    const i = rng.int(0, w.slots.length - 1);
    const slot = w.slots[i] as Slot;
    const r = rng.next();
    const freedBefore = slot.vm.ptStats.freed;
    const usedBefore = slot.vm.ptStats.used;
    if (r < 0.45) randomMap(w, slot);
    else if (r < 0.85) {
      randomUnmap(w, slot);
      if (slot.vm.ptStats.used > usedBefore) hugeSplits++;
    } else if (r < 0.92) toggle(w, slot);
    else if (r < 0.97) invalidOp(w, slot);
    else recreate(w, i);
    const cur = w.slots[i] as Slot;
    if (cur === slot && slot.vm.ptStats.freed > freedBefore) tablesFreed++;
    checkAll(w, cur);
    if (rng.chance(0.3)) gpuReads(w, cur);
    ops++;
  }
  for (const slot of w.slots) {
    if (slot.active) s.mmu.vmIdle(slot.vm);
    slot.vm.destroy();
    expect(slot.vm.isFreed).toBe(true);
  }
  for (const bo of bos) {
    expect(bo.pins).toBe(0);
    bo.release();
  }
  expect(s.cache.live).toBe(0);
  expect(s.sim.memory.allocatedPages).toBe(base);
  expect(s.warnings.warnings).toEqual([]);
  expect(s.resets).toBe(0);
  // The sequence did exercise the interesting paths.
  expect(hugeSplits).toBeGreaterThan(20);
  expect(tablesFreed).toBeGreaterThan(20);
  return ops;
}

describe("panthor VM core: seeded random VM_BIND property on a simulated G610", () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: ${OPS_PER_SEED} random ops keep page tables, gpuva lists and memory consistent`, () => {
      expect(runSeed(seed)).toBe(OPS_PER_SEED);
    });
  }
});
