export * from "./runtime-pm.js";
