export * from "./core/index.js";
export * from "./fence/index.js";
export * from "./gem/index.js";
export * from "./gpuvm/index.js";
export * from "./mm/index.js";
export * from "./sched/index.js";
export * from "./syncobj/index.js";
export * from "./workqueue/index.js";
