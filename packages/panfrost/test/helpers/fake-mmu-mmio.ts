import type { EventLoop, MmioBus } from "@panmmu/hw";

/** One register write recorded by {@link FakeMmuMmio}. */
export interface RegWrite {
  at: number;
  offset: number;
  value: number;
}

/**
 * A register file for AS-manager unit tests: remembers writes, and keeps AS_ACTIVE set for
 * `latencyNs` of virtual time after each AS command (so wait_ready has to poll).
 */
export class FakeMmuMmio implements MmioBus {
  readonly regs = new Map<number, number>();
  readonly writes: RegWrite[] = [];
  private readonly busyUntil = new Map<number, number>();
  /** When set, AS_ACTIVE never clears (a stuck MMU). */
  stuck = false;

  constructor(
    private readonly loop: EventLoop,
    public latencyNs = 0,
  ) {}

  read32(offset: number): number {
    if (offset >= 0x2400 && offset < 0x2800 && (offset & 0x3f) === 0x28) {
      const as = (offset - 0x2400) >> 6;
      if (this.stuck) return 1;
      return (this.busyUntil.get(as) ?? 0) > this.loop.now ? 1 : 0;
    }
    return this.regs.get(offset) ?? 0;
  }

  write32(offset: number, value: number): void {
    this.writes.push({ at: this.loop.now, offset, value: value >>> 0 });
    this.regs.set(offset, value >>> 0);
    if (offset >= 0x2400 && offset < 0x2800 && (offset & 0x3f) === 0x18) {
      const as = (offset - 0x2400) >> 6;
      this.busyUntil.set(as, this.loop.now + this.latencyNs);
    }
  }

  /** AS commands written, as [as, command] pairs. */
  commands(): Array<[number, number]> {
    return this.writes
      .filter((w) => w.offset >= 0x2400 && w.offset < 0x2800 && (w.offset & 0x3f) === 0x18)
      .map((w) => [(w.offset - 0x2400) >> 6, w.value]);
  }
}
