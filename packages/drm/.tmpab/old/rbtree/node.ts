/**
 * Red-black tree links, roots and augmentation hooks, shaped like Linux's `struct rb_node`,
 * `struct rb_root`, `struct rb_root_cached` and `struct rb_augment_callbacks`
 * (include/linux/rbtree_types.h, rbtree_augmented.h).
 *
 * The links are intrusive: an object that sits in a tree owns one {@link RbNode} per tree and
 * the tree code only ever touches the links. Ordering is left to the caller, who descends the
 * tree, links the new node with {@link rbLinkNode} and then calls an insert function to
 * rebalance, exactly as kernel users do.
 */

/**
 * One tree link. Mirrors `struct rb_node`, with the parent pointer and the colour kept in two
 * fields instead of one packed word.
 */
export class RbNode<O> {
  /** Parent link, `null` for the root. */
  parent: RbNode<O> | null = null;
  /** Left child (smaller keys), `null` when absent. */
  left: RbNode<O> | null = null;
  /** Right child (larger or equal keys), `null` when absent. */
  right: RbNode<O> | null = null;
  /** Colour: `true` for black, `false` for red. */
  black = false;

  /**
   * @param owner - the object this link belongs to (the kernel's `rb_entry()` container).
   */
  constructor(readonly owner: O) {}
}

/** A tree. Mirrors `struct rb_root`. */
export class RbRoot<O> {
  /** The root link, `null` for an empty tree. */
  node: RbNode<O> | null = null;
}

/** A tree that also caches its leftmost link. Mirrors `struct rb_root_cached`. */
export class RbRootCached<O> extends RbRoot<O> {
  /** The leftmost (first in order) link, `null` for an empty tree. */
  leftmost: RbNode<O> | null = null;
}

/**
 * Recomputes augmented data after a rotation: `newTop` takes over `oldTop`'s subtree value and
 * `oldTop` (now a child of `newTop`) recomputes its own. Mirrors the `rotate` callback.
 */
export type RbRotateFn<O> = (oldTop: RbNode<O>, newTop: RbNode<O>) => void;

/** Augmentation hooks. Mirrors `struct rb_augment_callbacks`. */
export interface RbAugmentCallbacks<O> {
  /** Recomputes the augmented value from `node` upwards, stopping at `stop` (or early when nothing changes). */
  readonly propagate: (node: RbNode<O> | null, stop: RbNode<O> | null) => void;
  /** Copies the augmented value of `from` to `to` (erase moved `to` into `from`'s place). */
  readonly copy: (from: RbNode<O>, to: RbNode<O>) => void;
  /** See {@link RbRotateFn}. */
  readonly rotate: RbRotateFn<O>;
}

function noop(): void {}

/** Hooks that do nothing, for plain (non-augmented) trees. Mirrors the kernel's dummy callbacks. */
export const RB_NO_AUGMENT: RbAugmentCallbacks<unknown> = {
  propagate: noop,
  copy: noop,
  rotate: noop,
};

/**
 * Attaches `node` as a red leaf below `parent` (or as the root when `parent` is `null`), on the
 * side the caller's descent chose. Must be followed by an insert call that rebalances.
 * Mirrors rb_link_node().
 */
export function rbLinkNode<O>(
  node: RbNode<O>,
  parent: RbNode<O> | null,
  asLeftChild: boolean,
  root: RbRoot<O>,
): void {
  node.parent = parent;
  node.black = false;
  node.left = null;
  node.right = null;
  if (parent === null) root.node = node;
  else if (asLeftChild) parent.left = node;
  else parent.right = node;
}

/**
 * Points `parent`'s child slot (or the root) that held `oldChild` at `newChild`.
 * Mirrors __rb_change_child().
 */
export function rbChangeChild<O>(
  oldChild: RbNode<O>,
  newChild: RbNode<O> | null,
  parent: RbNode<O> | null,
  root: RbRoot<O>,
): void {
  if (parent === null) root.node = newChild;
  else if (parent.left === oldChild) parent.left = newChild;
  else parent.right = newChild;
}

/**
 * Rotation helper: `newTop` takes `oldTop`'s parent and colour, `oldTop` becomes a child of
 * `newTop` with colour `oldBlack`. Mirrors __rb_rotate_set_parents().
 */
export function rbRotateSetParents<O>(
  oldTop: RbNode<O>,
  newTop: RbNode<O>,
  root: RbRoot<O>,
  oldBlack: boolean,
): void {
  const parent = oldTop.parent;
  newTop.parent = parent;
  newTop.black = oldTop.black;
  oldTop.parent = newTop;
  oldTop.black = oldBlack;
  rbChangeChild(oldTop, newTop, parent, root);
}
