export {
  checkZeroedUser,
  copyStructFromBytes,
  copyStructFromUser,
  readStructFromUser,
  strndupUser,
  type UserReader,
} from "./copy.js";
export { MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE } from "./mman.js";
export { UserMemory, type UserMemoryOptions } from "./user-memory.js";
