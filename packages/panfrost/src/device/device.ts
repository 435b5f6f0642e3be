/**
 * The panfrost device: probe on a platform, the DRM driver glue (files, GEM hooks, ioctls),
 * BO creation and mapping, heap faults, madvise and the shrinker, jobs and reset.
 */
import {
  copyU32ArrayFromUser,
  type DmaBuf,
  type DmaBufAttachment,
  type DmaFence,
  DmaResvUsage,
  DRIVER_GEM,
  DRIVER_RENDER,
  DRIVER_SYNCOBJ,
  DRIVER_SYNCOBJ_TIMELINE,
  DrmDevice,
  type DrmDriver,
  type DrmFile,
  type DrmGemObject,
  DrmGemShmemObject,
  DrmGemShmemShrinker,
  type DrmUserMemory,
  type DrmVma,
  drmGemCreateMmapOffset,
  drmGemMmap,
  drmGemPrimeBufToHandle,
  drmSyncobjFind,
  drmSyncobjFindFence,
  drmSyncobjInstallFence,
} from "@panmmu/drm";
import { type GpuPlatform, PAGE_SIZE } from "@panmmu/hw";
import {
  E2BIG,
  EBUSY,
  EINVAL,
  ENODEV,
  ENOENT,
  ETIMEDOUT,
  PANFROST_BO_HEAP,
  PANFROST_BO_NOEXEC,
  PANFROST_JD_REQ_CYCLE_COUNT,
  PANFROST_JD_REQ_FS,
  PANFROST_MADV_DONTNEED,
} from "@panmmu/uapi";
import type { FaultTarget } from "../debug/fault-log.js";
import { PanfrostFilePriv } from "../file/file-priv.js";
import { PanfrostBo } from "../gem/bo.js";
import { growHeapOnFault, HEAP_CHUNK } from "../gem/heap.js";
import { ImportedBo } from "../gem/imported-bo.js";
import { BoMapping } from "../gem/mapping.js";
import type { PanfrostIoctlApi, SubmitRequest } from "../ioctl/api.js";
import { PANFROST_BO_LABEL_MAXLEN, panfrostIoctls } from "../ioctl/table.js";
import { strndupFromUser } from "../ioctl/user-string.js";
import { PanfrostJob } from "../job/job.js";
import { JobManager } from "../job/job-manager.js";
import { lockReservations } from "../job/reservations.js";
import { JOB_TIMEOUT_NS, NUM_JOB_SLOTS } from "../job/slot.js";
import { VA_SIZE_PFN, VA_START_PFN } from "../mmu/color-adjust.js";
import { MmuContext, type VaNode } from "../mmu/context.js";
import { mappingProt } from "../mmu/map.js";
import type { FaultResolver } from "../mmu/mmu.js";
import { PanfrostMmu } from "../mmu/mmu.js";
import { allocPgtable, type PgtableFormat } from "../mmu/pgtable.js";
import { type GpuFeatures, readGpuFeatures } from "./features.js";
import { attachGpuIrq, type GpuIrqCounters, gpuPowerOn, gpuSoftReset } from "./gpu.js";
import { paramValue } from "./params.js";

/** Driver name, as DRM_IOCTL_VERSION reports it. */
export const PANFROST_DRIVER_NAME = "panfrost";

/** Probe options. */
export interface PanfrostProbeOptions {
  /** SoC quirk GPU_QUIRK_FORCE_AARCH64_PGTABLE: use AArch64 4K page tables (needs the AArch64 MMU). */
  forceAarch64Pgtable?: boolean;
  /** Job timeout in virtual ns (default 500 ms). */
  jobTimeoutNs?: number;
  /** Register the shrinker with system memory (default true). */
  registerShrinker?: boolean;
}

/** An open file as the driver API hands it out. */
export interface PanfrostFileHandle {
  /** The DRM file (issue ioctls through `file.ioctl` or the device helpers). */
  readonly file: DrmFile<PanfrostFilePriv>;
  /** The driver's per-file state. */
  readonly priv: PanfrostFilePriv;
}

/**
 * A probed panfrost device. Create it with {@link PanfrostDevice.probe}.
 *
 * Mirrors struct panfrost_device.
 */
export class PanfrostDevice implements PanfrostIoctlApi, FaultResolver {
  /** The DRM device (files, handles, syncobjs, core ioctls). */
  readonly drm: DrmDevice<PanfrostFilePriv>;
  /** The MMU block. */
  readonly mmu: PanfrostMmu;
  /** The job manager. */
  readonly jobs: JobManager;
  /** Purgeable-BO shrinker. */
  readonly shrinker: DrmGemShmemShrinker;
  /** GPU IRQ counters. */
  readonly gpuCounters: GpuIrqCounters = { faults: 0, irqs: 0 };
  /** Every live BO, in creation order. */
  readonly bos = new Set<PanfrostBo>();
  /** Open files' driver state, in open order. */
  readonly files: PanfrostFilePriv[] = [];
  /** Number of GPU resets performed at the hardware level. */
  hwResets = 0;
  private unregisterShrinker: (() => void) | null = null;
  private nextFileName = 1;
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
    this.shrinker = new DrmGemShmemShrinker({
      name: "drm-panfrost",
      purge: (obj) => (obj instanceof PanfrostBo ? this.purge(obj) : 0),
    });
    const driver: DrmDriver<PanfrostFilePriv> = {
      name: PANFROST_DRIVER_NAME,
      desc: "panfrost DRM",
      date: "20180908",
      major: 1,
      minor: 5,
      patchlevel: 0,
      features: DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
      ioctls: panfrostIoctls(this),
      open: (file) => this.fileOpen(file),
      postclose: (file) => this.filePostclose(file),
      gemPrimeImportSgTable: (_dev, attach) => this.gemPrimeImportSgTable(attach),
    };
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
    dev.mmu.attach(platform.irqs.mmu, dev);
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

  // ---- files ---------------------------------------------------------------------------

  /**
   * Opens a new file (a new GPU address space). `name` labels it in reports. Returns the file
   * or a negative errno (then nothing was allocated).
   */
  open(name?: string): PanfrostFileHandle | number {
    this.pendingName = name ?? `client-${this.nextFileName}`;
    this.nextFileName++;
    const file = this.drm.open("render");
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
    return this.drm.close(handle.file);
  }

  private pendingName: string | null = null;

  /**
   * Creates the file's MMU context. On failure everything allocated here is freed.
   * Mirrors panfrost_open().
   */
  private fileOpen(file: DrmFile<PanfrostFilePriv>): number {
    const pt = allocPgtable({
      format: this.pgtableFormat,
      ias: this.features.vaBits,
      oas: this.features.paBits,
      coherent: this.platform.coherent,
      memory: this.platform.memory,
      warnings: this.platform.warnings,
    });
    if (typeof pt === "number") return pt;
    const name = this.pendingName ?? `client-${file.clientId}`;
    const ctx = new MmuContext(pt.ops, pt.asConfig, name, this, this.platform.warnings);
    const priv = new PanfrostFilePriv(file as DrmFile, ctx, name);
    file.driverPriv = priv;
    this.files.push(priv);
    return 0;
  }

  /** Mirrors panfrost_postclose(): job close (hard stop), then the file's context reference. */
  private filePostclose(file: DrmFile<PanfrostFilePriv>): void {
    const priv = file.driverPriv;
    if (priv === null) return;
    priv.markClosed();
    this.jobs.close(priv);
    const i = this.files.indexOf(priv);
    if (i >= 0) this.files.splice(i, 1);
    priv.ctx.put();
  }

  /** ContextReleaser: unbinds a dying context from its AS under the AS lock. */
  releaseAs(ctx: MmuContext, done: () => void): void {
    const run = (): void => {
      const r = this.mmu.lock.tryWith(() => {
        this.mmu.slots.releaseLocked(ctx);
        done();
        return true;
      });
      if (r === undefined) this.mmu.lock.whenReleased(run);
    };
    run();
  }

  private privOf(file: DrmFile): PanfrostFilePriv | null {
    const p = file.driverPriv;
    return p instanceof PanfrostFilePriv ? p : null;
  }

  // ---- GEM hooks -------------------------------------------------------------------------

  /**
   * A handle to `bo` appeared in `file`: give it a VA in the file's context (executable BOs
   * aligned to their size, others of 2 MiB or more to 2 MiB) and map it, unless it is a heap.
   *
   * Mirrors panfrost_gem_open().
   */
  gemOpen(bo: PanfrostBo, file: DrmFile): number {
    const priv = this.privOf(file);
    if (priv === null) return -EINVAL;
    const mapping = new BoMapping(bo, priv.ctx, this.mmu);
    const pages = bo.size / PAGE_SIZE;
    const align = bo.noexec ? (bo.size >= 0x200000 ? 0x200000 / PAGE_SIZE : 0) : pages;
    const color = bo.noexec ? PANFROST_BO_NOEXEC : 0;
    let ret = priv.ctx.mm.insertNodeInRange(
      mapping.node,
      pages,
      align,
      color,
      VA_START_PFN,
      VA_START_PFN + VA_SIZE_PFN,
      0,
    );
    if (ret === 0 && !bo.isHeap) ret = this.mapBo(mapping);
    if (ret < 0) {
      mapping.put();
      return ret;
    }
    bo.mappings.push(mapping);
    return 0;
  }

  /** Maps a regular BO's pages at its VA. Mirrors panfrost_mmu_map(). */
  private mapBo(mapping: BoMapping): number {
    const bo = mapping.bo as PanfrostBo;
    const sgt = bo.getPagesSgt();
    if (typeof sgt === "number") return sgt;
    const segs = sgt.segments.map((s) => [s.pa, s.size] as const);
    const ret = this.mmu.mapSegments(mapping.ctx, mapping.iova, segs, mappingProt(bo.noexec));
    // Active only once every entry is in: a failed map left nothing for teardown to unmap.
    if (ret === 0) mapping.active = true;
    return ret;
  }

  /** The handle in `file` was deleted: drop that file's mapping. Mirrors panfrost_gem_close(). */
  gemClose(bo: PanfrostBo, file: DrmFile): void {
    const priv = this.privOf(file);
    if (priv === null) return;
    const i = bo.mappings.findIndex((m) => m.ctx === priv.ctx);
    if (i < 0) return;
    const [m] = bo.mappings.splice(i, 1);
    m?.put();
  }

  /** The BO's last reference went. */
  boFreed(bo: PanfrostBo): void {
    this.bos.delete(bo);
  }

  // ---- ioctl API -------------------------------------------------------------------------

  /**
   * Creates a BO: flags limited to NOEXEC|HEAP, HEAP requires NOEXEC, size > 0; heap BOs are
   * rounded up to 2 MiB. Returns its handle and its GPU VA in `file`.
   *
   * Mirrors panfrost_ioctl_create_bo().
   */
  createBo(
    file: DrmFile,
    size: number,
    flags: number,
  ): { handle: number; offset: number } | number {
    if (size === 0 || (flags & ~(PANFROST_BO_NOEXEC | PANFROST_BO_HEAP)) !== 0) return -EINVAL;
    if ((flags & PANFROST_BO_HEAP) !== 0 && (flags & PANFROST_BO_NOEXEC) === 0) return -EINVAL;
    const priv = this.privOf(file);
    if (priv === null) return -EINVAL;
    let bytes = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    if ((flags & PANFROST_BO_HEAP) !== 0) bytes = Math.ceil(bytes / HEAP_CHUNK) * HEAP_CHUNK;
    const bo = new PanfrostBo(this.drm as DrmDevice, bytes, flags, this);
    bo.creatorClient = file.clientId;
    this.bos.add(bo);
    const handle = file.gemHandleCreate(bo);
    // The handle holds the object now; drop the creation reference.
    bo.put();
    if (handle < 0) return handle;
    const mapping = bo.mappings.find((m) => m.ctx === priv.ctx);
    if (mapping === undefined) {
      file.gemHandleDelete(handle);
      return -EINVAL;
    }
    return { handle, offset: mapping.iova };
  }

  private lookupBo(file: DrmFile, handle: number): PanfrostBo | null {
    const obj = file.gemObjectLookup(handle);
    if (obj === null) return null;
    if (!(obj instanceof PanfrostBo)) {
      obj.put();
      return null;
    }
    return obj;
  }

  /**
   * MMAP_BO: the BO's fake mmap offset (created on first request by the DRM core); heap BOs
   * cannot be mmapped (their pages are not pinned): -EINVAL. Mirrors panfrost_ioctl_mmap_bo().
   */
  mmapOffset(file: DrmFile, handle: number): bigint | number {
    const bo = this.lookupBo(file, handle);
    if (bo === null) return -ENOENT;
    let ret: bigint | number;
    if (bo.isHeap) {
      ret = -EINVAL;
    } else {
      const r = drmGemCreateMmapOffset(bo);
      ret = r < 0 ? r : BigInt(bo.vmaNode.offsetAddr);
    }
    bo.put();
    return ret;
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

  /** GET_BO_OFFSET. Mirrors panfrost_ioctl_get_bo_offset(). */
  boOffset(file: DrmFile, handle: number): number {
    const priv = this.privOf(file);
    const bo = this.lookupBo(file, handle);
    if (bo === null || priv === null) return -ENOENT;
    const m = bo.mappings.find((x) => x.ctx === priv.ctx);
    bo.put();
    return m === undefined ? -EINVAL : m.iova;
  }

  /**
   * WAIT_BO: waits for the BO's GPU work up to the absolute virtual deadline `timeoutNs`;
   * a deadline already past polls (-EBUSY when busy). Mirrors panfrost_ioctl_wait_bo().
   */
  waitBo(file: DrmFile, handle: number, timeoutNs: bigint): number {
    const bo = this.lookupBo(file, handle);
    if (bo === null) return -ENOENT;
    const now = this.platform.loop.now;
    const rel = Number(timeoutNs) - now;
    let ret: number;
    if (rel <= 0) {
      ret = bo.resv.testSignaled(DmaResvUsage.READ) ? 0 : -EBUSY;
    } else {
      ret = bo.resv.waitTimeout(DmaResvUsage.READ, rel) === 0 ? -ETIMEDOUT : 0;
    }
    bo.put();
    return ret;
  }

  /**
   * MADVISE: DONTNEED is only allowed for a BO mapped in exactly one context, the caller's
   * (shared BOs are never purgeable), and puts it at the tail of the shrinker's list; WILLNEED
   * takes it off. `madv` is not range-checked: any other value is stored as the BO's state
   * without the sharing check and without touching the list, so it cannot make a BO the
   * shrinker does not already track purgeable. Returns 1 when the pages are retained, 0 when
   * purged. Mirrors panfrost_ioctl_madvise().
   */
  madvise(file: DrmFile, handle: number, madv: number): number {
    const priv = this.privOf(file);
    const bo = this.lookupBo(file, handle);
    if (bo === null || priv === null) return -ENOENT;
    let ret: number;
    if (
      madv === PANFROST_MADV_DONTNEED &&
      (bo.mappings.length !== 1 || bo.mappings[0]?.ctx !== priv.ctx)
    ) {
      ret = -EINVAL;
    } else {
      ret = this.shrinker.madvise(bo, madv) ? 1 : 0;
    }
    bo.put();
    return ret;
  }

  /** GET_PARAM. Mirrors panfrost_ioctl_get_param(). */
  getParam(_file: DrmFile, param: number): bigint | number {
    return paramValue(this.features, param, this.platform.loop.now);
  }

  /**
   * JM_CTX_CREATE: a new scheduling context of the file at `priority`; its handle, or -EINVAL
   * for an unknown priority, -EACCES for HIGH (only a DRM master or a CAP_SYS_NICE caller may
   * have it, and no file of the model is either), -EBUSY once the file has 64 besides its
   * default one. Mirrors panfrost_ioctl_jm_ctx_create().
   */
  jmCtxCreate(file: DrmFile, priority: number): number {
    const priv = this.privOf(file);
    if (priv === null) return -EINVAL;
    return this.jobs.jmCtxs.create(priv, priority, false);
  }

  /**
   * JM_CTX_DESTROY: destroys context `handle` (not the default one, 0) and kills its jobs.
   * Mirrors panfrost_ioctl_jm_ctx_destroy().
   */
  jmCtxDestroy(file: DrmFile, handle: number): number {
    const priv = this.privOf(file);
    if (priv === null || handle === 0) return -EINVAL;
    return this.jobs.destroyJmCtx(priv, handle);
  }

  /**
   * SET_LABEL_BO after its pad check: the handle is looked up first (-ENOENT, whatever the label
   * pointer), then the label at user address `label` is copied, at most
   * {@link PANFROST_BO_LABEL_MAXLEN} bytes counting the NUL: -E2BIG when those bytes hold no NUL,
   * -EFAULT for a bad pointer, the label unchanged on error. `label` 0 clears it.
   *
   * Mirrors panfrost_ioctl_set_label_bo().
   */
  setLabel(file: DrmFile, handle: number, label: bigint, user: DrmUserMemory): number {
    const bo = this.lookupBo(file, handle);
    if (bo === null) return -ENOENT;
    let ret = 0;
    if (label === 0n) {
      bo.label = "";
    } else {
      const s = strndupFromUser(user, label, PANFROST_BO_LABEL_MAXLEN);
      if (typeof s === "number") ret = s === -EINVAL ? -E2BIG : s;
      else bo.label = s;
    }
    bo.put();
    return ret;
  }

  /**
   * SUBMIT, in the kernel's order of checks: jc, requirements, out_sync (-ENODEV), in-syncs
   * (-EFAULT / -ENOENT), BO handles (-EFAULT / -ENOENT, -EINVAL without a mapping in this
   * file), then the BOs' reservation locks (-EALREADY when a BO is listed twice; the out-sync
   * is left alone and no job runs). The job holds its context, the BOs' mappings and GPU use counts until it is done.
   *
   * Mirrors panfrost_ioctl_submit() / panfrost_job_push().
   */
  submit(file: DrmFile, req: SubmitRequest, user: DrmUserMemory): number {
    const priv = this.privOf(file);
    if (priv === null) return -EINVAL;
    if (req.jc === 0) return -EINVAL;
    if ((req.requirements & ~(PANFROST_JD_REQ_FS | PANFROST_JD_REQ_CYCLE_COUNT)) !== 0)
      return -EINVAL;
    if (req.outSync > 0) {
      const s = drmSyncobjFind(file, req.outSync);
      if (s === null) return -ENODEV;
      s.put();
    }
    const jmCtx = this.jobs.jmCtxs.lookup(priv, req.jmCtxHandle);
    if (jmCtx === null) return -EINVAL;
    const js = (req.requirements & PANFROST_JD_REQ_FS) !== 0 ? 0 : 1;
    if (!this.jobs.hasSlot(js)) return -EINVAL;
    const deps: DmaFence[] = [];
    if (req.inSyncCount > 0) {
      const handles = copyU32ArrayFromUser(user, req.inSyncs, req.inSyncCount);
      if (typeof handles === "number") return handles;
      for (const h of handles) {
        const f = drmSyncobjFindFence(file, h, 0, 0);
        if (typeof f === "number") return f;
        deps.push(f);
      }
    }
    const bos: PanfrostBo[] = [];
    const mappings: BoMapping[] = [];
    const unwind = (ret: number): number => {
      for (const b of bos) b.put();
      for (const m of mappings) m.put();
      return ret;
    };
    if (req.boHandleCount > 0) {
      const handles = copyU32ArrayFromUser(user, req.boHandles, req.boHandleCount);
      if (typeof handles === "number") return handles;
      const objs = file.gemObjectsLookup(handles);
      if (typeof objs === "number") return objs;
      for (const o of objs) {
        if (!(o instanceof PanfrostBo)) {
          o.put();
          return unwind(-EINVAL);
        }
        bos.push(o);
      }
      for (const bo of bos) {
        const m = bo.mappings.find((x) => x.ctx === priv.ctx);
        if (m === undefined) return unwind(-EINVAL);
        mappings.push(m.get());
      }
    }
    const entity = this.jobs.entity(jmCtx, js);
    if (entity === null) return unwind(-EINVAL);
    // panfrost_job_push() locks every BO's reservation first: a BO listed twice fails here, after
    // the lookups, with nothing armed, queued or signalled.
    const locked = lockReservations(bos);
    if (locked < 0) return unwind(locked);
    const job = new PanfrostJob(
      priv,
      priv.ctx.get(),
      req.jc,
      req.requirements,
      js,
      mappings,
      bos,
      this.platform.loop.now,
    );
    job.jmCtxId = jmCtx.id;
    job.init(entity, 1);
    for (const f of deps) job.addDependency(f);
    // Implicit synchronisation: every BO is treated as written (panfrost_acquire_object_fences).
    for (const bo of bos) job.addImplicitDependencies(bo, true);
    job.arm();
    const fence = job.finished;
    for (const bo of bos) {
      bo.gpuUsecount++;
      bo.resv.reserveFences(1);
      bo.resv.addFence(fence, DmaResvUsage.WRITE);
    }
    this.jobs.countSubmit(job);
    job.push();
    if (req.outSync > 0) drmSyncobjInstallFence(file, req.outSync, 0, fence);
    return 0;
  }

  /**
   * PRIME import of a dma-buf into `file` (what PRIME_FD_TO_HANDLE does after the fd lookup): a
   * buffer of this device gets a handle to the same object; a buffer of another device sharing
   * this system memory goes through the core's import, which calls
   * {@link gemPrimeImportSgTable}. Returns the handle (the same one on repeated imports in a
   * file) or -errno. Mirrors drm_gem_prime_fd_to_handle().
   */
  primeImport(file: DrmFile, buf: DmaBuf): number {
    return drmGemPrimeBufToHandle(file, buf);
  }

  /**
   * The driver's `gemPrimeImportSgTable` hook: a BO mapping the exporter's pages, which the
   * attachment keeps pinned; -EINVAL unless the exporter is a shmem object. Mirrors
   * panfrost_gem_prime_import_sg_table().
   */
  private gemPrimeImportSgTable(attach: DmaBufAttachment): DrmGemObject | number {
    const exporter = attach.dmabuf.obj;
    if (!(exporter instanceof DrmGemShmemObject)) return -EINVAL;
    const bo = new ImportedBo(this.drm as DrmDevice, exporter, this);
    this.bos.add(bo);
    return bo;
  }

  // ---- faults ----------------------------------------------------------------------------

  /** FaultResolver: grows a heap BO on a translation fault inside it; anything else is terminal. */
  handleFault(ctx: MmuContext, va: number): { ret: number; reason: string } {
    const node = ctx.findNode(Math.floor(va / PAGE_SIZE)) as VaNode<BoMapping> | undefined;
    const mapping = node?.owner ?? null;
    if (mapping === null) return { ret: -ENOENT, reason: "no mapping" };
    const bo = mapping.bo as PanfrostBo;
    if (!bo.isHeap) {
      return {
        ret: -EINVAL,
        reason: mapping.active ? "access not permitted by the mapping" : "BO not mapped (purged?)",
      };
    }
    return growHeapOnFault(this.mmu, bo, mapping, va);
  }

  /** FaultResolver: what `va` hits in `ctx`. */
  describe(ctx: MmuContext, va: number): FaultTarget {
    const owner = this.files.find((f) => f.ctx === ctx);
    let nearest: { d: number; m: BoMapping } | null = null;
    for (const n of ctx.nodes() as Generator<VaNode<BoMapping>>) {
      const m = n.owner;
      if (m === null) continue;
      const start = n.start * PAGE_SIZE;
      const end = start + n.size * PAGE_SIZE;
      if (va >= start && va < end) {
        const bo = m.bo as PanfrostBo;
        return {
          kind: "bo",
          boId: bo.id,
          handle: owner === undefined ? 0 : owner.file.gemHandleOf(bo),
          boSize: bo.size,
          heap: bo.isHeap,
          exec: !bo.noexec,
          offset: va - start,
          boVa: start,
          label: bo.label,
        };
      }
      const d = va < start ? start - va : va - end + 1;
      if (nearest === null || d < nearest.d) nearest = { d, m };
    }
    return {
      kind: "none",
      nearestDistance: nearest?.d ?? null,
      nearestVa: nearest?.m.iova ?? null,
      nearestBoId: nearest?.m.bo.id ?? null,
    };
  }

  /** FaultResolver: the file owning `ctx` (its terminal-fault count goes up). */
  owner(ctx: MmuContext): { fileName: string; clientId: number } | null {
    const f = this.files.find((x) => x.ctx === ctx);
    if (f === undefined) return null;
    f.faults++;
    return { fileName: f.name, clientId: f.clientId };
  }

  // ---- shrinker, reset -------------------------------------------------------------------

  /**
   * Purges one idle purgeable BO: skipped (0) while a job uses it or while MMU work waits for
   * the AS lock; otherwise every GPU mapping is torn down first, then the pages are freed.
   * Mirrors panfrost_gem_purge().
   */
  private purge(bo: PanfrostBo): number {
    if (bo.gpuUsecount !== 0) return 0;
    // Like the kernel's trylocks: while an MMU operation holds the AS lock the unmap's TLB flush
    // would wait, and the pages must outlive it, so this BO is left for a later scan.
    if (this.mmu.flushWouldWait) return 0;
    for (const m of bo.mappings) m.teardown();
    return bo.purge();
  }

  /** Runs the shrinker by hand: asks it to free `pages` pages; returns how many it freed. */
  shrink(pages: number): number {
    return this.shrinker.shrink(pages);
  }

  /** Schedules a GPU reset (as the timeout path does). */
  scheduleReset(): void {
    this.jobs.scheduleReset();
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
}
