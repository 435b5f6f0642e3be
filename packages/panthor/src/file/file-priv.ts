/** Per-file driver state. */
import { DRM_PANTHOR_USER_MMIO_OFFSET_64BIT } from "@panmmu/uapi";
import { type PanthorGpuUsage, PanthorGroupPool } from "../sched/group.js";
import { PanthorVmPool } from "./vm-pool.js";

/** A file's panthor state. Mirrors `struct panthor_file`. */
export class PanthorFilePriv {
  /** The file's VMs. */
  readonly vms = new PanthorVmPool();
  /** The file's scheduling groups. */
  readonly groups = new PanthorGroupPool();
  /** GPU usage gathered from the file's groups by fdinfo. Mirrors `pfile->stats`. */
  readonly stats: PanthorGpuUsage = { time: 0, cycles: 0 };
  /** Where this file's USER-page mmap offsets start (SET_USER_MMIO_OFFSET). */
  userMmioOffset = DRM_PANTHOR_USER_MMIO_OFFSET_64BIT;

  /**
   * @param name - label for reports.
   * @param privileged - DRM master or CAP_SYS_NICE (may use HIGH/REALTIME group priorities).
   */
  constructor(
    readonly name: string,
    readonly privileged: boolean,
  ) {}
}
