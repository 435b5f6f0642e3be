/**
 * A resumable memory-program interpreter. It runs instructions until a cost budget is used
 * up, an access stalls in the MMU, the program ends or fails; its state (instruction pointer and
 * progress inside a long instruction) survives each of those, so the owner can let virtual time
 * pass, wait for a fault to be handled, and call {@link ProgramInterpreter.run} again.
 */
import { GpuAccessKind } from "../../mmu/gpu-access.js";
import { PAGE_SIZE } from "../../platform/interfaces.js";
import type { JobCostModel } from "../cost-model.js";
import { JobException } from "../exception-codes.js";
import { ACCESS_BUS_FAULT, type GpuPageAccess } from "../gpu-access.js";
import { PROGRAM_OP_WORDS, ProgramOp } from "./opcodes.js";

/** {@link ProgramInterpreter.run} result: the budget is used up; call `run` again later. */
export const RUN_YIELD = 0;
/** The program ended (END or its last word). */
export const RUN_END = 1;
/** An access stalled (`stallResult` is ACCESS_FAULTED or ACCESS_LOCKED); retry after `waitRetry`. */
export const RUN_STALL = 2;
/** The program failed: `failCode` / `failVa`. */
export const RUN_FAIL = 3;
/** A stop was requested and the program is between two instructions (`pc` is the next one). */
export const RUN_STOPPED = 4;

const TWO32 = 0x1_0000_0000;

/** Executes one memory program at a time through a {@link GpuPageAccess}. */
export class ProgramInterpreter {
  /** Program words. */
  private code: Uint32Array = new Uint32Array(0);
  /** Address space of the accesses. */
  private as = 0;
  /** FAULTSTATUS source id of the accesses. */
  private sourceId = 0;
  /** Word index of the current instruction. */
  pc = 0;
  /** Units (bytes, samples or ns) of the current instruction already done. */
  progress = 0;
  /** Cost accumulated (ns); the owner resets or carries it between slices. */
  cost = 0;
  /** Exception code after {@link RUN_FAIL}. */
  failCode = 0;
  /** Failing VA after {@link RUN_FAIL}. */
  failVa = 0;
  /** MMU result after {@link RUN_STALL}. */
  stallResult = 0;
  /** Instructions completed since {@link load}. */
  instructions = 0;
  /** Bytes read plus bytes written since {@link load}. */
  bytesMoved = 0;

  private readonly nsPerByte: number;

  /**
   * @param access - page access through the MMU.
   * @param costModel - virtual-time cost parameters.
   */
  constructor(
    private readonly access: GpuPageAccess,
    private readonly costModel: JobCostModel,
  ) {
    this.nsPerByte = 1 / costModel.bytesPerNs;
  }

  /** Prepares to run `code` in AS `as`, starting at byte offset `startByte`. */
  load(as: number, sourceId: number, code: Uint32Array, startByte: number): void {
    this.code = code;
    this.as = as;
    this.sourceId = sourceId;
    this.pc = startByte >>> 2;
    this.progress = 0;
    this.failCode = 0;
    this.failVa = 0;
    this.stallResult = 0;
    this.instructions = 0;
    this.bytesMoved = 0;
  }

  /** Byte offset of the current instruction. */
  get pcBytes(): number {
    return this.pc * 4;
  }

  private fail(code: number, va: number): number {
    this.failCode = code;
    this.failVa = va;
    return RUN_FAIL;
  }

  private accessFailed(result: number, va: number): number {
    if (result === ACCESS_BUS_FAULT) return this.fail(JobException.JOB_BUS_FAULT, va);
    this.stallResult = result;
    this.failVa = va;
    return RUN_STALL;
  }

  /**
   * Runs until `cost` reaches `budget` (checked between page-sized steps), a stall, the end or
   * a failure. With `stopRequested`, returns {@link RUN_STOPPED} at the first instruction
   * boundary instead of starting the next instruction.
   */
  run(budget: number, stopRequested: boolean): number {
    const code = this.code;
    const access = this.access;
    const as = this.as;
    const sid = this.sourceId;
    const nsPerByte = this.nsPerByte;
    const translateNs = this.costModel.translateNs;
    for (;;) {
      const pc = this.pc;
      if (pc >= code.length) return RUN_END;
      if (this.progress === 0) {
        if (stopRequested) return RUN_STOPPED;
        if (this.cost >= budget) return RUN_YIELD;
      }
      const op = code[pc]!;
      const len = op <= 0xff ? (PROGRAM_OP_WORDS[op] ?? 0) : 0;
      if (len === 0 || pc + len > code.length) {
        const va = len >= 3 ? (code[pc + 1] ?? 0) + (code[pc + 2] ?? 0) * TWO32 : 0;
        return this.fail(JobException.INSTR_INVALID_ENC, va);
      }
      if (op === ProgramOp.END) return RUN_END;
      if (this.progress === 0) this.cost += this.costModel.instructionNs;
      const va = len >= 3 ? code[pc + 1]! + code[pc + 2]! * TWO32 : 0;
      switch (op) {
        case ProgramOp.WRITE32:
        case ProgramOp.WRITE64:
        case ProgramOp.CHECK32: {
          if (va % 4 !== 0) return this.fail(JobException.INSTR_ALIGN_FAULT, va);
          const kind = op === ProgramOp.CHECK32 ? GpuAccessKind.Read : GpuAccessKind.Write;
          if (op === ProgramOp.WRITE64 && va % PAGE_SIZE === PAGE_SIZE - 4) {
            const r = access.storeBytes(as, va, code[pc + 3]!, code[pc + 4]!, 8, kind, sid);
            if (r < 0) return this.accessFailed(r, access.failVa);
          } else {
            const off = access.page32(as, va, kind, sid);
            if (off < 0) return this.accessFailed(off, va);
            const w = access.u32;
            const i = off >>> 2;
            if (op === ProgramOp.WRITE32) {
              w[i] = code[pc + 3]!;
            } else if (op === ProgramOp.WRITE64) {
              w[i] = code[pc + 3]!;
              w[i + 1] = code[pc + 4]!;
            } else if (((w[i]! ^ code[pc + 3]!) & code[pc + 4]!) !== 0) {
              return this.fail(JobException.DATA_INVALID_FAULT, va);
            }
          }
          const n = op === ProgramOp.WRITE64 ? 8 : 4;
          this.bytesMoved += n;
          this.cost += translateNs + n * nsPerByte;
          break;
        }
        case ProgramOp.FILL32:
        case ProgramOp.CHECK_FILL32: {
          const length = code[pc + 3]!;
          const value = code[pc + 4]!;
          if (va % 4 !== 0 || length % 4 !== 0)
            return this.fail(JobException.INSTR_ALIGN_FAULT, va);
          const kind = op === ProgramOp.FILL32 ? GpuAccessKind.Write : GpuAccessKind.Read;
          while (this.progress < length) {
            const a = va + this.progress;
            const off = access.page32(as, a, kind, sid);
            if (off < 0) return this.accessFailed(off, a);
            let chunk = PAGE_SIZE - off;
            if (chunk > length - this.progress) chunk = length - this.progress;
            const w = access.u32;
            const from = off >>> 2;
            const to = from + (chunk >>> 2);
            if (kind === GpuAccessKind.Write) {
              w.fill(value, from, to);
            } else {
              for (let i = from; i < to; i++) {
                if (w[i] !== value)
                  return this.fail(JobException.DATA_INVALID_FAULT, a + (i - from) * 4);
              }
            }
            this.progress += chunk;
            this.bytesMoved += chunk;
            this.cost += translateNs + chunk * nsPerByte;
            if (this.cost >= budget && this.progress < length) return RUN_YIELD;
          }
          break;
        }
        case ProgramOp.COPY: {
          const src = code[pc + 3]! + code[pc + 4]! * TWO32;
          const length = code[pc + 5]!;
          const chunkCost = 2 * translateNs;
          const byteCost = 2 * nsPerByte;
          while (this.progress < length) {
            const s = src + this.progress;
            const d = va + this.progress;
            const sOff = s % PAGE_SIZE;
            const dOff = d % PAGE_SIZE;
            let chunk = length - this.progress;
            if (chunk > PAGE_SIZE - sOff) chunk = PAGE_SIZE - sOff;
            if (chunk > PAGE_SIZE - dOff) chunk = PAGE_SIZE - dOff;
            if (((sOff | dOff | chunk) & 3) === 0) {
              // Word-aligned chunk: the page word views need no per-page view allocation.
              const r = access.page32(as, s, GpuAccessKind.Read, sid);
              if (r < 0) return this.accessFailed(r, s);
              const from = access.u32;
              const w = access.page32(as, d, GpuAccessKind.Write, sid);
              if (w < 0) return this.accessFailed(w, d);
              if (chunk === PAGE_SIZE) {
                access.u32.set(from);
              } else {
                const fw = sOff >>> 2;
                access.u32.set(from.subarray(fw, fw + (chunk >>> 2)), dOff >>> 2);
              }
            } else {
              const r = access.page8(as, s, GpuAccessKind.Read, sid);
              if (r < 0) return this.accessFailed(r, s);
              const from = access.u8;
              const w = access.page8(as, d, GpuAccessKind.Write, sid);
              if (w < 0) return this.accessFailed(w, d);
              access.u8.set(from.subarray(sOff, sOff + chunk), dOff);
            }
            this.progress += chunk;
            this.bytesMoved += 2 * chunk;
            this.cost += chunkCost + chunk * byteCost;
            if (this.cost >= budget && this.progress < length) return RUN_YIELD;
          }
          break;
        }
        case ProgramOp.HEAP_SAMPLE: {
          const count = code[pc + 3]!;
          const stride = code[pc + 4]!;
          if (va % 4 !== 0 || stride % 4 !== 0 || stride === 0) {
            return this.fail(JobException.INSTR_ALIGN_FAULT, va);
          }
          while (this.progress < count) {
            const a = va + this.progress * stride;
            const off = access.page32(as, a, GpuAccessKind.Write, sid);
            if (off < 0) return this.accessFailed(off, a);
            access.u32[off >>> 2] = a % TWO32;
            this.progress++;
            this.bytesMoved += 4;
            this.cost += translateNs + 4 * nsPerByte;
            if (this.cost >= budget && this.progress < count) return RUN_YIELD;
          }
          break;
        }
        case ProgramOp.DELAY: {
          const ns = code[pc + 1]!;
          const left = ns - this.progress;
          const room = budget - this.cost;
          if (left > room) {
            if (room > 0) {
              const step = Math.ceil(room);
              this.progress += step;
              this.cost += step;
            }
            return RUN_YIELD;
          }
          this.cost += left;
          break;
        }
      }
      this.pc = pc + len;
      this.progress = 0;
      this.instructions++;
    }
  }
}
