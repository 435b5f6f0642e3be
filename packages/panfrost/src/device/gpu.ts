/**
 * GPU control: soft reset, power-up of the L2/shader/tiler domains, and the GPU IRQ.
 */
import {
  type EventLoop,
  L2_PWRON_LO as HW_L2_PWRON_LO,
  L2_READY_LO as HW_L2_READY_LO,
  SHADER_PWRON_LO as HW_SHADER_PWRON_LO,
  SHADER_READY_LO as HW_SHADER_READY_LO,
  TILER_PWRON_LO as HW_TILER_PWRON_LO,
  TILER_READY_LO as HW_TILER_READY_LO,
  type IrqLine,
  type MmioBus,
} from "@panmmu/hw";
import { ETIMEDOUT } from "@panmmu/uapi";
import {
  GPU_CMD,
  GPU_CMD_SOFT_RESET,
  GPU_INT_CLEAR,
  GPU_INT_MASK,
  GPU_INT_RAWSTAT,
  GPU_INT_STAT,
  GPU_IRQ_FAULT,
  GPU_IRQ_MASK_ALL,
  GPU_IRQ_MULTIPLE_FAULT,
  GPU_IRQ_RESET_COMPLETED,
} from "../regs.js";
import type { GpuFeatures } from "./features.js";

/** Soft-reset completion timeout: 10 ms of virtual time. */
export const SOFT_RESET_TIMEOUT_NS = 10_000_000;
/** Power transition timeout: 2 ms of virtual time. */
export const POWER_TIMEOUT_NS = 2_000_000;

const L2_READY_LO = HW_L2_READY_LO;
const SHADER_READY_LO = HW_SHADER_READY_LO;
const TILER_READY_LO = HW_TILER_READY_LO;
const SHADER_PWRON_LO = HW_SHADER_PWRON_LO;
const TILER_PWRON_LO = HW_TILER_PWRON_LO;
const L2_PWRON_LO = HW_L2_PWRON_LO;

/**
 * Soft-resets the GPU and waits for RESET_COMPLETED; then clears and unmasks the GPU IRQs.
 * Returns 0 or -ETIMEDOUT. Mirrors panfrost_gpu_soft_reset().
 */
export function gpuSoftReset(mmio: MmioBus, loop: EventLoop): number {
  mmio.write32(GPU_INT_MASK, 0);
  mmio.write32(GPU_INT_CLEAR, GPU_IRQ_RESET_COMPLETED);
  mmio.write32(GPU_CMD, GPU_CMD_SOFT_RESET);
  const ok = loop.runUntil(
    () => (mmio.read32(GPU_INT_RAWSTAT) & GPU_IRQ_RESET_COMPLETED) !== 0,
    SOFT_RESET_TIMEOUT_NS,
  );
  mmio.write32(GPU_INT_CLEAR, GPU_IRQ_MASK_ALL);
  mmio.write32(GPU_INT_MASK, GPU_IRQ_MASK_ALL);
  return ok ? 0 : -ETIMEDOUT;
}

/**
 * Powers on the L2, then the shader cores and tiler, waiting for each READY mask. Returns the
 * domains that did not report ready in time (empty when all did). Mirrors panfrost_gpu_power_on().
 */
export function gpuPowerOn(mmio: MmioBus, loop: EventLoop, f: GpuFeatures): string[] {
  const late: string[] = [];
  const domain = (name: string, pwron: number, ready: number, mask: number): void => {
    if (mask === 0) return;
    mmio.write32(pwron, mask);
    if (!loop.runUntil(() => (mmio.read32(ready) & mask) === mask >>> 0, POWER_TIMEOUT_NS)) {
      late.push(name);
    }
  };
  domain("l2", L2_PWRON_LO, L2_READY_LO, f.l2Present);
  domain("shader", SHADER_PWRON_LO, SHADER_READY_LO, f.shaderPresent);
  domain("tiler", TILER_PWRON_LO, TILER_READY_LO, f.tilerPresent);
  return late;
}

/** GPU IRQ counters. */
export interface GpuIrqCounters {
  /** GPU faults reported. */
  faults: number;
  /** Handler runs. */
  irqs: number;
}

/** Installs the GPU IRQ handler: acknowledges every bit and counts faults. Mirrors panfrost_gpu_irq_handler(). */
export function attachGpuIrq(irq: IrqLine, mmio: MmioBus, counters: GpuIrqCounters): void {
  irq.setHandler(() => {
    const state = mmio.read32(GPU_INT_STAT) >>> 0;
    if (state === 0) return;
    counters.irqs++;
    if ((state & (GPU_IRQ_FAULT | GPU_IRQ_MULTIPLE_FAULT)) !== 0) counters.faults++;
    mmio.write32(GPU_INT_CLEAR, state);
  });
}
