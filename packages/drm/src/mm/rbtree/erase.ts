/**
 * Red-black erase: unlinking (with augmented-data upkeep) and the recolouring walk that
 * follows. Mirrors __rb_erase_augmented() (include/linux/rbtree_augmented.h) and
 * ____rb_erase_color() (lib/rbtree.c) step for step, so the resulting shapes are the kernel's.
 */
import { rbNext } from "./navigate.js";
import { RB_NIL, type RbAugment, type RbTree } from "./tree.js";

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
export function rbEraseUnlink(t: RbTree, node: number, augment: RbAugment | null): number {
  const child = t.rightOf(node);
  let tmp = t.leftOf(node);
  let rebalance: number;
  let from: number;

  if (tmp === RB_NIL) {
    const parent = t.parentOf(node);
    t.changeChild(node, child, parent);
    if (child !== RB_NIL) {
      t.setParent(child, parent);
      t.setBlack(child, t.isBlack(node));
      rebalance = RB_NIL;
    } else {
      rebalance = t.isBlack(node) ? parent : RB_NIL;
    }
    from = parent;
  } else if (child === RB_NIL) {
    const parent = t.parentOf(node);
    t.setParent(tmp, parent);
    t.setBlack(tmp, t.isBlack(node));
    t.changeChild(node, tmp, parent);
    rebalance = RB_NIL;
    from = parent;
  } else {
    let successor = child;
    let parent: number;
    let child2: number;
    tmp = t.leftOf(child);
    if (tmp === RB_NIL) {
      // The successor is the right child itself.
      parent = successor;
      child2 = t.rightOf(successor);
      if (augment !== null) augment.copy(node, successor);
    } else {
      // The successor is the leftmost slot of the right subtree.
      do {
        parent = successor;
        successor = tmp;
        tmp = t.leftOf(tmp);
      } while (tmp !== RB_NIL);
      child2 = t.rightOf(successor);
      t.setLeft(parent, child2);
      t.setRight(successor, child);
      t.setParent(child, successor);
      if (augment !== null) {
        augment.copy(node, successor);
        augment.propagate(parent, successor);
      }
    }

    const left = t.leftOf(node);
    t.setLeft(successor, left);
    t.setParent(left, successor);

    const nodeParent = t.parentOf(node);
    const nodeBlack = t.isBlack(node);
    t.changeChild(node, successor, nodeParent);

    if (child2 !== RB_NIL) {
      t.setParent(child2, parent);
      t.setBlack(child2, true);
      rebalance = RB_NIL;
    } else {
      rebalance = t.isBlack(successor) ? parent : RB_NIL;
    }
    t.setParent(successor, nodeParent);
    t.setBlack(successor, nodeBlack);
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
export function rbEraseColor(t: RbTree, parent: number, augment: RbAugment | null): void {
  let node = RB_NIL;
  let sibling: number;
  let tmp1: number;
  let tmp2: number;
  for (;;) {
    // Invariants: node is black or nil, node is not the root, the paths through node are one
    // black slot short. A black-short side always has a sibling.
    sibling = t.rightOf(parent);
    if (node !== sibling) {
      // node is the left child.
      if (!t.isBlack(sibling)) {
        tmp1 = t.leftOf(sibling);
        t.setRight(parent, tmp1);
        t.setLeft(sibling, parent);
        t.setParent(tmp1, parent);
        t.setBlack(tmp1, true);
        t.rotateSetParents(parent, sibling, false);
        if (augment !== null) augment.rotate(parent, sibling);
        sibling = tmp1;
      }
      tmp1 = t.rightOf(sibling);
      if (tmp1 === RB_NIL || t.isBlack(tmp1)) {
        tmp2 = t.leftOf(sibling);
        if (tmp2 === RB_NIL || t.isBlack(tmp2)) {
          t.setBlack(sibling, false);
          if (!t.isBlack(parent)) {
            t.setBlack(parent, true);
          } else {
            node = parent;
            const up = t.parentOf(node);
            if (up !== RB_NIL) {
              parent = up;
              continue;
            }
          }
          return;
        }
        // Near child red, far child black: rotate right at the sibling.
        tmp1 = t.rightOf(tmp2);
        t.setLeft(sibling, tmp1);
        t.setRight(tmp2, sibling);
        t.setRight(parent, tmp2);
        if (tmp1 !== RB_NIL) {
          t.setParent(tmp1, sibling);
          t.setBlack(tmp1, true);
        }
        if (augment !== null) augment.rotate(sibling, tmp2);
        tmp1 = sibling;
        sibling = tmp2;
      }
      // Far child red: rotate left at the parent and recolour.
      tmp2 = t.leftOf(sibling);
      t.setRight(parent, tmp2);
      t.setLeft(sibling, parent);
      t.setParent(tmp1, sibling);
      t.setBlack(tmp1, true);
      if (tmp2 !== RB_NIL) t.setParent(tmp2, parent);
      t.rotateSetParents(parent, sibling, true);
      if (augment !== null) augment.rotate(parent, sibling);
      return;
    }
    // node is the right child.
    sibling = t.leftOf(parent);
    if (!t.isBlack(sibling)) {
      tmp1 = t.rightOf(sibling);
      t.setLeft(parent, tmp1);
      t.setRight(sibling, parent);
      t.setParent(tmp1, parent);
      t.setBlack(tmp1, true);
      t.rotateSetParents(parent, sibling, false);
      if (augment !== null) augment.rotate(parent, sibling);
      sibling = tmp1;
    }
    tmp1 = t.leftOf(sibling);
    if (tmp1 === RB_NIL || t.isBlack(tmp1)) {
      tmp2 = t.rightOf(sibling);
      if (tmp2 === RB_NIL || t.isBlack(tmp2)) {
        t.setBlack(sibling, false);
        if (!t.isBlack(parent)) {
          t.setBlack(parent, true);
        } else {
          node = parent;
          const up = t.parentOf(node);
          if (up !== RB_NIL) {
            parent = up;
            continue;
          }
        }
        return;
      }
      // Near child red, far child black: rotate left at the sibling.
      tmp1 = t.leftOf(tmp2);
      t.setRight(sibling, tmp1);
      t.setLeft(tmp2, sibling);
      t.setLeft(parent, tmp2);
      if (tmp1 !== RB_NIL) {
        t.setParent(tmp1, sibling);
        t.setBlack(tmp1, true);
      }
      if (augment !== null) augment.rotate(sibling, tmp2);
      tmp1 = sibling;
      sibling = tmp2;
    }
    // Far child red: rotate right at the parent and recolour.
    tmp2 = t.rightOf(sibling);
    t.setLeft(parent, tmp2);
    t.setRight(sibling, parent);
    t.setParent(tmp1, sibling);
    t.setBlack(tmp1, true);
    if (tmp2 !== RB_NIL) t.setParent(tmp2, parent);
    t.rotateSetParents(parent, sibling, true);
    if (augment !== null) augment.rotate(parent, sibling);
    return;
  }
}

/** Erases `node` from a plain tree. Mirrors rb_erase(). */
export function rbErase(t: RbTree, node: number): void {
  const rebalance = rbEraseUnlink(t, node, null);
  if (rebalance !== RB_NIL) rbEraseColor(t, rebalance, null);
}

/** Erases `node` from a cached tree, moving the cached leftmost on. Mirrors rb_erase_cached(). */
export function rbEraseCached(t: RbTree, node: number): void {
  if (t.leftmost === node) t.leftmost = rbNext(t, node);
  rbErase(t, node);
}

/** Erases `node` from an augmented tree. Mirrors rb_erase_augmented(). */
export function rbEraseAugmented(t: RbTree, node: number, augment: RbAugment): void {
  const rebalance = rbEraseUnlink(t, node, augment);
  if (rebalance !== RB_NIL) rbEraseColor(t, rebalance, augment);
}
