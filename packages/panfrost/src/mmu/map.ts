/**
 * Mapping and unmapping physical segments into an MMU context's page table, with one TLB flush
 * over the whole range afterwards.
 */
import {
  IOMMU_CACHE,
  IOMMU_NOEXEC,
  IOMMU_READ,
  IOMMU_WRITE,
  orAddr,
  pgsizeChunk,
} from "@panmmu/iopgtable";
import type { WarningSink } from "@panmmu/uapi";
import type { MmuContext } from "./context.js";

/** Protection of a GPU mapping: READ|WRITE|CACHE, plus NOEXEC for non-executable BOs. */
export function mappingProt(noexec: boolean): number {
  return IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | (noexec ? IOMMU_NOEXEC : 0);
}

/** Counters of page-table work (observability). */
export interface MapCounters {
  /** 4 KiB leaf entries written. */
  pages4k: number;
  /** 2 MiB block entries written. */
  blocks2m: number;
  /** Bytes unmapped. */
  unmappedBytes: number;
}

/** Flush callback: TLB flush of `[iova, iova + size)` for the context (if it holds an AS). */
export type FlushFn = (ctx: MmuContext, iova: number, size: number) => void;

/**
 * Maps the physically contiguous segments `[pa, bytes]` one after another from `iova`, using
 * 2 MiB blocks wherever both the VA and the PA are 2 MiB aligned with 2 MiB left, then flushes
 * the TLB once over the range. Returns 0, or the page-table error after removing every entry
 * this call wrote (nothing is left half-mapped: the caller's mapping stays inactive, and a
 * heap chunk can be mapped again by the next fault).
 *
 * Mirrors mmu_map_sg() (with its error path unmapping what was mapped).
 */
export function mmuMapSegments(
  ctx: MmuContext,
  iova: number,
  segments: ReadonlyArray<readonly [number, number]>,
  prot: number,
  flush: FlushFn,
  counters: MapCounters,
): number {
  const start = iova;
  for (const [segPa, segLen] of segments) {
    let pa = segPa;
    let len = segLen;
    while (len > 0) {
      // The block decision needs both addresses aligned: feed (iova | pa) as the kernel does.
      const chunk = pgsizeChunk(orAddr(iova, pa), len);
      const size = chunk.pgsize;
      const n = chunk.count;
      const r = ctx.ops.mapPages(iova, pa, size, n, prot);
      if (size === 0x200000) counters.blocks2m += ctx.ops.mapped / size;
      else counters.pages4k += ctx.ops.mapped / size;
      if (r < 0) {
        // Take back what this call mapped, this step's partial progress included.
        unmapMapped(ctx, start, iova - start + ctx.ops.mapped, counters);
        return r;
      }
      const mapped = Math.max(ctx.ops.mapped, size);
      iova += mapped;
      pa += mapped;
      len -= mapped;
    }
  }
  flush(ctx, start, iova - start);
  return 0;
}

/**
 * Unmaps `[iova, iova + size)`, a range this module has just mapped in full, in the largest
 * units the addresses allow. Mirrors mmu_unmap_range() of panfrost_mmu.c.
 */
function unmapMapped(ctx: MmuContext, iova: number, size: number, counters: MapCounters): void {
  let done = 0;
  while (done < size) {
    const chunk = pgsizeChunk(iova + done, size - done);
    const bytes = chunk.pgsize * chunk.count;
    counters.unmappedBytes += ctx.ops.unmapPages(iova + done, chunk.pgsize, chunk.count);
    done += bytes;
  }
}

/**
 * Unmaps `[iova, iova + size)`. For sparse (heap) ranges each page-size unit is unmapped only
 * where something is mapped; otherwise the range must be fully mapped and a short unmap is
 * warned about. Flushes the TLB once over the range.
 *
 * Mirrors panfrost_mmu_unmap().
 */
export function mmuUnmapRange(
  ctx: MmuContext,
  iova: number,
  size: number,
  sparse: boolean,
  flush: FlushFn,
  counters: MapCounters,
  warnings: WarningSink,
): void {
  let done = 0;
  let va = iova;
  while (done < size) {
    const chunk = pgsizeChunk(va, size - done);
    const count = sparse ? 1 : chunk.count;
    const bytes = chunk.pgsize * count;
    if (!sparse || ctx.ops.iovaToPhys(va) !== 0) {
      const unmapped = ctx.ops.unmapPages(va, chunk.pgsize, count);
      counters.unmappedBytes += unmapped;
      if (unmapped !== bytes) {
        warnings.warn(
          "panfrost_mmu_unmap",
          `unmapped ${unmapped} of ${bytes} bytes at 0x${va.toString(16)}`,
        );
      }
    }
    va += bytes;
    done += bytes;
  }
  flush(ctx, iova, size);
}
