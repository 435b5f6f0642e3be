/**
 * The fake mmap offset space of a DRM device (`drm_vma_offset_manager`): every GEM object that
 * userspace may mmap gets a page range in it, plus the list of open files allowed to map it.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import type { WarningSink } from "@panmmu/uapi";
import { DrmMm } from "../mm/drm-mm.js";
import { DrmMmNode } from "../mm/node.js";

/**
 * First page of the fake offsets: the page after the first 4 GiB, so that fake offsets never
 * collide with the small real offsets legacy drivers map (`DRM_FILE_PAGE_OFFSET_START` on a
 * 64-bit kernel with 4 KiB pages; byte offset 0x1_0000_0000).
 */
export const DRM_FILE_PAGE_OFFSET_START = 0x100000;
/** Number of pages of the fake offset space (`DRM_FILE_PAGE_OFFSET_SIZE`: 256 × 4 GiB). */
export const DRM_FILE_PAGE_OFFSET_SIZE = 0xfffff * 256;

/**
 * The fake offset of one object and the files allowed to map it (`struct drm_vma_offset_node`).
 * `T` is the owner (the GEM object embedding the node in the kernel, reached by container_of).
 * Files are kept as opaque tags, counted: each {@link allow} needs one {@link revoke}.
 */
export class DrmVmaOffsetNode<T = unknown> {
  /** The range in the manager's drm_mm, in pages (`vm_node`). */
  readonly vmNode = new DrmMmNode(0, 0);
  /** The object the node belongs to. */
  readonly owner: T;
  private readonly files = new Map<object, number>();

  /** @param owner - the object the node belongs to. */
  constructor(owner: T) {
    this.owner = owner;
  }

  /** Whether the node has an offset. */
  get allocated(): boolean {
    return this.vmNode.allocated;
  }

  /** First page of the offset, 0 without one. Mirrors drm_vma_node_start(). */
  get start(): number {
    return this.vmNode.allocated ? this.vmNode.start : 0;
  }

  /** Number of pages userspace may map, 0 without an offset. Mirrors drm_vma_node_size(). */
  get pages(): number {
    return this.vmNode.allocated ? this.vmNode.size : 0;
  }

  /**
   * The byte offset userspace passes to mmap(), 0 without an offset. Mirrors
   * drm_vma_node_offset_addr().
   */
  get offsetAddr(): number {
    return this.start * PAGE_SIZE;
  }

  /**
   * Allows file `tag` to map the node; a file already on the list gets its count raised. The
   * list is kept whether or not the node has an offset. Mirrors drm_vma_node_allow().
   */
  allow(tag: object): void {
    this.files.set(tag, (this.files.get(tag) ?? 0) + 1);
  }

  /**
   * Allows file `tag` without counting: a file already on the list stays at its count. Mirrors
   * drm_vma_node_allow_once().
   */
  allowOnce(tag: object): void {
    if (!this.files.has(tag)) this.files.set(tag, 1);
  }

  /**
   * Drops one count of file `tag`; at zero the file leaves the list. A file not on the list is
   * ignored. Mirrors drm_vma_node_revoke().
   */
  revoke(tag: object): void {
    const n = this.files.get(tag);
    if (n === undefined) return;
    if (n <= 1) this.files.delete(tag);
    else this.files.set(tag, n - 1);
  }

  /** Whether file `tag` may map the node. Mirrors drm_vma_node_is_allowed(). */
  isAllowed(tag: object): boolean {
    return this.files.has(tag);
  }

  /** Number of files on the allow list. */
  get allowedFiles(): number {
    return this.files.size;
  }
}

/**
 * The device's fake offset space: a drm_mm over pages `[DRM_FILE_PAGE_OFFSET_START, +SIZE)`
 * handing out ranges first-fit-by-size (drm_mm_insert_node's BEST mode), and a lookup of nodes
 * by their first page. Mirrors `struct drm_vma_offset_manager`.
 */
export class DrmVmaOffsetManager<T = unknown> {
  private readonly mm: DrmMm;
  private readonly byStart = new Map<number, DrmVmaOffsetNode<T>>();

  /**
   * Manages pages `[pageOffset, pageOffset + size)`. Mirrors drm_vma_offset_manager_init().
   */
  constructor(
    pageOffset = DRM_FILE_PAGE_OFFSET_START,
    size = DRM_FILE_PAGE_OFFSET_SIZE,
    warnings?: WarningSink,
  ) {
    this.mm = new DrmMm(warnings === undefined ? {} : { warnings });
    this.mm.init(pageOffset, size);
  }

  /** Number of nodes with an offset. */
  get size(): number {
    return this.byStart.size;
  }

  /**
   * Gives `node` an offset of `pages` pages; a node that already has one keeps it. 0, or
   * -ENOSPC when the space is full (or `pages` is 0), with nothing changed. Mirrors
   * drm_vma_offset_add().
   */
  add(node: DrmVmaOffsetNode<T>, pages: number): number {
    if (node.vmNode.allocated) return 0;
    const ret = this.mm.insertNode(node.vmNode, pages);
    if (ret === 0) this.byStart.set(node.vmNode.start, node);
    return ret;
  }

  /** Takes the offset of `node` away; a node without one is left alone. Mirrors drm_vma_offset_remove(). */
  remove(node: DrmVmaOffsetNode<T>): void {
    if (!node.vmNode.allocated) return;
    this.byStart.delete(node.vmNode.start);
    this.mm.removeNode(node.vmNode);
    node.vmNode.start = 0;
    node.vmNode.size = 0;
  }

  /**
   * The node whose offset starts at page `start` and spans at least `pages` pages, or null.
   * Mirrors drm_vma_offset_exact_lookup_locked().
   */
  exactLookup(start: number, pages: number): DrmVmaOffsetNode<T> | null {
    const node = this.byStart.get(start);
    if (node === undefined || start + pages > node.vmNode.start + node.vmNode.size) return null;
    return node;
  }

  /**
   * Frees the offset space; nodes still holding offsets are leaked and reported to the warning
   * sink. Mirrors drm_vma_offset_manager_destroy().
   */
  destroy(): void {
    this.mm.takedown();
    this.byStart.clear();
  }
}
