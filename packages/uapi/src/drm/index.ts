export * from "./constants.js";
export * from "./ioctls.js";
export * from "./structs.js";
