/**
 * A faithful port of Linux's red-black tree (lib/rbtree.c, include/linux/rbtree_augmented.h):
 * caller-driven descent, the kernel's exact rebalancing and augmentation hooks, stored as
 * parallel typed arrays indexed by slot.
 */
export { rbErase, rbEraseAugmented, rbEraseCached, rbEraseColor, rbEraseUnlink } from "./erase.js";
export { rbInsertAugmented, rbInsertColor, rbInsertColorCached, rbInsertFixup } from "./insert.js";
export { rbFirst, rbLast, rbNext, rbPrev, rbReplaceNode, rbReplaceNodeCached } from "./navigate.js";
export { RB_LINK_WORDS, RB_NIL, RB_RECORD_WORDS, type RbAugment, RbTree } from "./tree.js";
