/**
 * The driver's GEM part: BO creation, the GEM open/close/free hooks that give a BO its GPU
 * mapping in each file holding a handle, PRIME import of foreign buffers, and BO lookup.
 */
import {
  type DmaBufAttachment,
  type DrmDevice,
  type DrmFile,
  type DrmGemObject,
  DrmGemShmemObject,
} from "@panmmu/drm";
import { PAGE_SIZE } from "@panmmu/hw";
import { EINVAL, PANFROST_BO_HEAP, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { type PanfrostFilePriv, panfrostFilePriv } from "../file/file-priv.js";
import { VA_SIZE_PFN, VA_START_PFN } from "../mmu/color-adjust.js";
import { mappingProt } from "../mmu/map.js";
import type { PanfrostMmu } from "../mmu/mmu.js";
import { type BoHooks, PanfrostBo } from "./bo.js";
import { HEAP_CHUNK } from "./heap.js";
import { ImportedBo } from "./imported-bo.js";
import { BoMapping } from "./mapping.js";

/** What the GEM part needs of the device. */
export interface GemDeviceDeps {
  /** The DRM device new BOs belong to (read only when a BO is created, after probe). */
  readonly drm: DrmDevice<PanfrostFilePriv>;
  /** The MMU block BOs are mapped through. */
  readonly mmu: PanfrostMmu;
}

/**
 * The GEM side of the device: it owns the set of live BOs and is every BO's {@link BoHooks}.
 *
 * Mirrors panfrost_gem.c.
 */
export class PanfrostGem implements BoHooks {
  /** Every live BO, in creation order. */
  readonly bos = new Set<PanfrostBo>();

  /** @param dev - the device parts the GEM code uses. */
  constructor(private readonly dev: GemDeviceDeps) {}

  /**
   * Creates a BO of `size` bytes (rounded up to pages, heap BOs to 2 MiB) with `flags`, and a
   * handle to it in `file` (which maps it there). The caller has checked the flags. Returns the
   * BO, which the handle alone holds, with its handle, or the handle's negative errno.
   *
   * Mirrors panfrost_gem_create() and the handle creation of panfrost_ioctl_create_bo().
   */
  createWithHandle(
    file: DrmFile,
    size: number,
    flags: number,
  ): { bo: PanfrostBo; handle: number } | number {
    let bytes = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    if ((flags & PANFROST_BO_HEAP) !== 0) bytes = Math.ceil(bytes / HEAP_CHUNK) * HEAP_CHUNK;
    const bo = new PanfrostBo(this.dev.drm as DrmDevice, bytes, flags, this);
    bo.creatorClient = file.clientId;
    this.bos.add(bo);
    const handle = file.gemHandleCreate(bo);
    // The handle holds the object now; drop the creation reference.
    bo.put();
    if (handle < 0) return handle;
    return { bo, handle };
  }

  /**
   * A handle to `bo` appeared in `file`: give it a VA in the file's context (executable BOs
   * aligned to their size, others of 2 MiB or more to 2 MiB) and map it, unless it is a heap.
   *
   * Mirrors panfrost_gem_open().
   */
  gemOpen(bo: PanfrostBo, file: DrmFile): number {
    const priv = panfrostFilePriv(file);
    if (priv === null) return -EINVAL;
    const mapping = new BoMapping(bo, priv.ctx, this.dev.mmu);
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
    const ret = this.dev.mmu.mapSegments(mapping.ctx, mapping.iova, segs, mappingProt(bo.noexec));
    // Active only once every entry is in: a failed map left nothing for teardown to unmap.
    if (ret === 0) mapping.active = true;
    return ret;
  }

  /** The handle in `file` was deleted: drop that file's mapping. Mirrors panfrost_gem_close(). */
  gemClose(bo: PanfrostBo, file: DrmFile): void {
    const priv = panfrostFilePriv(file);
    if (priv === null) return;
    const i = bo.mappings.findIndex((m) => m.ctx === priv.ctx);
    if (i < 0) return;
    const [m] = bo.mappings.splice(i, 1);
    m?.put();
  }

  /** The BO's last reference went: forget it. Part of panfrost_gem_free_object(). */
  boFreed(bo: PanfrostBo): void {
    this.bos.delete(bo);
  }

  /**
   * The driver's `gemPrimeImportSgTable` hook: a BO mapping the exporter's pages, which the
   * attachment keeps pinned; -EINVAL unless the exporter is a shmem object. Mirrors
   * panfrost_gem_prime_import_sg_table().
   */
  primeImportSgTable(attach: DmaBufAttachment): DrmGemObject | number {
    const exporter = attach.dmabuf.obj;
    if (!(exporter instanceof DrmGemShmemObject)) return -EINVAL;
    const bo = new ImportedBo(this.dev.drm as DrmDevice, exporter, this);
    this.bos.add(bo);
    return bo;
  }
}

/**
 * The panfrost BO `handle` names in `file`, with a reference the caller drops, or null when the
 * handle is unknown or names another driver's object. Mirrors drm_gem_object_lookup() followed
 * by to_panfrost_bo().
 */
export function lookupBo(file: DrmFile, handle: number): PanfrostBo | null {
  const obj = file.gemObjectLookup(handle);
  if (obj === null) return null;
  if (!(obj instanceof PanfrostBo)) {
    obj.put();
    return null;
  }
  return obj;
}
