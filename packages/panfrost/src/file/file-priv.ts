/**
 * Per-file driver state: the file's MMU context, its name and its job counters.
 */
import type { DrmFile } from "@panmmu/drm";
import type { JobOwner, JobStats } from "../job/job.js";
import type { MmuContext } from "../mmu/context.js";

/** Mirrors struct panfrost_file_priv. */
export class PanfrostFilePriv implements JobOwner {
  /** Job counters. */
  readonly jobStats: JobStats = { submitted: 0, completed: 0, failed: 0, gpuTimeNs: 0 };
  /** Terminal GPU faults attributed to this file. */
  faults = 0;
  private isClosed = false;

  /**
   * @param file - the DRM file.
   * @param ctx - the file's MMU context (the file holds one reference).
   * @param name - a label for reports.
   */
  constructor(
    readonly file: DrmFile,
    readonly ctx: MmuContext,
    readonly name: string,
  ) {}

  /** DRM client id. */
  get clientId(): number {
    return this.file.clientId;
  }

  /** Whether the file was closed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Marks the file closed. */
  markClosed(): void {
    this.isClosed = true;
  }
}

/**
 * The driver state of `file` (`file->driver_priv`), or null for a file that has none (its open
 * failed) or that is not a panfrost file.
 */
export function panfrostFilePriv(file: DrmFile): PanfrostFilePriv | null {
  const p = file.driverPriv;
  return p instanceof PanfrostFilePriv ? p : null;
}
