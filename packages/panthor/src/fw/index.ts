export * from "./fw.js";
export * from "./fw-iface.js";
export * from "./fw-load.js";
