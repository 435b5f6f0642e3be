/**
 * Opening and closing files: each open file gets its own MMU context (a GPU address space);
 * its final release hard-stops its jobs and drops the context.
 */
import type { DrmDevice, DrmFile } from "@panmmu/drm";
import type { GpuPlatform } from "@panmmu/hw";
import { EINVAL } from "@panmmu/uapi";
import type { GpuFeatures } from "../device/features.js";
import type { JobManager } from "../job/job-manager.js";
import { type ContextReleaser, MmuContext } from "../mmu/context.js";
import { allocPgtable, type PgtableFormat } from "../mmu/pgtable.js";
import { PanfrostFilePriv } from "./file-priv.js";

/** An open file as the driver API hands it out. */
export interface PanfrostFileHandle {
  /** The DRM file (issue ioctls through `file.ioctl` or the device helpers). */
  readonly file: DrmFile<PanfrostFilePriv>;
  /** The driver's per-file state. */
  readonly priv: PanfrostFilePriv;
}

/** What the file part needs of the device. */
export interface FilesDeviceDeps {
  /** The DRM device files are opened on (read only when a file is opened, after probe). */
  readonly drm: DrmDevice<PanfrostFilePriv>;
  /** The platform (memory for page tables, coherency, warnings). */
  readonly platform: GpuPlatform;
  /** GPU features (VA and PA sizes). */
  readonly features: GpuFeatures;
  /** The page-table format chosen at probe. */
  readonly pgtableFormat: PgtableFormat;
  /** The job manager (a closing file's jobs are stopped). */
  readonly jobs: JobManager;
}

/** The device's open files and the driver's open/postclose hooks. */
export class PanfrostFiles {
  /** Open files' driver state, in open order. */
  readonly files: PanfrostFilePriv[] = [];
  private nextFileName = 1;
  private pendingName: string | null = null;

  /**
   * @param dev - the device parts opening a file needs.
   * @param releaser - what every new context releases its AS slot through.
   */
  constructor(
    private readonly dev: FilesDeviceDeps,
    private readonly releaser: ContextReleaser,
  ) {}

  /**
   * Opens a new file (a new GPU address space). `name` labels it in reports. Returns the file
   * or a negative errno (then nothing was allocated).
   */
  open(name?: string): PanfrostFileHandle | number {
    this.pendingName = name ?? `client-${this.nextFileName}`;
    this.nextFileName++;
    const file = this.dev.drm.open("render");
    this.pendingName = null;
    if (typeof file === "number") return file;
    const priv = file.driverPriv;
    if (priv === null) return -EINVAL;
    return { file, priv };
  }

  /**
   * Closes a file's fd. Its release (handles go, jobs hard-stopped, context put) runs now, or
   * at the last munmap() while mappings of the file exist.
   */
  close(handle: PanfrostFileHandle): number {
    return this.dev.drm.close(handle.file);
  }

  /**
   * The driver's `open` hook: creates the file's MMU context. On failure everything allocated
   * here is freed. Mirrors panfrost_open().
   */
  fileOpen(file: DrmFile<PanfrostFilePriv>): number {
    const { platform } = this.dev;
    const pt = allocPgtable({
      format: this.dev.pgtableFormat,
      ias: this.dev.features.vaBits,
      oas: this.dev.features.paBits,
      coherent: platform.coherent,
      memory: platform.memory,
      warnings: platform.warnings,
    });
    if (typeof pt === "number") return pt;
    const name = this.pendingName ?? `client-${file.clientId}`;
    const ctx = new MmuContext(pt.ops, pt.asConfig, name, this.releaser, platform.warnings);
    const priv = new PanfrostFilePriv(file as DrmFile, ctx, name);
    file.driverPriv = priv;
    this.files.push(priv);
    return 0;
  }

  /**
   * The driver's `postclose` hook: job close (hard stop), then the file's context reference.
   * Mirrors panfrost_postclose().
   */
  filePostclose(file: DrmFile<PanfrostFilePriv>): void {
    const priv = file.driverPriv;
    if (priv === null) return;
    priv.markClosed();
    this.dev.jobs.close(priv);
    const i = this.files.indexOf(priv);
    if (i >= 0) this.files.splice(i, 1);
    priv.ctx.put();
  }
}
