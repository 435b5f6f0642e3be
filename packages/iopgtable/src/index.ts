export type { PageTableMemory } from "./memory.js";
