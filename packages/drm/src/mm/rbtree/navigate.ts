/**
 * In-order navigation and slot replacement. Mirrors rb_first(), rb_last(), rb_next(),
 * rb_prev(), rb_replace_node() and rb_replace_node_cached() of lib/rbtree.c.
 */
import { RB_NIL, type RbTree } from "./tree.js";

/** The first slot in order, or {@link RB_NIL} for an empty tree. Mirrors rb_first(). */
export function rbFirst(t: RbTree): number {
  let n = t.root;
  if (n === RB_NIL) return RB_NIL;
  for (let l = t.leftOf(n); l !== RB_NIL; l = t.leftOf(n)) n = l;
  return n;
}

/** The last slot in order, or {@link RB_NIL} for an empty tree. Mirrors rb_last(). */
export function rbLast(t: RbTree): number {
  let n = t.root;
  if (n === RB_NIL) return RB_NIL;
  for (let r = t.rightOf(n); r !== RB_NIL; r = t.rightOf(n)) n = r;
  return n;
}

/** The in-order successor of `node`, or {@link RB_NIL} at the end. Mirrors rb_next(). */
export function rbNext(t: RbTree, node: number): number {
  let n = t.rightOf(node);
  if (n !== RB_NIL) {
    for (let l = t.leftOf(n); l !== RB_NIL; l = t.leftOf(n)) n = l;
    return n;
  }
  let cur = node;
  let parent = t.parentOf(cur);
  while (parent !== RB_NIL && cur === t.rightOf(parent)) {
    cur = parent;
    parent = t.parentOf(cur);
  }
  return parent;
}

/** The in-order predecessor of `node`, or {@link RB_NIL} at the start. Mirrors rb_prev(). */
export function rbPrev(t: RbTree, node: number): number {
  let n = t.leftOf(node);
  if (n !== RB_NIL) {
    for (let r = t.rightOf(n); r !== RB_NIL; r = t.rightOf(n)) n = r;
    return n;
  }
  let cur = node;
  let parent = t.parentOf(cur);
  while (parent !== RB_NIL && cur === t.leftOf(parent)) {
    cur = parent;
    parent = t.parentOf(cur);
  }
  return parent;
}

/**
 * Puts `replacement` exactly where `victim` is (same parent, children and colour) without
 * rebalancing; the caller guarantees the order is unchanged. Mirrors rb_replace_node().
 */
export function rbReplaceNode(t: RbTree, victim: number, replacement: number): void {
  const parent = t.parentOf(victim);
  const l = t.leftOf(victim);
  const r = t.rightOf(victim);
  t.setParent(replacement, parent);
  t.setLeft(replacement, l);
  t.setRight(replacement, r);
  t.setBlack(replacement, t.isBlack(victim));
  if (l !== RB_NIL) t.setParent(l, replacement);
  if (r !== RB_NIL) t.setParent(r, replacement);
  t.changeChild(victim, replacement, parent);
}

/** {@link rbReplaceNode} for a cached tree, keeping the leftmost cache right. Mirrors rb_replace_node_cached(). */
export function rbReplaceNodeCached(t: RbTree, victim: number, replacement: number): void {
  if (t.leftmost === victim) t.leftmost = replacement;
  rbReplaceNode(t, victim, replacement);
}
