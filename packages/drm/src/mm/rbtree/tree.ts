/**
 * Red-black tree storage, shaped like Linux's `struct rb_node` / `struct rb_root_cached`
 * (include/linux/rbtree_types.h) but kept in a typed array of per-slot records, so that a
 * descent reads packed integers instead of chasing object pointers.
 *
 * A slot is the kernel's embedded `rb_node`: the owner of the tree decides what slot `i`
 * stands for. Slot `i`'s links live at `d[i * stride + base + {0: parent, 1: left, 2: right,
 * 3: colour}]`; several trees (and other per-slot data) can share one array at different
 * bases. Ordering is left to the caller, who descends the tree, links the new element with
 * {@link RbTree.link} and then calls an insert function to rebalance, exactly as kernel users
 * do with rb_link_node() and rb_insert_color().
 */

/** The "no link" index (the kernel's `NULL`). */
export const RB_NIL = -1;

/** Number of `Int32Array` entries one tree uses per slot. */
export const RB_LINK_WORDS = 4;

/**
 * Entries per slot record: two trees' links plus two spare words for the owner (drm_mm keeps
 * its hole-stack neighbours there). A compile-time constant so that index arithmetic folds.
 */
export const RB_RECORD_WORDS = 2 * RB_LINK_WORDS + 2;

/** Augmentation hooks over slot numbers. Mirrors `struct rb_augment_callbacks`. */
export interface RbAugment {
  /** Recomputes the augmented value from `node` upwards, stopping at `stop` (or early when nothing changes). */
  propagate(node: number, stop: number): void;
  /** Copies the augmented value of `from` to `to` (erase moved `to` into `from`'s place). */
  copy(from: number, to: number): void;
  /**
   * After a rotation: `newTop` takes over `oldTop`'s subtree value and `oldTop` (now a child
   * of `newTop`) recomputes its own.
   */
  rotate(oldTop: number, newTop: number): void;
}

/** One red-black tree over slots. Mirrors `struct rb_root_cached` plus the slots' `rb_node`s. */
export class RbTree {
  /** Root slot, {@link RB_NIL} when empty. */
  root = RB_NIL;
  /** Leftmost slot, maintained by the `*Cached` functions only; {@link RB_NIL} when empty. */
  leftmost = RB_NIL;
  /** The per-slot record array holding this tree's links (replaced when the owner grows it). */
  d: Int32Array;

  /**
   * @param d - the record array ({@link RB_RECORD_WORDS} entries per slot).
   * @param base - offset of this tree's four words inside a record (0 or {@link RB_LINK_WORDS}).
   */
  constructor(
    d: Int32Array,
    readonly base: number,
  ) {
    this.d = d;
  }

  /** Parent of `n` ({@link RB_NIL} for the root). */
  parentOf(n: number): number {
    return this.d[n * RB_RECORD_WORDS + this.base] as number;
  }
  /** Left child of `n`. */
  leftOf(n: number): number {
    return this.d[n * RB_RECORD_WORDS + this.base + 1] as number;
  }
  /** Right child of `n`. */
  rightOf(n: number): number {
    return this.d[n * RB_RECORD_WORDS + this.base + 2] as number;
  }
  /** Whether `n` is black. */
  isBlack(n: number): boolean {
    return this.d[n * RB_RECORD_WORDS + this.base + 3] === 1;
  }
  /** Sets the parent of `n`. */
  setParent(n: number, p: number): void {
    this.d[n * RB_RECORD_WORDS + this.base] = p;
  }
  /** Sets the left child of `n`. */
  setLeft(n: number, c: number): void {
    this.d[n * RB_RECORD_WORDS + this.base + 1] = c;
  }
  /** Sets the right child of `n`. */
  setRight(n: number, c: number): void {
    this.d[n * RB_RECORD_WORDS + this.base + 2] = c;
  }
  /** Sets the colour of `n`. */
  setBlack(n: number, black: boolean): void {
    this.d[n * RB_RECORD_WORDS + this.base + 3] = black ? 1 : 0;
  }
  /** Sets parent and colour of `n` at once. Mirrors rb_set_parent_color(). */
  setParentColor(n: number, p: number, black: boolean): void {
    const i = n * RB_RECORD_WORDS + this.base;
    this.d[i] = p;
    this.d[i + 3] = black ? 1 : 0;
  }

  /** Empties the tree (slots keep stale links; they are rewritten when linked again). */
  clear(): void {
    this.root = RB_NIL;
    this.leftmost = RB_NIL;
  }

  /**
   * Attaches `node` as a red leaf below `parent` (or as the root when `parent` is
   * {@link RB_NIL}), on the side the caller's descent chose. Must be followed by an insert
   * call that rebalances. Mirrors rb_link_node().
   */
  link(node: number, parent: number, asLeftChild: boolean): void {
    const i = node * RB_RECORD_WORDS + this.base;
    const d = this.d;
    d[i] = parent;
    d[i + 1] = RB_NIL;
    d[i + 2] = RB_NIL;
    d[i + 3] = 0;
    if (parent === RB_NIL) this.root = node;
    else d[parent * RB_RECORD_WORDS + this.base + (asLeftChild ? 1 : 2)] = node;
  }

  /**
   * Points `parent`'s child slot (or the root) that held `oldChild` at `newChild`.
   * Mirrors __rb_change_child().
   */
  changeChild(oldChild: number, newChild: number, parent: number): void {
    if (parent === RB_NIL) {
      this.root = newChild;
      return;
    }
    const i = parent * RB_RECORD_WORDS + this.base;
    if (this.d[i + 1] === oldChild) this.d[i + 1] = newChild;
    else this.d[i + 2] = newChild;
  }

  /**
   * Rotation helper: `newTop` takes `oldTop`'s parent and colour, `oldTop` becomes a child of
   * `newTop` with colour `oldBlack`. Mirrors __rb_rotate_set_parents().
   */
  rotateSetParents(oldTop: number, newTop: number, oldBlack: boolean): void {
    const d = this.d;
    const o = oldTop * RB_RECORD_WORDS + this.base;
    const n = newTop * RB_RECORD_WORDS + this.base;
    const p = d[o] as number;
    d[n] = p;
    d[n + 3] = d[o + 3] as number;
    d[o] = newTop;
    d[o + 3] = oldBlack ? 1 : 0;
    this.changeChild(oldTop, newTop, p);
  }
}
