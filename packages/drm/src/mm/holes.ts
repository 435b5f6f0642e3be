/**
 * The three views of the free holes: a size-ordered tree (largest first), an address-ordered
 * tree augmented with each subtree's largest hole, and the hole stack (most recently added
 * first). Mirrors add_hole(), rm_hole(), best_hole(), find_hole_addr() and the next-hole
 * helpers of drivers/gpu/drm/drm_mm.c.
 *
 * Every node that can own a hole (the head node and each allocated node) holds a slot number;
 * hole data and tree links live in per-slot arrays (the kernel embeds them in the node), so
 * searches read packed numbers rather than chasing objects.
 */
import type { KeyArray, U64Arith } from "./arith.js";
import type { DrmMmNode } from "./node.js";
import { type RbAugment, RbTree } from "./rbtree/index.js";

// Local copies of the rbtree layout constants (NIL, RB_LINK_WORDS, RB_RECORD_WORDS): hot
// loops read module-local constants only, never imported bindings, which some module loaders
// (vitest's) turn into getter calls.
const NIL = -1;
const RB_LINK_WORDS = 4;
const RB_RECORD_WORDS = 2 * RB_LINK_WORDS + 2;
const INITIAL_SLOTS = 64;
/** Link words per slot: size tree, address tree, then hole-stack newer/older neighbours. */
const LINK_STRIDE = RB_RECORD_WORDS;
const STACK_PREV = 2 * RB_LINK_WORDS;
/** Offsets of the size and address trees' left-child words (parent is one before, right one after). */
const SIZE_L = 1;
const ADDR_L = RB_LINK_WORDS + 1;
const STACK_NEXT = STACK_PREV + 1;
/** Key words per slot: hole start, hole size, subtree max hole. */
const KEY_STRIDE = 3;

/** The hole bookkeeping of one allocator; also the address tree's augmentation hooks. */
export class HoleIndex<T extends number | bigint> implements RbAugment {
  /** Per-slot link records shared by both trees and the hole stack. */
  private links: Int32Array;
  /** Holes by size, largest leftmost; equal sizes in insertion order (`holes_size`). */
  readonly bySize: RbTree;
  /** Holes by start address, augmented with subtree maxima (`holes_addr`). */
  readonly byAddr: RbTree;
  /**
   * Per-slot keys, three per slot: the hole's start (`start + size` of its node), its size
   * (zero when no hole follows, `hole_size`) and the largest hole of its address subtree
   * (`subtree_max_hole`).
   */
  keys: KeyArray<T>;
  /** Most recently added hole's slot (top of `hole_stack`), `NIL` (-1) when there is none. */
  stackTop = NIL;
  /** Node holding each slot, `null` for a free slot. */
  owners: (DrmMmNode<T> | null)[] = [];
  private readonly freeSlots: number[] = [];

  /** @param arith - the integer representation. */
  constructor(private readonly arith: U64Arith<T>) {
    this.links = new Int32Array(INITIAL_SLOTS * LINK_STRIDE).fill(NIL);
    this.bySize = new RbTree(this.links, 0);
    this.byAddr = new RbTree(this.links, RB_LINK_WORDS);
    this.keys = arith.keys(INITIAL_SLOTS * KEY_STRIDE);
    for (let i = 0; i < INITIAL_SLOTS; i++) this.owners.push(null);
  }

  /** Start of `slot`'s hole. */
  holeStart(slot: number): T {
    return this.keys[slot * KEY_STRIDE] as T;
  }

  /** Size of `slot`'s hole, zero when none follows. */
  holeSize(slot: number): T {
    return this.keys[slot * KEY_STRIDE + 1] as T;
  }

  /** Largest hole in `slot`'s address subtree. */
  maxHole(slot: number): T {
    return this.keys[slot * KEY_STRIDE + 2] as T;
  }

  /** Older neighbour of `slot` on the hole stack, `NIL` (-1) at the bottom. */
  stackNext(slot: number): number {
    const lnk = this.links;
    return lnk[slot * LINK_STRIDE + STACK_NEXT] as number;
  }

  /** Forgets every hole and slot (used by init). */
  reset(): void {
    this.bySize.clear();
    this.byAddr.clear();
    this.stackTop = NIL;
    const zero = this.arith.zero;
    this.freeSlots.length = 0;
    for (let i = this.owners.length - 1; i >= 0; i--) {
      this.owners[i] = null;
      this.keys[i * KEY_STRIDE + 1] = zero;
      this.freeSlots.push(i);
    }
  }

  /** Gives `node` a free slot (growing the arrays when needed) and returns it. */
  acquire(node: DrmMmNode<T>): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      const old = this.owners.length;
      const cap = old * 2;
      const links = new Int32Array(cap * LINK_STRIDE).fill(NIL);
      links.set(this.links);
      this.links = links;
      this.bySize.d = links;
      this.byAddr.d = links;
      this.keys = this.arith.keys(cap * KEY_STRIDE, this.keys);
      for (let i = old; i < cap; i++) this.owners.push(null);
      for (let i = cap - 1; i > old; i--) this.freeSlots.push(i);
      slot = old;
    }
    this.owners[slot] = node;
    this.keys[slot * KEY_STRIDE + 1] = this.arith.zero;
    return slot;
  }

  /** Returns a slot whose node no longer owns a hole. */
  release(slot: number): void {
    this.owners[slot] = null;
    this.freeSlots.push(slot);
  }

  /** Whether a hole follows the node in `slot`. Mirrors drm_mm_hole_follows(). */
  follows(slot: number): boolean {
    return this.keys[slot * KEY_STRIDE + 1] !== this.arith.zero;
  }

  /**
   * Records a hole `[start, start + size)` owned by `slot` in all three views; it becomes the
   * newest hole. Mirrors add_hole().
   */
  add(slot: number, start: T, size: T): void {
    const keys = this.keys;
    const k = slot * KEY_STRIDE;
    keys[k] = start;
    keys[k + 1] = size;
    keys[k + 2] = size;

    // Size tree: larger sizes to the left, equal sizes after the existing ones.
    const links = this.links;
    const st = this.bySize;
    let link = st.root;
    let parent = NIL;
    let goLeft = false;
    let leftmost = true;
    while (link !== NIL) {
      parent = link;
      goLeft = size > (keys[link * KEY_STRIDE + 1] as T);
      leftmost &&= goLeft;
      link = links[link * LINK_STRIDE + (goLeft ? SIZE_L : SIZE_L + 1)] as number;
    }
    st.link(slot, parent, goLeft);
    st.insertColorCached(slot, leftmost);

    // Address tree: raise the subtree maxima along the way down.
    const at = this.byAddr;
    link = at.root;
    parent = NIL;
    while (link !== NIL) {
      parent = link;
      const lk = link * KEY_STRIDE;
      if ((keys[lk + 2] as T) < size) keys[lk + 2] = size;
      goLeft = start < (keys[lk] as T);
      link = links[link * LINK_STRIDE + (goLeft ? ADDR_L : ADDR_L + 1)] as number;
    }
    at.link(slot, parent, goLeft);
    at.insertAugmented(slot, this);

    // Hole stack: push on top.
    const top = this.stackTop;
    links[slot * LINK_STRIDE + STACK_PREV] = NIL;
    links[slot * LINK_STRIDE + STACK_NEXT] = top;
    if (top !== NIL) links[top * LINK_STRIDE + STACK_PREV] = slot;
    this.stackTop = slot;
  }

  /** Drops the hole owned by `slot` from all three views. Mirrors rm_hole(). */
  remove(slot: number): void {
    const links = this.links;
    const prev = links[slot * LINK_STRIDE + STACK_PREV] as number;
    const next = links[slot * LINK_STRIDE + STACK_NEXT] as number;
    if (prev === NIL) this.stackTop = next;
    else links[prev * LINK_STRIDE + STACK_NEXT] = next;
    if (next !== NIL) links[next * LINK_STRIDE + STACK_PREV] = prev;

    this.bySize.eraseCached(slot);
    this.byAddr.eraseAugmented(slot, this);
    const zero = this.arith.zero;
    this.keys[slot * KEY_STRIDE + 1] = zero;
    this.keys[slot * KEY_STRIDE + 2] = zero;
  }

  /** Size of the largest hole, zero when there is none. */
  largest(): T {
    const first = this.bySize.leftmost;
    return first === NIL ? this.arith.zero : (this.keys[first * KEY_STRIDE + 1] as T);
  }

  /**
   * The smallest hole of at least `size`, the newest among equal sizes, or `NIL` (-1).
   * Mirrors best_hole().
   */
  best(size: T): number {
    const lnk = this.links;
    const st = this.bySize;
    const keys = this.keys;
    let link = st.root;
    let best = NIL;
    while (link !== NIL) {
      const fits = size <= (keys[link * KEY_STRIDE + 1] as T);
      if (fits) best = link;
      link = lnk[link * LINK_STRIDE + (fits ? SIZE_L + 1 : SIZE_L)] as number;
    }
    return best;
  }

  /**
   * Descends the address tree towards `addr` through subtrees that hold a hole of at least
   * `size`, and returns the last hole accepted on the way (which need not contain `addr`), or
   * `NIL` (-1). Mirrors find_hole_addr().
   */
  findAddr(addr: T, size: T): number {
    const lnk = this.links;
    const ar = this.arith;
    const at = this.byAddr;
    const keys = this.keys;
    let link = at.root;
    let found = NIL;
    while (link !== NIL) {
      const lk = link * KEY_STRIDE;
      if ((keys[lk + 2] as T) < size) break;
      found = link;
      const start = keys[lk] as T;
      if (addr < start) link = lnk[link * LINK_STRIDE + ADDR_L] as number;
      else if (addr > ar.add(start, keys[lk + 1] as T))
        link = lnk[link * LINK_STRIDE + ADDR_L + 1] as number;
      else break;
    }
    return found;
  }

  /**
   * The next hole above `slot`'s in address order whose subtree may hold `size`, for LOW.
   * Mirrors next_hole_low_addr().
   */
  nextLow(slot: number, size: T): number {
    const lnk = this.links;
    const keys = this.keys;
    let link = slot;
    const right = lnk[link * LINK_STRIDE + ADDR_L + 1] as number;
    if (right !== NIL && (keys[right * KEY_STRIDE + 2] as T) >= size) {
      link = right;
      for (;;) {
        const l = lnk[link * LINK_STRIDE + ADDR_L] as number;
        if (l === NIL || (keys[l * KEY_STRIDE + 2] as T) < size) break;
        link = l;
      }
      return link;
    }
    let parent = lnk[link * LINK_STRIDE + ADDR_L - 1] as number;
    while (parent !== NIL && link === (lnk[parent * LINK_STRIDE + ADDR_L + 1] as number)) {
      link = parent;
      parent = lnk[link * LINK_STRIDE + ADDR_L - 1] as number;
    }
    return parent;
  }

  /**
   * The next hole below `slot`'s in address order whose subtree may hold `size`, for HIGH.
   * Mirrors next_hole_high_addr().
   */
  nextHigh(slot: number, size: T): number {
    const lnk = this.links;
    const keys = this.keys;
    let link = slot;
    const left = lnk[link * LINK_STRIDE + ADDR_L] as number;
    if (left !== NIL && (keys[left * KEY_STRIDE + 2] as T) >= size) {
      link = left;
      for (;;) {
        const r = lnk[link * LINK_STRIDE + ADDR_L + 1] as number;
        if (r === NIL || (keys[r * KEY_STRIDE + 2] as T) < size) break;
        link = r;
      }
      return link;
    }
    let parent = lnk[link * LINK_STRIDE + ADDR_L - 1] as number;
    while (parent !== NIL && link === (lnk[parent * LINK_STRIDE + ADDR_L] as number)) {
      link = parent;
      parent = lnk[link * LINK_STRIDE + ADDR_L - 1] as number;
    }
    return parent;
  }

  /**
   * Recomputes `slot`'s subtree maximum from its own hole and its children's maxima. With
   * `stopIfSame`, reports `true` (and writes nothing) when the stored value is already right.
   * Mirrors the compute_max helper generated by RB_DECLARE_CALLBACKS_MAX.
   */
  private computeMax(slot: number, stopIfSame: boolean): boolean {
    const lnk = this.links;
    const keys = this.keys;
    const k = slot * KEY_STRIDE;
    let max = keys[k + 1] as T;
    const l = lnk[slot * LINK_STRIDE + ADDR_L] as number;
    if (l !== NIL) {
      const m = keys[l * KEY_STRIDE + 2] as T;
      if (m > max) max = m;
    }
    const r = lnk[slot * LINK_STRIDE + ADDR_L + 1] as number;
    if (r !== NIL) {
      const m = keys[r * KEY_STRIDE + 2] as T;
      if (m > max) max = m;
    }
    if (stopIfSame && keys[k + 2] === max) return true;
    keys[k + 2] = max;
    return false;
  }

  /** Augment hook: recompute maxima upwards from `slot` until `stop` or no change. */
  propagate(slot: number, stop: number): void {
    const lnk = this.links;
    while (slot !== stop) {
      if (this.computeMax(slot, true)) break;
      slot = lnk[slot * LINK_STRIDE + ADDR_L - 1] as number;
    }
  }

  /** Augment hook: `to` inherits `from`'s subtree maximum. */
  copy(from: number, to: number): void {
    this.keys[to * KEY_STRIDE + 2] = this.keys[from * KEY_STRIDE + 2] as T;
  }

  /** Augment hook: after a rotation, `newTop` inherits the subtree maximum and `oldTop` recomputes. */
  rotate(oldTop: number, newTop: number): void {
    this.keys[newTop * KEY_STRIDE + 2] = this.keys[oldTop * KEY_STRIDE + 2] as T;
    this.computeMax(oldTop, false);
  }
}
