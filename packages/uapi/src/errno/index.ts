export * from "./errno.js";
export { KernelError } from "./kernel-error.js";
export {
  CollectingWarningSink,
  NULL_WARNING_SINK,
  type Warning,
  type WarningSink,
} from "./warn.js";
