/**
 * Low-level MMU register operations on one address space: wait for the AS to be idle, issue a
 * command, lock a region, flush, enable and disable.
 */
import {
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  type EventLoop,
  encodeLockAddr,
  type MmioBus,
} from "@panmmu/hw";
import { ETIMEDOUT } from "@panmmu/uapi";
import {
  AS_COMMAND,
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_FLUSH_PT,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  AS_MEMATTR_HI,
  AS_MEMATTR_LO,
  AS_STATUS,
  AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG_HI,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
} from "../regs.js";
import type { AsConfig } from "./pure/memattr.js";

/** Timeout of {@link MmuHw.waitReady}: 100 ms of virtual time. */
export const WAIT_READY_TIMEOUT_NS = 100_000_000;
/** Size argument meaning "the whole 64-bit range" (the kernel's `~0ULL`). */
export const FULL_RANGE = Number.POSITIVE_INFINITY;
/** AS_LOCKADDR low word for `lock_region(0, ~0ULL)`: start 0, width 63. */
const LOCKADDR_FULL_LO = 63;

/** Counters of MMU commands issued (observability). */
export interface MmuCounters {
  /** AS_COMMAND_UPDATE writes. */
  update: number;
  /** AS_COMMAND_LOCK writes. */
  lock: number;
  /** AS_COMMAND_FLUSH_PT writes. */
  flushPt: number;
  /** AS_COMMAND_FLUSH_MEM writes. */
  flushMem: number;
  /** AS enables (context bound to a slot). */
  enable: number;
  /** AS disables. */
  disable: number;
  /** wait_ready timeouts (each schedules a reset). */
  stuck: number;
}

/** Register-level MMU access. All methods assume the caller holds the AS lock. */
export class MmuHw {
  /** Command counters. */
  readonly counters: MmuCounters = {
    update: 0,
    lock: 0,
    flushPt: 0,
    flushMem: 0,
    enable: 0,
    disable: 0,
    stuck: 0,
  };

  /**
   * @param mmio - the GPU register window.
   * @param loop - the virtual clock (polling advances it).
   * @param onStuck - called when AS_ACTIVE stays set past the timeout (schedules a GPU reset).
   */
  constructor(
    private readonly mmio: MmioBus,
    private readonly loop: EventLoop,
    private readonly onStuck: (as: number) => void,
  ) {}

  /**
   * Polls AS_STATUS until AS_ACTIVE clears, running the event loop (virtual time advances to
   * each hardware event); after 100 ms it reports the AS as stuck (a GPU reset gets scheduled)
   * and returns -ETIMEDOUT.
   *
   * Mirrors wait_ready() of panfrost_mmu.c.
   */
  waitReady(as: number): number {
    const status = AS_STATUS(as);
    if ((this.mmio.read32(status) & AS_STATUS_AS_ACTIVE) === 0) return 0;
    const idle = this.loop.runUntil(
      () => (this.mmio.read32(status) & AS_STATUS_AS_ACTIVE) === 0,
      WAIT_READY_TIMEOUT_NS,
    );
    if (idle) return 0;
    this.counters.stuck++;
    this.onStuck(as);
    return -ETIMEDOUT;
  }

  /**
   * Waits for the AS to be idle, then writes `cmd` to AS_COMMAND; returns 0 or -ETIMEDOUT (the
   * command is not written).
   *
   * Mirrors write_cmd() of panfrost_mmu.c.
   */
  writeCmd(as: number, cmd: number): number {
    const ret = this.waitReady(as);
    if (ret === 0) {
      this.mmio.write32(AS_COMMAND(as), cmd);
      if (cmd === AS_COMMAND_UPDATE) this.counters.update++;
      else if (cmd === AS_COMMAND_LOCK) this.counters.lock++;
      else if (cmd === AS_COMMAND_FLUSH_MEM) this.counters.flushMem++;
      else if (cmd === AS_COMMAND_FLUSH_PT) this.counters.flushPt++;
    }
    return ret;
  }

  /**
   * Writes AS_LOCKADDR for `[iova, iova + size)` and issues LOCK; nothing for size 0. A size
   * of {@link FULL_RANGE} locks the whole 64-bit space (width 63), as the kernel's `~0ULL`.
   *
   * Mirrors lock_region() of panfrost_mmu.c.
   */
  lockRegion(as: number, iova: number, size: number): number {
    if (size === FULL_RANGE) {
      this.mmio.write32(AS_LOCKADDR_LO(as), LOCKADDR_FULL_LO);
      this.mmio.write32(AS_LOCKADDR_HI(as), 0);
    } else {
      const region = encodeLockAddr(iova, size);
      if (region === null) return 0;
      this.mmio.write32(AS_LOCKADDR_LO(as), region.lo);
      this.mmio.write32(AS_LOCKADDR_HI(as), region.hi);
    }
    return this.writeCmd(as, AS_COMMAND_LOCK);
  }

  /**
   * Locks the range (unless `op` is UNLOCK), issues `op` and waits for it to complete.
   *
   * Mirrors mmu_hw_do_operation_locked() of panfrost_mmu.c.
   */
  doOperation(as: number, iova: number, size: number, op: number): number {
    if (as < 0) return 0;
    // A stuck AS already scheduled a reset: do not poll it again for every step.
    const ret = op !== AS_COMMAND_UNLOCK ? this.lockRegion(as, iova, size) : 0;
    if (ret < 0) return ret;
    const w = this.writeCmd(as, op);
    if (w < 0) return w;
    return this.waitReady(as);
  }

  /**
   * Binds a context's page tables to AS `as`: flush everything, write TRANSTAB, MEMATTR and
   * TRANSCFG, then UPDATE.
   *
   * Mirrors panfrost_mmu_enable().
   */
  enable(as: number, cfg: AsConfig): void {
    this.counters.enable++;
    if (this.doOperation(as, 0, FULL_RANGE, AS_COMMAND_FLUSH_MEM) < 0) return;
    this.mmio.write32(AS_TRANSTAB_LO(as), cfg.transtab.lo);
    this.mmio.write32(AS_TRANSTAB_HI(as), cfg.transtab.hi);
    this.mmio.write32(AS_MEMATTR_LO(as), cfg.memattr.lo);
    this.mmio.write32(AS_MEMATTR_HI(as), cfg.memattr.hi);
    this.mmio.write32(AS_TRANSCFG_LO(as), cfg.transcfg.lo);
    this.mmio.write32(AS_TRANSCFG_HI(as), cfg.transcfg.hi);
    // The kernel does not wait after UPDATE; the model applies it only when the command
    // completes, so wait for it before a job can translate through the AS.
    if (this.writeCmd(as, AS_COMMAND_UPDATE) === 0) this.waitReady(as);
  }

  /**
   * Unbinds AS `as`: flush, zero TRANSTAB and MEMATTR, set TRANSCFG to UNMAPPED, then UPDATE.
   * Accesses through it fault from then on (stalled accesses are aborted).
   *
   * Mirrors panfrost_mmu_disable().
   */
  disable(as: number): void {
    this.counters.disable++;
    if (this.doOperation(as, 0, FULL_RANGE, AS_COMMAND_FLUSH_MEM) < 0) return;
    this.mmio.write32(AS_TRANSTAB_LO(as), 0);
    this.mmio.write32(AS_TRANSTAB_HI(as), 0);
    this.mmio.write32(AS_MEMATTR_LO(as), 0);
    this.mmio.write32(AS_MEMATTR_HI(as), 0);
    this.mmio.write32(AS_TRANSCFG_LO(as), AS_TRANSCFG_ADRMODE_UNMAPPED);
    this.mmio.write32(AS_TRANSCFG_HI(as), 0);
    if (this.writeCmd(as, AS_COMMAND_UPDATE) === 0) this.waitReady(as);
  }
}
