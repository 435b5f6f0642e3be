export { type MemoryStats, SystemMemory, type SystemMemoryOptions } from "./system-memory.js";
