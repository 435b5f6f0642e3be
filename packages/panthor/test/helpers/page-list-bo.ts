/**
 * The test BOs' common part: a BO described by its page list and the folio size of each page,
 * whose sg table merges consecutive contiguous pages (drm_prime_pages_to_sg()).
 */
import { type DrmSgTable, GemGpuvaList, type GpuVmGemObject, sgTableFromPages } from "@panmmu/drm";
import type { PanthorVmBo } from "../../src/vm/bo.js";

/** A BO made of the given pages. */
export class PageListBo implements PanthorVmBo {
  readonly gpuva = new GemGpuvaList();
  readonly resv = {};
  readonly imported = false;
  exclusiveVmRootGem: GpuVmGemObject | null = null;
  /** Pins taken and not dropped. */
  pins = 0;
  /** Physical address of each page. */
  readonly pages: number[] = [];
  /** Folio size (bytes) of each page. */
  protected readonly folios: number[] = [];
  private sg: DrmSgTable = { pages: [], segments: [] };

  /** @param size - bytes (multiple of 4 KiB); the subclass fills the pages, then calls {@link seal}. */
  constructor(readonly size: number) {}

  /** Builds the sg table once the pages are known. */
  protected seal(): void {
    this.sg = sgTableFromPages(this.pages);
  }

  pin(): number {
    this.pins++;
    return 0;
  }
  unpin(): void {
    this.pins--;
  }
  getPagesSgt(): DrmSgTable {
    return this.sg;
  }
  folioSizeAt(offset: number): number {
    return this.folios[Math.floor(offset / 4096)] ?? 4096;
  }
  /** Physical address of the BO's page at byte `offset`, or -1. */
  pageAt(offset: number): number {
    return this.pages[Math.floor(offset / 4096)] ?? -1;
  }
}
