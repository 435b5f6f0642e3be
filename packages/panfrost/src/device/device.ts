/**
 * The panfrost device: probe on a platform, the composition of its parts (MMU, jobs, GEM,
 * files, ioctls, shrinker, fault resolver), hardware reset and removal. The parts live in
 * their own modules, as the kernel splits panfrost_device.c, panfrost_drv.c, panfrost_gem.c,
 * panfrost_gem_shrinker.c, panfrost_mmu.c and panfrost_job.c.
 */
import {
  type DmaBuf,
  DrmDevice,
  type DrmFile,
  type DrmGemShmemShrinker,
  type DrmUserMemory,
  type DrmVma,
  drmGemMmap,
  drmGemPrimeBufToHandle,
} from "@panmmu/drm";
import type { GpuPlatform } from "@panmmu/hw";
import { EINVAL, ENODEV } from "@panmmu/uapi";
import type { PanfrostFilePriv } from "../file/file-priv.js";
import { type PanfrostFileHandle, PanfrostFiles } from "../file/files.js";
import type { PanfrostBo } from "../gem/bo.js";
import { PanfrostFaultResolver } from "../gem/fault-resolver.js";
import { PanfrostGem } from "../gem/gem.js";
import { createPanfrostShrinker } from "../gem/shrinker.js";
import type { PanfrostIoctlApi, SubmitRequest } from "../ioctl/api.js";
import { PanfrostIoctlHandlers } from "../ioctl/handlers.js";
import { JobManager } from "../job/job-manager.js";
import { JOB_TIMEOUT_NS, NUM_JOB_SLOTS } from "../job/slot.js";
import { AsContextReleaser } from "../mmu/ctx-release.js";
import { PanfrostMmu } from "../mmu/mmu.js";
import type { PgtableFormat } from "../mmu/pgtable.js";
import { panfrostDrmDriver } from "./driver.js";
import { type GpuFeatures, readGpuFeatures } from "./features.js";
import { attachGpuIrq, type GpuIrqCounters, gpuPowerOn, gpuSoftReset } from "./gpu.js";

export type { PanfrostFileHandle } from "../file/files.js";
export { PANFROST_DRIVER_NAME } from "./driver.js";

/** Probe options. */
export interface PanfrostProbeOptions {
  /** SoC quirk GPU_QUIRK_FORCE_AARCH64_PGTABLE: use AArch64 4K page tables (needs the AArch64 MMU). */
  forceAarch64Pgtable?: boolean;
  /** Job timeout in virtual ns (default 500 ms). */
  jobTimeoutNs?: number;
  /** Register the shrinker with system memory (default true). */
  registerShrinker?: boolean;
}

/**
 * A probed panfrost device. Create it with {@link PanfrostDevice.probe}. A thin composition of
 * its parts; the ioctl and file methods delegate to them.
 *
 * Mirrors struct panfrost_device.
 */
export class PanfrostDevice implements PanfrostIoctlApi {
  /** The DRM device (files, handles, syncobjs, core ioctls). */
  readonly drm: DrmDevice<PanfrostFilePriv>;
  /** The MMU block. */
  readonly mmu: PanfrostMmu;
  /** The job manager. */
  readonly jobs: JobManager;
  /** Purgeable-BO shrinker. */
  readonly shrinker: DrmGemShmemShrinker;
  /** The GEM part: BO creation, GEM hooks, PRIME import. */
  readonly gem: PanfrostGem;
  /** The file part: open files and the open/postclose hooks. */
  readonly fileTable: PanfrostFiles;
  /** The ioctl operations. */
  readonly ioctls: PanfrostIoctlHandlers;
  /** What the MMU fault path asks of the driver (heap growth, fault descriptions). */
  readonly faultResolver: PanfrostFaultResolver;
  /** GPU IRQ counters. */
  readonly gpuCounters: GpuIrqCounters = { faults: 0, irqs: 0 };
  /** Every live BO, in creation order (the GEM part's set). */
  readonly bos: Set<PanfrostBo>;
  /** Open files' driver state, in open order (the file part's list). */
  readonly files: PanfrostFilePriv[];
  /** Number of GPU resets performed at the hardware level. */
  hwResets = 0;
  private unregisterShrinker: (() => void) | null = null;
  private removed = false;

  private constructor(
    readonly platform: GpuPlatform,
    readonly features: GpuFeatures,
    readonly pgtableFormat: PgtableFormat,
    options: PanfrostProbeOptions,
  ) {
    const { mmio, loop, warnings } = platform;
    this.mmu = new PanfrostMmu({
      mmio,
      loop,
      warnings,
      asPresent: features.asPresent,
      numJobSlots: NUM_JOB_SLOTS,
      aarch64Mmu: features.hw.aarch64Mmu,
      onStuck: () => this.jobs.scheduleReset(),
    });
    this.jobs = new JobManager({
      mmio,
      loop,
      warnings,
      mmu: this.mmu,
      features,
      timeoutNs: options.jobTimeoutNs ?? JOB_TIMEOUT_NS,
      resetHardware: () => this.resetHardware(),
    });
    this.shrinker = createPanfrostShrinker(this.mmu);
    // The GEM and file parts read `drm` only once files are opened, after it is set below.
    this.gem = new PanfrostGem(this);
    this.bos = this.gem.bos;
    this.fileTable = new PanfrostFiles(this, new AsContextReleaser(this.mmu));
    this.files = this.fileTable.files;
    this.ioctls = new PanfrostIoctlHandlers({
      gem: this.gem,
      jobs: this.jobs,
      shrinker: this.shrinker,
      features,
      loop,
    });
    this.faultResolver = new PanfrostFaultResolver(this.mmu, this.files);
    const driver = panfrostDrmDriver({ ioctls: this.ioctls, files: this.fileTable, gem: this.gem });
    this.drm = new DrmDevice<PanfrostFilePriv>(driver, platform);
    if (options.registerShrinker ?? true) {
      this.unregisterShrinker = this.shrinker.register(platform.memory);
    }
  }

  /**
   * Probes the GPU: reads its identification and features, picks the page-table format
   * (ARM_MALI_LPAE, or ARM_64_LPAE_S1 when the SoC forces AArch64 tables, -EINVAL if the GPU
   * lacks the AArch64 MMU), soft-resets and powers it up, installs the IRQ handlers and unmasks
   * them. Returns the device or a negative errno (nothing left installed).
   *
   * Mirrors panfrost_device_init() / panfrost_probe().
   */
  static probe(platform: GpuPlatform, options: PanfrostProbeOptions = {}): PanfrostDevice | number {
    const features = readGpuFeatures(platform.mmio);
    // panfrost's of_match table lists no CSF GPU (arch major 10 and later, whose 0x1c reads
    // CSF_ID, not JS_PRESENT): such a GPU never binds to panfrost.
    const csf = features.id >>> 12 >= 10;
    if (csf || features.asPresent === 0 || features.jsPresent === 0) return -ENODEV;
    let format: PgtableFormat = "ARM_MALI_LPAE";
    if (options.forceAarch64Pgtable === true) {
      // The kernel logs "AARCH64_4K page table not supported" and refuses.
      if (!features.hw.aarch64Mmu) return -EINVAL;
      format = "ARM_64_LPAE_S1";
    }
    const ret = gpuSoftReset(platform.mmio, platform.loop);
    if (ret < 0) return ret;
    gpuPowerOn(platform.mmio, platform.loop, features);
    const dev = new PanfrostDevice(platform, features, format, options);
    attachGpuIrq(platform.irqs.gpu, platform.mmio, dev.gpuCounters);
    dev.mmu.attach(platform.irqs.mmu, dev.faultResolver);
    dev.jobs.attach(platform.irqs.job);
    return dev;
  }

  /**
   * Removes the device: masks and releases the IRQs and unregisters the shrinker. Open files
   * should be closed first. Mirrors panfrost_device_fini().
   */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.jobs.detach(this.platform.irqs.job);
    this.mmu.detach(this.platform.irqs.mmu);
    this.platform.irqs.gpu.clearHandler();
    this.unregisterShrinker?.();
    this.unregisterShrinker = null;
  }

  /**
   * Device part of a reset: soft reset and power-up, then the MMU state (every AS returned,
   * faulty mask cleared, MMU IRQs unmasked), under the AS lock. Mirrors panfrost_device_reset().
   */
  private resetHardware(): void {
    this.hwResets++;
    const { mmio, loop } = this.platform;
    // The reset runs from the reset workqueue, which starts nothing while the AS lock is held.
    const r = this.mmu.lock.tryWith(() => {
      gpuSoftReset(mmio, loop);
      gpuPowerOn(mmio, loop, this.features);
      this.mmu.slots.resetLocked();
      return true;
    });
    if (r === undefined) this.platform.warnings.warn("panfrost_device_reset", "AS lock held");
  }

  /** Schedules a GPU reset (as the timeout path does). */
  scheduleReset(): void {
    this.jobs.scheduleReset();
  }

  // ---- files (see PanfrostFiles) ---------------------------------------------------------

  /**
   * Opens a new file (a new GPU address space). `name` labels it in reports. Returns the file
   * or a negative errno (then nothing was allocated).
   */
  open(name?: string): PanfrostFileHandle | number {
    return this.fileTable.open(name);
  }

  /**
   * Closes a file's fd. Its release (handles go, jobs hard-stopped, context put) runs now, or
   * at the last munmap() while mappings of the file exist.
   */
  close(handle: PanfrostFileHandle): number {
    return this.fileTable.close(handle);
  }

  /**
   * `mmap()` of `file` at a fake offset from MMAP_BO (the whole BO by default, or `length`
   * bytes): the DRM core's mmap (drm_gem_mmap, panfrost's file operations). The mapping holds
   * the BO and the file until its `munmap()`; an imported BO maps its exporter's pages. -EINVAL
   * for an unknown offset, -EACCES for a BO the file holds no handle to, -ENOMEM if pages
   * cannot be had.
   */
  mmap(file: DrmFile, offset: bigint, length?: number): DrmVma | number {
    return drmGemMmap(file, offset, length);
  }

  /**
   * PRIME import of a dma-buf into `file` (what PRIME_FD_TO_HANDLE does after the fd lookup): a
   * buffer of this device gets a handle to the same object; a buffer of another device sharing
   * this system memory goes through the core's import, which calls the driver's
   * `gemPrimeImportSgTable` hook ({@link PanfrostGem.primeImportSgTable}). Returns the handle
   * (the same one on repeated imports in a file) or -errno. Mirrors drm_gem_prime_fd_to_handle().
   */
  primeImport(file: DrmFile, buf: DmaBuf): number {
    return drmGemPrimeBufToHandle(file, buf);
  }

  /** Runs the shrinker by hand: asks it to free `pages` pages; returns how many it freed. */
  shrink(pages: number): number {
    return this.shrinker.shrink(pages);
  }

  // ---- ioctl API (see PanfrostIoctlHandlers) ---------------------------------------------

  /** CREATE_BO: a handle and GPU VA, or -errno. Mirrors panfrost_ioctl_create_bo(). */
  createBo(
    file: DrmFile,
    size: number,
    flags: number,
  ): { handle: number; offset: number } | number {
    return this.ioctls.createBo(file, size, flags);
  }

  /** MMAP_BO: the fake mmap offset, or -errno. Mirrors panfrost_ioctl_mmap_bo(). */
  mmapOffset(file: DrmFile, handle: number): bigint | number {
    return this.ioctls.mmapOffset(file, handle);
  }

  /** GET_BO_OFFSET: the BO's GPU VA in `file`, or -errno. Mirrors panfrost_ioctl_get_bo_offset(). */
  boOffset(file: DrmFile, handle: number): number {
    return this.ioctls.boOffset(file, handle);
  }

  /** WAIT_BO up to an absolute virtual deadline. Mirrors panfrost_ioctl_wait_bo(). */
  waitBo(file: DrmFile, handle: number, timeoutNs: bigint): number {
    return this.ioctls.waitBo(file, handle, timeoutNs);
  }

  /** MADVISE: 1 when the pages are retained, 0 when purged, or -errno. Mirrors panfrost_ioctl_madvise(). */
  madvise(file: DrmFile, handle: number, madv: number): number {
    return this.ioctls.madvise(file, handle, madv);
  }

  /** GET_PARAM: the value, or -EINVAL. Mirrors panfrost_ioctl_get_param(). */
  getParam(file: DrmFile, param: number): bigint | number {
    return this.ioctls.getParam(file, param);
  }

  /** JM_CTX_CREATE: the new context's handle, or -errno. Mirrors panfrost_ioctl_jm_ctx_create(). */
  jmCtxCreate(file: DrmFile, priority: number): number {
    return this.ioctls.jmCtxCreate(file, priority);
  }

  /** JM_CTX_DESTROY: 0 or -errno. Mirrors panfrost_ioctl_jm_ctx_destroy(). */
  jmCtxDestroy(file: DrmFile, handle: number): number {
    return this.ioctls.jmCtxDestroy(file, handle);
  }

  /** SET_LABEL_BO after its pad check: 0 or -errno. Mirrors panfrost_ioctl_set_label_bo(). */
  setLabel(file: DrmFile, handle: number, label: bigint, user: DrmUserMemory): number {
    return this.ioctls.setLabel(file, handle, label, user);
  }

  /** SUBMIT: 0 or -errno. Mirrors panfrost_ioctl_submit() / panfrost_job_push(). */
  submit(file: DrmFile, req: SubmitRequest, user: DrmUserMemory): number {
    return this.ioctls.submit(file, req, user);
  }
}
