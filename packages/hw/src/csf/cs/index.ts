export { CsAsyncKind, type CsAsyncOp } from "./cs-async.js";
export {
  BLOCKED_RESOURCE,
  BLOCKED_SB_WAIT,
  BLOCKED_SYNC_WAIT,
  BLOCKED_UNBLOCKED,
  CsStreamCore,
} from "./cs-core.js";
export { CsEngine } from "./cs-engine.js";
export * from "./cs-exceptions.js";
export { CS_EXCEPTION_HANDLER_TILER_OOM, CsExecution } from "./cs-exec.js";
export * from "./cs-opcodes.js";
export { CsStreamOps } from "./cs-ops.js";
export {
  CS_SUSPEND_RECORD_BYTES,
  type CsSnapshot,
  decodeCsSnapshot,
  encodeCsSnapshot,
} from "./cs-suspend.js";
export {
  type CsEndResult,
  CsEndStatus,
  type CsHost,
  CsIdleKind,
  type CsRing,
  type CsRunContext,
  type CsRunHandle,
  type CsStartOptions,
  type CsTiming,
  DEFAULT_CS_TIMING,
} from "./cs-types.js";
