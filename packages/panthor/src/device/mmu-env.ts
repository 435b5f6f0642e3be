/** The MMU environment of a device on a platform. */
import {
  GPU_AS_PRESENT,
  GPU_MMU_FEATURES,
  type GpuPlatform,
  type PhysicalMemory,
} from "@panmmu/hw";
import type { PageTableMemory } from "@panmmu/iopgtable";
import type { PanthorMmuEnv } from "../mmu/env.js";
import type { PanthorGpu } from "./gpu.js";

/**
 * The {@link PanthorMmuEnv} of `platform`: its registers, clock and memory, `gpu`'s cache
 * flush, and `scheduleReset` for stuck commands.
 */
export function platformMmuEnv(
  platform: GpuPlatform,
  gpu: PanthorGpu,
  scheduleReset: () => void,
): PanthorMmuEnv {
  const memory: PhysicalMemory & PageTableMemory = platform.memory;
  return {
    mmio: platform.mmio,
    loop: platform.loop,
    warnings: platform.warnings,
    memory,
    coherent: platform.coherent,
    asPresent: platform.mmio.read32(GPU_AS_PRESENT) >>> 0,
    mmuFeatures: platform.mmio.read32(GPU_MMU_FEATURES) >>> 0,
    flushCaches: (l2, lsc, other) => gpu.flushCaches(l2, lsc, other),
    scheduleReset,
  };
}
