/**
 * Page-table memory: where io-pgtable allocates its tables. `@panmmu/hw`'s system memory
 * satisfies this interface structurally; tests can use a plain array-backed implementation.
 */
export interface PageTableMemory {
  /** Allocates one zeroed 4 KiB page; its physical address, or null when none can be had. */
  allocPage(): number | null;
  /** Frees a page returned by {@link allocPage}. */
  freePage(pa: number): void;
  /** The 1024-word (`lo`, `hi` pairs little-endian) view of the page at page-aligned `pa`. */
  pageU32(pa: number): Uint32Array;
  /**
   * Allocates 2^`order` physically contiguous, zeroed 4 KiB pages aligned to their total size
   * (order 2: a 16 KiB block, order 4: 64 KiB); the first page's address, or null. Needed only
   * for tables larger than one page (16 and 64 KiB granules, or a kernel with a larger
   * `PAGE_SIZE`); a memory without it cannot host them.
   */
  allocBlock?(order: number): number | null;
  /** Frees a block returned by {@link allocBlock} with the same `order`. */
  freeBlock?(pa: number, order: number): void;
  /** One word view over the whole block of 2^`order` pages at `pa` (from {@link allocBlock}). */
  blockU32?(pa: number, order: number): Uint32Array;
}
