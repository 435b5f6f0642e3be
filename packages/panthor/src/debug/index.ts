export {
  type AsSlotDump,
  formatPanthorDump,
  type PanthorDeviceDump,
  panthorDeviceDump,
} from "./device-dump.js";
export {
  describeFaultGroups,
  describeFaultTarget,
  findFaultOwner,
  formatPanthorFault,
  type PanthorFaultGroup,
  PanthorFaultLog,
  type PanthorFaultOwner,
  type PanthorFaultRecord,
  type PanthorFaultTarget,
  resolveFaultTarget,
} from "./fault-log.js";
export {
  DRM_GEM_OBJECT_ACTIVE,
  DRM_GEM_OBJECT_PURGEABLE,
  DRM_GEM_OBJECT_RESIDENT,
  type DrmMemoryStats,
  drmMemoryStats,
  type FileEngineStats,
  type FileMemoryStats,
  fdinfoSizeLine,
  fileEngineStats,
  fileMemoryStats,
  formatFdinfo,
  panthorFdinfoGatherGroupSamples,
  panthorGemStatus,
  type VmMemoryStats,
} from "./fdinfo.js";
export {
  dumpGems,
  formatGemsDump,
  type GemDumpRow,
  type GemsDump,
  PANTHOR_GEM_STATE_FLAG_EXPORTED,
  PANTHOR_GEM_STATE_FLAG_IMPORTED,
} from "./gems-dump.js";
export * from "./group-dump.js";
export {
  dumpVm,
  dumpVmPageTable,
  formatPageTableDump,
  formatVmDump,
  type VmDump,
  type VmDumpMapping,
} from "./vm-dump.js";
