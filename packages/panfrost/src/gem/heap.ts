/**
 * Growing a heap BO on GPU fault: the faulting address's 2 MiB chunk gets pages and is mapped.
 */
import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL, ENOMEM } from "@panmmu/uapi";
import { mappingProt } from "../mmu/map.js";
import type { PanfrostMmu } from "../mmu/mmu.js";
import type { PanfrostBo } from "./bo.js";
import type { BoMapping } from "./mapping.js";

/** Heap growth granule: 2 MiB. */
export const HEAP_CHUNK = 0x200000;

/** Pages per heap growth granule. */
const PAGES_PER_CHUNK = HEAP_CHUNK / PAGE_SIZE;

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
  const chunks = mapping.heapChunks;
  if (!bo.isHeap || chunks === null) return { ret: -EINVAL, reason: "not a heap mapping" };
  const chunkVa = va - (va % HEAP_CHUNK);
  const chunk = Math.floor((chunkVa - mapping.iova) / HEAP_CHUNK);
  if (chunks[chunk] === 1) {
    mmu.faultCounters.spurious++;
    return { ret: 0, reason: "chunk already mapped" };
  }
  const first = chunk * PAGES_PER_CHUNK;
  const count = Math.min(PAGES_PER_CHUNK, bo.pageCount - first);
  if (bo.populateRange(first, count) < 0) {
    return { ret: -ENOMEM, reason: "out of memory growing heap" };
  }
  const segments = bo.rangeSegments(first, count);
  if (typeof segments === "number") return { ret: segments, reason: "heap pages missing" };
  const wasResident = chunkResident(bo, chunk);
  const ret = mmu.mapSegments(mapping.ctx, chunkVa, segments, mappingProt(true));
  if (ret < 0) return { ret, reason: "page-table allocation failed growing heap" };
  chunks[chunk] = 1;
  mapping.active = true;
  if (!wasResident) bo.heapRssSize += count * PAGE_SIZE;
  mmu.faultCounters.heapGrowths++;
  return { ret: 0, reason: "heap grown" };
}

/** Whether another mapping of `bo` already counted chunk `chunk` as resident. */
function chunkResident(bo: PanfrostBo, chunk: number): boolean {
  for (const m of bo.mappings) if (m.heapChunks?.[chunk] === 1) return true;
  return false;
}
