/**
 * Red-black insertion rebalancing. Mirrors __rb_insert() of lib/rbtree.c step for step, so
 * that a sequence of inserts and erases yields exactly the tree shape the kernel builds.
 */
import { RB_NIL, type RbAugment, type RbTree } from "./tree.js";

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
  let parent = t.parentOf(node);
  for (;;) {
    // Invariant: `node` is red.
    if (parent === RB_NIL) {
      t.setParent(node, RB_NIL);
      t.setBlack(node, true);
      return;
    }
    if (t.isBlack(parent)) return;
    // A red parent is never the root, so a grandparent exists.
    const grand = t.parentOf(parent);
    let tmp = t.rightOf(grand);
    if (parent !== tmp) {
      // parent is the grandparent's left child; tmp is the uncle.
      if (tmp !== RB_NIL && !t.isBlack(tmp)) {
        t.setBlack(tmp, true);
        t.setBlack(parent, true);
        node = grand;
        parent = t.parentOf(node);
        t.setBlack(node, false);
        continue;
      }
      tmp = t.rightOf(parent);
      if (node === tmp) {
        // Inner grandchild: rotate left at parent.
        tmp = t.leftOf(node);
        t.setRight(parent, tmp);
        t.setLeft(node, parent);
        if (tmp !== RB_NIL) {
          t.setParent(tmp, parent);
          t.setBlack(tmp, true);
        }
        t.setParent(parent, node);
        t.setBlack(parent, false);
        if (augment !== null) augment.rotate(parent, node);
        parent = node;
        tmp = t.rightOf(node);
      }
      // Outer grandchild: rotate right at the grandparent.
      t.setLeft(grand, tmp);
      t.setRight(parent, grand);
      if (tmp !== RB_NIL) {
        t.setParent(tmp, grand);
        t.setBlack(tmp, true);
      }
      t.rotateSetParents(grand, parent, false);
      if (augment !== null) augment.rotate(grand, parent);
      return;
    }
    // parent is the grandparent's right child.
    tmp = t.leftOf(grand);
    if (tmp !== RB_NIL && !t.isBlack(tmp)) {
      t.setBlack(tmp, true);
      t.setBlack(parent, true);
      node = grand;
      parent = t.parentOf(node);
      t.setBlack(node, false);
      continue;
    }
    tmp = t.leftOf(parent);
    if (node === tmp) {
      // Inner grandchild: rotate right at parent.
      tmp = t.rightOf(node);
      t.setLeft(parent, tmp);
      t.setRight(node, parent);
      if (tmp !== RB_NIL) {
        t.setParent(tmp, parent);
        t.setBlack(tmp, true);
      }
      t.setParent(parent, node);
      t.setBlack(parent, false);
      if (augment !== null) augment.rotate(parent, node);
      parent = node;
      tmp = t.leftOf(node);
    }
    // Outer grandchild: rotate left at the grandparent.
    t.setRight(grand, tmp);
    t.setLeft(parent, grand);
    if (tmp !== RB_NIL) {
      t.setParent(tmp, grand);
      t.setBlack(tmp, true);
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
