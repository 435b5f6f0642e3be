/**
 * Writing a VM's page table: mapping a range of a BO's sg table and unmapping a range, in the
 * largest chunks io-pgtable takes (4 KiB pages or 2 MiB blocks, never across 1 GiB).
 */

import type { DrmSgSegment } from "@panmmu/drm";
import { orAddr, pgsizeChunk } from "@panmmu/iopgtable";
import { ENOMEM } from "@panmmu/uapi";

/** What the page writers need of the VM. */
export interface PageWriterVm {
  /** io-pgtable ops of the VM. */
  readonly pgtable: {
    mapPages(iova: number, paddr: number, pgsize: number, pgcount: number, prot: number): number;
    readonly mapped: number;
    unmapPages(iova: number, pgsize: number, pgcount: number, gather: null): number;
    iovaToPhys(iova: number): number;
  };
  /** Whether `[iova, iova + size)` lies inside the locked region. */
  inLockedRegion(iova: number, size: number): boolean;
  /** Reports a kernel WARN. */
  warn(where: string, message: string): void;
  /** Flags the VM unusable (and disables its AS). Mirrors panthor_vm_declare_unusable(). */
  declareUnusable(): void;
}

/**
 * Unmaps `[iova, iova + size)`. When io-pgtable unmaps less than asked (it refuses to split a
 * 2 MiB block), skips what is already unmapped, declares the VM unusable, and gives up when it
 * cannot make progress. Mirrors panthor_vm_unmap_pages().
 */
export function vmUnmapPages(vm: PageWriterVm, iova: number, size: number): void {
  if (size === 0) return;
  if (!vm.inLockedRegion(iova, size)) {
    vm.warn("panthor_vm_unmap_pages", "range outside the locked region");
  }
  let offset = 0;
  while (offset < size) {
    const { pgsize, count } = pgsizeChunk(iova + offset, size - offset);
    let unmapped = vm.pgtable.unmapPages(iova + offset, pgsize, count, null);
    const want = pgsize * count;
    if (unmapped !== want) {
      vm.warn("panthor_vm_unmap_pages", "io-pgtable unmapped less than asked");
      while (vm.pgtable.iovaToPhys(iova + offset + unmapped) === 0 && unmapped < want) {
        unmapped += 4096;
      }
      vm.declareUnusable();
      if (unmapped === 0) {
        vm.warn("panthor_vm_unmap_pages", "no progress: gives up on the rest of the range");
        return;
      }
    }
    offset += unmapped;
  }
}

/**
 * Maps `size` bytes of the sg table `sgt` from byte `offset` at `iova` with `prot`, segment by
 * segment. On a failure (nothing mapped counts as -ENOMEM) what was mapped is unmapped again
 * and the VM declared unusable. Mirrors panthor_vm_map_pages().
 */
export function vmMapPages(
  vm: PageWriterVm,
  iova: number,
  prot: number,
  sgt: readonly DrmSgSegment[],
  offset: number,
  size: number,
): number {
  if (size === 0) return 0;
  if (!vm.inLockedRegion(iova, size)) {
    vm.warn("panthor_vm_map_pages", "range outside the locked region");
  }
  const startIova = iova;
  let off = offset;
  let left = size;
  for (const { pa: segPa, size: segLen } of sgt) {
    if (segLen <= off) {
      off -= segLen;
      continue;
    }
    let paddr = segPa + off;
    let len = Math.min(segLen - off, left);
    left -= len;
    while (len > 0) {
      const { pgsize, count } = pgsizeChunk(orAddr(iova, paddr), len);
      let ret = vm.pgtable.mapPages(iova, paddr, pgsize, count, prot);
      const mapped = vm.pgtable.mapped;
      iova += mapped;
      paddr += mapped;
      len -= mapped;
      if (ret === 0 && mapped === 0) ret = -ENOMEM;
      if (ret !== 0) {
        vm.warn("panthor_vm_map_pages", `io-pgtable map failed (${ret})`);
        vmUnmapPages(vm, startIova, iova - startIova);
        vm.declareUnusable();
        return ret;
      }
    }
    if (left === 0) break;
    off = 0;
  }
  return 0;
}
