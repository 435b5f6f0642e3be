/**
 * The client side of GPU VA management: the allocator a VM created with AUTO_VA hands VAs out
 * of (the kernel does not), and the list of VA ranges whose asynchronous unmap has not been
 * seen to complete yet, which go back to the allocator only once their VM timeline point
 * signalled.
 */

/** One free range of the allocator. */
interface Hole {
  /** First address. */
  start: bigint;
  /** Bytes. */
  size: bigint;
}

/**
 * A VA heap: free ranges kept in address order, allocations carved from the top of the
 * highest range that fits (the default direction of Mesa's util_vma_heap), aligned as asked.
 * Mirrors util_vma_heap_init() / _alloc() / _free().
 */
export class PanKmodVaHeap {
  private readonly holes: Hole[] = [];

  /** @param start - first address handed out; @param size - bytes managed. */
  constructor(
    readonly start: bigint,
    readonly size: bigint,
  ) {
    if (size > 0n) this.holes.push({ start, size });
  }

  /** Bytes free now. */
  get free(): bigint {
    return this.holes.reduce((n, h) => n + h.size, 0n);
  }

  /** The free ranges, lowest first (copies). */
  freeRanges(): { start: bigint; size: bigint }[] {
    return this.holes.map((h) => ({ ...h }));
  }

  /**
   * `size` bytes aligned to `align` (a power of two), taken from the top of the highest free
   * range that can hold them; 0 when none can. Mirrors util_vma_heap_alloc() (alloc_high).
   */
  alloc(size: bigint, align: bigint): bigint {
    if (size <= 0n || align <= 0n || (align & (align - 1n)) !== 0n) return 0n;
    for (let i = this.holes.length - 1; i >= 0; i--) {
      const h = this.holes[i] as Hole;
      if (h.size < size) continue;
      const va = ((h.start + h.size - size) / align) * align;
      if (va < h.start) continue;
      const tail = h.start + h.size - (va + size);
      const head = va - h.start;
      const replacement: Hole[] = [];
      if (head > 0n) replacement.push({ start: h.start, size: head });
      if (tail > 0n) replacement.push({ start: va + size, size: tail });
      this.holes.splice(i, 1, ...replacement);
      return va;
    }
    return 0n;
  }

  /**
   * Gives `[va, va + size)` back, merged with the free ranges around it. Throws on a range that
   * is (partly) free already or outside the heap: util_vma_heap_free() asserts the same.
   */
  release(va: bigint, size: bigint): void {
    if (size <= 0n || va < this.start || va + size > this.start + this.size) {
      throw new RangeError(`VA range 0x${va.toString(16)}+0x${size.toString(16)} not in the heap`);
    }
    let i = 0;
    while (i < this.holes.length && (this.holes[i] as Hole).start < va) i++;
    const prev = this.holes[i - 1];
    const next = this.holes[i];
    if (
      (prev !== undefined && prev.start + prev.size > va) ||
      (next !== undefined && va + size > next.start)
    ) {
      throw new RangeError(`VA range 0x${va.toString(16)}+0x${size.toString(16)} freed twice`);
    }
    const hole: Hole = { start: va, size };
    if (prev !== undefined && prev.start + prev.size === va) {
      prev.size += size;
      if (next !== undefined && va + size === next.start) {
        prev.size += next.size;
        this.holes.splice(i, 1);
      }
      return;
    }
    if (next !== undefined && va + size === next.start) {
      next.start = va;
      next.size += size;
      return;
    }
    this.holes.splice(i, 0, hole);
  }
}

/** A VA range waiting for its asynchronous unmap. Mirrors `struct panthor_kmod_va_collect`. */
export interface PanKmodVaCollect {
  /** VM timeline point the unmap signals; the range is free once it has. */
  readonly syncPoint: bigint;
  /** First address of the range. */
  readonly va: bigint;
  /** Bytes of the range. */
  readonly size: bigint;
}
