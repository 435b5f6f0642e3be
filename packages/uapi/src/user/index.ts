export {
  checkZeroedUser,
  copyStructFromBytes,
  copyStructFromUser,
  readStructFromUser,
  strndupUser,
  type UserReader,
} from "./copy.js";
export { UserMemory, type UserMemoryOptions } from "./user-memory.js";
