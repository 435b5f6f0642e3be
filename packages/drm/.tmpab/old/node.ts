/**
 * The allocation record. Mirrors `struct drm_mm_node` (include/drm/drm_mm.h).
 */
import { RbNode } from "./rbtree/index.js";

/**
 * One allocated block, and the hole that may follow it.
 *
 * As in the kernel, the caller owns nodes: create one, hand it to an insert or reserve call,
 * and hand it back to `removeNode`. For `reserveNode` set `start`, `size` and `color` first.
 * `T` is the allocator's integer representation: `number` for {@link DrmMm}, `bigint` for
 * {@link DrmMm64}.
 *
 * A node also carries the hole that follows it in address order: the free gap up to the next
 * node (or the end of the range). The fields below `color` are managed by the allocator; read
 * them through the allocator's iteration helpers rather than directly.
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
  /** Newer neighbour on the hole stack (`null` at the top). Managed by the allocator. */
  stackPrev: DrmMmNode<T> | null = null;
  /** Older neighbour on the hole stack (`null` at the bottom). Managed by the allocator. */
  stackNext: DrmMmNode<T> | null = null;
  /** Link in the size-ordered hole tree (`rb_hole_size`). Managed by the allocator. */
  readonly sizeLink: RbNode<DrmMmNode<T>>;
  /** Link in the address-ordered hole tree (`rb_hole_addr`). Managed by the allocator. */
  readonly addrLink: RbNode<DrmMmNode<T>>;
  /** Size of the following hole, zero when none follows (`hole_size`). Managed by the allocator. */
  holeSize: T;
  /** Start of the following hole, `start + size`, cached while the hole exists. Managed by the allocator. */
  holeStart: T;
  /** Largest hole in this node's subtree of the address tree (`subtree_max_hole`). Managed by the allocator. */
  subtreeMaxHole: T;

  /**
   * @param start - initial start (only meaningful for `reserveNode`); use `0` or `0n`.
   * @param size - initial size (only meaningful for `reserveNode`).
   * @param color - initial colour.
   */
  constructor(start: T, size: T, color = 0) {
    this.start = start;
    this.size = size;
    this.color = color;
    const zero = (typeof start === "bigint" ? 0n : 0) as T;
    this.holeSize = zero;
    this.holeStart = zero;
    this.subtreeMaxHole = zero;
    this.sizeLink = new RbNode<DrmMmNode<T>>(this);
    this.addrLink = new RbNode<DrmMmNode<T>>(this);
  }

  /** Whether the node is currently allocated. Mirrors drm_mm_node_allocated(). */
  get allocated(): boolean {
    return this.isAllocated;
  }

  /** Whether a hole follows this node. Mirrors drm_mm_hole_follows(). */
  get holeFollows(): boolean {
    const h: number | bigint = this.holeSize;
    return h !== 0 && h !== 0n;
  }
}
