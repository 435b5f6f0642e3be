/** Translation of the ARM MAIR that io-pgtable produces into the Mali AS_MEMATTR register value. */

/** AS_MEMATTR byte for everything that is not write-back: inner/outer non-cacheable, Midgard-inner shareability. */
export const MEMATTR_NON_CACHEABLE = 0x4c;
/** AS_MEMATTR byte base for write-back memory (inner allocate hints are or-ed in). */
export const MEMATTR_WRITE_BACK = 0x8c;
/** Shareability field value "CPU inner" (coherent systems). */
export const MEMATTR_SH_CPU_INNER = 0x10;

/**
 * Translates one MAIR attribute byte: write-back when the outer nibble has bit 2 and one of bits
 * 0–1 set and the inner nibble has bit 2 set (only those bits are tested), else non-cacheable.
 */
export function mairByteToMemattr(attr: number, coherent: boolean): number {
  const outer = (attr >> 4) & 0xf;
  const inner = attr & 0xf;
  if ((outer & 3) === 0 || (outer & 4) === 0 || (inner & 4) === 0) return MEMATTR_NON_CACHEABLE;
  return MEMATTR_WRITE_BACK | (inner & 1) | (inner & 2) | (coherent ? MEMATTR_SH_CPU_INNER : 0);
}

/**
 * Translates a 64-bit MAIR (byte i = attribute index i) into AS_MEMATTR, byte by byte.
 * Mirrors mair_to_memattr().
 */
export function mairToMemattr(mair: bigint, coherent: boolean): bigint {
  let out = 0n;
  for (let i = 0n; i < 8n; i++) {
    const attr = Number((mair >> (i * 8n)) & 0xffn);
    out |= BigInt(mairByteToMemattr(attr, coherent)) << (i * 8n);
  }
  return out;
}
