/**
 * Red-black insertion rebalancing. Mirrors __rb_insert() of lib/rbtree.c step for step, so
 * that a sequence of inserts and erases yields exactly the tree shape the kernel builds.
 */
import {
  RB_NO_AUGMENT,
  type RbAugmentCallbacks,
  type RbNode,
  type RbRoot,
  type RbRootCached,
  type RbRotateFn,
  rbRotateSetParents,
} from "./node.js";

/**
 * Restores the red-black properties after `node` was linked as a red leaf.
 *
 * Three situations are handled while walking up (with their mirror images):
 * a red uncle (recolour parent and uncle, continue from the grandparent); a black uncle with
 * `node` on the inner side (rotate at the parent so it moves to the outer side); a black uncle
 * with `node` on the outer side (rotate at the grandparent, done). Every rotation reports
 * `(oldTop, newTop)` to `rotate` so augmented data can follow. Mirrors __rb_insert().
 */
export function rbInsertFixup<O>(node: RbNode<O>, root: RbRoot<O>, rotate: RbRotateFn<O>): void {
  let parent = node.parent;
  for (;;) {
    // Invariant: `node` is red.
    if (parent === null) {
      node.parent = null;
      node.black = true;
      return;
    }
    if (parent.black) return;
    // A red parent is never the root, so a grandparent exists.
    const grand = parent.parent as RbNode<O>;
    let tmp = grand.right;
    if (parent !== tmp) {
      // parent is the grandparent's left child; tmp is the uncle.
      if (tmp !== null && !tmp.black) {
        tmp.parent = grand;
        tmp.black = true;
        parent.parent = grand;
        parent.black = true;
        node = grand;
        parent = node.parent;
        node.black = false;
        continue;
      }
      tmp = parent.right;
      if (node === tmp) {
        // Inner grandchild: rotate left at parent.
        tmp = node.left;
        parent.right = tmp;
        node.left = parent;
        if (tmp !== null) {
          tmp.parent = parent;
          tmp.black = true;
        }
        parent.parent = node;
        parent.black = false;
        rotate(parent, node);
        parent = node;
        tmp = node.right;
      }
      // Outer grandchild: rotate right at the grandparent.
      grand.left = tmp;
      parent.right = grand;
      if (tmp !== null) {
        tmp.parent = grand;
        tmp.black = true;
      }
      rbRotateSetParents(grand, parent, root, false);
      rotate(grand, parent);
      return;
    }
    // parent is the grandparent's right child.
    tmp = grand.left;
    if (tmp !== null && !tmp.black) {
      tmp.parent = grand;
      tmp.black = true;
      parent.parent = grand;
      parent.black = true;
      node = grand;
      parent = node.parent;
      node.black = false;
      continue;
    }
    tmp = parent.left;
    if (node === tmp) {
      // Inner grandchild: rotate right at parent.
      tmp = node.right;
      parent.left = tmp;
      node.right = parent;
      if (tmp !== null) {
        tmp.parent = parent;
        tmp.black = true;
      }
      parent.parent = node;
      parent.black = false;
      rotate(parent, node);
      parent = node;
      tmp = node.left;
    }
    // Outer grandchild: rotate left at the grandparent.
    grand.right = tmp;
    parent.left = grand;
    if (tmp !== null) {
      tmp.parent = grand;
      tmp.black = true;
    }
    rbRotateSetParents(grand, parent, root, false);
    rotate(grand, parent);
    return;
  }
}

/** Rebalances a plain tree after linking `node`. Mirrors rb_insert_color(). */
export function rbInsertColor<O>(node: RbNode<O>, root: RbRoot<O>): void {
  rbInsertFixup(node, root, RB_NO_AUGMENT.rotate);
}

/**
 * Rebalances a cached tree after linking `node`; `leftmost` says whether the descent never went
 * right, i.e. `node` is the new first element. Mirrors rb_insert_color_cached().
 */
export function rbInsertColorCached<O>(
  node: RbNode<O>,
  root: RbRootCached<O>,
  leftmost: boolean,
): void {
  if (leftmost) root.leftmost = node;
  rbInsertFixup(node, root, RB_NO_AUGMENT.rotate);
}

/**
 * Rebalances an augmented tree after linking `node`. The caller has already updated the
 * augmented values along the descent path. Mirrors rb_insert_augmented().
 */
export function rbInsertAugmented<O>(
  node: RbNode<O>,
  root: RbRoot<O>,
  augment: RbAugmentCallbacks<O>,
): void {
  rbInsertFixup(node, root, augment.rotate);
}
