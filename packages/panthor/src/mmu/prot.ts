/** VM_BIND map flags to io-pgtable protection bits. */

// Values of drm_panthor_vm_bind_op_flags and of the IOMMU_* prot bits; switched to the uapi and
// iopgtable exports once those packages publish them.
const MAP_READONLY = 1;
const MAP_NOEXEC = 2;
const MAP_UNCACHED = 4;
const IOMMU_READ = 1;
const IOMMU_WRITE = 2;
const IOMMU_CACHE = 4;
const IOMMU_NOEXEC = 8;

/**
 * io-pgtable prot for a VM_BIND map: always readable; writable unless READONLY; cacheable unless
 * UNCACHED; non-executable when NOEXEC. Other bits (the operation type, unknown bits) are ignored.
 * Mirrors flags_to_prot().
 */
export function flagsToProt(flags: number): number {
  let prot = IOMMU_READ;
  if ((flags & MAP_READONLY) === 0) prot |= IOMMU_WRITE;
  if ((flags & MAP_UNCACHED) === 0) prot |= IOMMU_CACHE;
  if ((flags & MAP_NOEXEC) !== 0) prot |= IOMMU_NOEXEC;
  return prot;
}
