/**
 * The driver's ioctl operations (what the ioctl table calls after decoding a struct): BO
 * creation and queries, wait, madvise, labels, parameters, JM contexts and submit.
 */
import {
  DmaResvUsage,
  type DrmFile,
  type DrmGemShmemShrinker,
  type DrmUserMemory,
  drmGemCreateMmapOffset,
} from "@panmmu/drm";
import type { EventLoop } from "@panmmu/hw";
import {
  E2BIG,
  EBUSY,
  EINVAL,
  ENOENT,
  ETIMEDOUT,
  PANFROST_BO_HEAP,
  PANFROST_BO_NOEXEC,
  PANFROST_MADV_DONTNEED,
  strndupUser,
} from "@panmmu/uapi";
import type { GpuFeatures } from "../device/features.js";
import { paramValue } from "../device/params.js";
import { panfrostFilePriv } from "../file/file-priv.js";
import { lookupBo, type PanfrostGem } from "../gem/gem.js";
import type { JobManager } from "../job/job-manager.js";
import type { PanfrostIoctlApi, SubmitRequest } from "./api.js";
import { panfrostSubmit } from "./submit.js";
import { PANFROST_BO_LABEL_MAXLEN } from "./table.js";

/** What the ioctl handlers need of the device. */
export interface IoctlDeviceDeps {
  /** The GEM part (BO creation). */
  readonly gem: PanfrostGem;
  /** The job manager (JM contexts, submit). */
  readonly jobs: JobManager;
  /** The purgeable-BO shrinker (madvise). */
  readonly shrinker: DrmGemShmemShrinker;
  /** GPU features (GET_PARAM). */
  readonly features: GpuFeatures;
  /** The event loop (the virtual clock). */
  readonly loop: EventLoop;
}

/** The device's {@link PanfrostIoctlApi}. Mirrors the ioctl handlers of panfrost_drv.c. */
export class PanfrostIoctlHandlers implements PanfrostIoctlApi {
  /** @param dev - the device parts the handlers use. */
  constructor(private readonly dev: IoctlDeviceDeps) {}

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
    const priv = panfrostFilePriv(file);
    if (priv === null) return -EINVAL;
    const created = this.dev.gem.createWithHandle(file, size, flags);
    if (typeof created === "number") return created;
    const { bo, handle } = created;
    const mapping = bo.mappings.find((m) => m.ctx === priv.ctx);
    if (mapping === undefined) {
      file.gemHandleDelete(handle);
      return -EINVAL;
    }
    return { handle, offset: mapping.iova };
  }

  /**
   * MMAP_BO: the BO's fake mmap offset (created on first request by the DRM core); heap BOs
   * cannot be mmapped (their pages are not pinned): -EINVAL. Mirrors panfrost_ioctl_mmap_bo().
   */
  mmapOffset(file: DrmFile, handle: number): bigint | number {
    const bo = lookupBo(file, handle);
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

  /** GET_BO_OFFSET. Mirrors panfrost_ioctl_get_bo_offset(). */
  boOffset(file: DrmFile, handle: number): number {
    const priv = panfrostFilePriv(file);
    const bo = lookupBo(file, handle);
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
    const bo = lookupBo(file, handle);
    if (bo === null) return -ENOENT;
    const now = this.dev.loop.now;
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
    const priv = panfrostFilePriv(file);
    const bo = lookupBo(file, handle);
    if (bo === null || priv === null) return -ENOENT;
    let ret: number;
    if (
      madv === PANFROST_MADV_DONTNEED &&
      (bo.mappings.length !== 1 || bo.mappings[0]?.ctx !== priv.ctx)
    ) {
      ret = -EINVAL;
    } else {
      ret = this.dev.shrinker.madvise(bo, madv) ? 1 : 0;
    }
    bo.put();
    return ret;
  }

  /** GET_PARAM. Mirrors panfrost_ioctl_get_param(). */
  getParam(_file: DrmFile, param: number): bigint | number {
    return paramValue(this.dev.features, param, this.dev.loop.now);
  }

  /**
   * JM_CTX_CREATE: a new scheduling context of the file at `priority`; its handle, or -EINVAL
   * for an unknown priority, -EACCES for HIGH (only a DRM master or a CAP_SYS_NICE caller may
   * have it, and no file of the model is either), -EBUSY once the file has 64 besides its
   * default one. Mirrors panfrost_ioctl_jm_ctx_create().
   */
  jmCtxCreate(file: DrmFile, priority: number): number {
    const priv = panfrostFilePriv(file);
    if (priv === null) return -EINVAL;
    return this.dev.jobs.jmCtxs.create(priv, priority, false);
  }

  /**
   * JM_CTX_DESTROY: destroys context `handle` (not the default one, 0) and kills its jobs.
   * Mirrors panfrost_ioctl_jm_ctx_destroy().
   */
  jmCtxDestroy(file: DrmFile, handle: number): number {
    const priv = panfrostFilePriv(file);
    if (priv === null || handle === 0) return -EINVAL;
    return this.dev.jobs.destroyJmCtx(priv, handle);
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
    const bo = lookupBo(file, handle);
    if (bo === null) return -ENOENT;
    let ret = 0;
    if (label === 0n) {
      bo.label = "";
    } else {
      const s = strndupUser(user, label, PANFROST_BO_LABEL_MAXLEN);
      if (typeof s === "number") ret = s === -EINVAL ? -E2BIG : s;
      else bo.label = s;
    }
    bo.put();
    return ret;
  }

  /** SUBMIT: see {@link panfrostSubmit}. Mirrors panfrost_ioctl_submit(). */
  submit(file: DrmFile, req: SubmitRequest, user: DrmUserMemory): number {
    return panfrostSubmit(this.dev, file, req, user);
  }
}
