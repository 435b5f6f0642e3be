/**
 * The MCU's view of memory: 32-bit accesses to MCU VAs, translated through AS 0 like any GPU
 * access (TLB, walk, locked regions, faults), so the MCU VM's mappings decide what the
 * firmware can reach.
 */

import { GpuPageAccess } from "../../jobs/gpu-access.js";
import { GpuAccessKind, type GpuMemoryPort } from "../../mmu/gpu-access.js";
import type { PhysicalMemory } from "../../platform/interfaces.js";

/** The AS the MCU's accesses go through. */
export const MCU_AS = 0;
/** FAULTSTATUS source id of MCU accesses. */
export const MCU_SOURCE_ID = 0x100;

/** MCU memory accesses; after a failed one, {@link failure} says why and {@link failVa} where. */
export class McuMemory {
  /** The failed access's result (an MMU result, or ACCESS_BUS_FAULT), 0 after a good one. */
  failure = 0;
  /** The VA of the failed access. */
  failVa = 0;
  private readonly access: GpuPageAccess;

  /**
   * @param memory - physical memory.
   * @param port - the MMU.
   */
  constructor(
    memory: PhysicalMemory,
    readonly port: GpuMemoryPort,
  ) {
    this.access = new GpuPageAccess(memory, port);
  }

  /** The word at `va`, or -1 when the access failed. */
  read32(va: number): number {
    const off = this.access.page32(MCU_AS, va, GpuAccessKind.Read, MCU_SOURCE_ID);
    if (off < 0) return this.fail(off, va);
    this.failure = 0;
    return this.access.u32[off >>> 2] as number;
  }

  /** Writes the word at `va`; false when the access failed. */
  write32(va: number, value: number): boolean {
    const off = this.access.page32(MCU_AS, va, GpuAccessKind.Write, MCU_SOURCE_ID);
    if (off < 0) {
      this.fail(off, va);
      return false;
    }
    this.failure = 0;
    this.access.u32[off >>> 2] = value >>> 0;
    return true;
  }

  private fail(result: number, va: number): -1 {
    this.failure = result;
    this.failVa = va;
    return -1;
  }
}
