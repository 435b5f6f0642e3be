/**
 * Red-black tree storage, shaped like Linux's `struct rb_node` / `struct rb_root_cached`
 * (include/linux/rbtree_types.h) but kept in a typed array of per-slot records, so that a
 * descent reads packed integers instead of chasing object pointers.
 *
 * A slot is the kernel's embedded `rb_node`: the owner of the tree decides what slot `i`
 * stands for. Slot `i`'s links live at `d[i * RB_RECORD_WORDS + base + {0: parent, 1: left,
 * 2: right, 3: colour}]`; two trees (and two spare words of per-slot data) share one array.
 * Ordering is left to the caller, who descends the tree, links the new element with
 * {@link RbTree.link} and then calls an insert method to rebalance, exactly as kernel users
 * do with rb_link_node() and rb_insert_color().
 *
 * The rebalancing (insertFixup, eraseUnlink, eraseColor) mirrors __rb_insert(),
 * __rb_erase_augmented() and ____rb_erase_color() of lib/rbtree.c and
 * include/linux/rbtree_augmented.h step for step, so that a sequence of inserts and erases
 * yields exactly the tree shape the kernel builds. Everything is a method of one class so that
 * hot paths never go through module bindings.
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

const W = RB_RECORD_WORDS;

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

  /**
   * Restores the red-black properties after `node` was linked as a red leaf.
   *
   * Three situations are handled while walking up (with their mirror images): a red uncle
   * (recolour parent and uncle, continue from the grandparent); a black uncle with `node` on
   * the inner side (rotate at the parent so it moves to the outer side); a black uncle with
   * `node` on the outer side (rotate at the grandparent, done). Every rotation is reported to
   * `augment` as `(oldTop, newTop)`. Mirrors __rb_insert().
   */
  insertFixup(node: number, augment: RbAugment | null): void {
    const d = this.d;
    const b = this.base;
    let parent = d[node * W + b] as number;
    for (;;) {
      // Invariant: `node` is red.
      if (parent === RB_NIL) {
        d[node * W + b] = RB_NIL;
        d[node * W + b + 3] = 1;
        return;
      }
      if (d[parent * W + b + 3] === 1) return;
      // A red parent is never the root, so a grandparent exists.
      const grand = d[parent * W + b] as number;
      let tmp = d[grand * W + b + 2] as number;
      if (parent !== tmp) {
        // parent is the grandparent's left child; tmp is the uncle.
        if (tmp !== RB_NIL && d[tmp * W + b + 3] === 0) {
          d[tmp * W + b + 3] = 1;
          d[parent * W + b + 3] = 1;
          node = grand;
          parent = d[node * W + b] as number;
          d[node * W + b + 3] = 0;
          continue;
        }
        tmp = d[parent * W + b + 2] as number;
        if (node === tmp) {
          // Inner grandchild: rotate left at parent.
          tmp = d[node * W + b + 1] as number;
          d[parent * W + b + 2] = tmp;
          d[node * W + b + 1] = parent;
          if (tmp !== RB_NIL) {
            d[tmp * W + b] = parent;
            d[tmp * W + b + 3] = 1;
          }
          d[parent * W + b] = node;
          d[parent * W + b + 3] = 0;
          if (augment !== null) augment.rotate(parent, node);
          parent = node;
          tmp = d[node * W + b + 2] as number;
        }
        // Outer grandchild: rotate right at the grandparent.
        d[grand * W + b + 1] = tmp;
        d[parent * W + b + 2] = grand;
        if (tmp !== RB_NIL) {
          d[tmp * W + b] = grand;
          d[tmp * W + b + 3] = 1;
        }
        this.rotateSetParents(grand, parent, false);
        if (augment !== null) augment.rotate(grand, parent);
        return;
      }
      // parent is the grandparent's right child.
      tmp = d[grand * W + b + 1] as number;
      if (tmp !== RB_NIL && d[tmp * W + b + 3] === 0) {
        d[tmp * W + b + 3] = 1;
        d[parent * W + b + 3] = 1;
        node = grand;
        parent = d[node * W + b] as number;
        d[node * W + b + 3] = 0;
        continue;
      }
      tmp = d[parent * W + b + 1] as number;
      if (node === tmp) {
        // Inner grandchild: rotate right at parent.
        tmp = d[node * W + b + 2] as number;
        d[parent * W + b + 1] = tmp;
        d[node * W + b + 2] = parent;
        if (tmp !== RB_NIL) {
          d[tmp * W + b] = parent;
          d[tmp * W + b + 3] = 1;
        }
        d[parent * W + b] = node;
        d[parent * W + b + 3] = 0;
        if (augment !== null) augment.rotate(parent, node);
        parent = node;
        tmp = d[node * W + b + 1] as number;
      }
      // Outer grandchild: rotate left at the grandparent.
      d[grand * W + b + 2] = tmp;
      d[parent * W + b + 1] = grand;
      if (tmp !== RB_NIL) {
        d[tmp * W + b] = grand;
        d[tmp * W + b + 3] = 1;
      }
      this.rotateSetParents(grand, parent, false);
      if (augment !== null) augment.rotate(grand, parent);
      return;
    }
  }

  /** Rebalances a plain tree after linking `node`. Mirrors rb_insert_color(). */
  insertColor(node: number): void {
    this.insertFixup(node, null);
  }

  /**
   * Rebalances a cached tree after linking `node`; `leftmost` says whether the descent never went
   * right, i.e. `node` is the new first element. Mirrors rb_insert_color_cached().
   */
  insertColorCached(node: number, leftmost: boolean): void {
    if (leftmost) this.leftmost = node;
    this.insertFixup(node, null);
  }

  /**
   * Rebalances an augmented tree after linking `node`. The caller has already updated the
   * augmented values along the descent path. Mirrors rb_insert_augmented().
   */
  insertAugmented(node: number, augment: RbAugment): void {
    this.insertFixup(node, augment);
  }

  /**
   * Unlinks `node` and returns the slot from which the black-height repair must start, or
   * {@link RB_NIL} when no repair is needed.
   *
   * With at most one child the child (necessarily red) takes the node's place and colour. With
   * two children the in-order successor takes the node's place, parent and colour; if it was the
   * right child it keeps its own right subtree, otherwise it is first cut out of the leftmost
   * position of the right subtree. Augmented data is copied to the successor and re-propagated
   * from the lowest changed slot. Mirrors __rb_erase_augmented().
   */
  eraseUnlink(node: number, augment: RbAugment | null): number {
    const d = this.d;
    const b = this.base;
    const child = d[node * W + b + 2] as number;
    let tmp = d[node * W + b + 1] as number;
    let rebalance: number;
    let from: number;

    if (tmp === RB_NIL) {
      const parent = d[node * W + b] as number;
      this.changeChild(node, child, parent);
      if (child !== RB_NIL) {
        d[child * W + b] = parent;
        d[child * W + b + 3] = d[node * W + b + 3] as number;
        rebalance = RB_NIL;
      } else {
        rebalance = d[node * W + b + 3] === 1 ? parent : RB_NIL;
      }
      from = parent;
    } else if (child === RB_NIL) {
      const parent = d[node * W + b] as number;
      d[tmp * W + b] = parent;
      d[tmp * W + b + 3] = d[node * W + b + 3] as number;
      this.changeChild(node, tmp, parent);
      rebalance = RB_NIL;
      from = parent;
    } else {
      let successor = child;
      let parent: number;
      let child2: number;
      tmp = d[child * W + b + 1] as number;
      if (tmp === RB_NIL) {
        // The successor is the right child itself.
        parent = successor;
        child2 = d[successor * W + b + 2] as number;
        if (augment !== null) augment.copy(node, successor);
      } else {
        // The successor is the leftmost slot of the right subtree.
        do {
          parent = successor;
          successor = tmp;
          tmp = d[tmp * W + b + 1] as number;
        } while (tmp !== RB_NIL);
        child2 = d[successor * W + b + 2] as number;
        d[parent * W + b + 1] = child2;
        d[successor * W + b + 2] = child;
        d[child * W + b] = successor;
        if (augment !== null) {
          augment.copy(node, successor);
          augment.propagate(parent, successor);
        }
      }

      const left = d[node * W + b + 1] as number;
      d[successor * W + b + 1] = left;
      d[left * W + b] = successor;

      const nodeParent = d[node * W + b] as number;
      const nodeBlack = d[node * W + b + 3] as number;
      this.changeChild(node, successor, nodeParent);

      if (child2 !== RB_NIL) {
        d[child2 * W + b] = parent;
        d[child2 * W + b + 3] = 1;
        rebalance = RB_NIL;
      } else {
        rebalance = d[successor * W + b + 3] === 1 ? parent : RB_NIL;
      }
      d[successor * W + b] = nodeParent;
      d[successor * W + b + 3] = nodeBlack;
      from = successor;
    }

    if (augment !== null) augment.propagate(from, RB_NIL);
    return rebalance;
  }

  /**
   * Repairs the black height after an erase, starting at `parent`, whose subtree on one side is
   * one black slot short.
   *
   * Four situations (and their mirror images): a red sibling (rotate it above the parent, which
   * turns it into one of the other cases); a black sibling with black children (recolour it red
   * and either blacken a red parent or continue one level up); a black sibling whose near child
   * is red and far child black (rotate at the sibling); a black sibling with a red far child
   * (rotate at the parent and recolour, done). Mirrors ____rb_erase_color().
   */
  eraseColor(parent: number, augment: RbAugment | null): void {
    const d = this.d;
    const b = this.base;
    let node = RB_NIL;
    let sibling: number;
    let tmp1: number;
    let tmp2: number;
    for (;;) {
      // Invariants: node is black or nil, node is not the root, the paths through node are one
      // black slot short. A black-short side always has a sibling.
      sibling = d[parent * W + b + 2] as number;
      if (node !== sibling) {
        // node is the left child.
        if (d[sibling * W + b + 3] === 0) {
          tmp1 = d[sibling * W + b + 1] as number;
          d[parent * W + b + 2] = tmp1;
          d[sibling * W + b + 1] = parent;
          d[tmp1 * W + b] = parent;
          d[tmp1 * W + b + 3] = 1;
          this.rotateSetParents(parent, sibling, false);
          if (augment !== null) augment.rotate(parent, sibling);
          sibling = tmp1;
        }
        tmp1 = d[sibling * W + b + 2] as number;
        if (tmp1 === RB_NIL || d[tmp1 * W + b + 3] === 1) {
          tmp2 = d[sibling * W + b + 1] as number;
          if (tmp2 === RB_NIL || d[tmp2 * W + b + 3] === 1) {
            d[sibling * W + b + 3] = 0;
            if (d[parent * W + b + 3] === 0) {
              d[parent * W + b + 3] = 1;
            } else {
              node = parent;
              const up = d[node * W + b] as number;
              if (up !== RB_NIL) {
                parent = up;
                continue;
              }
            }
            return;
          }
          // Near child red, far child black: rotate right at the sibling.
          tmp1 = d[tmp2 * W + b + 2] as number;
          d[sibling * W + b + 1] = tmp1;
          d[tmp2 * W + b + 2] = sibling;
          d[parent * W + b + 2] = tmp2;
          if (tmp1 !== RB_NIL) {
            d[tmp1 * W + b] = sibling;
            d[tmp1 * W + b + 3] = 1;
          }
          if (augment !== null) augment.rotate(sibling, tmp2);
          tmp1 = sibling;
          sibling = tmp2;
        }
        // Far child red: rotate left at the parent and recolour.
        tmp2 = d[sibling * W + b + 1] as number;
        d[parent * W + b + 2] = tmp2;
        d[sibling * W + b + 1] = parent;
        d[tmp1 * W + b] = sibling;
        d[tmp1 * W + b + 3] = 1;
        if (tmp2 !== RB_NIL) d[tmp2 * W + b] = parent;
        this.rotateSetParents(parent, sibling, true);
        if (augment !== null) augment.rotate(parent, sibling);
        return;
      }
      // node is the right child.
      sibling = d[parent * W + b + 1] as number;
      if (d[sibling * W + b + 3] === 0) {
        tmp1 = d[sibling * W + b + 2] as number;
        d[parent * W + b + 1] = tmp1;
        d[sibling * W + b + 2] = parent;
        d[tmp1 * W + b] = parent;
        d[tmp1 * W + b + 3] = 1;
        this.rotateSetParents(parent, sibling, false);
        if (augment !== null) augment.rotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = d[sibling * W + b + 1] as number;
      if (tmp1 === RB_NIL || d[tmp1 * W + b + 3] === 1) {
        tmp2 = d[sibling * W + b + 2] as number;
        if (tmp2 === RB_NIL || d[tmp2 * W + b + 3] === 1) {
          d[sibling * W + b + 3] = 0;
          if (d[parent * W + b + 3] === 0) {
            d[parent * W + b + 3] = 1;
          } else {
            node = parent;
            const up = d[node * W + b] as number;
            if (up !== RB_NIL) {
              parent = up;
              continue;
            }
          }
          return;
        }
        // Near child red, far child black: rotate left at the sibling.
        tmp1 = d[tmp2 * W + b + 1] as number;
        d[sibling * W + b + 2] = tmp1;
        d[tmp2 * W + b + 1] = sibling;
        d[parent * W + b + 1] = tmp2;
        if (tmp1 !== RB_NIL) {
          d[tmp1 * W + b] = sibling;
          d[tmp1 * W + b + 3] = 1;
        }
        if (augment !== null) augment.rotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Far child red: rotate right at the parent and recolour.
      tmp2 = d[sibling * W + b + 2] as number;
      d[parent * W + b + 1] = tmp2;
      d[sibling * W + b + 2] = parent;
      d[tmp1 * W + b] = sibling;
      d[tmp1 * W + b + 3] = 1;
      if (tmp2 !== RB_NIL) d[tmp2 * W + b] = parent;
      this.rotateSetParents(parent, sibling, true);
      if (augment !== null) augment.rotate(parent, sibling);
      return;
    }
  }

  /** Erases `node` from a plain tree. Mirrors rb_erase(). */
  erase(node: number): void {
    const rebalance = this.eraseUnlink(node, null);
    if (rebalance !== RB_NIL) this.eraseColor(rebalance, null);
  }

  /** Erases `node` from a cached tree, moving the cached leftmost on. Mirrors rb_erase_cached(). */
  eraseCached(node: number): void {
    if (this.leftmost === node) this.leftmost = this.next(node);
    this.erase(node);
  }

  /** Erases `node` from an augmented tree. Mirrors rb_erase_augmented(). */
  eraseAugmented(node: number, augment: RbAugment): void {
    const rebalance = this.eraseUnlink(node, augment);
    if (rebalance !== RB_NIL) this.eraseColor(rebalance, augment);
  }

  /** The first slot in order, or {@link RB_NIL} for an empty tree. Mirrors rb_first(). */
  first(): number {
    const d = this.d;
    const b = this.base;
    let n = this.root;
    if (n === RB_NIL) return RB_NIL;
    for (let l = d[n * W + b + 1] as number; l !== RB_NIL; l = d[n * W + b + 1] as number) n = l;
    return n;
  }

  /** The last slot in order, or {@link RB_NIL} for an empty tree. Mirrors rb_last(). */
  last(): number {
    const d = this.d;
    const b = this.base;
    let n = this.root;
    if (n === RB_NIL) return RB_NIL;
    for (let r = d[n * W + b + 2] as number; r !== RB_NIL; r = d[n * W + b + 2] as number) n = r;
    return n;
  }

  /** The in-order successor of `node`, or {@link RB_NIL} at the end. Mirrors rb_next(). */
  next(node: number): number {
    const d = this.d;
    const b = this.base;
    let n = d[node * W + b + 2] as number;
    if (n !== RB_NIL) {
      for (let l = d[n * W + b + 1] as number; l !== RB_NIL; l = d[n * W + b + 1] as number) n = l;
      return n;
    }
    let cur = node;
    let parent = d[cur * W + b] as number;
    while (parent !== RB_NIL && cur === (d[parent * W + b + 2] as number)) {
      cur = parent;
      parent = d[cur * W + b] as number;
    }
    return parent;
  }

  /** The in-order predecessor of `node`, or {@link RB_NIL} at the start. Mirrors rb_prev(). */
  prev(node: number): number {
    const d = this.d;
    const b = this.base;
    let n = d[node * W + b + 1] as number;
    if (n !== RB_NIL) {
      for (let r = d[n * W + b + 2] as number; r !== RB_NIL; r = d[n * W + b + 2] as number) n = r;
      return n;
    }
    let cur = node;
    let parent = d[cur * W + b] as number;
    while (parent !== RB_NIL && cur === (d[parent * W + b + 1] as number)) {
      cur = parent;
      parent = d[cur * W + b] as number;
    }
    return parent;
  }

  /**
   * Puts `replacement` exactly where `victim` is (same parent, children and colour) without
   * rebalancing; the caller guarantees the order is unchanged. Mirrors rb_replace_node().
   */
  replaceNode(victim: number, replacement: number): void {
    const d = this.d;
    const b = this.base;
    const parent = d[victim * W + b] as number;
    const l = d[victim * W + b + 1] as number;
    const r = d[victim * W + b + 2] as number;
    d[replacement * W + b] = parent;
    d[replacement * W + b + 1] = l;
    d[replacement * W + b + 2] = r;
    d[replacement * W + b + 3] = d[victim * W + b + 3] as number;
    if (l !== RB_NIL) d[l * W + b] = replacement;
    if (r !== RB_NIL) d[r * W + b] = replacement;
    this.changeChild(victim, replacement, parent);
  }

  /** {@link RbTree.replaceNode} for a cached tree, keeping the leftmost cache right. Mirrors rb_replace_node_cached(). */
  replaceNodeCached(victim: number, replacement: number): void {
    if (this.leftmost === victim) this.leftmost = replacement;
    this.replaceNode(victim, replacement);
  }
}
