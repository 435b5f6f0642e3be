/**
 * An optional, deterministic log of MMIO accesses and hardware events: one line per entry,
 * prefixed with the virtual time. The same seed and inputs give the same trace.
 */
import type { EventLoop } from "../platform/interfaces.js";

/** Trace of a simulated GPU. */
export class HwTrace {
  /** The lines, oldest first. */
  readonly lines: string[] = [];
  /** Whether MMIO accesses are logged (hardware events always are while the trace exists). */
  mmio: boolean;
  /** Whether every command-stream instruction executed is logged ("cs <source> <pc> <opcode>"). */
  instructions: boolean;
  /** Maximum number of lines kept (oldest dropped first). */
  readonly limit: number;
  /** Lines dropped because of {@link limit}. */
  dropped = 0;

  /**
   * @param loop - clock for the timestamps.
   * @param options - `mmio`: log register accesses (default true); `instructions`: log
   *   command-stream instructions (default true); `limit`: lines kept (default 1e6).
   */
  constructor(
    private readonly loop: EventLoop,
    options: { mmio?: boolean; instructions?: boolean; limit?: number } = {},
  ) {
    this.mmio = options.mmio ?? true;
    this.instructions = options.instructions ?? true;
    this.limit = options.limit ?? 1_000_000;
  }

  /** Appends one line. */
  log(message: string): void {
    if (this.lines.length >= this.limit) {
      this.lines.shift();
      this.dropped++;
    }
    this.lines.push(`${this.loop.now} ${message}`);
  }

  /** Logs a register read. */
  read(offset: number, value: number): void {
    if (this.mmio)
      this.log(`R 0x${offset.toString(16).padStart(4, "0")} = 0x${value.toString(16)}`);
  }

  /** Logs a register write. */
  write(offset: number, value: number): void {
    if (this.mmio)
      this.log(`W 0x${offset.toString(16).padStart(4, "0")} = 0x${value.toString(16)}`);
  }
}
