/**
 * The hardware page-table walker: Mali LPAE (legacy) and AArch64 tables with a 4 KiB granule
 * (4 KiB pages, 2 MiB / 1 GiB blocks) or a 64 KiB granule (64 KiB pages, 512 MiB / 4 TiB
 * blocks). Written from the architecture's rules, independently of
 * `@panmmu/iopgtable` (the two are checked against each other and against the kernel's vectors).
 */
import {
  EXCEPTION_ACCESS_FLAG_0,
  EXCEPTION_ADDR_SIZE_FAULT_IN,
  EXCEPTION_ADDR_SIZE_FAULT_OUT_0,
  EXCEPTION_PERM_FAULT_0,
  EXCEPTION_TRANSLATION_FAULT_0,
  EXCEPTION_TRANSLATION_FAULT_IDENTITY,
  EXCEPTION_TRANSTAB_BUS_FAULT_0,
} from "../regs/exceptions.js";
import { type AsConfig, TranslationMode } from "./as-config.js";
import type { WalkMemory } from "./walk-memory.js";

/** Permission bit: data reads allowed. */
export const PERM_READ = 1;
/** Permission bit: data writes allowed. */
export const PERM_WRITE = 2;
/** Permission bit: instruction fetches allowed. */
export const PERM_EXECUTE = 4;

const TWO32 = 4294967296;
// Module-local copies of imported constants: the hot path then reads no import bindings (some
// module loaders, e.g. vitest's, turn every imported-name access into a property lookup).
const MODE_IDENTITY: number = TranslationMode.Identity;
const MODE_MALI_LPAE: number = TranslationMode.MaliLpae;
const MODE_AARCH64_4K: number = TranslationMode.Aarch64_4K;
const MODE_AARCH64_64K: number = TranslationMode.Aarch64_64K;

/** Where {@link walk} leaves its answer; reused across walks (no allocation per access). */
export class WalkResult {
  /** Physical address of the 4 KiB page holding the input address (on success). */
  pagePa = 0;
  /** PERM_* bits of the leaf (on success). */
  perms = 0;
  /** Level of the leaf (on success) or of the fault. */
  level = 0;
  /** For a bus fault: the table address did not decode to memory at all (decoder fault). */
  decoder = false;
  /** Descriptors read by the last walk. */
  reads = 0;
  /**
   * Host-side memo of the table pages met at each level by earlier walks (their address and
   * word view), valid while the memory's release generation is unchanged. It only saves page
   * lookups: descriptors are always read from memory, so it caches no translation.
   */
  readonly memoPa = new Float64Array(4).fill(-1);
  /** Word views matching {@link memoPa}. */
  readonly memoWords: (Uint32Array | undefined)[] = [undefined, undefined, undefined, undefined];
  /** Memory the memo belongs to. */
  memoMemory: WalkMemory | undefined;
  /** Release generation the memo was taken at. */
  memoGeneration = -1;
}

/**
 * Walks the tables of `cfg` for input address `va`. Returns 0 and fills `out` on success, or
 * the MMU exception code of the fault (translation / address size / bus / access flag) with
 * `out.level` set. Permissions are returned, not checked: the caller checks the access kind
 * (see {@link permissionFault}).
 *
 * Geometry comes from the mode's granule (`cfg.pgShift`): each level resolves `pgShift − 3`
 * bits and the level-3 index starts at bit `pgShift`. Descriptor rules: bit 0 clear (or type
 * 0b10) is invalid; at levels 0-2 type 0b11 is a table; type 0b01 is a block from level
 * `cfg.minBlockLevel` down (levels 1-2 with 4 KiB; level 2, and level 1 with 52-bit PAs, with
 * 64 KiB); at level 3 a page is 0b01 in Mali LPAE and 0b11 in AArch64, the other code being
 * invalid. Output addresses are bits 47:12 (47:16 with 64 KiB, whose bits 15:12 hold OA[51:48]);
 * bits below the block or page size are RES0 and ignored.
 * Mali LPAE permissions: bit 6 read, bit 7 write, bit 54 execute-never; there is no access flag.
 * AArch64 permissions (GPU accesses are unprivileged): AP[1] (bit 6) grants access, AP[2]
 * (bit 7) makes it read-only, UXN (bit 54) forbids execution, AF (bit 10) clear faults unless
 * TRANSCFG disables it; table descriptors' APTable (bits 62:61) and UXNTable (bit 60) restrict
 * the subtree unless TRANSCFG.DISABLE_HIER_AP.
 */
export function walk(mem: WalkMemory, cfg: AsConfig, va: number, out: WalkResult): number {
  out.reads = 0;
  out.decoder = false;
  out.level = 0;
  if (!(va >= 0) || va >= cfg.vaLimit) return EXCEPTION_ADDR_SIZE_FAULT_IN;
  const mode: number = cfg.mode;
  if (mode === MODE_IDENTITY) {
    if (va >= cfg.paLimit) return EXCEPTION_TRANSLATION_FAULT_IDENTITY;
    out.pagePa = va - (va & 0xfff);
    out.perms = PERM_READ | PERM_WRITE | PERM_EXECUTE;
    out.level = 3;
    return 0;
  }
  if (mode !== MODE_MALI_LPAE && mode !== MODE_AARCH64_4K && mode !== MODE_AARCH64_64K) {
    return EXCEPTION_TRANSLATION_FAULT_0;
  }
  const legacy = mode === MODE_MALI_LPAE;
  const lo = va >>> 0;
  const hi = (va - lo) / TWO32;
  const paLimit = cfg.paLimit;
  let table = cfg.root;
  let level = cfg.startLevel;
  out.level = level;
  // A root table beyond the output address size is an address-size fault at the start level,
  // as for a table descriptor pointing there (not a bus access to a non-existent address).
  if (table >= paLimit) return EXCEPTION_ADDR_SIZE_FAULT_OUT_0 + level;
  let noUser = false;
  let readOnly = false;
  let noExec = false;
  if (out.memoMemory !== mem || out.memoGeneration !== mem.releaseGeneration) {
    out.memoPa.fill(-1);
    out.memoMemory = mem;
    out.memoGeneration = mem.releaseGeneration;
  }
  const memoPa = out.memoPa;
  const memoWords = out.memoWords;
  const levelShift = cfg.levelShift;
  const indexMask = (1 << cfg.bitsPerLevel) - 1;
  const fold = cfg.oaFoldMask;
  const oaLoMask = 0xfffff000 & ~fold;
  for (;;) {
    out.level = level;
    // The VA is below 2^ias, so the root's index needs no narrower mask.
    const shift = levelShift[level] as number;
    const idx =
      (shift >= 32 ? hi >>> (shift - 32) : (lo >>> shift) | (hi << (32 - shift))) & indexMask;
    const entry = table + idx * 8;
    const page = entry - (entry & 0xfff);
    let words: Uint32Array | undefined;
    if (memoPa[level] === page) {
      words = memoWords[level];
    } else {
      words = mem.words(page);
      if (words !== undefined) {
        memoPa[level] = page;
        memoWords[level] = words;
      }
    }
    if (words === undefined) {
      out.decoder = !mem.contains(table);
      return EXCEPTION_TRANSTAB_BUS_FAULT_0 + level;
    }
    const w = (entry & 0xfff) >>> 2;
    const dlo = words[w] as number;
    const dhi = words[w + 1] as number;
    out.reads++;
    const type = dlo & 3;
    if ((type & 1) === 0) return EXCEPTION_TRANSLATION_FAULT_0 + level;
    const oaHi = (dhi & 0xffff) | ((dlo & fold) << 4);
    if (level < 3 && type === 3) {
      const next = oaHi * TWO32 + ((dlo & oaLoMask) >>> 0);
      if (next >= paLimit) return EXCEPTION_ADDR_SIZE_FAULT_OUT_0 + level;
      if (!legacy && !cfg.disableHierAp) {
        if ((dhi & 0x20000000) !== 0) noUser = true;
        if ((dhi & 0x40000000) !== 0) readOnly = true;
        if ((dhi & 0x10000000) !== 0) noExec = true;
      }
      table = next;
      level++;
      continue;
    }
    if (level === 3) {
      if (type !== (legacy ? 1 : 3)) return EXCEPTION_TRANSLATION_FAULT_0 + 3;
    } else if (level < cfg.minBlockLevel) {
      return EXCEPTION_TRANSLATION_FAULT_0 + level;
    }
    // The 4 KiB page of the leaf that holds the VA: OA bits below the leaf size come from the VA.
    let pagePa: number;
    if (shift < 32) {
      const off = (1 << shift) - 1;
      pagePa = oaHi * TWO32 + (((dlo & oaLoMask & ~off) | (lo & off & 0xfffff000)) >>> 0);
    } else {
      const offHi = 2 ** (shift - 32) - 1;
      pagePa = ((oaHi & ~offHi) | (hi & offHi)) * TWO32 + ((lo & 0xfffff000) >>> 0);
    }
    if (pagePa >= paLimit) return EXCEPTION_ADDR_SIZE_FAULT_OUT_0 + level;
    let perms: number;
    if (legacy) {
      perms =
        ((dlo & 0x40) !== 0 ? PERM_READ : 0) |
        ((dlo & 0x80) !== 0 ? PERM_WRITE : 0) |
        ((dhi & 0x400000) === 0 ? PERM_EXECUTE : 0);
    } else {
      if ((dlo & 0x400) === 0 && !cfg.disableAfFault) return EXCEPTION_ACCESS_FLAG_0 + level;
      const user = (dlo & 0x40) !== 0 && !noUser;
      const ro = (dlo & 0x80) !== 0 || readOnly;
      perms = user ? (ro ? PERM_READ : PERM_READ | PERM_WRITE) : 0;
      if ((dhi & 0x400000) === 0 && !noExec && !(cfg.wxn && (perms & PERM_WRITE) !== 0)) {
        perms |= PERM_EXECUTE;
        if (cfg.xreadable) perms |= PERM_READ;
      }
    }
    out.pagePa = pagePa;
    out.perms = perms;
    return 0;
  }
}

/** PERM_* bit required by a GpuAccessKind (Execute = 1, Read = 2, Write = 3). */
export const PERM_FOR_KIND: Readonly<Uint8Array> = Uint8Array.of(
  0,
  PERM_EXECUTE,
  PERM_READ,
  PERM_WRITE,
);

/** The permission-fault exception code for a leaf at `level`. */
export function permissionFault(level: number): number {
  return EXCEPTION_PERM_FAULT_0 + level;
}
