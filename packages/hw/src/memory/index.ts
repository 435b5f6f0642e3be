export {
  type MemoryStats,
  PAGE_POISON,
  SystemMemory,
  type SystemMemoryOptions,
} from "./system-memory.js";
