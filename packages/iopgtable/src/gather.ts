/**
 * The TLB-invalidation gather that `unmapPages` hands to `tlbAddPage`.
 */

/**
 * A range of iovas whose TLB entries still need invalidating. Mirrors
 * `struct iommu_iotlb_gather`: io-pgtable only reads `queued`; the TLB callbacks own the rest.
 */
export class IommuIotlbGather {
  /** First iova of the pending range; `Infinity` while the range is empty (the kernel's ULONG_MAX). */
  start = Number.POSITIVE_INFINITY;
  /** Last iova (inclusive) of the pending range; 0 while empty. */
  end = 0;
  /** Granule of the pages gathered so far; 0 while empty. */
  pgsize = 0;
  /**
   * The caller defers invalidation to a flush queue (`iommu_iotlb_gather_queued()`): when true,
   * `unmapPages` makes no `tlbAddPage` calls.
   */
  queued: boolean;

  /** Creates an empty gather. Mirrors iommu_iotlb_gather_init(). */
  constructor(queued = false) {
    this.queued = queued;
  }

  /** Empties the range again, keeping `queued`. */
  reset(): void {
    this.start = Number.POSITIVE_INFINITY;
    this.end = 0;
    this.pgsize = 0;
  }

  /**
   * Widens the range to cover `[iova, iova + size)`. Mirrors iommu_iotlb_gather_add_range().
   */
  addRange(iova: number, size: number): void {
    const end = iova + size - 1;
    if (this.start > iova) this.start = iova;
    if (this.end < end) this.end = end;
  }
}
