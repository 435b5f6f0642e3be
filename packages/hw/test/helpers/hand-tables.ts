/**
 * Hand-written page tables for behaviour tests: descriptors composed bit by bit, the way the
 * README example does it (no page-table library involved).
 */
import {
  AS_COMMAND,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  AS_MEMATTR_HI,
  AS_MEMATTR_LO,
  AS_STATUS,
  AS_TRANSCFG_ADRMODE_AARCH64_4K,
  AS_TRANSCFG_HI,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  AS_TRANSTAB_LPAE_ADRMODE_TABLE,
  AS_TRANSTAB_LPAE_READ_INNER,
  asReg,
  asTranscfgInaBits,
  type EventLoop,
  type MmioBus,
  packLockRegion,
  type SystemMemory,
} from "../../src/index.js";

/** Mali LPAE level-3 page, read+write, outer shareable (type 0b01, bits 6/7). */
export const MALI_PAGE_RW = 0x2c1;
/** Mali LPAE level-3 page, read only. */
export const MALI_PAGE_RO = 0x241;
/** Mali LPAE 2 MiB / 1 GiB block, read+write. */
export const MALI_BLOCK_RW = 0x2c1;
/** AArch64 level-3 page, read+write (type 0b11, AP[1], AF, nG, SH). */
export const A64_PAGE_RW = 0xe43;
/** AArch64 level-3 page, read only (AP[2] set). */
export const A64_PAGE_RO = 0xec3;
/** AArch64 block, read+write. */
export const A64_BLOCK_RW = 0xe41;
/** High word bits 54:53 (XN) of a descriptor. */
export const XN_HI = 0x00600000;

/** A tiny table builder: allocates tables top-down and writes raw descriptors. */
export class HandTables {
  /** Root table address. */
  readonly root: number;

  constructor(
    private readonly mem: SystemMemory,
    private readonly startLevel = 0,
  ) {
    const r = mem.allocPage();
    if (r === null) throw new Error("no memory");
    this.root = r;
  }

  /** Address of the table at `level` covering `va`, allocating missing ones. */
  table(va: number, level: number): number {
    let t = this.root;
    for (let l = this.startLevel; l < level; l++) {
      const w = this.mem.pageU32(t - (t % 4096));
      const i = (((t % 4096) >>> 3) + index(va, l)) * 2;
      if (((w[i] as number) & 3) !== 3) {
        const n = this.mem.allocPage();
        if (n === null) throw new Error("no memory");
        w[i] = ((n % 2 ** 32) | 3) >>> 0;
        w[i + 1] = Math.floor(n / 2 ** 32);
      }
      t =
        Math.floor((w[i + 1] as number) % 0x10000) * 2 ** 32 +
        (((w[i] as number) & 0xfffff000) >>> 0);
    }
    return t;
  }

  /** Writes the raw descriptor `lo`/`hi` for `va` at `level`. */
  set(va: number, level: number, lo: number, hi = 0): void {
    const t = this.table(va, level);
    const w = this.mem.pageU32(t - (t % 4096));
    const i = (((t % 4096) >>> 3) + index(va, level)) * 2;
    w[i] = lo >>> 0;
    w[i + 1] = hi >>> 0;
  }

  /** Maps a leaf: `pa | attrs` at `level` (3 = 4 KiB page, 2 = 2 MiB, 1 = 1 GiB). */
  map(va: number, pa: number, level: number, attrs: number, hiAttrs = 0): void {
    this.set(va, level, ((pa % 2 ** 32) | attrs) >>> 0, (Math.floor(pa / 2 ** 32) | hiAttrs) >>> 0);
  }

  /** Clears the entry for `va` at `level`. */
  clear(va: number, level: number): void {
    this.set(va, level, 0, 0);
  }
}

/** Index of `va` at `level`. */
export function index(va: number, level: number): number {
  return Math.floor(va / 2 ** (12 + 9 * (3 - level))) % 512;
}

/** Writes AS registers for Mali LPAE tables at `root` and issues UPDATE (no wait). */
export function programMali(mmio: MmioBus, as: number, root: number): void {
  mmio.write32(
    asReg(as, AS_TRANSTAB_LO),
    (root | AS_TRANSTAB_LPAE_ADRMODE_TABLE | AS_TRANSTAB_LPAE_READ_INNER) >>> 0,
  );
  mmio.write32(asReg(as, AS_TRANSTAB_HI), 0);
  mmio.write32(asReg(as, AS_MEMATTR_LO), 0x88888888);
  mmio.write32(asReg(as, AS_MEMATTR_HI), 0x88888888);
  mmio.write32(asReg(as, AS_COMMAND), 1);
}

/** Writes AS registers for AArch64 4K tables at `root` (input size `ias`) and issues UPDATE. */
export function programAarch64(
  mmio: MmioBus,
  as: number,
  root: number,
  ias = 48,
  cfgHi = 0,
  adrmode = AS_TRANSCFG_ADRMODE_AARCH64_4K,
): void {
  mmio.write32(asReg(as, AS_TRANSTAB_LO), root >>> 0);
  mmio.write32(asReg(as, AS_TRANSTAB_HI), 0);
  mmio.write32(asReg(as, AS_MEMATTR_LO), 0x48484848);
  mmio.write32(asReg(as, AS_MEMATTR_HI), 0x48484848);
  mmio.write32(asReg(as, AS_TRANSCFG_LO), (adrmode | asTranscfgInaBits(55 - ias)) >>> 0);
  mmio.write32(asReg(as, AS_TRANSCFG_HI), cfgHi);
  mmio.write32(asReg(as, AS_COMMAND), 1);
}

/** Waits (advancing virtual time) until AS_ACTIVE clears; returns whether it did within 1 ms. */
export function waitReady(mmio: MmioBus, loop: EventLoop, as: number): boolean {
  return loop.runUntil(() => (mmio.read32(asReg(as, AS_STATUS)) & 1) === 0, 1_000_000);
}

/** The kernel's lock + operation sequence on `[start, start + size)` (lock_region then `op`). */
export function lockedOp(
  mmio: MmioBus,
  loop: EventLoop,
  as: number,
  start: number,
  size: number,
  op: number,
): void {
  const r = packLockRegion(start, size);
  waitReady(mmio, loop, as);
  mmio.write32(asReg(as, AS_LOCKADDR_LO), r.lo);
  mmio.write32(asReg(as, AS_LOCKADDR_HI), r.hi);
  mmio.write32(asReg(as, AS_COMMAND), 2);
  waitReady(mmio, loop, as);
  mmio.write32(asReg(as, AS_COMMAND), op);
  waitReady(mmio, loop, as);
}
