/**
 * @panmmu/iopgtable — Linux io-pgtable-arm's ARM_64_LPAE_S1 and ARM_MALI_LPAE page tables,
 * bit-exact with the kernel, over a small page-table memory interface.
 *
 * @packageDocumentation
 */
export { allocIoPgtableOps, freeIoPgtableOps, type IoPgtableOps } from "./alloc.js";
export { ArrayPageTableMemory, type ArrayPageTableMemoryOptions } from "./array-memory.js";
export {
  EEXIST,
  EINVAL,
  ENOMEM,
  ERANGE,
  IO_PGTABLE_QUIRK_ARM_HD,
  IO_PGTABLE_QUIRK_ARM_MTK_EXT,
  IO_PGTABLE_QUIRK_ARM_MTK_TTBR_EXT,
  IO_PGTABLE_QUIRK_ARM_NS,
  IO_PGTABLE_QUIRK_ARM_OUTER_WBWA,
  IO_PGTABLE_QUIRK_ARM_S2FWB,
  IO_PGTABLE_QUIRK_ARM_TTBR1,
  IO_PGTABLE_QUIRK_NO_PERMS,
  IOMMU_CACHE,
  IOMMU_MMIO,
  IOMMU_NOEXEC,
  IOMMU_PRIV,
  IOMMU_READ,
  IOMMU_WRITE,
  IoPgtableFormat,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "./constants.js";
export {
  type DecodedDescriptor,
  type DescriptorKind,
  decodeDescriptor,
  decodeDescriptorU64,
  descriptorKind,
} from "./debug/decode.js";
export {
  type DumpRow,
  type DumpRowInput,
  dumpIoPgtable,
  dumpPageTable,
  type LoadDumpOptions,
  type LoadedTables,
  loadDump,
  type PageTableLocation,
} from "./debug/dump.js";
export { hex64, hex64LoHi, splitU64 } from "./debug/hex.js";
export { IommuIotlbGather } from "./gather.js";
export { descriptorAddress, leafAddress } from "./lpae/bits.js";
export {
  DEFAULT_PAGE_SIZE,
  type LpaeGeometry,
  levelShift,
  lpaeGeometry,
  type RestrictedSizes,
  restrictPgsizes,
  tableAllocationBytes,
} from "./lpae/geometry.js";
export { ArmLpaeIoPgtable, type IoPgtableConfig } from "./lpae/pgtable.js";
export type { PageTableMemory } from "./memory.js";
export {
  orAddr,
  type PgsizeChunk,
  type PgsizeChunkU64,
  pgsizeChunk,
  pgsizeChunkU64,
} from "./pgsize-chunk.js";
export type {
  ArmLpaeS1Outputs,
  ArmLpaeS1Tcr,
  ArmMaliLpaeOutputs,
  IommuFlushOps,
  IoPgtableCfg,
  IoPgtableObserver,
  IoPgtableWarnSink,
} from "./types.js";
