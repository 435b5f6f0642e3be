/**
 * Descriptor decoding for both formats: what a hardware walker or a human reads in one entry.
 */
import { IoPgtableFormat } from "../constants.js";
import {
  descriptorAddress,
  leafAddress,
  MAX_LEVEL,
  PTE_TYPE_BLOCK,
  PTE_TYPE_TABLE,
} from "../lpae/bits.js";
import { splitU64 } from "./hex.js";

/** Kind of an entry at its level. */
export type DescriptorKind = "invalid" | "table" | "block" | "page";

/** A decoded descriptor. Fields that do not apply to the kind are false / 0. */
export interface DecodedDescriptor {
  /** What the entry is at its level ("invalid" also covers a zero entry and reserved types). */
  kind: DescriptorKind;
  /** Raw type field, bits 1:0. */
  type: number;
  /**
   * Output address, bits 47:12: the page, the block base (low bits kept as written) or the next
   * table. For a leaf of a 64 KiB-granule table, bits 15:12 are address bits 51:48.
   */
  address: number;
  /** AttrIndx, bits 4:2: MAIR/MEMATTR index (0 NC, 1 cacheable, 2 device). Leaves only. */
  attrIndx: number;
  /** Shareability, bits 9:8 (2 outer, 3 inner). Leaves only. */
  sh: number;
  /** Read permitted (S1: always; Mali: HAP bit 6). Leaves only. */
  read: boolean;
  /** Write permitted (S1: AP[2] clear; Mali: HAP bit 7). Leaves only. */
  write: boolean;
  /** Unprivileged access permitted (S1 AP[1], bit 6); Mali has no such bit (false). */
  unprivileged: boolean;
  /** Execute-never: both XN bits 54:53 set. Leaves only. */
  executeNever: boolean;
  /** Access flag, bit 10 (S1 leaves). */
  af: boolean;
  /** Not-global, bit 11 (S1 leaves). */
  nG: boolean;
  /** Non-secure output, bit 5 (NS quirk leaves). */
  ns: boolean;
  /** Dirty-bit modifier, bit 51 (HD quirk leaves). */
  dbm: boolean;
  /** The kernel's software SW_SYNC flag, bit 55 (non-coherent tables). */
  swSync: boolean;
  /** NSTABLE, bit 63 (NS quirk tables). */
  nsTable: boolean;
}

/** Kind of the entry `lo`/`hi` at `level` in format `fmt` (a non-zero entry with a reserved type is "invalid"). */
export function descriptorKind(fmt: IoPgtableFormat, level: number, lo: number): DescriptorKind {
  const type = lo & 3;
  if (level === MAX_LEVEL) {
    const pageType = fmt === IoPgtableFormat.ARM_MALI_LPAE ? PTE_TYPE_BLOCK : PTE_TYPE_TABLE;
    return type === pageType ? "page" : "invalid";
  }
  if (type === PTE_TYPE_TABLE) return "table";
  if (type === PTE_TYPE_BLOCK) return "block";
  return "invalid";
}

/**
 * Decodes the descriptor `lo`/`hi` found at `level` of a table of format `fmt` with translation
 * granule `granule` (default 4096; it only changes how a 64 KiB leaf's address is read).
 */
export function decodeDescriptor(
  fmt: IoPgtableFormat,
  level: number,
  lo: number,
  hi: number,
  granule = 4096,
): DecodedDescriptor {
  lo >>>= 0;
  hi >>>= 0;
  const kind = (lo | hi) === 0 ? "invalid" : descriptorKind(fmt, level, lo);
  const leaf = kind === "block" || kind === "page";
  const mali = fmt === IoPgtableFormat.ARM_MALI_LPAE;
  return {
    kind,
    type: lo & 3,
    address: leaf ? leafAddress(lo, hi, granule) : descriptorAddress(lo, hi),
    attrIndx: leaf ? (lo >>> 2) & 7 : 0,
    sh: leaf ? (lo >>> 8) & 3 : 0,
    read: leaf && (mali ? (lo & 0x40) !== 0 : true),
    write: leaf && (mali ? (lo & 0x80) !== 0 : (lo & 0x80) === 0),
    unprivileged: leaf && !mali && (lo & 0x40) !== 0,
    executeNever: leaf && ((hi >>> 21) & 3) === 3,
    af: leaf && (lo & 0x400) !== 0,
    nG: leaf && (lo & 0x800) !== 0,
    ns: leaf && (lo & 0x20) !== 0,
    dbm: leaf && (hi & (1 << 19)) !== 0,
    swSync: kind === "table" && (hi & (1 << 23)) !== 0,
    nsTable: kind === "table" && (hi & (1 << 31)) !== 0,
  };
}

/** {@link decodeDescriptor} for a descriptor given as one 64-bit value. */
export function decodeDescriptorU64(
  fmt: IoPgtableFormat,
  level: number,
  desc: bigint | number | string,
  granule = 4096,
): DecodedDescriptor {
  const { lo, hi } = splitU64(desc);
  return decodeDescriptor(fmt, level, lo, hi, granule);
}
