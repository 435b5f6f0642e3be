/**
 * Synthetic batch bodies for the Mesa replays, built with `@panmmu/fixtures`' assembler: the
 * tiler/fragment skeleton of a Gallium draw batch (vertex-tiler started, RUN_IDVS per draw,
 * FINISH_TILING, vertex-tiler completed, RUN_FRAGMENT, FINISH_FRAGMENT) with MOVE/STORE,
 * SYNC_ADD/SYNC_WAIT and WAIT instructions around it. The RUN_* instructions are placeholders:
 * the simulated GPU only accounts for them (and lets a test make the tiler run out of memory).
 */
import { CsAssembler, CsCondition, CsHeapOperation } from "@panmmu/fixtures";
import { PAN_KMOD_TILER_OOM_CTX_REG } from "../../src/client/pan-kmod-context-types.js";

/** What a synthetic batch does besides drawing. */
export interface DrawBatch {
  /** RUN_IDVS draws (default 1). */
  readonly draws?: number;
  /** Stores `value` at GPU VA `va` (MOVE48 + MOVE32 + STORE_MULTIPLE). */
  readonly marker?: { readonly va: bigint; readonly value: number };
  /**
   * Adds 1 to the u32 at `va` (SYNC_ADD32) and waits until it is greater than `index`
   * (SYNC_WAIT32): the counter of batches run so far.
   */
  readonly counter?: { readonly va: bigint; readonly index: number };
  /** Copies the u32 pass counter of the batch's tiler-OOM context (at `d76`) to GPU VA `va`. */
  readonly oomCounterTo?: bigint;
  /** Ends the body with an instruction whose opcode the front end does not know. */
  readonly invalidOpcode?: boolean;
}

/** The body of a synthetic draw batch. */
export function drawBody(b: DrawBatch = {}): Uint8Array {
  const a = new CsAssembler().heapOperation(CsHeapOperation.VT_STARTED).wait(0xff);
  for (let i = 0; i < (b.draws ?? 1); i++) a.emit("RUN_IDVS").wait(0xff);
  a.emit("FINISH_TILING")
    .wait(0xff)
    .heapOperation(CsHeapOperation.VT_COMPLETED)
    .emit("RUN_FRAGMENT")
    .wait(0xff)
    .emit("FINISH_FRAGMENT", { incrementFragCompleted: 1 })
    .wait(0xff);
  if (b.marker !== undefined) {
    a.move48(64, b.marker.va).move32(66, b.marker.value).storeMultiple(66, 64, 0x1).wait(0xff);
  }
  if (b.counter !== undefined) {
    a.move48(68, b.counter.va)
      .move32(70, 1)
      .syncAdd32(68, 70)
      .wait(0xff)
      .move32(71, b.counter.index)
      .syncWait32(CsCondition.GT, 68, 71);
  }
  if (b.oomCounterTo !== undefined) {
    a.loadMultiple(80, PAN_KMOD_TILER_OOM_CTX_REG, 0x1)
      .wait(0xff)
      .move48(64, b.oomCounterTo)
      .storeMultiple(80, 64, 0x1)
      .wait(0xff);
  }
  if (b.invalidOpcode === true) a.raw(0xffn << 56n);
  return a.bytes();
}
