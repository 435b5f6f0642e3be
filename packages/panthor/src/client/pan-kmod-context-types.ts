/**
 * The constants and types of {@link PanKmodContext}: the registers and buffer sizes Gallium's
 * CSF path uses, the context options, the tiler heap, and what a batch is given and returns.
 */
import type { PanKmodBo } from "./pan-kmod-types.js";

/** Register holding the batch's tiler-OOM context for the handler (Mesa's TILER_OOM_CTX_REG). */
export const PAN_KMOD_TILER_OOM_CTX_REG = 76;
/** Register pair the init stream loads the heap context into. */
export const PAN_KMOD_HEAP_CTX_REG = 72;
/** Register pair the init stream loads the OOM handler's address into. */
export const PAN_KMOD_OOM_HANDLER_ADDR_REG = 86;
/** Register the init stream loads the OOM handler's length into. */
export const PAN_KMOD_OOM_HANDLER_LENGTH_REG = 88;
/** Offset of the u32 counter of incremental-rendering passes in a batch's tiler-OOM context. */
export const PAN_KMOD_OOM_CTX_COUNTER = 0;
/** Offset of the u64 register-dump address in a batch's tiler-OOM context. */
export const PAN_KMOD_OOM_CTX_DUMP_ADDR = 8;
/** Bytes of the Gallium ring buffer (one queue, priority 1). */
export const PAN_KMOD_RINGBUF_SIZE = 64 * 1024;
/** Bytes of the temporary geometry buffer (POSITION_FIFO_SIZE). */
export const PAN_KMOD_POSITION_FIFO_SIZE = 64 * 1024;
/** Bytes of a batch's command-stream chunk (4096 instructions). */
export const PAN_KMOD_CS_CHUNK_SIZE = 32 * 1024;
/** Bytes of a batch's descriptor pool BO. */
export const PAN_KMOD_BATCH_POOL_SIZE = 64 * 1024;

/** The tiler heap a context asks for (Mesa's screen `csf_tiler_heap`). */
export interface PanKmodTilerHeapConfig {
  /** Bytes per chunk. Default 2 MiB. */
  readonly chunkSize: number;
  /** Chunks allocated up front. Default 5. */
  readonly initialChunks: number;
  /** Most chunks the heap may grow to. Default 64. */
  readonly maxChunks: number;
}

/** How a context is made. */
export interface PanKmodContextOptions {
  /** Group priority (PANTHOR_GROUP_PRIORITY_*). Default MEDIUM. */
  readonly priority?: number;
  /** Shader cores compute jobs may use. Default: every core present. */
  readonly computeCoreMask?: bigint;
  /** Shader cores fragment jobs may use. Default: every core present. */
  readonly fragmentCoreMask?: bigint;
  /** The tiler heap. */
  readonly tilerHeap?: Partial<PanKmodTilerHeapConfig>;
}

/** The context's tiler heap as TILER_HEAP_CREATE returned it. */
export interface PanKmodHeap {
  /** Heap handle (`vm_id << 16 | id`). */
  readonly handle: number;
  /** GPU VA of the heap context. */
  readonly ctxVa: bigint;
  /** GPU VA of the first chunk. */
  readonly firstChunkVa: bigint;
}

/** What a batch's stream builder gets. */
export interface PanKmodBatchEnv {
  /** GPU VA the stream runs from. */
  readonly streamVa: bigint;
  /** The batch's descriptor pool BO (CPU-mapped). */
  readonly pool: PanKmodBo;
  /** GPU VA of the batch's tiler-OOM context (0 when the batch does not draw). */
  readonly oomCtxVa: bigint;
  /** Batch number in the context (from 0). */
  readonly index: number;
}

/** One batch. */
export interface PanKmodBatch {
  /**
   * The body of the batch's stream (little-endian instruction words); the client adds the
   * prologue (the tiler-OOM context register) and the end of batch (wait, cache flush).
   */
  readonly body: (env: PanKmodBatchEnv) => Uint8Array;
  /** Whether the batch draws (its tiler-OOM context set up). Default true. */
  readonly draws?: boolean;
  /** BOs the batch reads. */
  readonly reads?: readonly PanKmodBo[];
  /** BOs the batch writes. */
  readonly writes?: readonly PanKmodBo[];
}

/** Reset status of the context, as Gallium reports it. Mirrors `enum pipe_reset_status`. */
export type PanKmodResetStatus = "no-reset" | "guilty" | "innocent" | "unknown";

/** What {@link PanKmodContext.checkStateAndReinit} found and did. */
export interface PanKmodStateCheck {
  /** GROUP_GET_STATE's `state`, or null when the ioctl failed. */
  readonly groupState: number | null;
  /** VM_GET_STATE's verdict, or null when the group was fine (not asked). */
  readonly vm: "usable" | "faulty" | null;
  /** Whether the context was re-created. */
  readonly reinit: boolean;
}

/** The outcome of a batch. */
export interface PanKmodBatchResult {
  /** GROUP_SUBMIT's result (or the errno of a buffer allocation before it). */
  readonly ret: number;
  /** The VM timeline point the batch signals (0 when it was not submitted). */
  readonly point: bigint;
  /** GPU VA of the batch's stream. */
  readonly streamVa: bigint;
  /** Bytes of the batch's stream. */
  readonly streamSize: number;
  /** The state check a failed submit ran, or null. */
  readonly check: PanKmodStateCheck | null;
}
