export { type AccessWaiter, AddressSpace } from "./address-space.js";
export { AsConfig, type MmuCapabilities, TranslationMode } from "./as-config.js";
export { AsCounters } from "./counters.js";
export * from "./gpu-access.js";
export { Mmu, type MmuOptions, type MmuProtocolError } from "./mmu.js";
export { Tlb } from "./tlb.js";
export type { WalkMemory } from "./walk-memory.js";
export {
  PERM_EXECUTE,
  PERM_FOR_KIND,
  PERM_READ,
  PERM_WRITE,
  permissionFault,
  WalkResult,
  walk,
} from "./walker.js";
