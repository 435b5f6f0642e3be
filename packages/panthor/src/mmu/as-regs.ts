/**
 * Register-level address-space operations: waiting for AS_STATUS, sending AS commands, and
 * programming or clearing an AS.
 */
import {
  AS_COMMAND,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_MEMATTR_LO,
  AS_STATUS,
  AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_LO,
  asReg,
  CACHE_CLEAN,
  CACHE_INV,
} from "@panmmu/hw";
import { ETIMEDOUT } from "@panmmu/uapi";
import type { PanthorMmuEnv } from "./env.js";
import type { PanthorMmuIrq } from "./irq.js";

/** How long an AS command may keep AS_ACTIVE set: 100 ms. */
export const AS_WAIT_TIMEOUT_NS = 100_000_000;

/** Writes a 64-bit register as two 32-bit writes, low word first (gpu_write64()). */
export function write64(env: PanthorMmuEnv, offset: number, lo: number, hi: number): void {
  env.mmio.write32(offset, lo >>> 0);
  env.mmio.write32(offset + 4, hi >>> 0);
}

/** {@link write64} of a bigint value below 2^64. */
export function write64n(env: PanthorMmuEnv, offset: number, v: bigint): void {
  write64(env, offset, Number(v & 0xffff_ffffn), Number((v >> 32n) & 0xffff_ffffn));
}

/**
 * Waits until AS `as` has no command in progress (up to 100 ms of virtual time); on a timeout
 * schedules a GPU reset and returns -ETIMEDOUT. Mirrors wait_ready().
 */
export function waitReady(env: PanthorMmuEnv, as: number): number {
  const status = asReg(as, AS_STATUS);
  if ((env.mmio.read32(status) & AS_STATUS_AS_ACTIVE) === 0) return 0;
  const idle = (): boolean => (env.mmio.read32(status) & AS_STATUS_AS_ACTIVE) === 0;
  if (env.loop.runUntil(idle, AS_WAIT_TIMEOUT_NS)) return 0;
  env.scheduleReset();
  env.warnings.warn("panthor_mmu", `AS${as}: AS_ACTIVE bit stuck`);
  return -ETIMEDOUT;
}

/**
 * Sends `cmd` to AS `as` once it is ready and waits for it to complete. Mirrors
 * as_send_cmd_and_wait().
 */
export function sendCmdAndWait(env: PanthorMmuEnv, as: number, cmd: number): number {
  let status = waitReady(env, as);
  if (status === 0) {
    env.mmio.write32(asReg(as, AS_COMMAND), cmd);
    status = waitReady(env, as);
  }
  return status;
}

/** What an AS is programmed with. */
export interface AsSetup {
  /** TRANSTAB (root table physical address). */
  readonly transtab: number;
  /** TRANSCFG (32-bit: the upper word is written 0). */
  readonly transcfg: number;
  /** MEMATTR, low and high words. */
  readonly memattrLo: number;
  /** MEMATTR high word. */
  readonly memattrHi: number;
}

/**
 * Enables AS `as`'s fault events and programs it. Mirrors panthor_mmu_as_enable().
 */
export function asEnable(env: PanthorMmuEnv, irq: PanthorMmuIrq, as: number, s: AsSetup): number {
  irq.enableEvents(1 << as);
  write64(
    env,
    asReg(as, AS_TRANSTAB_LO),
    s.transtab % 0x1_0000_0000,
    Math.floor(s.transtab / 0x1_0000_0000),
  );
  write64(env, asReg(as, AS_MEMATTR_LO), s.memattrLo, s.memattrHi);
  write64(env, asReg(as, AS_TRANSCFG_LO), s.transcfg, 0);
  return sendCmdAndWait(env, as, AS_COMMAND_UPDATE);
}

/**
 * Disables AS `as`: its fault events masked, GPU caches flushed, a pending locked region
 * unlocked; unless the slot is recycled at once, TRANSTAB/MEMATTR cleared and TRANSCFG set
 * UNMAPPED. Mirrors panthor_mmu_as_disable().
 *
 * @param regionLocked - the VM bound to the slot has a locked region pending.
 * @param recycle - the slot is about to be given to another VM.
 */
export function asDisable(
  env: PanthorMmuEnv,
  irq: PanthorMmuIrq,
  as: number,
  regionLocked: boolean,
  recycle: boolean,
): number {
  irq.disableEvents(1 << as);
  let ret = env.flushCaches(CACHE_CLEAN | CACHE_INV, CACHE_CLEAN | CACHE_INV, CACHE_INV);
  if (ret !== 0) return ret;
  if (regionLocked) {
    ret = sendCmdAndWait(env, as, AS_COMMAND_UNLOCK);
    if (ret !== 0) return ret;
  }
  if (recycle) return 0;
  write64(env, asReg(as, AS_TRANSTAB_LO), 0, 0);
  write64(env, asReg(as, AS_MEMATTR_LO), 0, 0);
  write64(env, asReg(as, AS_TRANSCFG_LO), AS_TRANSCFG_ADRMODE_UNMAPPED, 0);
  return sendCmdAndWait(env, as, AS_COMMAND_UPDATE);
}
