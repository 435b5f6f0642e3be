/**
 * What a suspended command stream leaves in its group's suspend buffer: the model's own
 * format (the hardware's is not public), one 1 KiB record per stream, little-endian words, so a
 * resumed stream continues exactly where it stopped.
 *
 * Words: 0-95 registers; 96-97 pc; 98-99 end of the current buffer; 100 call depth; 101-132
 * the call stack (8 × return pc, return end); 133-140 scoreboard pending counts (0 after a
 * suspend); 141 error state; 142-143 heap context; 144-147 the tiler-OOM exception handler
 * (address, length, present); 148-150 heap counters (vertex/tiler started, completed,
 * fragment completed); 151 endpoint and other scoreboard slots; 152 REQ_RESOURCE bits;
 * 153-154 ring extract position; 155-156 and 157-158 the ring chunk being run (start, end);
 * 159 the record marker (1: the record holds a stream's state); 160 a tiler OOM pending (the
 * resumed stream raises it again).
 */
import { CS_CALL_STACK_DEPTH } from "./cs-opcodes.js";

/** Bytes of one stream's record in a suspend buffer. */
export const CS_SUSPEND_RECORD_BYTES = 1024;

const W = CS_SUSPEND_RECORD_BYTES / 4;
const TWO32 = 0x1_0000_0000;
const REGS = 96;

/** A stream's state as saved and restored. */
export interface CsSnapshot {
  /** Registers (at most 96 are saved). */
  readonly regs: Uint32Array;
  /** Next instruction. */
  readonly pc: number;
  /** End of the current buffer. */
  readonly end: number;
  /** Return addresses and buffer ends of the CALLs in progress, outermost first. */
  readonly calls: readonly (readonly [number, number])[];
  /** Error state. */
  readonly errorState: number;
  /** HEAP_SET context. */
  readonly heapContext: number;
  /** The tiler-OOM handler (address, length), or null. */
  readonly oomHandler: readonly [number, number] | null;
  /** Heap counters. */
  readonly heap: { readonly vtStart: number; readonly vtEnd: number; readonly fragEnd: number };
  /** Endpoint scoreboard slot. */
  readonly sbEndpoint: number;
  /** Other scoreboard slot. */
  readonly sbOther: number;
  /** REQ_RESOURCE bits. */
  readonly reqResource: number;
  /** A tiler OOM was pending (raised or about to be): the resumed stream raises it again. */
  readonly oomPending: boolean;
  /** Ring mode: the extract position, and the chunk being run (VAs; 0 when none). */
  readonly ring: {
    readonly extract: number;
    readonly chunkStart: number;
    readonly chunkEnd: number;
  };
}

function put64(w: Uint32Array, i: number, v: number): void {
  w[i] = v >>> 0;
  w[i + 1] = Math.floor(v / TWO32) >>> 0;
}

function get64(w: Uint32Array, i: number): number {
  return (w[i + 1] as number) * TWO32 + (w[i] as number);
}

/** The record of `s`. */
export function encodeCsSnapshot(s: CsSnapshot): Uint32Array {
  const w = new Uint32Array(W);
  w.set(s.regs.subarray(0, REGS));
  put64(w, 96, s.pc);
  put64(w, 98, s.end);
  w[100] = s.calls.length;
  s.calls.forEach(([pc, end], i) => {
    put64(w, 101 + i * 4, pc);
    put64(w, 103 + i * 4, end);
  });
  w[141] = s.errorState;
  put64(w, 142, s.heapContext);
  if (s.oomHandler !== null) {
    put64(w, 144, s.oomHandler[0]);
    w[146] = s.oomHandler[1];
    w[147] = 1;
  }
  w[148] = s.heap.vtStart;
  w[149] = s.heap.vtEnd;
  w[150] = s.heap.fragEnd;
  w[151] = (s.sbEndpoint & 0xf) | ((s.sbOther & 0xf) << 4);
  w[152] = s.reqResource;
  put64(w, 153, s.ring.extract);
  put64(w, 155, s.ring.chunkStart);
  put64(w, 157, s.ring.chunkEnd);
  w[159] = 1;
  w[160] = s.oomPending ? 1 : 0;
  return w;
}

/**
 * The snapshot in record `w` (registers beyond `regCount` dropped); null for a record without
 * the marker (no stream was saved there) or a corrupt one.
 */
export function decodeCsSnapshot(w: Uint32Array, regCount: number): CsSnapshot | null {
  const depth = w[100] as number;
  if (w.length < W || w[159] !== 1 || depth > CS_CALL_STACK_DEPTH) return null;
  const calls: [number, number][] = [];
  for (let i = 0; i < depth; i++) calls.push([get64(w, 101 + i * 4), get64(w, 103 + i * 4)]);
  return {
    regs: w.slice(0, Math.min(REGS, regCount)),
    pc: get64(w, 96),
    end: get64(w, 98),
    calls,
    errorState: w[141] as number,
    heapContext: get64(w, 142),
    oomHandler: w[147] === 1 ? [get64(w, 144), w[146] as number] : null,
    heap: { vtStart: w[148] as number, vtEnd: w[149] as number, fragEnd: w[150] as number },
    sbEndpoint: (w[151] as number) & 0xf,
    sbOther: ((w[151] as number) >>> 4) & 0xf,
    reqResource: w[152] as number,
    oomPending: w[160] === 1,
    ring: { extract: get64(w, 153), chunkStart: get64(w, 155), chunkEnd: get64(w, 157) },
  };
}
