export { PAGE_POISON } from "./page-slabs.js";
export { type MemoryStats, SystemMemory, type SystemMemoryOptions } from "./system-memory.js";
