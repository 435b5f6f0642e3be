/**
 * A faithful port of Linux's red-black tree (lib/rbtree.c, include/linux/rbtree_augmented.h):
 * caller-driven descent, the kernel's exact rebalancing and augmentation hooks, stored as
 * per-slot records in a typed array.
 */
export { RB_LINK_WORDS, RB_NIL, RB_RECORD_WORDS, type RbAugment, RbTree } from "./tree.js";
