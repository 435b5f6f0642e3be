/**
 * VM-AS: address-space slot management (spec 2.1) on the simulated G610 (AS_PRESENT = 0xff:
 * AS 0 for the MCU, 7 for user VMs), with the hardware's registers, trace and access probe.
 */
import {
  AS_COMMAND,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_MEMATTR_LO,
  AS_STATUS,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_LO,
  asReg,
  CSF_GPU_CMD_SOFT_RESET,
  GPU_CMD,
  GpuAccessKind,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
} from "@panmmu/hw";
import { EBUSY, ENODEV, ETIMEDOUT } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanthorVm } from "../../src/vm/vm.js";
import {
  mapOp,
  mmioAccesses,
  pageTag,
  tagBo,
  traceMark,
  vmInvariantErrors,
} from "../helpers/bind-ops.js";
import { gpuRead, type HwStack, makeHwStack, readReg, SysBo } from "../helpers/hw-stack.js";

const A = 0x4000_0000;
const TAG_AT = 0x800;

/** A user VM with one tagged 64 KiB BO mapped at {@link A}. */
function vmWithBo(s: HwStack, id: number): { vm: PanthorVm; bo: SysBo } {
  const vm = s.userVm();
  const bo = new SysBo(s.sim, 0x10000);
  tagBo(s, bo, id, TAG_AT);
  expect(vm.bindExecSyncOp(() => bo, mapOp(1, A, 0x10000))).toBe(0);
  return { vm, bo };
}

/** A tiny deterministic PRNG (LCG). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe("VM-AS: address-space slot management", () => {
  it("VM-AS-1: the MCU VM takes AS0 and no user VM ever gets it (10k random activate/idle steps)", () => {
    const s = makeHwStack();
    const mcu = s.mcuVm();
    expect(s.mmu.vmActive(mcu)).toBe(0);
    expect(mcu.asId).toBe(0);
    expect(readReg(s.sim, asReg(0, AS_TRANSTAB_LO))).toBe(mcu.transtab % 2 ** 32);
    expect(readReg(s.sim, asReg(0, AS_TRANSCFG_LO))).not.toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
    const vms = Array.from({ length: 9 }, () => s.userVm());
    const rand = lcg(0x5eed);
    let activations = 0;
    const violations: string[] = [];
    for (let step = 0; step < 10_000; step++) {
      const vm = vms[Math.floor(rand() * vms.length)] as PanthorVm;
      const active = vms.filter((v) => v.activeCnt > 0).length;
      if (rand() < 0.5 && (vm.activeCnt > 0 || active < 7)) {
        if (s.mmu.vmActive(vm) !== 0) violations.push(`step ${step}: activation failed`);
        activations++;
      } else if (vm.activeCnt > 0) {
        s.mmu.vmIdle(vm);
      }
      for (const v of vms) {
        if (v.asId === 0) violations.push(`step ${step}: user VM on AS0`);
        if (v.activeCnt > 0 && (v.asId < 1 || s.mmu.slots[v.asId] !== v))
          violations.push(`step ${step}: active VM without its slot`);
      }
    }
    expect(violations).toEqual([]);
    expect(activations).toBeGreaterThan(4000);
    expect(s.mmu.slots[0]).toBe(mcu);
    expect(readReg(s.sim, asReg(0, AS_TRANSTAB_LO))).toBe(mcu.transtab % 2 ** 32);
    // A second MCU VM claiming AS0 is a WARN.
    const other = s.mcuVm();
    s.mmu.vmActive(other);
    expect(s.warnings.warnings.map((w) => w.message)).toEqual(["AS0 already taken"]);
  });

  it("VM-AS-2: a first activation takes the lowest free slot >= 1: TRANSTAB, MEMATTR, TRANSCFG, then UPDATE between two waits", () => {
    const s = makeHwStack({ trace: true });
    const v1 = s.userVm();
    const v2 = s.userVm();
    expect(s.mmu.vmActive(v1)).toBe(0);
    expect(v1.asId).toBe(1);
    const mark = traceMark(s);
    expect(s.mmu.vmActive(v2)).toBe(0);
    expect(v2.asId).toBe(2);
    const base = asReg(2, 0);
    const seq = mmioAccesses(s, mark)
      .filter((a) => a.off >= base && a.off < base + 0x40)
      .map((a) => `${a.rw} ${a.off - base}`)
      .filter((x, i, all) => !(x === `R ${AS_STATUS}` && all[i - 1] === x));
    expect(seq).toEqual([
      `W ${AS_TRANSTAB_LO}`,
      `W ${AS_TRANSTAB_LO + 4}`,
      `W ${AS_MEMATTR_LO}`,
      `W ${AS_MEMATTR_LO + 4}`,
      `W ${AS_TRANSCFG_LO}`,
      `W ${AS_TRANSCFG_LO + 4}`,
      `R ${AS_STATUS}`,
      `W ${AS_COMMAND}`,
      `R ${AS_STATUS}`,
    ]);
    expect(readReg(s.sim, asReg(2, AS_TRANSTAB_LO))).toBe(v2.transtab % 2 ** 32);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-3: a second activation of an active VM touches no register; two idles put it on the LRU", () => {
    const s = makeHwStack({ trace: true });
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    const mark = traceMark(s);
    expect(s.mmu.vmActive(vm)).toBe(0);
    expect(mmioAccesses(s, mark)).toEqual([]);
    expect(vm.activeCnt).toBe(2);
    s.mmu.vmIdle(vm);
    expect(s.mmu.lru).toEqual([]);
    s.mmu.vmIdle(vm);
    expect(s.mmu.lru).toEqual([vm]);
    expect(vm.asId).toBe(1);
    expect(readReg(s.sim, asReg(1, AS_TRANSCFG_LO))).not.toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-4: LRU recycle: V8 takes the least recently idled VM's slot without unmapping it; V3 comes back identical", () => {
    const s = makeHwStack({ trace: true });
    const vs = Array.from({ length: 8 }, (_, i) => vmWithBo(s, i + 1));
    const vm = (i: number): PanthorVm => (vs[i - 1] as { vm: PanthorVm }).vm;
    for (let i = 1; i <= 7; i++) {
      expect(s.mmu.vmActive(vm(i))).toBe(0);
      expect(vm(i).asId).toBe(i);
    }
    expect(gpuRead(s.sim, 3, A + 0x3000 + TAG_AT)).toBe(pageTag(3, 3));
    s.mmu.vmIdle(vm(3));
    s.mmu.vmIdle(vm(1));
    s.mmu.vmIdle(vm(5));
    expect(s.mmu.lru).toEqual([vm(3), vm(1), vm(5)]);
    const mark = traceMark(s);
    expect(s.mmu.vmActive(vm(8))).toBe(0);
    expect(vm(8).asId).toBe(3);
    expect(vm(3).asId).toBe(-1);
    const acc = mmioAccesses(s, mark).filter((a) => a.rw === "W");
    const flush = acc.findIndex((a) => a.off === GPU_CMD);
    const transtab = acc.findIndex((a) => a.off === asReg(3, AS_TRANSTAB_LO));
    expect(flush).toBeGreaterThanOrEqual(0);
    expect(transtab).toBeGreaterThan(flush);
    expect(
      acc.filter(
        (a) => a.off === asReg(3, AS_TRANSCFG_LO) && a.val === AS_TRANSCFG_ADRMODE_UNMAPPED,
      ),
    ).toEqual([]);
    expect(acc.filter((a) => a.off === asReg(3, AS_TRANSTAB_LO)).map((a) => a.val)).toEqual([
      vm(8).transtab % 2 ** 32,
    ]);
    expect(gpuRead(s.sim, 3, A + 0x3000 + TAG_AT)).toBe(pageTag(8, 3));
    // V3 back: it evicts V1 (the next on the LRU) and translates as before.
    expect(s.mmu.vmActive(vm(3))).toBe(0);
    expect(vm(3).asId).toBe(1);
    expect(vm(1).asId).toBe(-1);
    expect(s.mmu.lru).toEqual([vm(5)]);
    expect(gpuRead(s.sim, 1, A + 0x3000 + TAG_AT)).toBe(pageTag(3, 3));
    expect(vmInvariantErrors(s, vm(3))).toEqual([]);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-5: with every user slot held by an active VM, an activation fails -EBUSY with a WARN and no register write", () => {
    const s = makeHwStack({ trace: true });
    const vms = Array.from({ length: 8 }, () => s.userVm());
    for (let i = 0; i < 7; i++) expect(s.mmu.vmActive(vms[i] as PanthorVm)).toBe(0);
    const before = { mask: s.mmu.allocMask, ids: vms.map((v) => v.asId) };
    const mark = traceMark(s);
    expect(s.mmu.vmActive(vms[7] as PanthorVm)).toBe(-EBUSY);
    expect(mmioAccesses(s, mark).filter((a) => a.rw === "W")).toEqual([]);
    expect({ mask: s.mmu.allocMask, ids: vms.map((v) => v.asId) }).toEqual(before);
    expect(before.mask).toBe(0xfe);
    expect(s.warnings.warnings).toHaveLength(1);
    expect(s.warnings.warnings[0]?.where).toBe("panthor_vm_active");
  });

  it("VM-AS-7: a faulty slot is masked; re-activation clears the fault, unmasks it and reprograms it; a new fault is reported", () => {
    const s = makeHwStack({ trace: true });
    const { vm: v1 } = vmWithBo(s, 1);
    const { vm: v2 } = vmWithBo(s, 2);
    expect(s.mmu.vmActive(v1)).toBe(0);
    expect(s.mmu.vmActive(v2)).toBe(0);
    expect(v2.asId).toBe(2);
    const stray = A + 0x100000;
    expect(gpuRead(s.sim, 2, stray)).toBeLessThan(0);
    expect(s.mmu.faults.map((f) => [f.as, f.va])).toEqual([[2, stray]]);
    expect(s.mmu.faultyMask).toBe(1 << 2);
    expect(v2.unhandledFault).toBe(true);
    expect(readReg(s.sim, MMU_INT_MASK) & (1 << 2)).toBe(0);
    expect(readReg(s.sim, asReg(2, AS_TRANSCFG_LO))).toBe(AS_TRANSCFG_ADRMODE_UNMAPPED);
    // V1 is untouched.
    expect(gpuRead(s.sim, 1, A + TAG_AT)).toBe(pageTag(1, 0));
    s.mmu.vmIdle(v2);
    const mark = traceMark(s);
    expect(s.mmu.vmActive(v2)).toBe(0);
    expect(v2.asId).toBe(2);
    const w = mmioAccesses(s, mark).filter((a) => a.rw === "W");
    const clear = w.findIndex((a) => a.off === MMU_INT_CLEAR && a.val === 1 << 2);
    const transtab = w.findIndex((a) => a.off === asReg(2, AS_TRANSTAB_LO));
    expect(clear).toBeGreaterThanOrEqual(0);
    expect(transtab).toBeGreaterThan(clear);
    expect(s.mmu.faultyMask).toBe(0);
    expect(v2.unhandledFault).toBe(false);
    expect(readReg(s.sim, MMU_INT_MASK) & (1 << 2)).toBe(1 << 2);
    expect(gpuRead(s.sim, 2, A + TAG_AT)).toBe(pageTag(2, 0));
    expect(gpuRead(s.sim, 2, stray)).toBeLessThan(0);
    expect(s.mmu.faults.map((f) => [f.as, f.va])).toEqual([
      [2, stray],
      [2, stray],
    ]);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-9 / VM-AT-6: a slot recycled mid-bind is unlocked before the new VM's TRANSTAB; the bind finishes slot-less", () => {
    const s = makeHwStack({ trace: true });
    const vs = Array.from({ length: 8 }, (_, i) => vmWithBo(s, i + 1));
    const vm = (i: number): PanthorVm => (vs[i - 1] as { vm: PanthorVm }).vm;
    for (let i = 1; i <= 7; i++) expect(s.mmu.vmActive(vm(i))).toBe(0);
    s.mmu.vmIdle(vm(3));
    const v = vm(3);
    const w = vm(8);
    const bo = new SysBo(s.sim, 0x10000);
    tagBo(s, bo, 9, TAG_AT);
    // W is activated while V's op is writing its page table (another thread in the kernel).
    const pt = v.pgtable;
    const map = pt.mapPages.bind(pt);
    let mark = -1;
    pt.mapPages = (...args) => {
      if (mark < 0) {
        mark = traceMark(s);
        expect(v.regionLocked).toBe(true);
        expect(s.mmu.vmActive(w)).toBe(0);
      }
      return map(...args);
    };
    expect(v.bindExecSyncOp(() => bo, mapOp(1, A + 0x20_0000, 0x10000))).toBe(0);
    expect(w.asId).toBe(3);
    expect(v.asId).toBe(-1);
    expect(v.regionLocked).toBe(false);
    const acc = mmioAccesses(s, mark).filter((a) => a.rw === "W");
    const unlock = acc.findIndex(
      (a) => a.off === asReg(3, AS_COMMAND) && a.val === AS_COMMAND_UNLOCK,
    );
    const transtab = acc.findIndex((a) => a.off === asReg(3, AS_TRANSTAB_LO));
    expect(unlock).toBeGreaterThanOrEqual(0);
    expect(transtab).toBeGreaterThan(unlock);
    // After the enable, nothing more is sent to AS3 for V's op.
    expect(
      acc
        .slice(transtab)
        .filter((a) => a.off === asReg(3, AS_COMMAND))
        .map((a) => a.val),
    ).toEqual([AS_COMMAND_UPDATE]);
    expect(s.sim.gpu.mmu.slot(3).locked).toBe(false);
    // W's accesses in the range V had locked never stall.
    const run = s.sim.gpu.accessProbe.start({
      as: 3,
      accesses: [
        { va: A + TAG_AT, kind: GpuAccessKind.Read, size: 4 },
        { va: A + 0xf000 + TAG_AT, kind: GpuAccessKind.Read, size: 4 },
      ],
    });
    s.sim.loop.runUntil(() => run.done, 1_000_000);
    expect(run.status).toBe(1);
    expect(run.counters.stalledOnLock).toBe(0);
    expect(run.results.map((r) => r.value)).toEqual([pageTag(8, 0), pageTag(8, 15)]);
    // V's op completed on its tables: once bound again, they translate as its VA tree says.
    s.mmu.vmIdle(vm(1));
    expect(s.mmu.vmActive(v)).toBe(0);
    expect(v.asId).toBe(1);
    expect(vmInvariantErrors(s, v)).toEqual([]);
    expect(gpuRead(s.sim, 1, A + 0x20_0000 + 0x1000 + TAG_AT)).toBe(pageTag(9, 1));
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-8 / VM-AT-5: an activation asked for during the VM's own bind waits for op_lock: no AS enable inside the op, no WARN", () => {
    const s = makeHwStack({ trace: true });
    const bo = new SysBo(s.sim, 0x10000);
    // 1. A slot-less VM: the op records its region (no register access); the activation comes
    // after the op released op_lock and the region, so the enable finds nothing recorded.
    const v = s.userVm();
    const pt = v.pgtable;
    const map = pt.mapPages.bind(pt);
    let result: number | undefined;
    let asked = false;
    pt.mapPages = (...args) => {
      if (!asked) {
        asked = true;
        expect(v.regionLocked).toBe(true);
        s.mmu.vmActiveWhenUnlocked(v, (ret) => {
          expect(v.regionLocked).toBe(false);
          expect(v.opLock.held).toBe(false);
          result = ret;
        });
        expect(result).toBeUndefined();
        expect(v.opLock.waiting).toBe(1);
      }
      return map(...args);
    };
    expect(v.bindExecSyncOp(() => bo, mapOp(1, A, 0x10000))).toBe(0);
    expect(result).toBe(0);
    expect(v.asId).toBeGreaterThan(0);
    expect(v.activeCnt).toBe(1);
    expect(s.warnings.warnings).toEqual([]);

    // 2. A resident, idle VM: between its op's LOCK and UNLOCK nothing else reaches its AS; the
    // activation (its slot kept: no register access) happens after the UNLOCK.
    s.mmu.vmIdle(v);
    const as = v.asId;
    asked = false;
    result = undefined;
    const mark = traceMark(s);
    let activatedAt = -1;
    pt.mapPages = (...args) => {
      if (!asked) {
        asked = true;
        s.mmu.vmActiveWhenUnlocked(v, (ret) => {
          activatedAt = traceMark(s);
          result = ret;
        });
      }
      return map(...args);
    };
    expect(v.bindExecSyncOp(() => bo, mapOp(1, A + 0x20_0000, 0x10000))).toBe(0);
    expect(result).toBe(0);
    expect(v.activeCnt).toBe(1);
    const acc = mmioAccesses(s, mark).filter(
      (a) => a.rw === "W" && a.off === asReg(as, AS_COMMAND),
    );
    expect(acc.map((a) => a.val)).toEqual([AS_COMMAND_LOCK, AS_COMMAND_UNLOCK]);
    expect(activatedAt).toBeGreaterThanOrEqual(traceMark(s) - 1);
    expect(mmioAccesses(s, activatedAt).filter((a) => a.rw === "W")).toEqual([]);

    // 3. Already active: one more use at once, even in the middle of an op.
    asked = false;
    result = undefined;
    pt.mapPages = (...args) => {
      if (!asked) {
        asked = true;
        s.mmu.vmActiveWhenUnlocked(v, (ret) => {
          result = ret;
        });
        expect(result).toBe(0);
        expect(v.activeCnt).toBe(2);
      }
      return map(...args);
    };
    expect(v.bindExecSyncOp(() => bo, mapOp(1, A + 0x40_0000, 0x10000))).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-10: after unplug, vm_active fails -ENODEV without touching a register", () => {
    const s = makeHwStack({ trace: true });
    const vm = s.userVm();
    s.mmu.unplug();
    const mark = traceMark(s);
    expect(s.mmu.vmActive(vm)).toBe(-ENODEV);
    expect(mmioAccesses(s, mark)).toEqual([]);
    expect(vm.asId).toBe(-1);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("VM-AS-11: AS_ACTIVE stuck on enable: -ETIMEDOUT, reset scheduled; after the reset every slot is free and activation works", () => {
    const s = makeHwStack();
    const { vm: v1 } = vmWithBo(s, 1);
    const { vm: v2 } = vmWithBo(s, 2);
    expect(s.mmu.vmActive(v1)).toBe(0);
    s.sim.gpu.mmu.injectStuckActive(2, AS_COMMAND_UPDATE);
    expect(s.mmu.vmActive(v2)).toBe(-ETIMEDOUT);
    expect(s.resets).toBeGreaterThan(0);
    expect(s.warnings.warnings.map((w) => w.message)).toEqual(["AS2: AS_ACTIVE bit stuck"]);
    expect(v2.activeCnt).toBe(0);
    s.mmu.preReset();
    s.sim.platform.mmio.write32(GPU_CMD, CSF_GPU_CMD_SOFT_RESET);
    s.sim.loop.advance(100_000);
    s.mmu.postReset();
    expect(s.mmu.allocMask).toBe(0);
    expect(s.mmu.slots.every((x) => x === null)).toBe(true);
    expect([v1.asId, v2.asId]).toEqual([-1, -1]);
    expect(s.mmu.vmActive(v2)).toBe(0);
    expect(v2.asId).toBe(1);
    expect(gpuRead(s.sim, 1, A + TAG_AT)).toBe(pageTag(2, 0));
    expect(s.warnings.warnings).toHaveLength(1);
  });
});
