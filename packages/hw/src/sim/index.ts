export { type EventChooser, type EventLoopOptions, EventLoopSim } from "./event-loop.js";
export { SimRng } from "./rng.js";
