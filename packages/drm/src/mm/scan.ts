/**
 * The eviction scan ("LRU scan roster"): find which allocated nodes to evict so that a block
 * of a given size, alignment and colour fits. Mirrors drm_mm_scan_init_with_range(),
 * drm_mm_scan_add_block(), drm_mm_scan_remove_block() and drm_mm_scan_color_evict().
 */
import type { DrmMmCore } from "./core.js";
import type { DrmMmNode } from "./node.js";

/** `HIGH`, local so the scan reads no imported binding per block. */
const HIGH = 2;
/** `NIL`. */
const NIL = -1;

/**
 * One eviction scan over an allocator.
 *
 * Add candidate nodes with {@link addBlock} until it returns `true` (a hole fits), then remove
 * every added node with {@link removeBlock} in exactly the reverse order; the nodes for which
 * it returns `true` must be evicted. While any node is added, no other operation on the
 * allocator is allowed. Mirrors `struct drm_mm_scan`.
 */
export class DrmMmScan<T extends number | bigint> {
  /** Start of the block found so far (`hit_start`); the representation's max until a hit. */
  hitStart: T;
  /** End of the block found so far (`hit_end`); zero until a hit. */
  hitEnd: T;
  private readonly align: T;

  /**
   * Sets up a scan restricted to `[rangeStart, rangeEnd)`. Mirrors drm_mm_scan_init_with_range().
   *
   * @param mm - the allocator to scan.
   * @param size - size of the wanted block.
   * @param alignment - its alignment (0 or 1: none).
   * @param color - its colour.
   * @param rangeStart - start of the allowed range.
   * @param rangeEnd - end of the allowed range (exclusive).
   * @param mode - raw insertion mode; only HIGH changes the placement (top of the window).
   */
  constructor(
    readonly mm: DrmMmCore<T>,
    readonly size: T,
    alignment: T,
    readonly color: number,
    readonly rangeStart: T,
    readonly rangeEnd: T,
    readonly mode: number,
  ) {
    const ar = mm.arith;
    if (rangeStart >= rangeEnd || size === ar.zero || ar.diffBelow(rangeEnd, rangeStart, size)) {
      mm.warnings.warn("drm_mm_scan_init_with_range", "empty range or size out of range");
    }
    if (mm.scanActive !== 0) {
      mm.warnings.warn("drm_mm_scan_init_with_range", "another scan is active");
    }
    this.align = alignment <= ar.one ? ar.zero : alignment;
    this.hitStart = ar.max;
    this.hitEnd = ar.zero;
  }

  /** A scan over the whole address space. Mirrors drm_mm_scan_init(). */
  static whole<T extends number | bigint>(
    mm: DrmMmCore<T>,
    size: T,
    alignment: T,
    color: number,
    mode: number,
  ): DrmMmScan<T> {
    return new DrmMmScan(mm, size, alignment, color, mm.arith.zero, mm.arith.max, mode);
  }

  /** The alignment in use (0 when none). */
  get alignment(): T {
    return this.align;
  }

  /**
   * Adds `node` to the scan: it is taken out of the node list (keeping its own links) so the
   * hole before it grows to the next node. Returns `true` once that grown hole fits the block.
   * Mirrors drm_mm_scan_add_block().
   */
  addBlock(node: DrmMmNode<T>): boolean {
    const mm = this.mm;
    const ar = mm.arith;
    if (node.mm !== mm || !node.isAllocated || node.isScanned) {
      mm.warnings.warn(
        "drm_mm_scan_add_block",
        "node is not an unscanned allocation of this manager",
      );
      return false;
    }
    node.isScanned = true;
    mm.scanActive++;

    const hole = node.prev as DrmMmNode<T>;
    const after = node.next as DrmMmNode<T>;
    hole.next = after;
    after.prev = hole;

    const holeStart = ar.add(hole.start, hole.size);
    const holeEnd = after.start;
    let colStart = holeStart;
    let colEnd = holeEnd;
    const adjust = mm.colorAdjust;
    if (adjust !== null) {
      const window = { start: holeStart, end: holeEnd };
      adjust(hole, this.color, window);
      colStart = window.start;
      colEnd = window.end;
    }
    const lo = colStart > this.rangeStart ? colStart : this.rangeStart;
    const hi = colEnd < this.rangeEnd ? colEnd : this.rangeEnd;
    let adjStart = lo;
    const adjEnd = hi;
    const size = this.size;
    if (adjEnd <= adjStart || ar.sub(adjEnd, adjStart) < size) return false;
    if (this.mode === HIGH) adjStart = ar.sub(adjEnd, size);
    const align = this.align;
    if (align !== ar.zero) {
      const rem = ar.rem(adjStart, align);
      if (rem !== ar.zero) {
        adjStart = ar.sub(adjStart, rem);
        if (this.mode !== HIGH) adjStart = ar.add(adjStart, align);
        if (adjStart < lo || ar.diffBelow(hi, adjStart, size)) return false;
        if (adjEnd <= adjStart || ar.sub(adjEnd, adjStart) < size) return false;
      }
    }
    this.hitStart = adjStart;
    this.hitEnd = ar.add(adjStart, size);
    return true;
  }

  /**
   * Puts `node` back into the node list (nodes must come back in reverse order of adding) and
   * says whether it overlaps the block found, i.e. must be evicted.
   * Mirrors drm_mm_scan_remove_block().
   */
  removeBlock(node: DrmMmNode<T>): boolean {
    const mm = this.mm;
    const ar = mm.arith;
    if (node.mm !== mm || !node.isScanned) {
      mm.warnings.warn("drm_mm_scan_remove_block", "node is not part of this scan");
      return false;
    }
    node.isScanned = false;
    mm.scanActive--;
    const prev = node.prev as DrmMmNode<T>;
    if (prev.next !== node.next) {
      mm.warnings.warn("drm_mm_scan_remove_block", "blocks removed out of order");
    }
    const next = prev.next as DrmMmNode<T>;
    node.next = next;
    next.prev = node;
    prev.next = node;
    node.prev = prev;
    return ar.add(node.start, node.size) > this.hitStart && node.start < this.hitEnd;
  }

  /**
   * After the selected nodes were evicted: a neighbour of the found hole that the colour rules
   * still forbid next to the block (to evict as well), or `null` when none does or no colour
   * callback is set. Mirrors drm_mm_scan_color_evict().
   */
  colorEvict(): DrmMmNode<T> | null {
    const mm = this.mm;
    const adjust = mm.colorAdjust;
    if (adjust === null) return null;
    const ar = mm.arith;
    const holes = mm.holes;
    let h = holes.stackTop;
    for (; h !== NIL; h = holes.stackNext(h)) {
      const s = holes.holeStart(h);
      const e = ar.add(s, holes.holeSize(h));
      if (s <= this.hitStart && e >= this.hitEnd) break;
    }
    if (h === NIL) {
      mm.warnings.warn("drm_mm_scan_color_evict", "the scanned hole was not found");
      return null;
    }
    const hole = holes.owners[h] as DrmMmNode<T>;
    const start = holes.holeStart(h);
    const window = { start, end: ar.add(start, holes.holeSize(h)) };
    adjust(hole, this.color, window);
    if (window.start > this.hitStart) return hole;
    if (window.end < this.hitEnd) return hole.next;
    return null;
  }
}
