/**
 * Register values drivers compute for the MMU: the AS_LOCKADDR encoding of a LOCK region and
 * the translation of an ARM MAIR into AS_MEMATTR. Both Linux drivers (panfrost and panthor) carry
 * their own copy of these; here there is one, in a plain-number flavour for the drivers' hot
 * paths and an exact u64 flavour with the kernel's wrap-around for everything else.
 */
import {
  AS_LOCK_REGION_MIN_SIZE,
  AS_MEMATTR_AARCH64_INNER_OUTER_NC,
  AS_MEMATTR_AARCH64_INNER_OUTER_WB,
  AS_MEMATTR_AARCH64_SH_CPU_INNER,
  AS_MEMATTR_AARCH64_SH_MIDGARD_INNER,
  asMemattrAarch64InnerAllocExpl,
} from "./mmu-regs.js";

/** log2 of the smallest lockable region (32 KiB). */
export const AS_LOCK_REGION_MIN_SIZE_LOG2 = Math.log2(AS_LOCK_REGION_MIN_SIZE);

/** An AS_LOCKADDR value as u32 halves, with the region the kernel records for it. */
export interface LockAddr {
  /** Low 32 bits of AS_LOCKADDR: the region base bits and the width in bits 5:0. */
  lo: number;
  /** High 32 bits of AS_LOCKADDR. */
  hi: number;
  /** Encoded width: the hardware locks 2^(width + 1) bytes. */
  width: number;
  /** The base written: the start with its bits below `width` cleared. */
  lockedStart: number;
}

/** {@link LockAddr} over the full u64 domain. */
export interface LockAddrU64 {
  /** The AS_LOCKADDR value. */
  lockaddr: bigint;
  /** Encoded width: the hardware locks 2^(width + 1) bytes. */
  width: number;
  /** The base written: the start with its bits below `width` cleared. */
  lockedStart: bigint;
  /** 2^(width + 1): the size of the locked region (2^64 for width 63). */
  lockedSize: bigint;
}

const TWO32 = 0x1_0000_0000;
const U64_MASK = (1n << 64n) - 1n;

/** Bit length (highest set bit position plus one; 0 for 0) of a non-negative safe integer. */
function fls53(x: number): number {
  if (x <= 0) return 0;
  const hi = Math.floor(x / TWO32);
  return hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(x >>> 0);
}

/** Bitwise XOR of two non-negative safe integers. */
function xor53(a: number, b: number): number {
  const hi = (Math.floor(a / TWO32) ^ Math.floor(b / TWO32)) >>> 0;
  return hi * TWO32 + (((a >>> 0) ^ (b >>> 0)) >>> 0);
}

/**
 * The AS_LOCKADDR value for `[start, start + size)`: the smallest naturally aligned power-of-two
 * block of at least 32 KiB covering the range, as width = bit length of `start ^ (end - 1)`
 * (at least 15) minus one, and the start with its bits below that width cleared. Null for
 * `size === 0` (nothing is written and no LOCK issued). `start + size` must stay a safe integer.
 * Mirrors the encoding of lock_region() (panfrost_mmu.c, panthor_mmu.c).
 */
export function encodeLockAddr(start: number, size: number): LockAddr | null {
  if (size === 0) return null;
  const width = Math.max(fls53(xor53(start, start + size - 1)), AS_LOCK_REGION_MIN_SIZE_LOG2) - 1;
  const block = 2 ** width;
  const lockedStart = Math.floor(start / block) * block;
  return {
    lo: ((lockedStart >>> 0) | width) >>> 0,
    hi: Math.floor(lockedStart / TWO32) >>> 0,
    width,
    lockedStart,
  };
}

/**
 * {@link encodeLockAddr} over the full u64 domain, with the kernel's wrap-around for
 * `start + size`. Null for `size === 0`.
 */
export function encodeLockAddrU64(start: bigint, size: bigint): LockAddrU64 | null {
  if (size === 0n) return null;
  const s = start & U64_MASK;
  const diff = s ^ ((s + size - 1n) & U64_MASK);
  const diffHi = Number(diff >> 32n);
  const bits =
    diffHi !== 0 ? 64 - Math.clz32(diffHi) : 32 - Math.clz32(Number(diff & 0xffff_ffffn));
  const width = Math.max(bits, AS_LOCK_REGION_MIN_SIZE_LOG2) - 1;
  const lockedStart = s & ~((1n << BigInt(width)) - 1n) & U64_MASK;
  return {
    lockaddr: lockedStart | BigInt(width),
    width,
    lockedStart,
    lockedSize: 1n << BigInt(width + 1),
  };
}

/**
 * The AS_LOCKADDR value for `[start, start + size)` (size > 0) as u32 halves, plus the block the
 * hardware locks for it: 2^(width + 1) bytes, naturally aligned (the encoded base rounded down to
 * that size). A size of 2^53 or more locks the whole address space (width 63).
 */
export function packLockRegion(
  start: number,
  size: number,
): { lo: number; hi: number; regionStart: number; regionSize: number } {
  if (size >= 2 ** 53) return { lo: 63, hi: 0, regionStart: 0, regionSize: 2 ** 64 };
  const r = encodeLockAddr(start, size);
  if (r === null) throw new RangeError("packLockRegion: the size must be positive");
  const regionSize = 2 ** (r.width + 1);
  return {
    lo: r.lo,
    hi: r.hi,
    regionStart: Math.floor(start / regionSize) * regionSize,
    regionSize,
  };
}

/** AS_MEMATTR byte for device, non-cacheable, write-through or mixed attributes (0x4c). */
export const AS_MEMATTR_BYTE_NC =
  AS_MEMATTR_AARCH64_INNER_OUTER_NC |
  AS_MEMATTR_AARCH64_SH_MIDGARD_INNER |
  asMemattrAarch64InnerAllocExpl(false, false);
/** AS_MEMATTR byte base for write-back attributes, before allocation hints (0x8c). */
export const AS_MEMATTR_BYTE_WB =
  AS_MEMATTR_AARCH64_INNER_OUTER_WB | asMemattrAarch64InnerAllocExpl(false, false);

/**
 * Translates one MAIR attribute byte: write-back (with the inner write/read allocation hints,
 * and CPU-inner shareability when coherent) when the outer nibble has bit 2 and one of bits 0–1
 * set and the inner nibble has bit 2 set — only those bits are tested — else non-cacheable.
 */
export function mairByteToMemattr(attr: number, coherent: boolean): number {
  const outer = (attr >> 4) & 0xf;
  const inner = attr & 0xf;
  if ((outer & 3) === 0 || (outer & 4) === 0 || (inner & 4) === 0) return AS_MEMATTR_BYTE_NC;
  return (
    AS_MEMATTR_BYTE_WB |
    (inner & 1) |
    (inner & 2) |
    (coherent ? AS_MEMATTR_AARCH64_SH_CPU_INNER : AS_MEMATTR_AARCH64_SH_MIDGARD_INNER)
  );
}

function memattrWord(word: number, coherent: boolean): number {
  let out = 0;
  for (let i = 0; i < 32; i += 8) out |= mairByteToMemattr((word >>> i) & 0xff, coherent) << i;
  return out >>> 0;
}

/**
 * Translates a MAIR (8 attribute bytes, byte i = attribute index i) given as u32 halves into
 * AS_MEMATTR, byte by byte. Mirrors mair_to_memattr() (panfrost_mmu.c, panthor_mmu.c).
 */
export function mairToMemattr(
  mair: { readonly lo: number; readonly hi: number },
  coherent: boolean,
): { lo: number; hi: number } {
  return { lo: memattrWord(mair.lo, coherent), hi: memattrWord(mair.hi, coherent) };
}

/** {@link mairToMemattr} on a 64-bit value. */
export function mairToMemattrU64(mair: bigint, coherent: boolean): bigint {
  const m = mairToMemattr(
    { lo: Number(mair & 0xffff_ffffn), hi: Number((mair >> 32n) & 0xffff_ffffn) },
    coherent,
  );
  return (BigInt(m.hi) << 32n) | BigInt(m.lo);
}
