export * from "./constants.js";
export * from "./ioctls.js";
export * from "./macros.js";
export * from "./structs.js";
export * from "./uobj.js";
