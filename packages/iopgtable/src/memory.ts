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
}
