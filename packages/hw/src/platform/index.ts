export * from "./interfaces.js";
