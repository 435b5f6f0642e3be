/** VM_BIND map flags to io-pgtable protection bits. */
import { IOMMU_CACHE, IOMMU_NOEXEC, IOMMU_READ, IOMMU_WRITE } from "@panmmu/iopgtable";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
} from "@panmmu/uapi";

/**
 * io-pgtable prot for a VM_BIND map: always readable; writable unless READONLY; cacheable unless
 * UNCACHED; non-executable when NOEXEC. Other bits (the operation type, unknown bits) are ignored.
 * Mirrors flags_to_prot().
 */
export function flagsToProt(flags: number): number {
  let prot = IOMMU_READ;
  if ((flags & DRM_PANTHOR_VM_BIND_OP_MAP_READONLY) === 0) prot |= IOMMU_WRITE;
  if ((flags & DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED) === 0) prot |= IOMMU_CACHE;
  if ((flags & DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC) !== 0) prot |= IOMMU_NOEXEC;
  return prot;
}
