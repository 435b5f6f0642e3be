/** Wiring of the MMU interrupt line to the MMU block, the way PANTHOR_IRQ_HANDLER() does it. */
import {
  type IrqLine,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
  type MmioBus,
} from "@panmmu/hw";
import type { PanthorMmu } from "../mmu/as-manager.js";

/**
 * Installs the MMU interrupt handler: the hard half masks the line when an event is pending;
 * the threaded half handles `RAWSTAT & mask` until nothing is left, then unmasks (unless the
 * IRQ was suspended meanwhile). Mirrors PANTHOR_IRQ_HANDLER(mmu, MMU, panthor_mmu_irq_handler).
 */
export function attachMmuIrq(irq: IrqLine, mmio: MmioBus, mmu: PanthorMmu): void {
  irq.setHandler(() => {
    if (mmu.irq.suspended) return;
    if (mmio.read32(MMU_INT_STAT) === 0) return;
    mmio.write32(MMU_INT_MASK, 0);
    for (;;) {
      const status = (mmio.read32(MMU_INT_RAWSTAT) & mmu.irq.mask) >>> 0;
      if (status === 0) break;
      mmu.handleIrq(status);
    }
    if (!mmu.irq.suspended) mmio.write32(MMU_INT_MASK, mmu.irq.mask);
  });
}
