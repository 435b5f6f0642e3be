/**
 * A faithful port of Linux's red-black tree (lib/rbtree.c, include/linux/rbtree_augmented.h):
 * intrusive links, caller-driven descent, the kernel's exact rebalancing and augmentation hooks.
 */
export { rbEraseColor, rbErase, rbEraseAugmented, rbEraseCached, rbEraseUnlink } from "./erase.js";
export { rbInsertAugmented, rbInsertColor, rbInsertColorCached, rbInsertFixup } from "./insert.js";
export { rbFirst, rbLast, rbNext, rbPrev, rbReplaceNode, rbReplaceNodeCached } from "./navigate.js";
export {
  RB_NO_AUGMENT,
  type RbAugmentCallbacks,
  rbChangeChild,
  rbLinkNode,
  RbNode,
  RbRoot,
  RbRootCached,
  type RbRotateFn,
  rbRotateSetParents,
} from "./node.js";
