/**
 * What the panthor MMU code needs of the rest of the device: the register window, the clock,
 * the GPU cache flush and the reset request. The device supplies it; tests can supply a fake.
 */
import type { EventLoop, MmioBus, PageReservations } from "@panmmu/hw";
import type { PageTableMemory } from "@panmmu/iopgtable";
import type { WarningSink } from "@panmmu/uapi";

/** The device context of the MMU code. */
export interface PanthorMmuEnv {
  /** Register window of the GPU. */
  readonly mmio: MmioBus;
  /** Event loop (AS_STATUS polling runs it). */
  readonly loop: EventLoop;
  /** Where kernel WARN_ONs are reported. */
  readonly warnings: WarningSink;
  /** Physical memory page tables live in (reservations serve the page-table cache). */
  readonly memory: PageTableMemory & PageReservations;
  /** Whether the GPU is IO-coherent (`ptdev->coherent`). */
  readonly coherent: boolean;
  /** GPU_AS_PRESENT. */
  readonly asPresent: number;
  /** GPU_MMU_FEATURES (VA bits 7:0, PA bits 15:8). */
  readonly mmuFeatures: number;
  /**
   * Flushes GPU caches (CACHE_CLEAN/CACHE_INV per cache) and waits for completion; 0, or a
   * negative errno when the flush timed out. Mirrors panthor_gpu_flush_caches().
   */
  flushCaches(l2: number, lsc: number, other: number): number;
  /** Asks for a GPU reset (asynchronously). Mirrors panthor_device_schedule_reset(). */
  scheduleReset(): void;
}
