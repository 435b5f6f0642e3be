/**
 * The command streams {@link PanKmodContext} writes itself: the init stream of a context, its
 * tiler-OOM handler, and the prologue and end of every batch.
 */
import {
  PAN_KMOD_HEAP_CTX_REG,
  PAN_KMOD_OOM_CTX_COUNTER,
  PAN_KMOD_OOM_HANDLER_ADDR_REG,
  PAN_KMOD_OOM_HANDLER_LENGTH_REG,
  PAN_KMOD_TILER_OOM_CTX_REG,
} from "./pan-kmod-context-types.js";
import {
  PAN_KMOD_CS_EXCEPTION_TILER_OOM,
  PAN_KMOD_CS_FLUSH_MODE,
  PAN_KMOD_CS_OTHER_FLUSH_MODE,
  PanKmodCsBuilder,
} from "./pan-kmod-cs.js";

/**
 * The tiler-OOM handler: the pass counter of the batch's OOM context (at `d76`) loaded, a
 * fragment pass run over what was tiled so far, the counter bumped and stored back, the other
 * caches invalidated. The shape of the handler csf_oom_handler_init() builds, without the
 * framebuffer and heap-chunk bookkeeping the simulated GPU does not model.
 */
export function panKmodOomHandlerStream(): Uint8Array {
  const ctx = PAN_KMOD_TILER_OOM_CTX_REG;
  const counter = 47;
  const flushId = 48;
  return new PanKmodCsBuilder()
    .loadMultiple(counter, ctx, 0x1, PAN_KMOD_OOM_CTX_COUNTER)
    .wait(0xff)
    .runFragment()
    .wait(0xff)
    .addImm32(counter, counter, 1)
    .storeMultiple(counter, ctx, 0x1, PAN_KMOD_OOM_CTX_COUNTER)
    .wait(0xff)
    .move32(flushId, 0)
    .flushCaches(
      PAN_KMOD_CS_FLUSH_MODE.NONE,
      PAN_KMOD_CS_FLUSH_MODE.NONE,
      PAN_KMOD_CS_OTHER_FLUSH_MODE.INVALIDATE,
      flushId,
    )
    .wait(0xff)
    .bytes();
}

/**
 * A context's init stream: `d72` = the heap context, HEAP_SET d72; `d86` = the OOM handler,
 * `r88` = its length, SET_EXCEPTION_HANDLER(TILER_OOM, d86, r88). Nothing after it: the stream
 * ends there, as the one csf_init_context() builds does.
 */
export function panKmodInitStream(
  heapCtxVa: bigint,
  handlerVa: bigint,
  handlerLength: number,
): Uint8Array {
  return new PanKmodCsBuilder()
    .move48(PAN_KMOD_HEAP_CTX_REG, heapCtxVa)
    .heapSet(PAN_KMOD_HEAP_CTX_REG)
    .move48(PAN_KMOD_OOM_HANDLER_ADDR_REG, handlerVa)
    .move32(PAN_KMOD_OOM_HANDLER_LENGTH_REG, handlerLength)
    .setExceptionHandler(
      PAN_KMOD_CS_EXCEPTION_TILER_OOM,
      PAN_KMOD_OOM_HANDLER_ADDR_REG,
      PAN_KMOD_OOM_HANDLER_LENGTH_REG,
    )
    .bytes();
}

/** A drawing batch's prologue: `d76` = its tiler-OOM context. Mirrors csf_update_tiler_oom_ctx(). */
export function panKmodBatchPrologue(oomCtxVa: bigint): Uint8Array {
  return new PanKmodCsBuilder().move48(PAN_KMOD_TILER_OOM_CTX_REG, oomCtxVa).bytes();
}

/**
 * The end of a batch: wait for every scoreboard slot, then clean the L2 and load/store caches
 * and invalidate the others (flush id 0 in `r74`: never skipped) and wait for that.
 * Mirrors csf_emit_batch_end() (without the PAN_DBG_SYNC error-state store).
 */
export function panKmodBatchEnd(): Uint8Array {
  const flushReg = 74;
  return new PanKmodCsBuilder()
    .wait(0xff)
    .move32(flushReg, 0)
    .flushCaches(
      PAN_KMOD_CS_FLUSH_MODE.CLEAN,
      PAN_KMOD_CS_FLUSH_MODE.CLEAN,
      PAN_KMOD_CS_OTHER_FLUSH_MODE.INVALIDATE,
      flushReg,
    )
    .wait(0x1)
    .bytes();
}
