/**
 * Page-granular access to GPU virtual memory for the job engines: translate one page through a
 * {@link GpuMemoryPort}, then hand out that physical page's typed-array view. No caching here:
 * every page touch asks the MMU, whose TLB decides whether a translation is stale.
 */
import {
  type GpuAccessKind,
  type GpuMemoryPort,
  TRANSLATE_FAULTED,
  TRANSLATE_LOCKED,
} from "../mmu/gpu-access.js";
import { PAGE_SIZE, type PhysicalMemory } from "../platform/interfaces.js";

/**
 * Optional fast path of a {@link PhysicalMemory}: the word view of the allocated page holding
 * `pa`, or undefined, in one lookup (`SystemMemory.words`). Used when the memory has it.
 */
export interface PageWordsLookup {
  /** Word view of the page holding `pa` (any address inside it), or undefined if unallocated. */
  words(pa: number): Uint32Array | undefined;
}

/** {@link GpuPageAccess.page8}/`page32` result: the translated PA has no memory behind it. */
export const ACCESS_BUS_FAULT = -3;
/** Re-exported MMU result: the access faulted and the AS is stalled. */
export const ACCESS_FAULTED = TRANSLATE_FAULTED;
/** Re-exported MMU result: the address is in a locked region. */
export const ACCESS_LOCKED = TRANSLATE_LOCKED;

/**
 * Translates GPU VAs page by page and exposes the physical page's views. After a successful
 * {@link page8} the page is in {@link u8}; after {@link page32} in {@link u32}.
 */
export class GpuPageAccess {
  /** Byte view of the page found by the last successful {@link page8}. */
  u8: Uint8Array = new Uint8Array(0);
  /** Word view of the page found by the last successful {@link page32}. */
  u32: Uint32Array = new Uint32Array(0);
  /** Number of page translations asked of the MMU. */
  translations = 0;
  /** Physical address of the VA of the last successful translation. */
  pa = 0;
  /** Physical address of the first byte of the last successful {@link loadBytes}/{@link writeBytes}. */
  firstPa = 0;

  /**
   * @param memory - physical memory behind the translations.
   * @param port - the MMU.
   */
  constructor(
    private readonly memory: PhysicalMemory,
    private readonly port: GpuMemoryPort,
  ) {
    const candidate = memory as unknown as Partial<PageWordsLookup>;
    this.lookup = typeof candidate.words === "function" ? (candidate as PageWordsLookup) : null;
  }

  /** The memory's one-step page lookup, when it has one (SystemMemory does). */
  private readonly lookup: PageWordsLookup | null;

  private base(as: number, va: number, kind: GpuAccessKind, sourceId: number): number {
    this.translations++;
    const pa = this.port.translate(as, va, kind, sourceId);
    if (pa < 0) return pa;
    this.pa = pa;
    const base = pa - (pa % PAGE_SIZE);
    return this.memory.isAllocated(base) ? base : ACCESS_BUS_FAULT;
  }

  /**
   * Translates the page holding `va`; on success sets {@link u8} and returns the byte offset
   * of `va` in it, else returns {@link ACCESS_FAULTED}, {@link ACCESS_LOCKED} or
   * {@link ACCESS_BUS_FAULT}.
   */
  page8(as: number, va: number, kind: GpuAccessKind, sourceId: number): number {
    const base = this.base(as, va, kind, sourceId);
    if (base < 0) return base;
    this.u8 = this.memory.pageU8(base);
    return va % PAGE_SIZE;
  }

  /** Like {@link page8} but sets {@link u32}; returns the byte offset of `va` in the page. */
  page32(as: number, va: number, kind: GpuAccessKind, sourceId: number): number {
    const lookup = this.lookup;
    if (lookup !== null) {
      this.translations++;
      const pa = this.port.translate(as, va, kind, sourceId);
      if (pa < 0) return pa;
      const w = lookup.words(pa);
      if (w === undefined) return ACCESS_BUS_FAULT;
      this.pa = pa;
      this.u32 = w;
      return va % PAGE_SIZE;
    }
    const base = this.base(as, va, kind, sourceId);
    if (base < 0) return base;
    this.u32 = this.memory.pageU32(base);
    return va % PAGE_SIZE;
  }

  /**
   * Reads `count` words from 4-aligned `va` into `dst[dstIndex..]`, page by page. Returns 0 or
   * the failing access's negative result; `failVa` then holds the address that failed.
   */
  readWords(
    as: number,
    va: number,
    count: number,
    dst: Uint32Array,
    dstIndex: number,
    kind: GpuAccessKind,
    sourceId: number,
  ): number {
    let done = 0;
    while (done < count) {
      const a = va + done * 4;
      const off = this.page32(as, a, kind, sourceId);
      if (off < 0) {
        this.failVa = a;
        return off;
      }
      let n = (PAGE_SIZE - off) >>> 2;
      if (n > count - done) n = count - done;
      const w = off >>> 2;
      if (n <= 16) {
        const page = this.u32;
        const at = dstIndex + done;
        for (let i = 0; i < n; i++) dst[at + i] = page[w + i]!;
      } else {
        dst.set(this.u32.subarray(w, w + n), dstIndex + done);
      }
      done += n;
    }
    return 0;
  }

  /**
   * Stores the low `bytes` (1..8) bytes of the little-endian value `hi:lo` at any `va`,
   * splitting at a page boundary. Returns 0 or a negative result (`failVa` set).
   */
  storeBytes(
    as: number,
    va: number,
    lo: number,
    hi: number,
    bytes: number,
    kind: GpuAccessKind,
    sourceId: number,
  ): number {
    if ((bytes === 4 || bytes === 8) && va % 4 === 0 && va % PAGE_SIZE <= PAGE_SIZE - bytes) {
      // Aligned word stores inside one page: the common case (statuses, Write Value ZERO).
      const off = this.page32(as, va, kind, sourceId);
      if (off < 0) {
        this.failVa = va;
        return off;
      }
      this.u32[off >>> 2] = lo;
      if (bytes === 8) this.u32[(off >>> 2) + 1] = hi;
      return 0;
    }
    let i = 0;
    while (i < bytes) {
      const a = va + i;
      const off = this.page8(as, a, kind, sourceId);
      if (off < 0) {
        this.failVa = a;
        return off;
      }
      const page = this.u8;
      let o = off;
      while (i < bytes && o < PAGE_SIZE) {
        page[o++] = (i < 4 ? lo >>> (i * 8) : hi >>> ((i - 4) * 8)) & 0xff;
        i++;
      }
    }
    return 0;
  }

  /**
   * Reads `dst.length` bytes from any `va` into `dst`, splitting at page boundaries. Returns 0
   * or the failing access's negative result; `failVa` then holds the address that failed and
   * `dst` may hold the bytes of the pages read before it.
   */
  loadBytes(
    as: number,
    va: number,
    dst: Uint8Array,
    kind: GpuAccessKind,
    sourceId: number,
  ): number {
    return this.transfer(as, va, dst, kind, sourceId, false);
  }

  /**
   * Writes the bytes of `src` at any `va`, splitting at page boundaries. Returns 0 or the
   * failing access's negative result (`failVa` set); the pages before it are then written.
   */
  writeBytes(
    as: number,
    va: number,
    src: Uint8Array,
    kind: GpuAccessKind,
    sourceId: number,
  ): number {
    return this.transfer(as, va, src, kind, sourceId, true);
  }

  /** Copies `buf` from (`write` false) or to (`write` true) `va`, page by page. */
  private transfer(
    as: number,
    va: number,
    buf: Uint8Array,
    kind: GpuAccessKind,
    sourceId: number,
    write: boolean,
  ): number {
    const bytes = buf.length;
    let i = 0;
    while (i < bytes) {
      const a = va + i;
      const off = this.page8(as, a, kind, sourceId);
      if (off < 0) {
        this.failVa = a;
        return off;
      }
      if (i === 0) this.firstPa = this.pa;
      let n = PAGE_SIZE - off;
      if (n > bytes - i) n = bytes - i;
      if (write) this.u8.set(buf.subarray(i, i + n), off);
      else buf.set(this.u8.subarray(off, off + n), i);
      i += n;
    }
    return 0;
  }

  /** The VA of the access that made the last {@link readWords}, {@link loadBytes}, {@link storeBytes} or {@link writeBytes} fail. */
  failVa = 0;
}
