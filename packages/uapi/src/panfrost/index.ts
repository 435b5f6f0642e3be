export * from "./constants.js";
export * from "./dump.js";
export * from "./ioctls.js";
export * from "./structs.js";
