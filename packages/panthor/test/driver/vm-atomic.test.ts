/**
 * VM-AT: atomic page-table updates under a lock region (spec 2.4), on the simulated G610 with
 * the hardware GPU access probe reading through the VM's AS while binds run.
 */
import {
  AS_COMMAND,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_LOCKADDR_LO,
  asReg,
  CSF_GPU_CMD_SOFT_RESET,
  GPU_CMD,
  GPU_INT_CLEAR,
  GPU_IRQ_CLEAN_CACHES_COMPLETED,
  GpuAccessKind,
  type PlatformOptions,
  type ProbeRun,
} from "@panmmu/hw";
import { describe, expect, it } from "vitest";
import { flagsToProt } from "../../src/mmu/prot.js";
import { packRegionRange } from "../../src/mmu/region.js";
import { vmMapPages, vmUnmapPages } from "../../src/vm/pages.js";
import {
  execAsync,
  mapOp,
  mmioAccesses,
  pageTag,
  tagBo,
  traceMark,
  unmapOp,
  vmInvariantErrors,
} from "../helpers/bind-ops.js";
import { gpuRead, type HwStack, makeHwStack, SysBo } from "../helpers/hw-stack.js";

const SZ_2M = 0x20_0000;
const SZ_4M = 0x40_0000;
/** Base of the hammered range (1 GiB: 2 MiB-aligned, so the huge BOs map as blocks). */
const A = 0x4000_0000;
/** Byte of each page holding its tag. */
const TAG_AT = 0x800;
/** Virtual ns the probe runs before, between and after the binds. */
const SETTLE_NS = 20_000;

/**
 * The 64 probed addresses across [A, A+4M): one every 64 KiB, the upper half one page further
 * so the 64 pages use distinct TLB sets (a 512-entry direct-mapped TLB would otherwise make
 * every read a miss and hide a missing invalidation).
 */
function probeAddresses(): { va: number; page: number }[] {
  const out: { va: number; page: number }[] = [];
  for (let i = 0; i < 64; i++) {
    const page = i * 16 + (i >> 5);
    out.push({ va: A + page * 4096 + TAG_AT, page });
  }
  return out;
}

/** What one hammering scenario saw. */
interface HammerOutcome {
  s: HwStack;
  run: ProbeRun;
  /** Virtual times bracketing the whole-range remap and the partial huge-page unmap. */
  remap: [number, number];
  partial: [number, number];
  /** Return values of the two ops. */
  rets: number[];
  /** Reads that faulted or failed (holes). */
  holes: number;
  /** Reads issued after the remap returned that still saw BO1, or BO2 before it began (stale). */
  stale: number;
  /** Reads returning neither BO's tag, or going back from BO2 to BO1. */
  wrong: number;
  /** Reads that stalled on the lock during each op. */
  stalledInRemap: number;
  stalledInPartial: number;
  /** INV-1/INV-2 errors after each op. */
  invariantErrors: string[];
}

/**
 * VM-AT-1's scenario: the probe reads 64 addresses across [A, A+4M) in a loop while the VM
 * replaces BO1 by BO2 over the whole range in one MAP (drm_gpuvm unmap + map), then while an
 * 8 KiB unmap cuts the first 2 MiB block (widened remap of the block's survivors).
 */
function hammer(atomicUpdates: boolean, options: PlatformOptions = {}): HammerOutcome {
  const s = makeHwStack(options);
  const vm = s.userVm();
  vm.atomicUpdates = atomicUpdates;
  expect(s.mmu.vmActive(vm)).toBe(0);
  const bo1 = new SysBo(s.sim, SZ_4M, true);
  const bo2 = new SysBo(s.sim, SZ_4M, true);
  tagBo(s, bo1, 1, TAG_AT);
  tagBo(s, bo2, 2, TAG_AT);
  const lookup = (h: number): SysBo | null => (h === 1 ? bo1 : h === 2 ? bo2 : null);
  expect(vm.bindExecSyncOp(lookup, mapOp(1, A, SZ_4M))).toBe(0);
  const addrs = probeAddresses();
  const run = s.sim.gpu.accessProbe.start({
    as: vm.asId,
    accesses: addrs.map((a) => ({ va: a.va, kind: GpuAccessKind.Read, size: 4 })),
    repeat: Number.POSITIVE_INFINITY,
  });
  const invariantErrors: string[] = [];
  const loop = s.sim.loop;
  loop.advance(SETTLE_NS);
  const rets: number[] = [];
  const r0 = loop.now;
  // The remap runs as an asynchronous bind's run_job would; the partial unmap synchronously.
  rets.push(execAsync(vm, lookup, mapOp(2, A, SZ_4M)));
  const r1 = loop.now;
  invariantErrors.push(...vmInvariantErrors(s, vm));
  loop.advance(SETTLE_NS);
  const p0 = loop.now;
  // Pages 2 and 3 are not probed; pages 0, 16, 32... of the same block are.
  rets.push(vm.bindExecSyncOp(lookup, unmapOp(A + 2 * 4096, 2 * 4096)));
  const p1 = loop.now;
  invariantErrors.push(...vmInvariantErrors(s, vm));
  loop.advance(SETTLE_NS);
  run.stop();

  let holes = 0;
  let stale = 0;
  let wrong = 0;
  let stalledInRemap = 0;
  let stalledInPartial = 0;
  const sawBo2 = new Set<number>();
  for (const r of run.results) {
    if (r.status !== 1) {
      holes++;
      continue;
    }
    const page = (addrs[r.index] as { page: number }).page;
    const isBo1 = r.value === pageTag(1, page);
    const isBo2 = r.value === pageTag(2, page);
    if (!isBo1 && !isBo2) wrong++;
    if (isBo1 && sawBo2.has(r.index)) wrong++;
    if (isBo2) sawBo2.add(r.index);
    if (isBo1 && r.issuedNs >= r1) stale++;
    if (isBo2 && r.completedNs <= r0) stale++;
    if (r.lockWaits > 0 && r.issuedNs >= r0 && r.issuedNs <= r1) stalledInRemap++;
    if (r.lockWaits > 0 && r.issuedNs >= p0 && r.issuedNs <= p1) stalledInPartial++;
  }
  holes += run.counters.faulted;
  return {
    s,
    run,
    remap: [r0, r1],
    partial: [p0, p1],
    rets,
    holes,
    stale,
    wrong,
    stalledInRemap,
    stalledInPartial,
    invariantErrors,
  };
}

describe("VM-AT: atomic page-table updates under a lock region", () => {
  /** Default hw timing, another event tie order, and 20x slower MMU commands and cache flushes. */
  const platforms: [string, PlatformOptions][] = [
    ["default timing", {}],
    ["seed 7", { seed: 7 }],
    ["slow MMU and caches", { timing: { mmuCommandNs: 20_000, cacheFlushNs: 20_000 } }],
  ];

  it.each(platforms)(
    "VM-AT-1: a GPU reader hammering a range while it is remapped never sees a hole or a stale page (%s)",
    (_, options) => {
      const o = hammer(true, options);
      expect(o.rets).toEqual([0, 0]);
      expect(o.invariantErrors).toEqual([]);
      // The ops took virtual time (LOCK, cache flush, UNLOCK) and the reader ran during them.
      expect(o.remap[1]).toBeGreaterThan(o.remap[0]);
      expect(o.partial[1]).toBeGreaterThan(o.partial[0]);
      expect(o.run.counters.completed).toBeGreaterThan(500);
      expect(o.holes).toBe(0);
      expect(o.stale).toBe(0);
      expect(o.wrong).toBe(0);
      expect(o.s.mmu.faults).toEqual([]);
      expect(o.run.counters.stalledOnLock).toBeGreaterThan(0);
      expect(o.stalledInRemap).toBeGreaterThan(0);
      expect(o.stalledInPartial).toBeGreaterThan(0);
      expect(o.s.warnings.warnings).toEqual([]);
      expect(o.s.resets).toBe(0);
    },
  );

  it.each(platforms)(
    "VM-AT-2: the same hammering with atomicUpdates off (debug option) sees holes or stale pages (%s)",
    (_, options) => {
      const o = hammer(false, options);
      expect(o.rets).toEqual([0, 0]);
      // Nothing stalls: no LOCK is ever sent.
      expect(o.run.counters.stalledOnLock).toBe(0);
      expect(o.holes + o.stale).toBeGreaterThan(0);
    },
  );
});

/** AS_COMMAND values written to AS `as`. */
function asCommands(s: HwStack, as: number, from: number): number[] {
  return mmioAccesses(s, from)
    .filter((a) => a.rw === "W" && a.off === asReg(as, AS_COMMAND))
    .map((a) => a.val);
}

/** AS_LOCKADDR values (64-bit, from the lo/hi write pairs) written to AS `as`. */
function lockaddrs(s: HwStack, as: number, from: number): bigint[] {
  const lo = asReg(as, AS_LOCKADDR_LO);
  const out: bigint[] = [];
  let pendingLo: number | null = null;
  for (const a of mmioAccesses(s, from)) {
    if (a.rw !== "W") continue;
    if (a.off === lo) pendingLo = a.val;
    else if (a.off === lo + 4 && pendingLo !== null) {
      out.push((BigInt(a.val) << 32n) | BigInt(pendingLo));
      pendingLo = null;
    }
  }
  return out;
}

describe("VM-AT: lock-region protocol of one operation", () => {
  it("VM-AT-3: a partial huge-page unmap widens the lock inside one LOCK..UNLOCK: LOCKADDR = [op region, union]", () => {
    const s = makeHwStack({ trace: true });
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const bo = new SysBo(s.sim, SZ_4M, true);
    expect(vm.bindExecSyncOp(() => bo, mapOp(1, A, SZ_4M))).toBe(0);
    const mark = traceMark(s);
    expect(vm.bindExecSyncOp(() => bo, unmapOp(A + 0x2000, 0x2000))).toBe(0);
    expect(lockaddrs(s, vm.asId, mark)).toEqual([
      packRegionRange(BigInt(A + 0x2000), 0x2000n).lockaddr,
      packRegionRange(BigInt(A), BigInt(SZ_2M)).lockaddr,
    ]);
    expect(asCommands(s, vm.asId, mark)).toEqual([
      AS_COMMAND_LOCK,
      AS_COMMAND_LOCK,
      AS_COMMAND_UNLOCK,
    ]);
    expect(vmInvariantErrors(s, vm)).toEqual([]);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AT-4: a slot-less VM's operation touches no MMU register; the recorded region is the unrounded op range, then cleared", () => {
    const s = makeHwStack({ trace: true });
    const vm = s.userVm();
    const small = new SysBo(s.sim, 0x10000);
    const huge = new SysBo(s.sim, SZ_4M, true);
    const lookup = (h: number): SysBo | null => (h === 1 ? small : h === 2 ? huge : null);
    const seen: [string, bigint, bigint][] = [];
    const pt = vm.pgtable;
    const map = pt.mapPages.bind(pt);
    const unmap = pt.unmapPages.bind(pt);
    pt.mapPages = (...args) => {
      seen.push(["map", vm.lockedRegion.start, vm.lockedRegion.size]);
      return map(...args);
    };
    pt.unmapPages = (...args) => {
      seen.push(["unmap", vm.lockedRegion.start, vm.lockedRegion.size]);
      return unmap(...args);
    };
    const mark = traceMark(s);
    expect(vm.bindExecSyncOp(lookup, mapOp(1, A + 0x3000, 0x5000))).toBe(0);
    expect(vm.bindExecSyncOp(lookup, mapOp(2, A + SZ_4M, SZ_4M))).toBe(0);
    expect(vm.bindExecSyncOp(lookup, unmapOp(A + SZ_4M + 0x2000, 0x2000))).toBe(0);
    expect(mmioAccesses(s, mark)).toEqual([]);
    expect(vm.regionLocked).toBe(false);
    const first = seen.find((e) => e[0] === "map");
    expect(first).toEqual(["map", BigInt(A + 0x3000), 0x5000n]);
    // The partial unmap records its own range, then the union with the widened block.
    const unmaps = seen.filter((e) => e[0] === "unmap");
    expect(unmaps[0]).toEqual(["unmap", BigInt(A + SZ_4M), BigInt(SZ_2M)]);
    const regions = new Set(seen.map((e) => `${e[1]}+${e[2]}`));
    expect(regions).toEqual(
      new Set([`${A + 0x3000}+${0x5000}`, `${A + SZ_4M}+${SZ_4M}`, `${A + SZ_4M}+${SZ_2M}`]),
    );
    // Bound afterwards, the tables are right.
    expect(s.mmu.vmActive(vm)).toBe(0);
    expect(vmInvariantErrors(s, vm)).toEqual([]);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AT-7: writing the page table outside the locked region raises the WARN; inside it does not", () => {
    const s = makeHwStack();
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const bo = new SysBo(s.sim, 0x10000);
    expect(vm.bindExecSyncOp(() => bo, mapOp(1, A, 0x10000))).toBe(0);
    const prot = flagsToProt(0);
    // Inside a locked region: no WARN.
    expect(vm.lockRegion(BigInt(A), 0x1000n)).toBe(0);
    vmUnmapPages(vm, A, 0x1000);
    expect(vmMapPages(vm, A, prot, bo.getPagesSgt().segments, 0, 0x1000)).toBe(0);
    vm.unlockRegion();
    expect(s.warnings.warnings).toEqual([]);
    // Outside: both writers WARN.
    vmUnmapPages(vm, A, 0x1000);
    expect(vmMapPages(vm, A, prot, bo.getPagesSgt().segments, 0, 0x1000)).toBe(0);
    expect(s.warnings.warnings.map((w) => w.where)).toEqual([
      "panthor_vm_unmap_pages",
      "panthor_vm_map_pages",
    ]);
  });

  it("VM-AT-8: an UNLOCK that times out schedules a reset; after it the VM's tables are intact and the next op works", () => {
    const s = makeHwStack();
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const bo1 = new SysBo(s.sim, 0x10000);
    const bo2 = new SysBo(s.sim, 0x10000);
    tagBo(s, bo1, 1, TAG_AT);
    tagBo(s, bo2, 2, TAG_AT);
    const lookup = (h: number): SysBo | null => (h === 1 ? bo1 : h === 2 ? bo2 : null);
    expect(vm.bindExecSyncOp(lookup, mapOp(1, A, 0x10000))).toBe(0);
    s.sim.gpu.mmu.injectStuckActive(vm.asId, AS_COMMAND_UNLOCK);
    expect(vm.bindExecSyncOp(lookup, mapOp(2, A + 0x10000, 0x10000))).toBe(0);
    // wait_ready() and the unlock path both ask for it; a pending reset is only queued once.
    expect(s.resets).toBeGreaterThan(0);
    const resetsAsked = s.resets;
    expect(s.warnings.warnings.map((w) => w.message)).toEqual(["AS1: AS_ACTIVE bit stuck"]);
    expect(vm.regionLocked).toBe(false);
    // The reset: MMU halves around a GPU soft reset.
    s.mmu.preReset();
    s.sim.platform.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    s.sim.loop.advance(100_000);
    s.mmu.postReset();
    expect(vm.asId).toBe(-1);
    expect(s.mmu.vmActive(vm)).toBe(0);
    expect(vmInvariantErrors(s, vm)).toEqual([]);
    expect(gpuRead(s.sim, vm.asId, A + 0x1000 + TAG_AT)).toBe(pageTag(1, 1));
    expect(gpuRead(s.sim, vm.asId, A + 0x11000 + TAG_AT)).toBe(pageTag(2, 1));
    expect(vm.bindExecSyncOp(lookup, mapOp(2, A, 0x10000))).toBe(0);
    expect(gpuRead(s.sim, vm.asId, A + 0x1000 + TAG_AT)).toBe(pageTag(2, 1));
    expect(vmInvariantErrors(s, vm)).toEqual([]);
    expect(s.resets).toBe(resetsAsked);
    expect(s.warnings.warnings).toHaveLength(1);
  });

  it("VM-AT-9: every operation's cache flush completes before its AS_COMMAND_UNLOCK", () => {
    const s = makeHwStack({ trace: true });
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const huge = new SysBo(s.sim, SZ_4M, true);
    const small = new SysBo(s.sim, 0x10000);
    const lookup = (h: number): SysBo | null => (h === 1 ? huge : h === 2 ? small : null);
    const mark = traceMark(s);
    const ops = [
      mapOp(1, A, SZ_4M),
      mapOp(2, A + 0x10000, 0x10000),
      unmapOp(A + SZ_2M + 0x4000, 0x1000),
      mapOp(1, A, SZ_4M),
      unmapOp(A, SZ_4M),
    ];
    for (const op of ops) expect(vm.bindExecSyncOp(lookup, op)).toBe(0);
    const unlockReg = asReg(vm.asId, AS_COMMAND);
    let flushSent = false;
    let flushDone = false;
    let unlocks = 0;
    for (const a of mmioAccesses(s, mark)) {
      if (a.rw !== "W") continue;
      if (a.off === GPU_CMD) {
        flushSent = true;
        flushDone = false;
      } else if (a.off === GPU_INT_CLEAR && (a.val & GPU_IRQ_CLEAN_CACHES_COMPLETED) !== 0) {
        if (flushSent) flushDone = true;
      } else if (a.off === unlockReg && a.val === AS_COMMAND_UNLOCK) {
        expect(flushSent && flushDone).toBe(true);
        flushSent = false;
        flushDone = false;
        unlocks++;
      }
    }
    expect(unlocks).toBe(ops.length);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AT-10: 64 synchronous ops take 64 LOCK/UNLOCK pairs, never nested", () => {
    const s = makeHwStack({ trace: true });
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const bo = new SysBo(s.sim, 0x8000);
    const mark = traceMark(s);
    for (let i = 0; i < 32; i++)
      expect(vm.bindExecSyncOp(() => bo, mapOp(1, A + i * 0x10000, 0x8000))).toBe(0);
    for (let i = 0; i < 32; i++)
      expect(vm.bindExecSyncOp(() => bo, unmapOp(A + i * 0x10000, 0x8000))).toBe(0);
    const cmds = asCommands(s, vm.asId, mark);
    expect(cmds).toEqual(
      Array.from({ length: 128 }, (_, i) => (i % 2 === 0 ? AS_COMMAND_LOCK : AS_COMMAND_UNLOCK)),
    );
    expect(lockaddrs(s, vm.asId, mark)).toHaveLength(64);
    expect(vm.mappings()).toEqual([]);
    expect(s.warnings.warnings).toEqual([]);
  });
});
