/**
 * Encoder for memory programs ({@link ProgramOp}), and a disassembler for traces and tests.
 */
import { joinU64, splitU64 } from "../descriptor.js";
import { PROGRAM_OP_NAMES, PROGRAM_OP_WORDS, ProgramOp } from "./opcodes.js";

function u32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${name} is not a u32: ${value}`);
  }
  return value >>> 0;
}

/**
 * Builds a memory program instruction by instruction.
 *
 * @example
 * const words = new ProgramBuilder().write32(va, 0x1234).check32(va, 0x1234).end().build();
 */
export class ProgramBuilder {
  private readonly words: number[] = [];

  private va(value: number): void {
    const [lo, hi] = splitU64(value);
    this.words.push(lo, hi);
  }

  /** Appends END. */
  end(): this {
    this.words.push(ProgramOp.END);
    return this;
  }

  /** Appends WRITE32: store `value` at `va`. */
  write32(va: number, value: number): this {
    this.words.push(ProgramOp.WRITE32);
    this.va(va);
    this.words.push(u32("value", value));
    return this;
  }

  /** Appends WRITE64: store `hi:lo` at `va`. */
  write64(va: number, lo: number, hi: number): this {
    this.words.push(ProgramOp.WRITE64);
    this.va(va);
    this.words.push(u32("lo", lo), u32("hi", hi));
    return this;
  }

  /** Appends CHECK32: fail unless `(mem[va] ^ expected) & mask` is 0 (mask defaults to all bits). */
  check32(va: number, expected: number, mask = 0xffffffff): this {
    this.words.push(ProgramOp.CHECK32);
    this.va(va);
    this.words.push(u32("expected", expected), u32("mask", mask));
    return this;
  }

  /** Appends FILL32: store `value` in every word of `[va, va + length)`. */
  fill32(va: number, length: number, value: number): this {
    this.words.push(ProgramOp.FILL32);
    this.va(va);
    this.words.push(u32("length", length), u32("value", value));
    return this;
  }

  /** Appends COPY: copy `length` bytes from `src` to `dst`. */
  copy(dst: number, src: number, length: number): this {
    this.words.push(ProgramOp.COPY);
    this.va(dst);
    this.va(src);
    this.words.push(u32("length", length));
    return this;
  }

  /** Appends CHECK_FILL32: fail at the first word of `[va, va + length)` not equal to `value`. */
  checkFill32(va: number, length: number, value: number): this {
    this.words.push(ProgramOp.CHECK_FILL32);
    this.va(va);
    this.words.push(u32("length", length), u32("value", value));
    return this;
  }

  /** Appends HEAP_SAMPLE: store `a mod 2^32` at each `a = va + i * stride`, i < count. */
  heapSample(va: number, count: number, stride: number): this {
    this.words.push(ProgramOp.HEAP_SAMPLE);
    this.va(va);
    this.words.push(u32("count", count), u32("stride", stride));
    return this;
  }

  /** Appends DELAY: let `ns` virtual nanoseconds pass. */
  delay(ns: number): this {
    this.words.push(ProgramOp.DELAY, u32("ns", ns));
    return this;
  }

  /** Appends raw words (for malformed-program tests). */
  raw(...words: number[]): this {
    for (const w of words) this.words.push(u32("word", w));
    return this;
  }

  /** Size of the program so far, in bytes. */
  get byteLength(): number {
    return this.words.length * 4;
  }

  /** The program as u32 words. */
  build(): Uint32Array {
    return Uint32Array.from(this.words);
  }

  /** The program as little-endian bytes. */
  buildBytes(): Uint8Array {
    const out = new Uint8Array(this.words.length * 4);
    const dv = new DataView(out.buffer);
    this.words.forEach((w, i) => {
      dv.setUint32(i * 4, w, true);
    });
    return out;
  }
}

/**
 * Renders a program as one line per instruction (`WRITE32 0x10000 0x1234`). Stops at the
 * first invalid instruction, printing `<invalid …>`.
 */
export function disassembleProgram(words: ArrayLike<number>): string[] {
  const lines: string[] = [];
  const hex = (v: number) => `0x${v.toString(16)}`;
  let pc = 0;
  while (pc < words.length) {
    const op = (words[pc] ?? 0) >>> 0;
    const len = op <= 0xff ? (PROGRAM_OP_WORDS[op] ?? 0) : 0;
    if (len === 0 || pc + len > words.length) {
      lines.push(`<invalid ${hex(op)} at word ${pc}>`);
      break;
    }
    const ops: number[] = [];
    for (let i = 1; i < len; i++) ops.push((words[pc + i] ?? 0) >>> 0);
    const name = PROGRAM_OP_NAMES[op] ?? "?";
    const args: string[] = [];
    switch (op) {
      case ProgramOp.COPY:
        args.push(hex(joinU64(ops[0] ?? 0, ops[1] ?? 0)), hex(joinU64(ops[2] ?? 0, ops[3] ?? 0)));
        args.push(hex(ops[4] ?? 0));
        break;
      case ProgramOp.DELAY:
      case ProgramOp.END:
        for (const o of ops) args.push(String(o));
        break;
      default:
        args.push(hex(joinU64(ops[0] ?? 0, ops[1] ?? 0)));
        for (const o of ops.slice(2)) args.push(hex(o));
    }
    lines.push([name, ...args].join(" "));
    pc += len;
  }
  return lines;
}
