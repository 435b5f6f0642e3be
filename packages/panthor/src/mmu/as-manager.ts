/**
 * The panthor MMU block: address-space slots (AS 0 for the MCU, the others for user VMs), the
 * LRU of idle VMs, the faulty mask, the MMU interrupt, and the suspend/reset/unplug halves.
 */
import {
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  asReg,
  MMU_INT_CLEAR,
  mmuFeaturesVaBits,
} from "@panmmu/hw";
import { EBUSY, ENODEV } from "@panmmu/uapi";
import { asDisable, asEnable } from "./as-regs.js";
import type { PanthorMmuEnv } from "./env.js";
import { PanthorMmuIrq } from "./irq.js";
import type { OpLock } from "./op-lock.js";
import { vmTranscfg } from "./transcfg.js";

/** Most AS slots the driver tracks. */
export const MAX_AS_SLOTS = 32;

/** Every AS fault event bit of MMU_INT_* (bits 16–31 are command completion, never used). */
export const MMU_FAULT_EVENTS = 0xffff;

/** What the slot manager needs of a VM. */
export interface AsVm {
  /** True for the MCU's VM, which always gets AS 0. */
  readonly forMcu: boolean;
  /** Bound AS, or -1. Written by the slot manager only. */
  asId: number;
  /** Active users (`as.active_cnt`). Written by the slot manager only. */
  activeCnt: number;
  /** Whether a locked region is pending (`locked_region.size != 0`). */
  readonly regionLocked: boolean;
  /** The VM's `op_lock`, held while one of its operations runs. */
  readonly opLock: OpLock;
  /** Set when an unhandled fault disabled the VM's AS; cleared when it is re-activated. */
  unhandledFault: boolean;
  /** The root table's physical address (AS_TRANSTAB). */
  readonly transtab: number;
  /** AS_MEMATTR, low word. */
  readonly memattrLo: number;
  /** AS_MEMATTR, high word. */
  readonly memattrHi: number;
}

/** A VM's bind queue, as a reset stops and restarts it. */
export interface BindQueueControl {
  /** Stops the queue. Mirrors panthor_vm_stop(). */
  stopBindQueue(): void;
  /** Restarts it. Mirrors panthor_vm_start(). */
  startBindQueue(): void;
}

/** One fault the IRQ handler saw. */
export interface MmuFaultRecord {
  /** Virtual time (ns). */
  readonly time: number;
  /** AS the fault came from. */
  readonly as: number;
  /** AS_FAULTADDRESS. */
  readonly va: number;
  /** AS_FAULTSTATUS. */
  readonly status: number;
  /** The VM bound to the AS then, if any. */
  readonly vm: AsVm | null;
}

/**
 * The AS slot manager and MMU interrupt. Mirrors the AS half of panthor_mmu.c.
 */
export class PanthorMmu {
  /** The MMU interrupt's mask state. */
  readonly irq: PanthorMmuIrq;
  /** Bit n: AS n is bound to a VM. */
  allocMask = 0;
  /** Bit n: AS n was disabled by an unhandled fault. */
  faultyMask = 0;
  /** The VM bound to each AS. */
  readonly slots: (AsVm | null)[] = new Array<AsVm | null>(MAX_AS_SLOTS).fill(null);
  /** Idle VMs still holding a slot, least recently idled first (eviction order). */
  readonly lru: AsVm[] = [];
  /** Faults the IRQ handler reported, oldest first. */
  readonly faults: MmuFaultRecord[] = [];
  /** Called after the IRQ handler saw unhandled faults. Mirrors panthor_sched_report_mmu_fault(). */
  onFault: (() => void) | null = null;
  /**
   * Called for each fault as the handler reads it, before the AS is disabled (where the kernel
   * logs it with drm_err()); the device's fault log listens here.
   */
  onFaultRecord: ((fault: MmuFaultRecord) => void) | null = null;
  /** Set once the device is unplugged: VM activation then fails with -ENODEV. */
  unplugged = false;
  /** Every live VM (`mmu->vm.list`), whose bind queues a reset stops and restarts. */
  readonly vms = new Set<BindQueueControl>();
  /** Between {@link preReset} and {@link postReset} (`mmu->vm.reset_in_progress`). */
  resetInProgress = false;
  private readonly vaBits: number;

  /**
   * Sets up the slots and requests the MMU interrupt with every fault event enabled (which
   * clears and unmasks them). Mirrors panthor_mmu_init().
   */
  constructor(readonly env: PanthorMmuEnv) {
    this.vaBits = mmuFeaturesVaBits(env.mmuFeatures);
    this.irq = new PanthorMmuIrq(env.mmio, MMU_FAULT_EVENTS);
    this.irq.resume();
  }

  /**
   * Makes `vm` active: takes one more use if it is active already; otherwise binds it to an AS
   * (its own if it kept one, AS 0 for the MCU, the lowest free one, or the slot of the least
   * recently idled VM) and programs it. -EBUSY (with a WARN) when every slot is held by an
   * active VM; -ENODEV after unplug. Mirrors panthor_vm_active().
   */
  vmActive(vm: AsVm): number {
    if (this.unplugged) return -ENODEV;
    if (vm.activeCnt > 0) {
      vm.activeCnt++;
      return 0;
    }
    let as = vm.asId;
    let ret = 0;
    if (as < 0) {
      if (vm.forMcu) {
        if ((this.allocMask & 1) !== 0)
          this.env.warnings.warn("panthor_vm_active", "AS0 already taken");
        as = 0;
      } else {
        as = lowestClear(this.allocMask | 1);
      }
      if (as < 0 || ((this.env.asPresent >>> as) & 1) === 0) {
        const victim = this.lru[0];
        if (victim === undefined) {
          this.env.warnings.warn("panthor_vm_active", "no free AS slot and no idle VM to evict");
          return -EBUSY;
        }
        if (victim.activeCnt !== 0) this.env.warnings.warn("panthor_vm_active", "LRU VM is active");
        as = victim.asId;
        ret = asDisable(this.env, this.irq, as, victim.regionLocked, true);
        if (ret !== 0) return ret;
        this.releaseAsLocked(victim);
      }
      vm.asId = as;
      this.allocMask = (this.allocMask | (1 << as)) >>> 0;
      this.slots[as] = vm;
      ret = this.enableVmAs(vm);
    } else if ((this.faultyMask & (1 << as)) !== 0) {
      ret = this.enableVmAs(vm);
    }
    if (ret === 0) {
      vm.activeCnt = 1;
      this.lruRemove(vm);
    }
    return ret;
  }

  /** The out_enable_as part of panthor_vm_active(): clears a fault and programs the AS. */
  private enableVmAs(vm: AsVm): number {
    const as = vm.asId;
    vm.unhandledFault = false;
    const bit = 1 << as;
    if ((this.faultyMask & bit) !== 0) {
      this.env.mmio.write32(MMU_INT_CLEAR, bit);
      this.faultyMask = (this.faultyMask & ~bit) >>> 0;
    }
    if (vm.regionLocked) this.env.warnings.warn("panthor_vm_active", "locked region pending");
    return asEnable(this.env, this.irq, as, {
      transtab: vm.transtab,
      transcfg: vmTranscfg(this.vaBits, this.env.coherent),
      memattrLo: vm.memattrLo,
      memattrHi: vm.memattrHi,
    });
  }

  /**
   * {@link vmActive} for a caller that may sleep on the VM's `op_lock`, as the kernel's
   * panthor_vm_active() does after its lock-free fast path (the Dec 2025 series takes
   * `vm->op_lock` so an AS is never enabled in the middle of the VM's own operation): a VM
   * already active takes one more use at once; otherwise the activation runs when no operation
   * of the VM is in progress — at once, or when the running one releases the lock. `done`
   * gets vm_active's result.
   */
  vmActiveWhenUnlocked(vm: AsVm, done: (ret: number) => void): void {
    if (!this.unplugged && vm.activeCnt > 0) {
      done(this.vmActive(vm));
      return;
    }
    vm.opLock.whenFree(() => done(this.vmActive(vm)));
  }

  /**
   * Drops one use of `vm`; the last one puts it on the LRU, keeping its slot until another VM
   * needs it. Mirrors panthor_vm_idle().
   */
  vmIdle(vm: AsVm): void {
    if (vm.activeCnt <= 0) {
      this.env.warnings.warn("panthor_vm_idle", "VM is not active");
      return;
    }
    vm.activeCnt--;
    if (vm.activeCnt > 0) return;
    if (vm.asId === -1 || this.lru.includes(vm)) {
      this.env.warnings.warn("panthor_vm_idle", "idle VM without a slot, or already on the LRU");
    } else {
      this.lru.push(vm);
    }
  }

  /** Takes `vm`'s slot away (no register access). Mirrors panthor_vm_release_as_locked(). */
  releaseAsLocked(vm: AsVm): void {
    if (vm.asId < 0) {
      this.env.warnings.warn("panthor_vm_release_as_locked", "VM holds no AS");
      return;
    }
    this.slots[vm.asId] = null;
    this.allocMask = (this.allocMask & ~(1 << vm.asId)) >>> 0;
    vm.activeCnt = 0;
    this.lruRemove(vm);
    vm.asId = -1;
  }

  /**
   * Disables the AS `vm` is bound to, keeping the binding (an unusable VM, an unhandled
   * fault). 0 or the disable's error.
   */
  disableVmAs(vm: AsVm): number {
    if (vm.asId < 0 || this.unplugged) return 0;
    return asDisable(this.env, this.irq, vm.asId, vm.regionLocked, false);
  }

  /**
   * A VM is freed: its AS (if any) is disabled and released. Mirrors the AS part of
   * panthor_vm_free().
   */
  vmFree(vm: AsVm): void {
    if (vm.asId < 0) return;
    if (!this.unplugged) asDisable(this.env, this.irq, vm.asId, vm.regionLocked, false);
    this.slots[vm.asId] = null;
    this.allocMask = (this.allocMask & ~(1 << vm.asId)) >>> 0;
    this.lruRemove(vm);
    vm.asId = -1;
    vm.activeCnt = 0;
  }

  private lruRemove(vm: AsVm): void {
    const i = this.lru.indexOf(vm);
    if (i >= 0) this.lru.splice(i, 1);
  }

  /**
   * The MMU interrupt: every fault is unhandled. Each faulting AS is marked faulty, its fault
   * recorded and cleared, its VM flagged, and the AS disabled so its GPU work dies; then the
   * scheduler is told. Mirrors panthor_mmu_irq_handler().
   */
  handleIrq(rawStatus: number): void {
    let status = rawStatus & MMU_FAULT_EVENTS;
    let faulted = false;
    while (status !== 0) {
      const as = 31 - Math.clz32(status & -status);
      const bit = 1 << as;
      const fs = this.env.mmio.read32(asReg(as, AS_FAULTSTATUS)) >>> 0;
      const va =
        (this.env.mmio.read32(asReg(as, AS_FAULTADDRESS_HI)) >>> 0) * 0x1_0000_0000 +
        (this.env.mmio.read32(asReg(as, AS_FAULTADDRESS_LO)) >>> 0);
      this.faultyMask = (this.faultyMask | bit) >>> 0;
      const vm = this.slots[as] ?? null;
      const rec: MmuFaultRecord = { time: this.env.loop.now, as, va, status: fs, vm };
      this.faults.push(rec);
      this.onFaultRecord?.(rec);
      this.env.mmio.write32(MMU_INT_CLEAR, bit);
      if (vm !== null) vm.unhandledFault = true;
      asDisable(this.env, this.irq, as, vm?.regionLocked ?? false, false);
      status &= ~bit;
      faulted = true;
    }
    if (faulted) this.onFault?.();
  }

  /**
   * Suspend: every bound VM's AS is disabled and released, then the IRQ is suspended.
   * Mirrors panthor_mmu_suspend().
   */
  suspend(): void {
    this.releaseAll();
    this.irq.suspend();
  }

  /** Resume: no slot bound, no faulty slot, the IRQ back on. Mirrors panthor_mmu_resume(). */
  resume(): void {
    this.allocMask = 0;
    this.faultyMask = 0;
    this.irq.resume();
  }

  /**
   * A VM was created: it joins the VM list, its bind queue stopped if a reset is in progress.
   * Mirrors the list part of panthor_vm_create().
   */
  addVm(vm: BindQueueControl): void {
    this.vms.add(vm);
    if (this.resetInProgress) vm.stopBindQueue();
  }

  /**
   * A VM is being freed: it leaves the list, its queue restarted if a reset stopped it (so the
   * queue can be torn down). Mirrors the list part of panthor_vm_free().
   */
  removeVm(vm: BindQueueControl): void {
    this.vms.delete(vm);
    if (this.resetInProgress) vm.startBindQueue();
  }

  /**
   * Before a reset: the IRQ is suspended and every VM's bind queue stopped, so no VM operation
   * runs while the GPU is down (the slots are not touched: the reset may come from a stuck
   * AS). Mirrors panthor_mmu_pre_reset().
   */
  preReset(): void {
    this.irq.suspend();
    this.resetInProgress = true;
    for (const vm of this.vms) vm.stopBindQueue();
  }

  /**
   * After a reset: every slot is free and no slot faulty (the hardware forgot them), every
   * binding released, the IRQ back on, and the bind queues restarted. Mirrors
   * panthor_mmu_post_reset().
   */
  postReset(): void {
    this.allocMask = 0;
    this.faultyMask = 0;
    for (const vm of this.slots) if (vm !== null) this.releaseAsLocked(vm);
    this.irq.resume();
    for (const vm of this.vms) vm.startBindQueue();
    this.resetInProgress = false;
  }

  /**
   * Unplug: the IRQ is suspended and every bound VM's AS disabled and released; no register
   * is touched afterwards. Mirrors panthor_mmu_unplug().
   */
  unplug(): void {
    if (!this.irq.suspended) this.irq.suspend();
    this.releaseAll();
    this.unplugged = true;
  }

  private releaseAll(): void {
    for (let as = 0; as < MAX_AS_SLOTS; as++) {
      const vm = this.slots[as];
      if (vm === null || vm === undefined) continue;
      if (asDisable(this.env, this.irq, as, vm.regionLocked, false) !== 0) {
        this.env.warnings.warn("panthor_mmu", `AS${as}: disable failed`);
      }
      this.releaseAsLocked(vm);
    }
  }
}

/** Index of the lowest clear bit of a 32-bit mask, or -1 when every bit is set (ffz()). */
export function lowestClear(mask: number): number {
  const inv = ~mask >>> 0;
  if (inv === 0) return -1;
  return 31 - Math.clz32(inv & -inv);
}
