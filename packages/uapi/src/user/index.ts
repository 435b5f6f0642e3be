export {
  checkZeroedUser,
  copyStructFromBytes,
  copyStructFromUser,
  readStructFromUser,
  strndupUser,
} from "./copy.js";
export { UserMemory, type UserMemoryOptions } from "./user-memory.js";
