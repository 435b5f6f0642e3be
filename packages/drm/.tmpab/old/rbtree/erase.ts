/**
 * Red-black erase: unlinking (with augmented-data upkeep) and the recolouring walk that
 * follows. Mirrors __rb_erase_augmented() (include/linux/rbtree_augmented.h) and
 * ____rb_erase_color() (lib/rbtree.c) step for step, so the resulting shapes are the kernel's.
 */
import { rbNext } from "./navigate.js";
import {
  RB_NO_AUGMENT,
  type RbAugmentCallbacks,
  type RbNode,
  type RbRoot,
  type RbRootCached,
  type RbRotateFn,
  rbChangeChild,
  rbRotateSetParents,
} from "./node.js";

/**
 * Unlinks `node` and returns the link from which the black-height repair must start, or `null`
 * when no repair is needed.
 *
 * With at most one child the child (necessarily red) takes the node's place and colour. With
 * two children the in-order successor takes the node's place, parent and colour; if it was the
 * right child it keeps its own right subtree, otherwise it is first cut out of the leftmost
 * position of the right subtree. Augmented data is copied to the successor and re-propagated
 * from the lowest changed link. Mirrors __rb_erase_augmented().
 */
export function rbEraseUnlink<O>(
  node: RbNode<O>,
  root: RbRoot<O>,
  augment: RbAugmentCallbacks<O>,
): RbNode<O> | null {
  const child = node.right;
  let tmp = node.left;
  let rebalance: RbNode<O> | null;
  let from: RbNode<O> | null;

  if (tmp === null) {
    const parent = node.parent;
    rbChangeChild(node, child, parent, root);
    if (child !== null) {
      child.parent = parent;
      child.black = node.black;
      rebalance = null;
    } else {
      rebalance = node.black ? parent : null;
    }
    from = parent;
  } else if (child === null) {
    const parent = node.parent;
    tmp.parent = parent;
    tmp.black = node.black;
    rbChangeChild(node, tmp, parent, root);
    rebalance = null;
    from = parent;
  } else {
    let successor: RbNode<O> = child;
    let parent: RbNode<O>;
    let child2: RbNode<O> | null;
    tmp = child.left;
    if (tmp === null) {
      // The successor is the right child itself.
      parent = successor;
      child2 = successor.right;
      augment.copy(node, successor);
    } else {
      // The successor is the leftmost link of the right subtree.
      do {
        parent = successor;
        successor = tmp;
        tmp = tmp.left;
      } while (tmp !== null);
      child2 = successor.right;
      parent.left = child2;
      successor.right = child;
      child.parent = successor;
      augment.copy(node, successor);
      augment.propagate(parent, successor);
    }

    const left = node.left as RbNode<O>;
    successor.left = left;
    left.parent = successor;

    const nodeParent = node.parent;
    const nodeBlack = node.black;
    rbChangeChild(node, successor, nodeParent, root);

    if (child2 !== null) {
      child2.parent = parent;
      child2.black = true;
      rebalance = null;
    } else {
      rebalance = successor.black ? parent : null;
    }
    successor.parent = nodeParent;
    successor.black = nodeBlack;
    from = successor;
  }

  augment.propagate(from, null);
  return rebalance;
}

/**
 * Repairs the black height after an erase, starting at `parent`, whose subtree on one side is
 * one black link short.
 *
 * Four situations (and their mirror images): a red sibling (rotate it above the parent, which
 * turns it into one of the other cases); a black sibling with black children (recolour it red
 * and either blacken a red parent or continue one level up); a black sibling whose near child
 * is red and far child black (rotate at the sibling); a black sibling with a red far child
 * (rotate at the parent and recolour, done). Mirrors ____rb_erase_color().
 */
export function rbEraseColor<O>(
  parent: RbNode<O>,
  root: RbRoot<O>,
  rotate: RbRotateFn<O>,
): void {
  let node: RbNode<O> | null = null;
  let sibling: RbNode<O>;
  let tmp1: RbNode<O> | null;
  let tmp2: RbNode<O> | null;
  for (;;) {
    // Invariants: node is black or null, node is not the root, the paths through node are one
    // black link short. A black-short side always has a non-null sibling.
    sibling = parent.right as RbNode<O>;
    if (node !== sibling) {
      // node is the left child.
      if (!sibling.black) {
        tmp1 = sibling.left as RbNode<O>;
        parent.right = tmp1;
        sibling.left = parent;
        tmp1.parent = parent;
        tmp1.black = true;
        rbRotateSetParents(parent, sibling, root, false);
        rotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = sibling.right;
      if (tmp1 === null || tmp1.black) {
        tmp2 = sibling.left;
        if (tmp2 === null || tmp2.black) {
          sibling.parent = parent;
          sibling.black = false;
          if (!parent.black) {
            parent.black = true;
          } else {
            node = parent;
            const up: RbNode<O> | null = node.parent;
            if (up !== null) {
              parent = up;
              continue;
            }
          }
          return;
        }
        // Near child red, far child black: rotate right at the sibling.
        tmp1 = tmp2.right;
        sibling.left = tmp1;
        tmp2.right = sibling;
        parent.right = tmp2;
        if (tmp1 !== null) {
          tmp1.parent = sibling;
          tmp1.black = true;
        }
        rotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Far child red: rotate left at the parent and recolour.
      tmp2 = sibling.left;
      parent.right = tmp2;
      sibling.left = parent;
      (tmp1 as RbNode<O>).parent = sibling;
      (tmp1 as RbNode<O>).black = true;
      if (tmp2 !== null) tmp2.parent = parent;
      rbRotateSetParents(parent, sibling, root, true);
      rotate(parent, sibling);
      return;
    }
    // node is the right child.
    sibling = parent.left as RbNode<O>;
    if (!sibling.black) {
      tmp1 = sibling.right as RbNode<O>;
      parent.left = tmp1;
      sibling.right = parent;
      tmp1.parent = parent;
      tmp1.black = true;
      rbRotateSetParents(parent, sibling, root, false);
      rotate(parent, sibling);
      sibling = tmp1;
    }
    tmp1 = sibling.left;
    if (tmp1 === null || tmp1.black) {
      tmp2 = sibling.right;
      if (tmp2 === null || tmp2.black) {
        sibling.parent = parent;
        sibling.black = false;
        if (!parent.black) {
          parent.black = true;
        } else {
          node = parent;
          const up: RbNode<O> | null = node.parent;
          if (up !== null) {
            parent = up;
            continue;
          }
        }
        return;
      }
      // Near child red, far child black: rotate left at the sibling.
      tmp1 = tmp2.left;
      sibling.right = tmp1;
      tmp2.left = sibling;
      parent.left = tmp2;
      if (tmp1 !== null) {
        tmp1.parent = sibling;
        tmp1.black = true;
      }
      rotate(sibling, tmp2);
      tmp1 = sibling;
      sibling = tmp2;
    }
    // Far child red: rotate right at the parent and recolour.
    tmp2 = sibling.right;
    parent.left = tmp2;
    sibling.right = parent;
    (tmp1 as RbNode<O>).parent = sibling;
    (tmp1 as RbNode<O>).black = true;
    if (tmp2 !== null) tmp2.parent = parent;
    rbRotateSetParents(parent, sibling, root, true);
    rotate(parent, sibling);
    return;
  }
}

/** Erases `node` from a plain tree. Mirrors rb_erase(). */
export function rbErase<O>(node: RbNode<O>, root: RbRoot<O>): void {
  const rebalance = rbEraseUnlink(node, root, RB_NO_AUGMENT);
  if (rebalance !== null) rbEraseColor(rebalance, root, RB_NO_AUGMENT.rotate);
}

/** Erases `node` from a cached tree, moving the cached leftmost on. Mirrors rb_erase_cached(). */
export function rbEraseCached<O>(node: RbNode<O>, root: RbRootCached<O>): void {
  if (root.leftmost === node) root.leftmost = rbNext(node);
  rbErase(node, root);
}

/** Erases `node` from an augmented tree. Mirrors rb_erase_augmented(). */
export function rbEraseAugmented<O>(
  node: RbNode<O>,
  root: RbRoot<O>,
  augment: RbAugmentCallbacks<O>,
): void {
  const rebalance = rbEraseUnlink(node, root, augment);
  if (rebalance !== null) rbEraseColor(rebalance, root, augment.rotate);
}
