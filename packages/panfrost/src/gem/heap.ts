/**
 * Growing a heap BO on GPU fault: the faulting address's 2 MiB chunk gets pages and is mapped.
 */
import { ENOMEM } from "@panmmu/uapi";
import { mappingProt } from "../mmu/map.js";
import type { PanfrostMmu } from "../mmu/mmu.js";
import type { PanfrostBo } from "./bo.js";
import type { BoMapping } from "./mapping.js";
import { PAGES_PER_2M } from "./page-store.js";

/** Heap growth granule: 2 MiB. */
export const HEAP_CHUNK = 0x200000;

/** Outcome of a heap growth attempt. */
export interface HeapGrowResult {
  /** 0 when the access can be retried, else a negative errno. */
  ret: number;
  /** What happened, in words. */
  reason: string;
}

/**
 * Maps the 2 MiB chunk of heap `bo` around `va` in `mapping`'s context. Pages already present
 * from an earlier, half-completed attempt are kept and only the missing ones allocated; a chunk
 * already mapped in this context (a racing access) is left alone. Allocation failure is
 * terminal (-ENOMEM) and keeps the pages allocated so far for the next attempt.
 *
 * Mirrors panfrost_mmu_map_fault_addr().
 */
export function growHeapOnFault(
  mmu: PanfrostMmu,
  bo: PanfrostBo,
  mapping: BoMapping,
  va: number,
): HeapGrowResult {
  const pages = bo.heapPages;
  const chunks = mapping.heapChunks;
  if (pages === null || chunks === null)
    return { ret: -ENOMEM, reason: "heap BO without page store" };
  const chunkVa = va - (va % HEAP_CHUNK);
  const chunk = Math.floor((chunkVa - mapping.iova) / HEAP_CHUNK);
  if (chunks[chunk] === 1) {
    mmu.faultCounters.spurious++;
    return { ret: 0, reason: "chunk already mapped" };
  }
  const first = chunk * PAGES_PER_2M;
  const count = Math.min(PAGES_PER_2M, pages.pageCount - first);
  if (!pages.populate(first, count, true)) {
    return { ret: -ENOMEM, reason: "out of memory growing heap" };
  }
  const wasResident = chunkResident(bo, first, count);
  const ret = mmu.mapSegments(
    mapping.ctx,
    chunkVa,
    pages.segments(first, count),
    mappingProt(true),
  );
  if (ret < 0) return { ret, reason: "page-table allocation failed growing heap" };
  chunks[chunk] = 1;
  mapping.active = true;
  if (!wasResident) bo.heapRssSize += count * 4096;
  mmu.faultCounters.heapGrowths++;
  return { ret: 0, reason: "heap grown" };
}

/** Whether another mapping of `bo` already counted this chunk as resident. */
function chunkResident(bo: PanfrostBo, first: number, count: number): boolean {
  const chunk = first / PAGES_PER_2M;
  void count;
  for (const m of bo.mappings) if (m.heapChunks?.[chunk] === 1) return true;
  return false;
}
