/**
 * Red-black erase: unlinking (with augmented-data upkeep) and the recolouring walk that
 * follows. Mirrors __rb_erase_augmented() (include/linux/rbtree_augmented.h) and
 * ____rb_erase_color() (lib/rbtree.c) step for step, so the resulting shapes are the kernel's.
 */
import { rbNext } from "./navigate.js";
import { RB_NIL, type RbAugment, type RbTree, RB_RECORD_WORDS as W } from "./tree.js";

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
  const d = t.d;
  const b = t.base;
  const child = d[node * W + b + 2] as number;
  let tmp = d[node * W + b + 1] as number;
  let rebalance: number;
  let from: number;

  if (tmp === RB_NIL) {
    const parent = d[node * W + b] as number;
    t.changeChild(node, child, parent);
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
    t.changeChild(node, tmp, parent);
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
    t.changeChild(node, successor, nodeParent);

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
export function rbEraseColor(t: RbTree, parent: number, augment: RbAugment | null): void {
  const d = t.d;
  const b = t.base;
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
        t.rotateSetParents(parent, sibling, false);
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
      t.rotateSetParents(parent, sibling, true);
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
      t.rotateSetParents(parent, sibling, false);
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
