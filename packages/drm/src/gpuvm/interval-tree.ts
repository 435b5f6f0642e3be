/**
 * An intrusive interval tree: a red-black tree keyed by interval start and augmented with the
 * largest interval end ("last") of every subtree, plus a doubly-linked list of the same nodes
 * in address order.
 *
 * This is the structure drm_gpuvm builds from `INTERVAL_TREE_DEFINE()` (its `rb.tree`) together
 * with its `rb.list`. Intervals are closed, `[start, last]`, with `last = start + range - 1`
 * computed modulo 2^64 exactly as the kernel does, so a zero-length interval has `last < start`
 * and one at address 0 has `last = 2^64 - 1`. Nodes with equal starts are kept in insertion
 * order (a new node goes after the existing ones). Lookups, insertion and removal are
 * O(log n); the successor of a node is O(1) through the list.
 *
 * Two modes. While interval ends never decrease along the address order (no zero-length
 * interval, no overlap: every tree drm_gpuvm builds from non-empty mappings), "the first node
 * ending at or after x" is a plain binary search on the ends, and the subtree maxima are not
 * maintained at all. The tree counts the adjacent pairs whose ends decrease; when the first one
 * appears it computes every subtree maximum (O(n)) and switches to the kernel's augmented
 * lookups, and it switches back once the count is 0 again and at least as many operations as
 * it has nodes have passed, so that the O(n) switch is amortized.
 */
import { type U64, u64Max } from "./u64.js";

/**
 * Fields a node carries to live in an {@link IntervalTree}. The node type embeds them (the tree
 * allocates nothing), as a kernel structure embeds its `rb_node`.
 */
export interface IntervalTreeNode<N> {
  /** Start of the interval (the tree key). */
  addr: U64;
  /** Inclusive end of the interval, `addr + range - 1` modulo 2^64; set before insertion. */
  itLast: U64;
  /**
   * Largest `itLast` in this node's subtree (the augmentation); maintained only while the tree
   * is augmented (see {@link IntervalTree.isAugmented}), stale otherwise.
   */
  itSubtreeLast: U64;
  /** Left child, or `null`. */
  itLeft: N | null;
  /** Right child, or `null`. */
  itRight: N | null;
  /** Parent, or `null` for the root (and for a node that is not in a tree). */
  itParent: N | null;
  /** Node colour: `true` for red, `false` for black. */
  itRed: boolean;
  /** Previous node in address order, or `null` for the first one. */
  itPrev: N | null;
  /** Next node in address order, or `null` for the last one. */
  itNext: N | null;
}

/** The subtree maximum of `n` recomputed from its own end and its children's maxima. */
function subtreeLastOf<N extends IntervalTreeNode<N>>(n: N): U64 {
  let m = n.itLast;
  const l = n.itLeft;
  const r = n.itRight;
  if (l !== null && l.itSubtreeLast > m) m = l.itSubtreeLast;
  if (r !== null && r.itSubtreeLast > m) m = r.itSubtreeLast;
  return m;
}

/**
 * Augmented red-black interval tree over intrusive nodes, with an address-ordered list.
 * Mirrors the kernel's interval tree (`interval_tree_generic.h`) as used by drm_gpuvm.
 */
export class IntervalTree<N extends IntervalTreeNode<N>> {
  /** Root of the tree, or `null` when empty. */
  root: N | null = null;
  /** Lowest node in address order (the list head), or `null` when empty. */
  first: N | null = null;
  /** Highest node in address order (the list tail), or `null` when empty. */
  last: N | null = null;
  /** Number of nodes in the tree. */
  size = 0;
  /**
   * Adjacent pairs (in address order) whose interval ends decrease. While it is 0 the ends
   * are sorted and lookups are binary searches.
   */
  private disorder = 0;
  /** True while the subtree maxima are maintained (and used by lookups). */
  private augmented = false;
  /** Operations since the subtree maxima were last rebuilt. */
  private augmentedOps = 0;

  /**
   * True while the tree maintains and uses the subtree maxima, i.e. since an adjacent pair of
   * nodes had decreasing ends (see the module documentation).
   */
  get isAugmented(): boolean {
    return this.augmented;
  }

  /** Number of adjacent pairs (in address order) whose interval ends decrease. */
  get disorderedPairs(): number {
    return this.disorder;
  }

  /**
   * Inserts `node`, whose `addr` and `itLast` must already be set. A node whose start equals
   * existing starts is placed after them. Does not check for overlaps.
   */
  insert(node: N): void {
    const start = node.addr;
    const nodeLast = node.itLast;
    let parent: N | null = null;
    let cur = this.root;
    let toLeft = false;
    // The in-order predecessor is the last ancestor we stepped right from.
    let pred: N | null = null;
    const augmented = this.augmented;
    while (cur !== null) {
      if (augmented && cur.itSubtreeLast < nodeLast) cur.itSubtreeLast = nodeLast;
      parent = cur;
      if (start < cur.addr) {
        toLeft = true;
        cur = cur.itLeft;
      } else {
        toLeft = false;
        pred = cur;
        cur = cur.itRight;
      }
    }
    this.attach(node, parent, toLeft, pred);
  }

  /**
   * Inserts `node` unless it intersects an existing node, in one descent. "Intersects" is
   * exactly `iterFirst(node.addr, node.itLast) !== null`. Returns false, leaving the tree
   * untouched, when it does.
   *
   * Why one descent suffices for a non-empty interval: the nodes before the insertion point
   * (starts <= node start) form a prefix P of the address order, the rest a suffix whose nodes
   * all end at or after the new start (their start is larger and their range cannot wrap). So
   * the first node ending at or after the new start is in P if P's largest end reaches it
   * (then it starts at or before the new start: a hit), else it is the suffix's first node, a
   * hit iff that node starts at or before the new end. P's largest end is gathered on the way
   * down from the nodes we step right from and their left subtrees. Zero-length (inverted)
   * intervals take the general lookup.
   */
  insertUnlessOverlapping(node: N): boolean {
    const start = node.addr;
    const nodeLast = node.itLast;
    if (nodeLast < start) {
      if (this.iterFirst(start, nodeLast) !== null) return false;
      this.insert(node);
      return true;
    }
    let parent: N | null = null;
    let cur = this.root;
    let toLeft = false;
    let pred: N | null = null;
    let succ: N | null = null;
    let prefixHit = false;
    const augmented = this.augmented;
    while (cur !== null) {
      parent = cur;
      if (start < cur.addr) {
        toLeft = true;
        succ = cur;
        cur = cur.itLeft;
      } else {
        if (augmented && !prefixHit) {
          const l = cur.itLeft;
          prefixHit = cur.itLast >= start || (l !== null && l.itSubtreeLast >= start);
        }
        toLeft = false;
        pred = cur;
        cur = cur.itRight;
      }
    }
    // With sorted ends, the prefix's largest end is its last node's.
    if (!augmented) prefixHit = pred !== null && pred.itLast >= start;
    if (prefixHit || (succ !== null && succ.addr <= nodeLast)) return false;
    if (augmented) {
      // Subtree maxima only grow on the path, and stop growing once one is large enough.
      for (let a = parent; a !== null && a.itSubtreeLast < nodeLast; a = a.itParent) {
        a.itSubtreeLast = nodeLast;
      }
    }
    this.attach(node, parent, toLeft, pred);
    return true;
  }

  /** Hangs the new red leaf `node` below `parent`, after `pred` in the list, and rebalances. */
  private attach(node: N, parent: N | null, toLeft: boolean, pred: N | null): void {
    node.itLeft = null;
    node.itRight = null;
    node.itRed = true;
    node.itSubtreeLast = node.itLast;
    node.itParent = parent;
    if (parent === null) this.root = node;
    else if (toLeft) parent.itLeft = node;
    else parent.itRight = node;

    const succ = pred === null ? this.first : pred.itNext;
    node.itPrev = pred;
    node.itNext = succ;
    if (pred === null) this.first = node;
    else pred.itNext = node;
    if (succ === null) this.last = node;
    else succ.itPrev = node;
    this.size++;

    this.insertRebalance(node);
    if (pred !== null && succ !== null && pred.itLast > succ.itLast) this.disorder--;
    if (pred !== null && pred.itLast > node.itLast) this.disorder++;
    if (succ !== null && node.itLast > succ.itLast) this.disorder++;
    this.countOperation();
  }

  /**
   * Switches modes after an insertion or removal: to augmented lookups as soon as the ends are
   * out of order, back to binary searches once they are sorted again and the last switch has
   * been paid for by as many operations as there are nodes.
   */
  private countOperation(): void {
    if (this.augmented) {
      if (this.disorder === 0 && ++this.augmentedOps >= this.size) this.augmented = false;
    } else if (this.disorder !== 0) {
      this.augmented = true;
      this.augmentedOps = 0;
      if (this.root !== null) this.rebuildMaxima(this.root);
    }
  }

  /** Recomputes every subtree maximum below and at `n`, children first. */
  private rebuildMaxima(n: N): void {
    const l = n.itLeft;
    const r = n.itRight;
    if (l !== null) this.rebuildMaxima(l);
    if (r !== null) this.rebuildMaxima(r);
    n.itSubtreeLast = subtreeLastOf(n);
  }

  /** Removes `node`, which must be in this tree, and clears its links. */
  remove(node: N): void {
    // Successor first: for a node with two children it is the minimum of its right subtree.
    const succ = node.itNext;
    const pred = node.itPrev;
    if (pred === null) this.first = succ;
    else pred.itNext = succ;
    if (succ === null) this.last = pred;
    else succ.itPrev = pred;
    this.size--;
    if (this.disorder !== 0) {
      if (pred !== null && pred.itLast > node.itLast) this.disorder--;
      if (succ !== null && node.itLast > succ.itLast) this.disorder--;
      if (pred !== null && succ !== null && pred.itLast > succ.itLast) this.disorder++;
    }

    let removedBlack = !node.itRed;
    let child: N | null;
    let childParent: N | null;
    let relocated: N | null = null;
    if (node.itLeft === null) {
      child = node.itRight;
      childParent = node.itParent;
      this.transplant(node, child);
    } else if (node.itRight === null) {
      child = node.itLeft;
      childParent = node.itParent;
      this.transplant(node, child);
    } else {
      const y = succ as N;
      relocated = y;
      removedBlack = !y.itRed;
      child = y.itRight;
      if (y.itParent === node) {
        childParent = y;
      } else {
        childParent = y.itParent;
        this.transplant(y, child);
        y.itRight = node.itRight;
        (y.itRight as N).itParent = y;
      }
      this.transplant(node, y);
      y.itLeft = node.itLeft;
      (y.itLeft as N).itParent = y;
      y.itRed = node.itRed;
    }

    // Every node whose subtree lost `node` lies on the path from childParent to the root. Up
    // to the relocated successor the subtrees changed shape, so recompute unconditionally;
    // above it they only lost `node`, so stop as soon as a maximum comes out unchanged.
    if (this.augmented) {
      let n = childParent;
      if (relocated !== null) {
        while (n !== relocated && n !== null) {
          n.itSubtreeLast = subtreeLastOf(n);
          n = n.itParent;
        }
        relocated.itSubtreeLast = subtreeLastOf(relocated);
        n = relocated.itParent;
      }
      while (n !== null) {
        const m = subtreeLastOf(n);
        if (m === n.itSubtreeLast) break;
        n.itSubtreeLast = m;
        n = n.itParent;
      }
    }
    if (removedBlack) this.removeRebalance(child, childParent);
    this.countOperation();

    node.itLeft = null;
    node.itRight = null;
    node.itParent = null;
    node.itPrev = null;
    node.itNext = null;
  }

  /**
   * The first node in address order whose interval intersects `[start, last]`, or `null`.
   *
   * Precisely (this matters only for the inverted intervals that zero-length ranges produce):
   * take the first node `n` in address order with `start <= n.itLast`; return it when
   * `n.addr <= last`, else `null`. Mirrors the kernel's `<prefix>_iter_first()`.
   */
  iterFirst(start: U64, last: U64): N | null {
    if (!this.augmented) {
      // Ends are sorted: binary search for the first one at or after `start`.
      let found: N | null = null;
      for (let n = this.root; n !== null; ) {
        if (start <= n.itLast) {
          found = n;
          n = n.itLeft;
        } else {
          n = n.itRight;
        }
      }
      return found !== null && found.addr <= last ? found : null;
    }
    let node = this.root;
    if (node === null || node.itSubtreeLast < start) return null;
    const lowest = this.first as N;
    if (lowest.addr > last) return null;
    for (;;) {
      const l: N | null = node.itLeft;
      if (l !== null && start <= l.itSubtreeLast) {
        node = l;
        continue;
      }
      if (node.addr <= last) {
        if (start <= node.itLast) return node;
        const r: N | null = node.itRight;
        if (r !== null && start <= r.itSubtreeLast) {
          node = r;
          continue;
        }
      }
      return null;
    }
  }

  /** Puts `v` (possibly `null`) where `u` hangs from its parent. */
  private transplant(u: N, v: N | null): void {
    const p = u.itParent;
    if (p === null) this.root = v;
    else if (p.itLeft === u) p.itLeft = v;
    else p.itRight = v;
    if (v !== null) v.itParent = p;
  }

  /** Left rotation at `x`, keeping the subtree maxima right. */
  private rotateLeft(x: N): void {
    const y = x.itRight as N;
    const b = y.itLeft;
    x.itRight = b;
    if (b !== null) b.itParent = x;
    this.transplant(x, y);
    y.itLeft = x;
    x.itParent = y;
    if (this.augmented) {
      // y now spans exactly what x spanned; x lost y's right subtree.
      y.itSubtreeLast = x.itSubtreeLast;
      x.itSubtreeLast = subtreeLastOf(x);
    }
  }

  /** Right rotation at `x`, keeping the subtree maxima right. */
  private rotateRight(x: N): void {
    const y = x.itLeft as N;
    const b = y.itRight;
    x.itLeft = b;
    if (b !== null) b.itParent = x;
    this.transplant(x, y);
    y.itRight = x;
    x.itParent = y;
    if (this.augmented) {
      y.itSubtreeLast = x.itSubtreeLast;
      x.itSubtreeLast = subtreeLastOf(x);
    }
  }

  /** Restores the red-black rules after inserting the red node `z`. */
  private insertRebalance(z: N): void {
    for (;;) {
      let p = z.itParent;
      if (p === null || !p.itRed) break;
      // A red parent is never the root, so the grandparent exists.
      const g = p.itParent as N;
      if (p === g.itLeft) {
        const u = g.itRight;
        if (u?.itRed) {
          p.itRed = false;
          u.itRed = false;
          g.itRed = true;
          z = g;
          continue;
        }
        if (z === p.itRight) {
          this.rotateLeft(p);
          z = p;
          p = z.itParent as N;
        }
        p.itRed = false;
        g.itRed = true;
        this.rotateRight(g);
        break;
      }
      const u = g.itLeft;
      if (u?.itRed) {
        p.itRed = false;
        u.itRed = false;
        g.itRed = true;
        z = g;
        continue;
      }
      if (z === p.itLeft) {
        this.rotateRight(p);
        z = p;
        p = z.itParent as N;
      }
      p.itRed = false;
      g.itRed = true;
      this.rotateLeft(g);
      break;
    }
    (this.root as N).itRed = false;
  }

  /** Restores the red-black rules after a black node was taken out above `x` (maybe null). */
  private removeRebalance(x: N | null, parent: N | null): void {
    while (parent !== null && (x === null || !x.itRed)) {
      if (x === parent.itLeft) {
        let w = parent.itRight as N;
        if (w.itRed) {
          w.itRed = false;
          parent.itRed = true;
          this.rotateLeft(parent);
          w = parent.itRight as N;
        }
        const wl = w.itLeft;
        const wr = w.itRight;
        if ((wl === null || !wl.itRed) && (wr === null || !wr.itRed)) {
          w.itRed = true;
          x = parent;
          parent = x.itParent;
          continue;
        }
        if (wr === null || !wr.itRed) {
          (wl as N).itRed = false;
          w.itRed = true;
          this.rotateRight(w);
          w = parent.itRight as N;
        }
        w.itRed = parent.itRed;
        parent.itRed = false;
        if (w.itRight !== null) w.itRight.itRed = false;
        this.rotateLeft(parent);
        x = this.root;
        break;
      }
      let w = parent.itLeft as N;
      if (w.itRed) {
        w.itRed = false;
        parent.itRed = true;
        this.rotateRight(parent);
        w = parent.itLeft as N;
      }
      const wl = w.itLeft;
      const wr = w.itRight;
      if ((wl === null || !wl.itRed) && (wr === null || !wr.itRed)) {
        w.itRed = true;
        x = parent;
        parent = x.itParent;
        continue;
      }
      if (wl === null || !wl.itRed) {
        (wr as N).itRed = false;
        w.itRed = true;
        this.rotateLeft(w);
        w = parent.itLeft as N;
      }
      w.itRed = parent.itRed;
      parent.itRed = false;
      if (w.itLeft !== null) w.itLeft.itRed = false;
      this.rotateRight(parent);
      x = this.root;
      break;
    }
    if (x !== null) x.itRed = false;
  }
}

/**
 * Checks the tree's invariants (BST order with ties in list order, red-black rules, subtree
 * maxima when they are maintained, sorted ends when they are not, list consistency) and
 * returns a description of the first violation, or `null`.
 * O(n); meant for tests and debugging.
 */
export function checkIntervalTree<N extends IntervalTreeNode<N>>(
  tree: IntervalTree<N>,
): string | null {
  const inorder: N[] = [];
  let problem: string | null = null;
  const walk = (n: N | null, parent: N | null): number => {
    if (n === null) return 1;
    if (n.itParent !== parent) problem ??= "parent link mismatch";
    if (n.itRed && parent?.itRed) problem ??= "red node with red parent";
    const lh = walk(n.itLeft, n);
    inorder.push(n);
    const rh = walk(n.itRight, n);
    if (lh !== rh) problem ??= "black heights differ";
    if (tree.isAugmented) {
      const want = [n.itLast, n.itLeft?.itSubtreeLast, n.itRight?.itSubtreeLast].reduce<U64>(
        (m, v) => (v === undefined ? m : u64Max(m, v)),
        n.itLast,
      );
      if (want !== n.itSubtreeLast) problem ??= "stale subtree maximum";
    }
    return lh + (n.itRed ? 0 : 1);
  };
  if (tree.root?.itRed) problem ??= "red root";
  walk(tree.root, null);
  if (inorder.length !== tree.size) problem ??= "size mismatch";
  let prev: N | null = null;
  let disorder = 0;
  let listNode = tree.first;
  for (const n of inorder) {
    if (listNode !== n) {
      problem ??= "list order differs from tree order";
      break;
    }
    if (n.itPrev !== prev) problem ??= "list back link mismatch";
    if (prev !== null && prev.addr > n.addr) problem ??= "keys out of order";
    if (prev !== null && prev.itLast > n.itLast) disorder++;
    prev = n;
    listNode = n.itNext;
  }
  if (listNode !== null || tree.last !== prev) problem ??= "list tail mismatch";
  if (disorder !== tree.disorderedPairs) problem ??= "disordered pair count is wrong";
  if (disorder !== 0 && !tree.isAugmented) problem ??= "unsorted ends without subtree maxima";
  return problem;
}
