/**
 * Red-black insertion rebalancing. Mirrors __rb_insert() of lib/rbtree.c step for step, so
 * that a sequence of inserts and erases yields exactly the tree shape the kernel builds.
 */
import { RB_NIL, type RbAugment, type RbTree, RB_RECORD_WORDS as W } from "./tree.js";

/**
 * Restores the red-black properties after `node` was linked as a red leaf.
 *
 * Three situations are handled while walking up (with their mirror images): a red uncle
 * (recolour parent and uncle, continue from the grandparent); a black uncle with `node` on
 * the inner side (rotate at the parent so it moves to the outer side); a black uncle with
 * `node` on the outer side (rotate at the grandparent, done). Every rotation is reported to
 * `augment` as `(oldTop, newTop)`. Mirrors __rb_insert().
 */
export function rbInsertFixup(t: RbTree, node: number, augment: RbAugment | null): void {
  const d = t.d;
  const b = t.base;
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
      t.rotateSetParents(grand, parent, false);
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
    t.rotateSetParents(grand, parent, false);
    if (augment !== null) augment.rotate(grand, parent);
    return;
  }
}

/** Rebalances a plain tree after linking `node`. Mirrors rb_insert_color(). */
export function rbInsertColor(t: RbTree, node: number): void {
  rbInsertFixup(t, node, null);
}

/**
 * Rebalances a cached tree after linking `node`; `leftmost` says whether the descent never went
 * right, i.e. `node` is the new first element. Mirrors rb_insert_color_cached().
 */
export function rbInsertColorCached(t: RbTree, node: number, leftmost: boolean): void {
  if (leftmost) t.leftmost = node;
  rbInsertFixup(t, node, null);
}

/**
 * Rebalances an augmented tree after linking `node`. The caller has already updated the
 * augmented values along the descent path. Mirrors rb_insert_augmented().
 */
export function rbInsertAugmented(t: RbTree, node: number, augment: RbAugment): void {
  rbInsertFixup(t, node, augment);
}
