/** The kernel VA allocator of a VM: explicit reservations and auto-VA in the kernel range. */
import { DRM_MM_INSERT_BEST, type DrmMm, type DrmMmNode } from "@panmmu/drm";
import { SZ_2M, SZ_4K } from "@panmmu/iopgtable";
import { EINVAL } from "@panmmu/uapi";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "./vm-types.js";

/**
 * Reserves `[va, va + size)` in `mm`, or with {@link PANTHOR_VM_KERNEL_AUTO_VA} picks a range in
 * `auto` (inclusive end, handed to the allocator as the kernel does: its last page is never
 * used), 2 MiB aligned from 2 MiB up, 4 KiB below. 0, -EINVAL (empty or unaligned), -ENOSPC.
 * Mirrors panthor_vm_alloc_va().
 */
export function kernelVaAlloc(
  mm: DrmMm,
  auto: { readonly start: number; readonly end: number },
  pageSize: number,
  va: number,
  size: number,
  node: DrmMmNode,
): number {
  if (size <= 0 || size % pageSize !== 0) return -EINVAL;
  if (va !== PANTHOR_VM_KERNEL_AUTO_VA && va % pageSize !== 0) return -EINVAL;
  if (va !== PANTHOR_VM_KERNEL_AUTO_VA) {
    node.start = va;
    node.size = size;
    return mm.reserveNode(node);
  }
  return mm.insertNodeInRange(
    node,
    size,
    size >= SZ_2M ? SZ_2M : SZ_4K,
    0,
    auto.start,
    auto.end,
    DRM_MM_INSERT_BEST,
  );
}
