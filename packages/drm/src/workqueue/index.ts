/**
 * Ordered workqueues on the virtual clock (work items, delayed work, an optional start gate).
 */
export {
  DrmDelayedWork,
  DrmWork,
  OrderedWorkqueue,
  type WorkqueueGate,
} from "./workqueue.js";
