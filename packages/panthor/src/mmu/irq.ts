/**
 * The MMU interrupt's mask bookkeeping: which AS fault events are enabled, and whether the IRQ
 * is suspended (then nothing is written until it resumes).
 */
import { MMU_INT_CLEAR, MMU_INT_MASK, type MmioBus } from "@panmmu/hw";

/** The MMU block's `struct panthor_irq`: its event mask and suspended state. */
export class PanthorMmuIrq {
  /** Events the handler wants (`pirq->mask`). */
  mask: number;
  /** True while the IRQ is suspended: mask changes are remembered, not written. */
  suspended = true;

  /**
   * @param mmio - register window.
   * @param mask - initial event mask (every AS fault bit: 0xffff).
   */
  constructor(
    private readonly mmio: MmioBus,
    mask: number,
  ) {
    this.mask = mask >>> 0;
  }

  /** Adds events to the mask (written unless suspended). Mirrors panthor_irq_enable_events(). */
  enableEvents(bits: number): void {
    this.mask = (this.mask | bits) >>> 0;
    if (!this.suspended) this.mmio.write32(MMU_INT_MASK, this.mask);
  }

  /** Removes events from the mask (written unless suspended). Mirrors panthor_irq_disable_events(). */
  disableEvents(bits: number): void {
    this.mask = (this.mask & ~bits) >>> 0;
    if (!this.suspended) this.mmio.write32(MMU_INT_MASK, this.mask);
  }

  /** Masks the interrupt and marks it suspended. Mirrors panthor_mmu_irq_suspend(). */
  suspend(): void {
    this.mmio.write32(MMU_INT_MASK, 0);
    this.suspended = true;
  }

  /** Clears pending events and unmasks the wanted ones. Mirrors panthor_mmu_irq_resume(). */
  resume(): void {
    this.suspended = false;
    this.mmio.write32(MMU_INT_CLEAR, this.mask);
    this.mmio.write32(MMU_INT_MASK, this.mask);
  }
}
