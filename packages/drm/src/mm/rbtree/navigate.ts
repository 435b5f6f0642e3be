/**
 * In-order navigation and slot replacement. Mirrors rb_first(), rb_last(), rb_next(),
 * rb_prev(), rb_replace_node() and rb_replace_node_cached() of lib/rbtree.c.
 */
import { RB_NIL, type RbTree, RB_RECORD_WORDS as W } from "./tree.js";

/** The first slot in order, or {@link RB_NIL} for an empty tree. Mirrors rb_first(). */
export function rbFirst(t: RbTree): number {
  const d = t.d;
  const b = t.base;
  let n = t.root;
  if (n === RB_NIL) return RB_NIL;
  for (let l = d[n * W + b + 1] as number; l !== RB_NIL; l = d[n * W + b + 1] as number) n = l;
  return n;
}

/** The last slot in order, or {@link RB_NIL} for an empty tree. Mirrors rb_last(). */
export function rbLast(t: RbTree): number {
  const d = t.d;
  const b = t.base;
  let n = t.root;
  if (n === RB_NIL) return RB_NIL;
  for (let r = d[n * W + b + 2] as number; r !== RB_NIL; r = d[n * W + b + 2] as number) n = r;
  return n;
}

/** The in-order successor of `node`, or {@link RB_NIL} at the end. Mirrors rb_next(). */
export function rbNext(t: RbTree, node: number): number {
  const d = t.d;
  const b = t.base;
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
export function rbPrev(t: RbTree, node: number): number {
  const d = t.d;
  const b = t.base;
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
export function rbReplaceNode(t: RbTree, victim: number, replacement: number): void {
  const d = t.d;
  const b = t.base;
  const parent = d[victim * W + b] as number;
  const l = d[victim * W + b + 1] as number;
  const r = d[victim * W + b + 2] as number;
  d[replacement * W + b] = parent;
  d[replacement * W + b + 1] = l;
  d[replacement * W + b + 2] = r;
  d[replacement * W + b + 3] = d[victim * W + b + 3] as number;
  if (l !== RB_NIL) d[l * W + b] = replacement;
  if (r !== RB_NIL) d[r * W + b] = replacement;
  t.changeChild(victim, replacement, parent);
}

/** {@link rbReplaceNode} for a cached tree, keeping the leftmost cache right. Mirrors rb_replace_node_cached(). */
export function rbReplaceNodeCached(t: RbTree, victim: number, replacement: number): void {
  if (t.leftmost === victim) t.leftmost = replacement;
  rbReplaceNode(t, victim, replacement);
}
