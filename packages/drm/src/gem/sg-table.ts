/**
 * The page list a driver maps into a GPU address space (`struct sg_table` after dma mapping).
 */
import { PAGE_SIZE } from "@panmmu/hw";

/** One physically contiguous piece of an object. */
export interface DrmSgSegment {
  /** Physical address of the first byte (page aligned). */
  readonly pa: number;
  /** Length in bytes (a page multiple). */
  readonly size: number;
}

/**
 * The object's pages in object order, merged into physically contiguous segments the way
 * sg_alloc_table_from_pages() merges adjacent pages. A 2 MiB run from the allocator shows up as
 * (part of) one segment whose address is 2 MiB aligned, so drivers can map it with 2 MiB blocks.
 */
export interface DrmSgTable {
  /** Physical address of every page, in object order. */
  readonly pages: readonly number[];
  /** Contiguous segments covering the object, in object order. */
  readonly segments: readonly DrmSgSegment[];
}

/** Builds an sg table from an ordered page list. Mirrors drm_prime_pages_to_sg(). */
export function sgTableFromPages(pages: readonly number[]): DrmSgTable {
  const segments: DrmSgSegment[] = [];
  let start = -1;
  let len = 0;
  for (const pa of pages) {
    if (start >= 0 && pa === start + len) {
      len += PAGE_SIZE;
      continue;
    }
    if (start >= 0) segments.push({ pa: start, size: len });
    start = pa;
    len = PAGE_SIZE;
  }
  if (start >= 0) segments.push({ pa: start, size: len });
  return { pages: pages.slice(), segments };
}
