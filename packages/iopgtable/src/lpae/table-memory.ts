/**
 * Sizes of a page table's allocations: how many 4 KiB pages each table's view spans, and the
 * allocation of multi-page tables from a {@link PageTableMemory}.
 */
import type { PageTableMemory } from "../memory.js";
import { DEFAULT_PAGE_SIZE, type LpaeGeometry, tableAllocationBytes } from "./geometry.js";

/** Orders (in 4 KiB pages) of the views of a table's tables, and the root allocation's bytes. */
export interface TableViewOrders {
  /** Order of every non-root table's view. */
  tableOrder: number;
  /** Order of the root's view. */
  rootOrder: number;
  /** Bytes of the root's allocation. */
  rootBytes: number;
}

/**
 * How big the views of a table's allocations are. The kernel's own allocator hands out
 * `PAGE_SIZE << get_order(size)` bytes; a custom allocator (`customAlloc`) is asked for the
 * exact size and only that size, rounded up to 4 KiB pages, is viewed.
 */
export function tableViewOrders(
  g: LpaeGeometry,
  pageSize: number = DEFAULT_PAGE_SIZE,
  customAlloc = false,
): TableViewOrders {
  const bytes = (size: number): number =>
    customAlloc ? tableAllocationBytes(size, 4096) : tableAllocationBytes(size, pageSize);
  const tableBytes = bytes(g.granule);
  const rootBytes = bytes(g.pgdSizeBytes);
  return {
    tableOrder: Math.log2(tableBytes / 4096),
    rootOrder: Math.log2(rootBytes / 4096),
    rootBytes,
  };
}

/** Allocates a zeroed table of 2^`order` pages from `mem`; its address or null. */
export function allocTableMemory(mem: PageTableMemory, order: number): number | null {
  if (order === 0) return mem.allocPage();
  return mem.allocBlock === undefined ? null : mem.allocBlock(order);
}
