/**
 * A per-address-space TLB: a direct-mapped cache of 4 KiB leaf translations held in typed
 * arrays. It keeps serving an entry until an UPDATE or a flush covering it evicts it (or a
 * conflicting translation replaces it), so a missing flush shows up as a stale translation.
 */

/** Direct-mapped translation cache of one address space. */
export class Tlb {
  /** Number of entries (a power of two). */
  readonly size: number;
  /** `size - 1`, the index mask. */
  readonly mask: number;
  /**
   * Virtual page number per entry (`va / 4096`), NaN when empty: NaN equals no page number, so
   * an empty entry can never hit (not even for a negative or non-integer address).
   */
  readonly tags: Float64Array;
  /** Physical address of the page per entry. */
  readonly pas: Float64Array;
  /** Allowed access kinds per entry, as `1 << GpuAccessKind` bits (fast permission test). */
  readonly kinds: Uint8Array;
  /** PERM_* bits per entry. */
  readonly perms: Uint8Array;
  /** Level of the leaf the entry came from. */
  readonly levels: Uint8Array;
  /** Entries currently valid. */
  valid = 0;
  /** Lookups answered by an entry (counted by the MMU's hot path). */
  hits = 0;

  /** Creates an empty TLB of `size` entries (rounded up to a power of two, at least 1). */
  constructor(size: number) {
    let n = 1;
    while (n < size) n <<= 1;
    this.size = n;
    this.mask = n - 1;
    this.tags = new Float64Array(n).fill(Number.NaN);
    this.pas = new Float64Array(n);
    this.kinds = new Uint8Array(n);
    this.perms = new Uint8Array(n);
    this.levels = new Uint8Array(n);
  }

  /** Installs the translation of virtual page `vpn`. */
  insert(vpn: number, pagePa: number, perms: number, level: number): void {
    const i = vpn & this.mask;
    if (!((this.tags[i] as number) >= 0)) this.valid++;
    this.tags[i] = vpn;
    this.pas[i] = pagePa;
    this.perms[i] = perms;
    // GpuAccessKind: Execute = 1, Read = 2, Write = 3; PERM_*: read 1, write 2, execute 4.
    this.kinds[i] =
      ((perms & 4) !== 0 ? 2 : 0) | ((perms & 1) !== 0 ? 4 : 0) | ((perms & 2) !== 0 ? 8 : 0);
    this.levels[i] = level;
  }

  /** Drops every entry. */
  invalidateAll(): number {
    const n = this.valid;
    this.tags.fill(Number.NaN);
    this.valid = 0;
    return n;
  }

  /** Drops the entries whose page lies in `[start, end)` (byte addresses); returns how many. */
  invalidateRange(start: number, end: number): number {
    if (this.valid === 0) return 0;
    const lo = Math.floor(start / 4096);
    const hi = Math.ceil(end / 4096);
    const tags = this.tags;
    let n = 0;
    if (hi - lo < tags.length) {
      // Fewer pages than entries: look only at the entry each page of the range maps to.
      const mask = this.mask;
      for (let vpn = lo; vpn < hi; vpn++) {
        const i = vpn & mask;
        if (tags[i] === vpn) {
          tags[i] = Number.NaN;
          n++;
        }
      }
      this.valid -= n;
      return n;
    }
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i] as number;
      if (t >= lo && t < hi) {
        tags[i] = Number.NaN;
        n++;
      }
    }
    this.valid -= n;
    return n;
  }
}
