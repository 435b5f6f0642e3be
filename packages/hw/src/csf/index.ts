export * from "./cs/index.js";
export * from "./fw/index.js";
export * from "./iface-constants.js";
export * from "./iface-macros.js";
export * from "./iface-structs.js";
