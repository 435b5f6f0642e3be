/**
 * The job manager's counters and construction parameters.
 */
import type { EventLoop, MmioBus } from "@panmmu/hw";
import type { WarningSink } from "@panmmu/uapi";
import type { GpuFeatures } from "../device/features.js";
import type { PanfrostMmu } from "../mmu/mmu.js";

/** Counters of the job manager. */
export interface JobCounters {
  /** Jobs submitted. */
  submitted: number;
  /** Jobs written to a slot (including re-runs after reset). */
  hwSubmits: number;
  /** Jobs completed DONE. */
  completed: number;
  /** Jobs failed with a fault. */
  faulted: number;
  /** Jobs cancelled (hard stop, close, reset). */
  cancelled: number;
  /** Timeouts. */
  timeouts: number;
  /** GPU resets. */
  resets: number;
  /** Times a ready job had to wait because no AS could be had. */
  asWaits: number;
  /** Job IRQ handler runs. */
  irqs: number;
}

/** Construction parameters of {@link JobManager}. */
export interface JobManagerParams {
  /** Register window. */
  mmio: MmioBus;
  /** Event loop. */
  loop: EventLoop;
  /** WARN sink. */
  warnings: WarningSink;
  /** MMU block (AS get/put). */
  mmu: PanfrostMmu;
  /** GPU features. */
  features: GpuFeatures;
  /** Job timeout in virtual ns. */
  timeoutNs: number;
  /** Performs the device part of a reset: GPU soft reset and MMU state reset. */
  resetHardware: () => void;
}
