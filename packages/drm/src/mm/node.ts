/**
 * The allocation record. Mirrors `struct drm_mm_node` (include/drm/drm_mm.h).
 */

/**
 * One allocated block, and the hole that may follow it.
 *
 * As in the kernel, the caller owns nodes: create one, hand it to an insert or reserve call,
 * and hand it back to `removeNode`. For `reserveNode` set `start`, `size` and `color` first.
 * `T` is the allocator's integer representation: `number` for {@link DrmMm}, `bigint` for
 * {@link DrmMm64}. The fields below `color` are managed by the allocator.
 */
export class DrmMmNode<T extends number | bigint = number> {
  /** First unit of the block. Set by insert calls; set it yourself before `reserveNode`. */
  start: T;
  /** Length of the block in units. Set by insert calls; set it yourself before `reserveNode`. */
  size: T;
  /** Opaque driver tag handed to the colour-adjust callback (`unsigned long color`). */
  color: number;

  /** The allocator holding the node, `null` before the first insertion. Managed by the allocator. */
  mm: object | null = null;
  /** Allocated flag (`DRM_MM_NODE_ALLOCATED_BIT`). Managed by the allocator. */
  isAllocated = false;
  /** Scanned flag (`DRM_MM_NODE_SCANNED_BIT`): added to an eviction scan. Managed by the allocator. */
  isScanned = false;
  /** Previous node in address order (the allocator's head node before the first one). Managed by the allocator. */
  prev: DrmMmNode<T> | null = null;
  /** Next node in address order (the head node after the last one). Managed by the allocator. */
  next: DrmMmNode<T> | null = null;
  /**
   * Index of the allocator slot holding this node's hole data and tree links (the kernel's
   * embedded `rb_hole_size`, `rb_hole_addr`, `hole_stack`, `hole_size`, `subtree_max_hole`);
   * -1 while not allocated. Managed by the allocator.
   */
  slot = -1;

  /**
   * @param start - initial start (only meaningful for `reserveNode`); use `0` or `0n`.
   * @param size - initial size (only meaningful for `reserveNode`).
   * @param color - initial colour.
   */
  constructor(start: T, size: T, color = 0) {
    this.start = start;
    this.size = size;
    this.color = color;
  }

  /** Whether the node is currently allocated. Mirrors drm_mm_node_allocated(). */
  get allocated(): boolean {
    return this.isAllocated;
  }
}
