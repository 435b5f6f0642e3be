/**
 * In-order navigation and link replacement. Mirrors rb_first(), rb_last(), rb_next(),
 * rb_prev(), rb_replace_node() and rb_replace_node_cached() of lib/rbtree.c.
 */
import { type RbNode, type RbRoot, type RbRootCached, rbChangeChild } from "./node.js";

/** The first link in order, or `null` for an empty tree. Mirrors rb_first(). */
export function rbFirst<O>(root: RbRoot<O>): RbNode<O> | null {
  let n = root.node;
  if (n === null) return null;
  while (n.left !== null) n = n.left;
  return n;
}

/** The last link in order, or `null` for an empty tree. Mirrors rb_last(). */
export function rbLast<O>(root: RbRoot<O>): RbNode<O> | null {
  let n = root.node;
  if (n === null) return null;
  while (n.right !== null) n = n.right;
  return n;
}

/** The in-order successor of `node`, or `null` at the end. Mirrors rb_next(). */
export function rbNext<O>(node: RbNode<O>): RbNode<O> | null {
  let n = node.right;
  if (n !== null) {
    while (n.left !== null) n = n.left;
    return n;
  }
  let cur = node;
  let parent = cur.parent;
  while (parent !== null && cur === parent.right) {
    cur = parent;
    parent = cur.parent;
  }
  return parent;
}

/** The in-order predecessor of `node`, or `null` at the start. Mirrors rb_prev(). */
export function rbPrev<O>(node: RbNode<O>): RbNode<O> | null {
  let n = node.left;
  if (n !== null) {
    while (n.right !== null) n = n.right;
    return n;
  }
  let cur = node;
  let parent = cur.parent;
  while (parent !== null && cur === parent.left) {
    cur = parent;
    parent = cur.parent;
  }
  return parent;
}

/**
 * Puts `replacement` exactly where `victim` is (same parent, children and colour) without
 * rebalancing; the caller guarantees the order is unchanged. Mirrors rb_replace_node().
 */
export function rbReplaceNode<O>(victim: RbNode<O>, replacement: RbNode<O>, root: RbRoot<O>): void {
  const parent = victim.parent;
  replacement.parent = parent;
  replacement.left = victim.left;
  replacement.right = victim.right;
  replacement.black = victim.black;
  if (victim.left !== null) victim.left.parent = replacement;
  if (victim.right !== null) victim.right.parent = replacement;
  rbChangeChild(victim, replacement, parent, root);
}

/** {@link rbReplaceNode} for a cached tree, keeping the leftmost cache right. Mirrors rb_replace_node_cached(). */
export function rbReplaceNodeCached<O>(
  victim: RbNode<O>,
  replacement: RbNode<O>,
  root: RbRootCached<O>,
): void {
  if (root.leftmost === victim) root.leftmost = replacement;
  rbReplaceNode(victim, replacement, root);
}
