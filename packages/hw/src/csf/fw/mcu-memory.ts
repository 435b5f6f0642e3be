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

  /**
   * Whether the memory at `va` holds `data` (a whole number of words), read as the MCU reads
   * a section of its image: instruction fetches for an executable one. 1 when it does, 0 when
   * a word differs, -1 when an access failed.
   */
  holds(va: number, data: Uint8Array, executable: boolean): number {
    const kind = executable ? GpuAccessKind.Execute : GpuAccessKind.Read;
    const words = data.length >>> 2;
    for (let i = 0; i < words; i++) {
      const off = this.access.page32(MCU_AS, va + 4 * i, kind, MCU_SOURCE_ID);
      if (off < 0) return this.fail(off, va + 4 * i);
      const want =
        (data[4 * i] as number) |
        ((data[4 * i + 1] as number) << 8) |
        ((data[4 * i + 2] as number) << 16) |
        ((data[4 * i + 3] as number) << 24);
      if ((this.access.u32[off >>> 2] as number) !== want >>> 0) return 0;
    }
    this.failure = 0;
    return 1;
  }

  private fail(result: number, va: number): -1 {
    this.failure = result;
    this.failVa = va;
    return -1;
  }
}
