/**
 * The range allocator itself, written once over an integer representation `T`.
 * Mirrors drivers/gpu/drm/drm_mm.c (init, insert, reserve, remove, replace, takedown) and the
 * inline helpers of include/drm/drm_mm.h.
 */
import { EINVAL, ENOSPC, NULL_WARNING_SINK, type WarningSink } from "@panmmu/uapi";
import type { U64Arith } from "./arith.js";
import { HoleIndex } from "./holes.js";
import { DrmMmNode } from "./node.js";
import type { RbTree } from "./rbtree/index.js";
import type { DrmMmColorAdjust, DrmMmHole, DrmMmRange, DrmMmTreeEntry } from "./types.js";

// Module-local copies of constants used on hot paths (NIL and the DRM_MM_INSERT_* values of
// mode.ts): hot code reads no imported binding, which some module loaders (vitest's) turn into
// getter calls.
const NIL = -1;
const LOW = 1;
const HIGH = 2;
const EVICT = 3;
const ONCE = 0x8000_0000;

/** Construction options of an allocator. */
export interface DrmMmOptions {
  /** Where misuse (the kernel's `DRM_MM_BUG_ON`/`WARN`) and takedown leaks are reported. Default: dropped. */
  readonly warnings?: WarningSink;
}

/**
 * A drm_mm range allocator over representation `T`. Use {@link DrmMm} (numbers) or
 * {@link DrmMm64} (bigint, exact u64); this base holds the shared algorithm.
 *
 * Every free gap ("hole") is owned by the node just below it; the lowest hole is owned by a
 * sentinel head node whose `start` is the end of the range and whose `size` is minus the range
 * size, so that `start + size` is the range start. Holes are indexed three ways (see
 * {@link HoleIndex}) and searched in O(log n) for BEST, LOW and HIGH.
 */
export class DrmMmCore<T extends number | bigint> {
  /** Optional placement hook; set it after {@link init}. Mirrors `drm_mm.color_adjust`. */
  colorAdjust: DrmMmColorAdjust<T> | null = null;
  /** Number of nodes currently added to an eviction scan (`scan_active`). Managed by scans. */
  scanActive = 0;
  /** The integer representation. */
  readonly arith: U64Arith<T>;
  /** The warning sink. */
  readonly warnings: WarningSink;
  /** The sentinel node heading the address-ordered node list (`head_node`). Not a real allocation. */
  readonly head: DrmMmNode<T>;
  /** The hole index. Internal; exposed for scans and dumps. */
  readonly holes: HoleIndex<T>;
  private initialized_ = false;
  /** Reused window handed to {@link colorAdjust}, so placement never allocates. */
  private readonly window: DrmMmRange<T>;

  /**
   * @param arith - the integer representation.
   * @param options - see {@link DrmMmOptions}.
   */
  constructor(arith: U64Arith<T>, options: DrmMmOptions = {}) {
    this.arith = arith;
    this.warnings = options.warnings ?? NULL_WARNING_SINK;
    this.head = new DrmMmNode<T>(arith.zero, arith.zero);
    this.head.prev = this.head;
    this.head.next = this.head;
    this.holes = new HoleIndex<T>(arith);
    this.window = { start: arith.zero, end: arith.zero };
  }

  /**
   * Sets the allocator up to manage `[start, start + size)` with one hole covering it all and no
   * colour callback. Mirrors drm_mm_init().
   *
   * @throws RangeError when `start` or `size` is outside the representation's domain (for
   *   {@link DrmMm}: non-negative safe integers whose sum stays below `Number.MAX_SAFE_INTEGER`).
   */
  init(start: T, size: T): void {
    this.checkInitRange(start, size);
    if (this.initialized_ && !this.clean) {
      this.warnings.warn("drm_mm_init", "re-initialising a manager that still holds nodes");
    }
    const head = this.head;
    this.colorAdjust = null;
    this.holes.reset();
    head.prev = head;
    head.next = head;
    head.isAllocated = false;
    head.mm = this;
    head.start = this.arith.add(start, size);
    head.size = this.arith.neg(size);
    head.slot = this.holes.acquire(head);
    this.addHole(head);
    this.scanActive = 0;
    this.initialized_ = true;
  }

  /** Validates init arguments; subclasses narrow the domain. */
  protected checkInitRange(start: T, size: T): void {
    if (!this.arith.valid(start) || !this.arith.valid(size)) {
      throw new RangeError(`drm_mm init: start/size must be ${this.arith.kind} u64 values`);
    }
  }

  /** Whether {@link init} has run. Mirrors drm_mm_initialized(). */
  get initialized(): boolean {
    return this.initialized_;
  }

  /** Whether no node is allocated. Mirrors drm_mm_clean(). */
  get clean(): boolean {
    return this.head.next === this.head;
  }

  /**
   * Tears the allocator down. If nodes are still allocated, warns once
   * (`Memory manager not clean during takedown.`) and once per leaked node, and returns the
   * leaked nodes in address order. Mirrors drm_mm_takedown() with show_leaks().
   */
  takedown(): DrmMmNode<T>[] {
    const leaked = [...this.nodes()];
    if (leaked.length > 0) {
      this.warnings.warn("drm_mm_takedown", "Memory manager not clean during takedown.");
      for (const n of leaked) {
        this.warnings.warn(
          "drm_mm_takedown",
          `leaked node [${hex(this.arith.toBigInt(n.start))} + ${hex(this.arith.toBigInt(n.size))}] color ${n.color}`,
        );
      }
    }
    return leaked;
  }

  /**
   * Searches a hole for a block of `size` units aligned to `alignment` (0 or 1: none) inside
   * `[rangeStart, rangeEnd)`, in the order `mode` selects, and inserts `node` there.
   * Mirrors drm_mm_insert_node_in_range().
   *
   * @param mode - raw u32 mode: {@link DRM_MM_INSERT_BEST} (and any unknown value), LOW, HIGH or
   *   EVICT, optionally with {@link DRM_MM_INSERT_ONCE}.
   * @returns 0, -ENOSPC when nothing fits (including `size == 0` and empty or inverted ranges),
   *   or -EINVAL when an argument is outside the representation's domain or `node` is already
   *   allocated (both leave everything untouched).
   */
  insertNodeInRange(
    node: DrmMmNode<T>,
    size: T,
    alignment: T,
    color: number,
    rangeStart: T,
    rangeEnd: T,
    mode: number,
  ): number {
    const ar = this.arith;
    if (
      !ar.valid(size) ||
      !ar.valid(alignment) ||
      !ar.valid(rangeStart) ||
      !ar.valid(rangeEnd) ||
      !validColor(color)
    ) {
      return -EINVAL;
    }
    if (node.isAllocated) {
      this.warnings.warn("drm_mm_insert_node_in_range", "node is already allocated");
      return -EINVAL;
    }
    const zero = ar.zero;
    if (size === zero || ar.diffBelow(rangeEnd, rangeStart, size)) return -ENOSPC;
    const holes = this.holes;
    if (holes.largest() < size) return -ENOSPC;

    const align = alignment <= ar.one ? zero : alignment;
    // Split the raw u32 mode like insertModeOnce() / insertModeSearch().
    const once = (mode & ONCE) !== 0;
    const low = mode & 0x7fff_ffff;
    const search = low === LOW || low === HIGH || low === EVICT ? low : 0;
    const adjust = this.colorAdjust;
    const window = this.window;

    let h: number;
    switch (search) {
      case LOW:
        h = holes.findAddr(rangeStart, size);
        break;
      case HIGH:
        h = holes.findAddr(rangeEnd, size);
        break;
      case EVICT:
        h = holes.stackTop;
        break;
      default:
        h = holes.best(size);
    }

    for (; h !== NIL; h = once ? NIL : this.nextHole(h, size, search)) {
      const holeStart = holes.holeStart(h);
      const holeSize = holes.holeSize(h);
      const holeEnd = ar.add(holeStart, holeSize);
      if (search === LOW && holeStart >= rangeEnd) break;
      if (search === HIGH && holeEnd <= rangeStart) break;

      let colStart = holeStart;
      let colEnd = holeEnd;
      if (adjust !== null) {
        window.start = holeStart;
        window.end = holeEnd;
        adjust(holes.owners[h] as DrmMmNode<T>, color, window);
        colStart = window.start;
        colEnd = window.end;
      } else if (holeSize < size) {
        // Without a colour hook the window is at most the hole: the size test below would fail.
        continue;
      }
      const lo = colStart > rangeStart ? colStart : rangeStart;
      const hi = colEnd < rangeEnd ? colEnd : rangeEnd;
      let adjStart = lo;
      const adjEnd = hi;
      if (adjEnd <= adjStart || ar.sub(adjEnd, adjStart) < size) continue;
      if (search === HIGH) adjStart = ar.sub(adjEnd, size);

      if (align !== zero) {
        const rem = ar.rem(adjStart, align);
        if (rem !== zero) {
          adjStart = ar.sub(adjStart, rem);
          if (search !== HIGH) adjStart = ar.add(adjStart, align);
          if (adjStart < lo || ar.diffBelow(hi, adjStart, size)) continue;
          if (adjEnd <= adjStart || ar.sub(adjEnd, adjStart) < size) continue;
        }
      }

      const hole = holes.owners[h] as DrmMmNode<T>;
      node.mm = this;
      node.size = size;
      node.start = adjStart;
      node.color = color;
      this.link(hole, node);
      holes.remove(h);
      if (adjStart > holeStart) this.addHole(hole);
      if (ar.add(adjStart, size) < holeEnd) this.addHole(node);
      return 0;
    }
    return -ENOSPC;
  }

  /** The hole after `hole` in the search order. Mirrors next_hole(). */
  private nextHole(h: number, size: T, search: number): number {
    switch (search) {
      case LOW:
        return this.holes.nextLow(h, size);
      case HIGH:
        return this.holes.nextHigh(h, size);
      case EVICT:
        return this.holes.stackNext(h);
      default:
        return this.holes.bySize.prev(h);
    }
  }

  /** Records the hole that follows `node`, up to the next node's start. Mirrors add_hole(). */
  private addHole(node: DrmMmNode<T>): void {
    const ar = this.arith;
    const start = ar.add(node.start, node.size);
    this.holes.add(node.slot, start, ar.sub((node.next as DrmMmNode<T>).start, start));
  }

  /** Whether a hole follows `node` (an allocated node or the head). Mirrors drm_mm_hole_follows(). */
  holeFollows(node: DrmMmNode<T>): boolean {
    return node.slot >= 0 && this.holes.owners[node.slot] === node && this.holes.follows(node.slot);
  }

  /**
   * {@link insertNodeInRange} over the whole address space `[0, max)`, where `max` is U64_MAX
   * for {@link DrmMm64} and `Number.MAX_SAFE_INTEGER` for {@link DrmMm} (equivalent, since a
   * number manager ends below it). Mirrors drm_mm_insert_node_generic().
   */
  insertNodeGeneric(
    node: DrmMmNode<T>,
    size: T,
    alignment: T,
    color: number,
    mode: number,
  ): number {
    return this.insertNodeInRange(
      node,
      size,
      alignment,
      color,
      this.arith.zero,
      this.arith.max,
      mode,
    );
  }

  /**
   * {@link insertNodeGeneric} with no alignment, colour 0 and BEST. Mirrors drm_mm_insert_node().
   */
  insertNode(node: DrmMmNode<T>, size: T): number {
    return this.insertNodeInRange(
      node,
      size,
      this.arith.zero,
      0,
      this.arith.zero,
      this.arith.max,
      0,
    );
  }

  /**
   * Inserts `node` exactly at `[node.start, node.start + node.size)` with `node.color`, if that
   * block lies inside one hole (after colour adjustment). Mirrors drm_mm_reserve_node().
   *
   * @returns 0, -ENOSPC when the block is empty, wraps past 2^64, overlaps a node or leaves the
   *   hole, or -EINVAL when a field is outside the domain or the node is already allocated.
   */
  reserveNode(node: DrmMmNode<T>): number {
    const ar = this.arith;
    const start = node.start;
    const size = node.size;
    if (!ar.valid(start) || !ar.valid(size) || !validColor(node.color)) return -EINVAL;
    if (node.isAllocated) {
      this.warnings.warn("drm_mm_reserve_node", "node is already allocated");
      return -EINVAL;
    }
    const end = ar.add(start, size);
    if (end <= start) return -ENOSPC;

    const holes = this.holes;
    const h = holes.findAddr(start, ar.zero);
    if (h === NIL) return -ENOSPC;
    const hole = holes.owners[h] as DrmMmNode<T>;
    const holeStart = holes.holeStart(h);
    const holeEnd = ar.add(holeStart, holes.holeSize(h));
    let adjStart = holeStart;
    let adjEnd = holeEnd;
    const adjust = this.colorAdjust;
    if (adjust !== null) {
      const window = this.window;
      window.start = holeStart;
      window.end = holeEnd;
      adjust(hole, node.color, window);
      adjStart = window.start;
      adjEnd = window.end;
    }
    if (adjStart > start || adjEnd < end) return -ENOSPC;

    node.mm = this;
    this.link(hole, node);
    holes.remove(h);
    if (start > holeStart) this.addHole(hole);
    if (end < holeEnd) this.addHole(node);
    return 0;
  }

  /** Marks `node` allocated and links it into the node list right after `after`. */
  private link(after: DrmMmNode<T>, node: DrmMmNode<T>): void {
    node.isAllocated = true;
    node.isScanned = false;
    node.slot = this.holes.acquire(node);
    const next = after.next as DrmMmNode<T>;
    node.prev = after;
    node.next = next;
    next.prev = node;
    after.next = node;
  }

  /**
   * Frees `node`: its hole and its predecessor's hole merge into one hole owned by the
   * predecessor, which becomes the newest hole. Misuse (a node that is not allocated here, or is
   * part of an active scan) is reported as a warning and ignored. Mirrors drm_mm_remove_node().
   */
  removeNode(node: DrmMmNode<T>): void {
    if (!node.isAllocated || node.mm !== this) {
      this.warnings.warn("drm_mm_remove_node", "node is not allocated in this manager");
      return;
    }
    if (node.isScanned) {
      this.warnings.warn("drm_mm_remove_node", "node is part of an active eviction scan");
      return;
    }
    const holes = this.holes;
    const prev = node.prev as DrmMmNode<T>;
    const next = node.next as DrmMmNode<T>;
    const slot = node.slot;
    if (holes.follows(slot)) holes.remove(slot);
    prev.next = next;
    next.prev = prev;
    node.prev = null;
    node.next = null;
    if (holes.follows(prev.slot)) holes.remove(prev.slot);
    this.addHole(prev);
    holes.release(slot);
    node.slot = -1;
    node.isAllocated = false;
  }

  /**
   * Moves the allocation of `old` to `replacement`, which takes its start, size, colour and
   * hole in every index; `old` ends up unallocated. Mirrors drm_mm_replace_node() (Linux 6.1;
   * later kernels dropped it).
   */
  replaceNode(old: DrmMmNode<T>, replacement: DrmMmNode<T>): void {
    if (!old.isAllocated || old.mm !== this) {
      this.warnings.warn("drm_mm_replace_node", "old node is not allocated in this manager");
      return;
    }
    if (replacement.isAllocated) {
      this.warnings.warn("drm_mm_replace_node", "replacement node is already allocated");
      return;
    }
    // The replacement takes over the old node's slot, and with it every tree link and the
    // hole-stack position, which is what rb_replace_node() and list_replace() achieve.
    replacement.start = old.start;
    replacement.size = old.size;
    replacement.color = old.color;
    replacement.mm = this;
    replacement.isAllocated = true;
    replacement.isScanned = old.isScanned;
    replacement.slot = old.slot;
    this.holes.owners[old.slot] = replacement;
    old.slot = -1;

    const prev = old.prev as DrmMmNode<T>;
    const next = old.next as DrmMmNode<T>;
    replacement.prev = prev;
    replacement.next = next;
    prev.next = replacement;
    next.prev = replacement;
    old.prev = null;
    old.next = null;
    old.isAllocated = false;
  }

  /** Allocated nodes in address order. Mirrors drm_mm_for_each_node(). Do not modify the manager while iterating. */
  *nodes(): IterableIterator<DrmMmNode<T>> {
    const head = this.head;
    for (let n = head.next as DrmMmNode<T>; n !== head; n = n.next as DrmMmNode<T>) yield n;
  }

  /**
   * Allocated nodes that overlap `[start, end)`, in address order: like
   * drm_mm_for_each_node_in_range(), but found by walking the node list (O(n)).
   */
  *nodesInRange(start: T, end: T): IterableIterator<DrmMmNode<T>> {
    const ar = this.arith;
    for (const n of this.nodes()) {
      if (n.start >= end) return;
      if (ar.add(n.start, n.size) > start) yield n;
    }
  }

  /** Free holes in address order. */
  holeList(): DrmMmHole<T>[] {
    const out: DrmMmHole<T>[] = [];
    const head = this.head;
    const holes = this.holes;
    let n = head;
    do {
      if (n.slot >= 0 && holes.follows(n.slot)) out.push(this.holeAt(n.slot));
      n = n.next as DrmMmNode<T>;
    } while (n !== head);
    return out;
  }

  /**
   * Free holes most recently added first: the EVICT search order and the order of the kernel's
   * drm_mm_for_each_hole().
   */
  holeStack(): DrmMmHole<T>[] {
    const out: DrmMmHole<T>[] = [];
    const holes = this.holes;
    for (let h = holes.stackTop; h !== NIL; h = holes.stackNext(h)) {
      out.push(this.holeAt(h));
    }
    return out;
  }

  /** Free holes in the size tree's order: largest first, equal sizes oldest first. */
  holesBySize(): DrmMmHole<T>[] {
    const out: DrmMmHole<T>[] = [];
    const t = this.holes.bySize;
    for (let h = t.leftmost; h !== NIL; h = t.next(h)) out.push(this.holeAt(h));
    return out;
  }

  private holeAt(slot: number): DrmMmHole<T> {
    return { start: this.holes.holeStart(slot), size: this.holes.holeSize(slot) };
  }

  /** Pre-order dump of the address-ordered hole tree (shape and colours), for debugging. */
  holeAddrTree(): DrmMmTreeEntry<T>[] {
    return dumpTree(this.holes.byAddr, this.holes);
  }

  /** Pre-order dump of the size-ordered hole tree (shape and colours), for debugging. */
  holeSizeTree(): DrmMmTreeEntry<T>[] {
    return dumpTree(this.holes.bySize, this.holes);
  }

  /**
   * Human-readable state, one line per hole and node, then totals. Mirrors drm_mm_print().
   */
  print(): string {
    const ar = this.arith;
    const lines: string[] = [];
    let used = 0n;
    let free = 0n;
    const hole = (n: DrmMmNode<T>): void => {
      if (!this.holeFollows(n)) return;
      const s = ar.toBigInt(this.holes.holeStart(n.slot));
      const z = ar.toBigInt(this.holes.holeSize(n.slot));
      lines.push(`${hex18(s)}-${hex18(s + z)}: ${z}: free`);
      free += z;
    };
    hole(this.head);
    for (const n of this.nodes()) {
      const s = ar.toBigInt(n.start);
      const z = ar.toBigInt(n.size);
      lines.push(`${hex18(s)}-${hex18(s + z)}: ${z}: used`);
      used += z;
      hole(n);
    }
    lines.push(`total: ${used + free}, used ${used} free ${free}`);
    return lines.join("\n");
  }
}

function dumpTree<T extends number | bigint>(t: RbTree, holes: HoleIndex<T>): DrmMmTreeEntry<T>[] {
  const out: DrmMmTreeEntry<T>[] = [];
  const stack: number[] = [];
  if (t.root !== NIL) stack.push(t.root);
  while (stack.length > 0) {
    const h = stack.pop() as number;
    const l = t.leftOf(h);
    const r = t.rightOf(h);
    out.push({
      start: holes.holeStart(h),
      color: t.isBlack(h) ? "B" : "R",
      left: l === NIL ? null : holes.holeStart(l),
      right: r === NIL ? null : holes.holeStart(r),
    });
    if (r !== NIL) stack.push(r);
    if (l !== NIL) stack.push(l);
  }
  return out;
}

function validColor(color: number): boolean {
  return Number.isSafeInteger(color) && color >= 0;
}

function hex(v: bigint): string {
  return `0x${v.toString(16).padStart(8, "0")}`;
}

function hex18(v: bigint): string {
  return `0x${(v & 0xffff_ffff_ffff_ffffn).toString(16).padStart(16, "0")}`;
}
