export { type BindOp, PanthorClient, type SyncOp } from "./client.js";
export { PanKmodClient } from "./pan-kmod.js";
export { PanKmodContext } from "./pan-kmod-context.js";
export {
  PAN_KMOD_BATCH_POOL_SIZE,
  PAN_KMOD_CS_CHUNK_SIZE,
  PAN_KMOD_HEAP_CTX_REG,
  PAN_KMOD_OOM_CTX_COUNTER,
  PAN_KMOD_OOM_CTX_DUMP_ADDR,
  PAN_KMOD_OOM_HANDLER_ADDR_REG,
  PAN_KMOD_OOM_HANDLER_LENGTH_REG,
  PAN_KMOD_POSITION_FIFO_SIZE,
  PAN_KMOD_RINGBUF_SIZE,
  PAN_KMOD_TILER_OOM_CTX_REG,
  type PanKmodBatch,
  type PanKmodBatchEnv,
  type PanKmodBatchResult,
  type PanKmodContextOptions,
  type PanKmodHeap,
  type PanKmodResetStatus,
  type PanKmodStateCheck,
  type PanKmodTilerHeapConfig,
} from "./pan-kmod-context-types.js";
export {
  PAN_KMOD_CS_EXCEPTION_TILER_OOM,
  PAN_KMOD_CS_FLUSH_MODE,
  PAN_KMOD_CS_OPCODE,
  PAN_KMOD_CS_OTHER_FLUSH_MODE,
  PanKmodCsBuilder,
} from "./pan-kmod-cs.js";
export { PanKmodDrmFd, type PanKmodDrmVersion } from "./pan-kmod-drm-fd.js";
export {
  PanKmodFd,
  type PanKmodQueueSubmit,
  type PanKmodVmBindRewrite,
} from "./pan-kmod-fd.js";
export {
  panKmodBatchEnd,
  panKmodBatchPrologue,
  panKmodInitStream,
  panKmodOomHandlerStream,
} from "./pan-kmod-streams.js";
export {
  PanKmodTrace,
  type PanKmodTraceCall,
  type PanKmodTraceEntry,
  type PanKmodTraceKind,
  type PanKmodTraceListener,
  type PanKmodTraceValue,
} from "./pan-kmod-trace.js";
export {
  PAN_KMOD_PGSIZE_4K_2M,
  PAN_VA_USER_END,
  PAN_VA_USER_START,
  type PanKmodBo,
  type PanKmodBoFlags,
  type PanKmodOptions,
  type PanKmodProps,
  type PanKmodVaEvent,
  type PanKmodVm,
  type PanKmodVmOp,
  type PanKmodVmOpMode,
} from "./pan-kmod-types.js";
export { type PanKmodVaCollect, PanKmodVaHeap } from "./pan-kmod-va.js";
export { PanKmodVmBase } from "./pan-kmod-vm.js";
