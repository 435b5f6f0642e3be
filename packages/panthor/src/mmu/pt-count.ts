/** Worst-case page-table page reservations for VM_BIND operations. */
import { alignDown, alignUp, u64 } from "./u64.js";

const GRANULES = [1n << 39n, 1n << 30n, 1n << 21n] as const;
const SZ_2M = 1n << 21n;

/**
 * Page-table pages to pre-reserve for mapping [va, va + size): the number of 512 GiB, 1 GiB and
 * 2 MiB granules the range touches, summed (the worst case of new level-1, -2 and -3 tables).
 * Mirrors the pt_count computation of panthor_vm_prepare_map_op_ctx().
 */
export function mapOpPtCount(va: bigint, size: bigint): bigint {
  const end = u64(va + size);
  let count = 0n;
  for (const g of GRANULES) count += u64(alignUp(end, g) - alignDown(va, g)) / g;
  return count;
}

/**
 * Level-3 tables to pre-reserve for unmapping [va, va + size) (0–2): one for each end that falls
 * inside a 2 MiB block that may have to be split, counting a shared block once.
 * Mirrors the pt_count computation of panthor_vm_prepare_unmap_op_ctx().
 */
export function unmapOpPtCount(va: bigint, size: bigint): number {
  const end = u64(va + size);
  let count = 0;
  if (alignDown(va, SZ_2M) !== u64(va)) count++;
  if (alignDown(end, SZ_2M) !== end && alignUp(end, SZ_2M) !== alignUp(va, SZ_2M)) count++;
  return count;
}
