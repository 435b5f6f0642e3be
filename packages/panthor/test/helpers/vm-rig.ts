/**
 * One user VM on the simulated G610 for the VM hazard suites (VM-PT, VM-HP): synchronous
 * VM_BIND ops against a reference model, the AS register writes recorded, and the spec's global
 * invariants checked after each op.
 */
import { AS_COMMAND, AS_COMMAND_LOCK, AS_COMMAND_UNLOCK, AS_LOCKADDR_LO, asReg } from "@panmmu/hw";
import { DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP } from "@panmmu/uapi";
import { expect } from "vitest";
import type { PanthorVm } from "../../src/vm/vm.js";
import type { VmBindOp } from "../../src/vm/vm-types.js";
import { type HwStack, makeHwStack } from "./hw-stack.js";
import { checkTranslations, countTables, type PagedBo, RefVm, vmAsConfig } from "./vm-check.js";

/** A locked region as AS_LOCKADDR encodes it: `[start, start + size)`. */
export interface LockedRange {
  /** First address. */
  start: number;
  /** Size in bytes (a power of two). */
  size: number;
}

/** The rig of one test. */
export interface VmRig {
  /** The platform and driver blocks. */
  readonly s: HwStack;
  /** The VM (bound to an AS, so its lock commands reach the registers). */
  readonly vm: PanthorVm;
  /** The reference model of its mappings. */
  readonly ref: RefVm;
  /** BOs by handle − 1. */
  readonly bos: PagedBo[];
  /** AS register writes of the VM's AS since the last {@link VmRig.take}: `[register, value]`. */
  readonly writes: Array<[number, number]>;
  /** Adds a BO; returns its handle. */
  addBo(bo: PagedBo): number;
  /** Runs a raw VM_BIND op. */
  bind(op: Partial<VmBindOp>): number;
  /** MAP of BO `handle` from `offset` at `va`, expected to succeed; updates the model. */
  map(handle: number, offset: number, va: number, size: number, flags?: number): void;
  /** UNMAP, expected to succeed; updates the model. */
  unmap(va: number, size: number): void;
  /** Checks INV-1 (over the rig's windows), INV-2, INV-3 and INV-4. */
  check(): void;
  /** The regions LOCK commands locked since the last {@link VmRig.take}, in order, and UNLOCK count. */
  locks(): { locked: LockedRange[]; unlocks: number };
  /** Clears the recorded writes. */
  take(): void;
  /** Destroys the VM, releases the BOs, checks memory is back to the pre-VM baseline. */
  finish(): void;
}

/** Decodes an AS_LOCKADDR value (64-bit as lo/hi) into the region it locks. */
export function decodeLockaddr(lo: number, hi: number): LockedRange {
  const size = 2 ** ((lo & 0x3f) + 1);
  const addr = hi * 2 ** 32 + ((lo & ~0x3f) >>> 0);
  return { start: Math.floor(addr / size) * size, size };
}

/**
 * Builds a rig: a G610 stack, one active user VM, and the VA windows `[from, to)` INV-1 walks
 * page by page.
 */
export function makeVmRig(windows: ReadonlyArray<readonly [number, number]>): VmRig {
  const s = makeHwStack();
  const base = s.sim.memory.allocatedPages;
  const vm = s.userVm();
  expect(s.mmu.vmActive(vm)).toBe(0);
  const ref = new RefVm();
  const bos: PagedBo[] = [];
  const writes: Array<[number, number]> = [];
  const mmio = s.sim.platform.mmio;
  const write32 = mmio.write32.bind(mmio);
  const asBase = asReg(vm.asId, 0);
  mmio.write32 = (offset: number, value: number): void => {
    if (offset >= asBase && offset < asBase + 0x40) writes.push([offset - asBase, value >>> 0]);
    write32(offset, value);
  };
  const lookup = (h: number): PagedBo | null => bos[h - 1] ?? null;
  const rig: VmRig = {
    s,
    vm,
    ref,
    bos,
    writes,
    addBo(bo) {
      bos.push(bo);
      return bos.length;
    },
    bind(op) {
      return vm.bindExecSyncOp(lookup, {
        flags: op.flags ?? DRM_PANTHOR_VM_BIND_OP_TYPE_MAP,
        boHandle: op.boHandle ?? 0,
        boOffset: op.boOffset ?? 0n,
        va: op.va ?? 0n,
        size: op.size ?? 0n,
        syncsCount: op.syncsCount ?? 0,
      });
    },
    map(handle, offset, va, size, flags = 0) {
      const ret = rig.bind({
        flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | flags,
        boHandle: handle,
        boOffset: BigInt(offset),
        va: BigInt(va),
        size: BigInt(size),
      });
      expect(ret).toBe(0);
      ref.map(va, size, bos[handle - 1] as PagedBo, offset, flags);
    },
    unmap(va, size) {
      const ret = rig.bind({
        flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
        va: BigInt(va),
        size: BigInt(size),
      });
      expect(ret).toBe(0);
      ref.unmap(va, size);
    },
    check() {
      const cfg = vmAsConfig(s, vm);
      for (const [from, to] of windows) {
        expect(checkTranslations(s, cfg, ref, from, to), "INV-1").toBeNull();
      }
      expect(
        vm.mappings().map((m) => [Number(m.addr), Number(m.addr) + Number(m.range), m.mapFlags]),
      ).toEqual(ref.list.map((m) => [m.start, m.end, m.flags]));
      expect(vm.regionLocked, "INV-2").toBe(false);
      expect(vm.opCtx).toBeNull();
      expect(s.cache.live, "INV-3 tables").toBe(countTables(s, vm, cfg));
      const st = vm.ptStats;
      expect(st.reserved, "INV-3 reserved pages all used or returned").toBe(st.used + st.returned);
      expect(vm.unusable).toBe(false);
      expect(s.warnings.warnings, "INV-4").toEqual([]);
    },
    locks() {
      const locked: LockedRange[] = [];
      let unlocks = 0;
      let lo = 0;
      let hi = 0;
      for (const [reg, v] of writes) {
        if (reg === AS_LOCKADDR_LO) lo = v;
        else if (reg === AS_LOCKADDR_LO + 4) hi = v;
        else if (reg === AS_COMMAND && v === AS_COMMAND_LOCK) locked.push(decodeLockaddr(lo, hi));
        else if (reg === AS_COMMAND && v === AS_COMMAND_UNLOCK) unlocks++;
      }
      return { locked, unlocks };
    },
    take() {
      writes.length = 0;
    },
    finish() {
      s.mmu.vmIdle(vm);
      vm.destroy();
      expect(vm.isFreed).toBe(true);
      for (const bo of bos) {
        expect(bo.pins).toBe(0);
        bo.release();
      }
      expect(s.cache.live).toBe(0);
      expect(s.sim.memory.allocatedPages).toBe(base);
      expect(s.warnings.warnings).toEqual([]);
    },
  };
  return rig;
}
