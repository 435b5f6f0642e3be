/**
 * The JOB_INT_* registers of a CSF GPU (offsets 0x1000-0x100f): on CSF GPUs the job interrupt
 * carries command-stream-group and global firmware-interface events (bit 31 GLB, bit n CSG n).
 * Whatever models the firmware interface raises bits here with {@link raise}.
 */

/** JOB_INT_* block of a CSF GPU. */
export class CsfJobIrqBlock {
  /** JOB_INT_RAWSTAT. */
  rawstat = 0;
  /** JOB_INT_MASK. */
  mask = 0;

  /** @param onIrqChange - called when RAWSTAT or MASK changes. */
  constructor(private readonly onIrqChange: () => void) {}

  /** Level of the job interrupt line. */
  get irqLevel(): boolean {
    return (this.rawstat & this.mask) !== 0;
  }

  /** Sets RAWSTAT bits (a firmware-interface event). */
  raise(bits: number): void {
    this.rawstat = (this.rawstat | bits) >>> 0;
    this.onIrqChange();
  }

  /** Reads a register (offset from 0x1000); undefined when nothing is there. */
  read32(offset: number): number | undefined {
    switch (offset) {
      case 0x0:
        return this.rawstat;
      case 0x4:
        return 0;
      case 0x8:
        return this.mask;
      case 0xc:
        return (this.rawstat & this.mask) >>> 0;
      default:
        return undefined;
    }
  }

  /** Writes a register (offset from 0x1000); false when nothing writable is there. */
  write32(offset: number, value: number): boolean {
    switch (offset) {
      case 0x4:
        this.rawstat = (this.rawstat & ~value) >>> 0;
        this.onIrqChange();
        return true;
      case 0x8:
        this.mask = value >>> 0;
        this.onIrqChange();
        return true;
      default:
        return false;
    }
  }

  /** Back to the power-on state. */
  reset(): void {
    this.rawstat = 0;
    this.mask = 0;
    this.onIrqChange();
  }
}
