/**
 * VM-UN (unusable VMs, spec 2.6, without group jobs) and the MMU halves of suspend/resume, reset
 * and unplug (spec 2.10: PM-1, PM-2, RST, UNPLUG-1) on the simulated G610.
 */
import {
  AS_COMMAND_LOCK,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_LO,
  asReg,
  CSF_GPU_CMD_SOFT_RESET,
  GPU_CMD,
  MMU_INT_MASK,
} from "@panmmu/hw";
import { EINVAL, ENODEV, ETIMEDOUT } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorVm } from "../../src/vm/vm.js";
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
import { gpuRead, type HwStack, makeHwStack, readReg, SysBo } from "../helpers/hw-stack.js";

const A = 0x4000_0000;
const SZ_2M = 0x20_0000;
const TAG_AT = 0x800;

/** The GPU reset as the device runs it: MMU pre-reset, GPU soft reset, MMU post-reset. */
function resetGpu(s: HwStack): void {
  s.mmu.preReset();
  s.sim.platform.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
  s.sim.loop.advance(100_000);
  s.mmu.postReset();
}

/** An active user VM with a tagged 64 KiB BO (handle 1) mapped at {@link A}. */
function activeVm(s: HwStack, id = 1): { vm: PanthorVm; bo: SysBo } {
  const vm = s.userVm();
  expect(s.mmu.vmActive(vm)).toBe(0);
  const bo = new SysBo(s.sim, 0x10000);
  tagBo(s, bo, id, TAG_AT);
  expect(vm.bindExecSyncOp(() => bo, mapOp(1, A, 0x10000))).toBe(0);
  return { vm, bo };
}

/** VM-UN's common checks on an unusable VM bound to `as`. */
function expectUnusableEffects(s: HwStack, vm: PanthorVm, bo: SysBo, as: number): void {
  expect(vm.unusable).toBe(true);
  expect(vm.asId).toBe(as);
  expect(readReg(s.sim, asReg(as, AS_TRANSCFG_LO))).toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
  // GPU work on the VM cannot reach memory any more.
  expect(gpuRead(s.sim, as, A + TAG_AT)).toBeLessThan(0);
  // MAP refused at exec (sync path), UNMAP still runs.
  expect(vm.bindExecSyncOp(() => bo, mapOp(1, A + SZ_2M, 0x10000))).toBe(-EINVAL);
  expect(execAsync(vm, () => bo, mapOp(1, A + SZ_2M, 0x10000))).toBe(-EINVAL);
  expect(vm.bindExecSyncOp(() => bo, unmapOp(A, 0x10000))).toBe(0);
  expect(vm.mappings()).toEqual([]);
  expect(vm.pgtable.iovaToPhys(A)).toBe(0);
  // Declaring it again changes nothing.
  const mark = traceMark(s);
  vm.declareUnusable();
  expect(mmioAccesses(s, mark)).toEqual([]);
}

describe("VM-UN: unusable VM (core)", () => {
  it("VM-UN-1: an asynchronous op that fails (LOCK times out) makes the VM unusable; the same failure synchronously does not", () => {
    const s = makeHwStack({ trace: true });
    const { vm: sync, bo: sbo } = activeVm(s, 1);
    s.sim.gpu.mmu.injectStuckActive(sync.asId, AS_COMMAND_LOCK);
    expect(sync.bindExecSyncOp(() => sbo, mapOp(1, A + SZ_2M, 0x10000))).toBe(-ETIMEDOUT);
    expect(sync.unusable).toBe(false);
    resetGpu(s);
    expect(s.mmu.vmActive(sync)).toBe(0);
    expect(sync.bindExecSyncOp(() => sbo, mapOp(1, A + SZ_2M, 0x10000))).toBe(0);
    expect(vmInvariantErrors(s, sync)).toEqual([]);

    const { vm, bo } = activeVm(s, 2);
    const as = vm.asId;
    s.sim.gpu.mmu.injectStuckActive(as, AS_COMMAND_LOCK);
    expect(execAsync(vm, () => bo, mapOp(1, A + SZ_2M, 0x10000))).toBe(-ETIMEDOUT);
    expect(vm.unusable).toBe(true);
    expect(vm.asId).toBe(as);
    // LOCK stuck: the disable's UPDATE cannot be sent either; both ask for the reset.
    expect(s.warnings.warnings.map((w) => w.message)).toEqual([
      "AS1: AS_ACTIVE bit stuck",
      `AS${as}: AS_ACTIVE bit stuck`,
      `AS${as}: AS_ACTIVE bit stuck`,
    ]);
    resetGpu(s);
    expect(s.mmu.vmActive(vm)).toBe(0);
    // Once bound again the disable sticks: unusable is forever.
    vm.declareUnusable();
    expect(vm.unusable).toBe(true);
    expect(vm.bindExecSyncOp(() => bo, mapOp(1, A + SZ_2M, 0x10000))).toBe(-EINVAL);
  });

  it("VM-UN-2: map_pages failing midway (sync) undoes the partial mapping and makes the VM unusable", () => {
    const s = makeHwStack();
    const { vm, bo } = activeVm(s);
    const as = vm.asId;
    const big = new SysBo(s.sim, 0x10000);
    const pt = vm.pgtable;
    const map = pt.mapPages.bind(pt);
    let calls = 0;
    // The second io-pgtable call (past the 2 MiB table boundary) is refused.
    pt.mapPages = (iova, paddr, pgsize, pgcount, prot) =>
      map(iova, paddr, pgsize, pgcount, ++calls === 2 ? 0 : prot);
    const va = A + SZ_2M - 0x8000;
    expect(vm.bindExecSyncOp(() => big, mapOp(1, va, 0x10000))).toBe(-EINVAL);
    expect(calls).toBe(2);
    pt.mapPages = map;
    for (let d = 0; d < 0x10000; d += 0x1000) expect(vm.pgtable.iovaToPhys(va + d)).toBe(0);
    expect(vm.mappings().map((m) => Number(m.addr))).toEqual([A]);
    expect(s.warnings.warnings.map((w) => w.where)).toEqual(["panthor_vm_map_pages"]);
    expectUnusableEffects(s, vm, bo, as);
  });

  it("VM-UN-3: unmap_pages unmapping less than asked finishes the unmap and makes the VM unusable", () => {
    const s = makeHwStack();
    const { vm, bo } = activeVm(s);
    const as = vm.asId;
    const pt = vm.pgtable;
    const unmap = pt.unmapPages.bind(pt);
    let calls = 0;
    pt.unmapPages = (iova, pgsize, pgcount, gather) =>
      unmap(iova, pgsize, ++calls === 1 && pgcount > 1 ? pgcount - 1 : pgcount, gather);
    expect(vm.bindExecSyncOp(() => bo, unmapOp(A, 0x8000))).toBe(0);
    pt.unmapPages = unmap;
    for (let d = 0; d < 0x8000; d += 0x1000) expect(vm.pgtable.iovaToPhys(A + d)).toBe(0);
    expect(vm.pgtable.iovaToPhys(A + 0x8000)).not.toBe(0);
    expect(s.warnings.warnings.map((w) => w.message)).toEqual([
      "io-pgtable unmapped less than asked",
    ]);
    expectUnusableEffects(s, vm, bo, as);
  });

  it("VM-UN-4: an unusable VM can be destroyed and a new VM works; memory returns to the baseline", () => {
    const s = makeHwStack();
    const base = s.sim.memory.allocatedPages;
    const { vm, bo } = activeVm(s);
    vm.declareUnusable();
    expect(vm.bindExecSyncOp(() => bo, mapOp(1, A + SZ_2M, 0x10000))).toBe(-EINVAL);
    s.mmu.vmIdle(vm);
    vm.destroy();
    expect(vm.isFreed).toBe(true);
    expect(s.mmu.allocMask).toBe(0);
    const { vm: fresh, bo: freshBo } = activeVm(s, 2);
    expect(fresh.unusable).toBe(false);
    expect(fresh.asId).toBe(1);
    expect(gpuRead(s.sim, 1, A + 0x2000 + TAG_AT)).toBe(pageTag(2, 2));
    s.mmu.vmIdle(fresh);
    fresh.destroy();
    bo.release();
    freshBo.release();
    expect(fresh.isFreed).toBe(true);
    expect(s.cache.live).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
    expect(s.sim.memory.allocatedPages).toBe(base);
  });
});

describe("MMU halves of suspend, resume, reset and unplug", () => {
  it("PM-1: suspend disables and releases every slot (TRANSCFG UNMAPPED), masks the IRQ; VMs keep their page tables", () => {
    const s = makeHwStack();
    const mcu = s.mcuVm();
    expect(s.mmu.vmActive(mcu)).toBe(0);
    const a = activeVm(s, 1);
    const b = activeVm(s, 2);
    s.mmu.vmIdle(a.vm);
    s.mmu.vmIdle(b.vm);
    s.mmu.suspend();
    for (const as of [0, 1, 2]) {
      expect(readReg(s.sim, asReg(as, AS_TRANSCFG_LO))).toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
      expect(readReg(s.sim, asReg(as, AS_TRANSTAB_LO))).toBe(0);
    }
    expect([mcu.asId, a.vm.asId, b.vm.asId]).toEqual([-1, -1, -1]);
    expect(s.mmu.allocMask).toBe(0);
    expect(s.mmu.lru).toEqual([]);
    expect(s.mmu.irq.suspended).toBe(true);
    expect(readReg(s.sim, MMU_INT_MASK)).toBe(0);
    expect(a.vm.pgtable.iovaToPhys(A)).toBe(a.bo.pages[0]);
    expect(b.vm.mappings()).toHaveLength(1);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("PM-2: resume clears the slot and faulty masks and resumes the IRQ; the MCU VM gets AS0 back, user VMs a slot when activated", () => {
    const s = makeHwStack();
    const mcu = s.mcuVm();
    expect(s.mmu.vmActive(mcu)).toBe(0);
    const a = activeVm(s, 1);
    expect(gpuRead(s.sim, 1, A + 0x100000)).toBeLessThan(0);
    expect(s.mmu.faultyMask).toBe(1 << 1);
    s.mmu.vmIdle(a.vm);
    s.mmu.suspend();
    // Powered off in between: the GPU comes back with its power-on register state.
    s.sim.platform.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    s.sim.loop.advance(100_000);
    s.mmu.resume();
    expect(s.mmu.allocMask).toBe(0);
    expect(s.mmu.faultyMask).toBe(0);
    expect(s.mmu.irq.suspended).toBe(false);
    expect(s.mmu.vmActive(mcu)).toBe(0);
    expect(mcu.asId).toBe(0);
    expect(a.vm.asId).toBe(-1);
    expect(s.mmu.vmActive(a.vm)).toBe(0);
    expect(a.vm.asId).toBe(1);
    expect(readReg(s.sim, MMU_INT_MASK) & 0b11).toBe(0b11);
    expect(gpuRead(s.sim, 1, A + 0x3000 + TAG_AT)).toBe(pageTag(1, 3));
    // Faults are reported again.
    expect(gpuRead(s.sim, 1, A + 0x100000)).toBeLessThan(0);
    expect(s.mmu.faults).toHaveLength(2);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("RST: pre-reset masks the IRQ; post-reset frees every slot and releases every VM; the MCU VM and user VMs come back with identical translations", () => {
    const s = makeHwStack();
    const mcu = s.mcuVm();
    expect(s.mmu.vmActive(mcu)).toBe(0);
    const a = activeVm(s, 1);
    const b = activeVm(s, 2);
    s.mmu.vmIdle(b.vm);
    s.mmu.preReset();
    expect(s.mmu.irq.suspended).toBe(true);
    expect(readReg(s.sim, MMU_INT_MASK)).toBe(0);
    s.sim.platform.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    s.sim.loop.advance(100_000);
    s.mmu.postReset();
    expect(s.mmu.allocMask).toBe(0);
    expect(s.mmu.faultyMask).toBe(0);
    expect(s.mmu.slots.every((x) => x === null)).toBe(true);
    expect(s.mmu.lru).toEqual([]);
    expect([mcu.asId, a.vm.asId, b.vm.asId]).toEqual([-1, -1, -1]);
    expect([mcu.activeCnt, a.vm.activeCnt, b.vm.activeCnt]).toEqual([0, 0, 0]);
    expect(s.mmu.irq.suspended).toBe(false);
    expect(s.mmu.vmActive(mcu)).toBe(0);
    expect(mcu.asId).toBe(0);
    expect(s.mmu.vmActive(b.vm)).toBe(0);
    expect(s.mmu.vmActive(a.vm)).toBe(0);
    expect([b.vm.asId, a.vm.asId]).toEqual([1, 2]);
    expect(vmInvariantErrors(s, a.vm)).toEqual([]);
    expect(vmInvariantErrors(s, b.vm)).toEqual([]);
    expect(gpuRead(s.sim, 1, A + TAG_AT)).toBe(pageTag(2, 0));
    expect(s.warnings.warnings).toEqual([]);
  });

  it("UNPLUG-1: unplug disables every slot and masks the IRQ; activation fails -ENODEV; destroying VMs touches no register and frees their memory", () => {
    const s = makeHwStack({ trace: true });
    const base = s.sim.memory.allocatedPages;
    const a = activeVm(s, 1);
    const b = activeVm(s, 2);
    s.mmu.vmIdle(b.vm);
    s.mmu.unplug();
    expect(readReg(s.sim, asReg(1, AS_TRANSCFG_LO))).toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
    expect(readReg(s.sim, asReg(2, AS_TRANSCFG_LO))).toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
    expect(readReg(s.sim, MMU_INT_MASK)).toBe(0);
    expect([a.vm.asId, b.vm.asId]).toEqual([-1, -1]);
    const mark = traceMark(s);
    expect(s.mmu.vmActive(a.vm)).toBe(-ENODEV);
    a.vm.destroy();
    b.vm.destroy();
    expect(mmioAccesses(s, mark)).toEqual([]);
    expect(a.vm.isFreed && b.vm.isFreed).toBe(true);
    a.bo.release();
    b.bo.release();
    expect(s.cache.live).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.warnings.warnings).toEqual([]);
  });
});
