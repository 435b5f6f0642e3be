/**
 * The few command-stream instructions {@link PanKmodClient} writes itself (the context's init
 * stream, its tiler-OOM handler, the prologue and tail of each batch), encoded as the CSF
 * instruction set of Mali v10 lays them out: one little-endian 64-bit word per instruction,
 * opcode in bits 63:56. Everything else a batch runs comes from the caller.
 */

/** Opcodes of the instructions the client emits. */
export const PAN_KMOD_CS_OPCODE = {
  MOVE48: 1,
  MOVE32: 2,
  WAIT: 3,
  RUN_FRAGMENT: 7,
  FINISH_FRAGMENT: 11,
  ADD_IMM32: 16,
  LOAD_MULTIPLE: 20,
  STORE_MULTIPLE: 21,
  SET_EXCEPTION_HANDLER: 25,
  FLUSH_CACHE2: 36,
  HEAP_SET: 48,
} as const;

/** SET_EXCEPTION_HANDLER type of the tiler out-of-memory handler (MALI_CS_EXCEPTION_TYPE_TILER_OOM). */
export const PAN_KMOD_CS_EXCEPTION_TILER_OOM = 2;

/** FLUSH_CACHE2 modes of the L2 and load/store caches. */
export const PAN_KMOD_CS_FLUSH_MODE = { NONE: 0, CLEAN: 1, CLEAN_INVALIDATE: 3 } as const;

/** FLUSH_CACHE2 modes of the other caches. */
export const PAN_KMOD_CS_OTHER_FLUSH_MODE = { NONE: 0, INVALIDATE: 2 } as const;

/** `value` masked to `bits` bits at bit `shift`. */
function field(value: number | bigint, shift: number, bits: number): bigint {
  return BigInt.asUintN(bits, BigInt(value)) << BigInt(shift);
}

/** Builds a stream instruction by instruction (the role of Mesa's cs_builder for these few). */
export class PanKmodCsBuilder {
  private readonly out: bigint[] = [];

  /** Instructions emitted so far. */
  get length(): number {
    return this.out.length;
  }

  /** Bytes of the stream so far. */
  get byteLength(): number {
    return this.out.length * 8;
  }

  private emit(opcode: number, rest: bigint): this {
    this.out.push(field(opcode, 56, 8) | rest);
    return this;
  }

  /** MOVE48: `d[dst]` = a 48-bit immediate (cs_move64_to). */
  move48(dst: number, imm: number | bigint): this {
    return this.emit(PAN_KMOD_CS_OPCODE.MOVE48, field(dst, 48, 8) | field(imm, 0, 48));
  }

  /** MOVE32: `r[dst]` = a 32-bit immediate (cs_move32_to). */
  move32(dst: number, imm: number): this {
    return this.emit(PAN_KMOD_CS_OPCODE.MOVE32, field(dst, 48, 8) | field(imm >>> 0, 0, 32));
  }

  /** WAIT for the scoreboard slots in `mask` (cs_wait_slots). */
  wait(mask: number): this {
    return this.emit(PAN_KMOD_CS_OPCODE.WAIT, field(mask, 16, 8));
  }

  /** HEAP_SET: the tiler heap context is `d[address]` (cs_heap_set). */
  heapSet(address: number): this {
    return this.emit(PAN_KMOD_CS_OPCODE.HEAP_SET, field(address, 40, 8));
  }

  /**
   * SET_EXCEPTION_HANDLER: the handler of exception `type` is the `r[length]` bytes at
   * `d[address]` (cs_set_exception_handler).
   */
  setExceptionHandler(type: number, address: number, length: number): this {
    return this.emit(
      PAN_KMOD_CS_OPCODE.SET_EXCEPTION_HANDLER,
      field(type, 0, 8) | field(length, 32, 8) | field(address, 40, 8),
    );
  }

  /** LOAD_MULTIPLE: `r[base + i]` = mem32[`d[address]` + offset + 4i] for each bit i of `mask`. */
  loadMultiple(base: number, address: number, mask: number, offset = 0): this {
    return this.emit(
      PAN_KMOD_CS_OPCODE.LOAD_MULTIPLE,
      field(base, 48, 8) | field(address, 40, 8) | field(mask, 16, 16) | field(offset, 0, 16),
    );
  }

  /** STORE_MULTIPLE: mem32[`d[address]` + offset + 4i] = `r[base + i]` for each bit i of `mask`. */
  storeMultiple(base: number, address: number, mask: number, offset = 0): this {
    return this.emit(
      PAN_KMOD_CS_OPCODE.STORE_MULTIPLE,
      field(base, 48, 8) | field(address, 40, 8) | field(mask, 16, 16) | field(offset, 0, 16),
    );
  }

  /** ADD_IMM32: `r[dst]` = `r[src]` + imm (cs_add32). */
  addImm32(dst: number, src: number, imm: number): this {
    return this.emit(
      PAN_KMOD_CS_OPCODE.ADD_IMM32,
      field(dst, 48, 8) | field(src, 40, 8) | field(imm, 0, 32),
    );
  }

  /** RUN_FRAGMENT without TEM, Z order (cs_run_fragment). */
  runFragment(): this {
    return this.emit(PAN_KMOD_CS_OPCODE.RUN_FRAGMENT, 0n);
  }

  /**
   * FINISH_FRAGMENT: the chunks between `d[first]` and `d[last]` go back to the heap; with
   * `incrementFragCompleted` the heap's fragment-completed counter is bumped (cs_finish_fragment).
   */
  finishFragment(incrementFragCompleted: boolean, last: number, first: number): this {
    return this.emit(
      PAN_KMOD_CS_OPCODE.FINISH_FRAGMENT,
      field(incrementFragCompleted ? 1 : 0, 0, 1) | field(last, 32, 8) | field(first, 40, 8),
    );
  }

  /**
   * FLUSH_CACHE2 of the L2 and load/store caches with `l2`/`lsc` and the other caches with
   * `other`, skipped against the flush id in `r[flushIdReg]`, waiting for nothing and
   * signalling scoreboard slot `signal` (cs_flush_caches with cs_defer(0, signal)).
   */
  flushCaches(l2: number, lsc: number, other: number, flushIdReg: number, signal = 0): this {
    return this.emit(
      PAN_KMOD_CS_OPCODE.FLUSH_CACHE2,
      field(l2, 0, 4) |
        field(lsc, 4, 4) |
        field(other, 8, 4) |
        field(flushIdReg, 40, 8) |
        field(signal, 48, 4),
    );
  }

  /** The stream as 64-bit words. */
  words(): bigint[] {
    return [...this.out];
  }

  /** The stream as little-endian bytes. */
  bytes(): Uint8Array {
    const bytes = new Uint8Array(this.out.length * 8);
    const view = new DataView(bytes.buffer);
    this.out.forEach((w, i) => {
      view.setBigUint64(i * 8, w, true);
    });
    return bytes;
  }
}
