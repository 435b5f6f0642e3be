export * from "./group.js";
export * from "./job-instrs.js";
export * from "./queue.js";
