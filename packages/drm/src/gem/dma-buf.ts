/**
 * `struct dma_buf` for PRIME sharing of GEM objects between files and between devices.
 */
import { PAGE_SIZE, type PhysicalMemory } from "@panmmu/hw";
import { EINVAL, type WarningSink } from "@panmmu/uapi";
import type { DrmFdObject } from "../core/fd-table.js";
import type { DmaResv } from "../fence/dma-resv.js";
import type { DrmSgTable } from "./sg-table.js";
import type { DrmVma } from "./vma.js";

/** A device as a dma-buf sees it (exporter or importer): its system memory and warning sink. */
export interface DmaBufDevice {
  /** System memory the device's pages come from. */
  readonly memory: PhysicalMemory;
  /** Where WARN_ON reports go. */
  readonly warnings: WarningSink;
}

/**
 * The exported object as a dma-buf calls it (a `DrmGemObject`): the GEM PRIME helpers behind
 * `dma_buf_ops` (attach pins, map gets the page table, mmap maps the object).
 */
export interface DmaBufExporter {
  /** Unique id (messages). */
  readonly id: number;
  /** Size in bytes. */
  readonly size: number;
  /** Reservation object, shared with importers. */
  readonly resv: DmaResv;
  /** The exporting device. */
  readonly dev: DmaBufDevice;
  /** Takes a reference. */
  get(): unknown;
  /** Drops a reference. */
  put(): void;
  /** Pins the pages; 0 or a negative errno. */
  pin(): number;
  /** Undoes {@link pin}. */
  unpin(): void;
  /** The pinned pages as a table, or a negative errno. */
  getSgTable(): DrmSgTable | number;
  /** Sets up a userspace mapping of the object; 0 or a negative errno. */
  mmap(vma: DrmVma): number;
}

/**
 * An importer's attachment to a dma-buf (`struct dma_buf_attachment`), made by
 * {@link DmaBuf.attach}. While it exists the exported object is pinned (its pages cannot move or
 * be purged); {@link DmaBuf.mapAttachment} gives the importer the page table. The attachment
 * holds no reference on the dma-buf: the importer keeps its own (drm_gem_prime_import takes
 * one) until {@link DmaBuf.detach}.
 */
export class DmaBufAttachment {
  /** The page table while mapped (`dma_buf_map_attachment`), else null. */
  sgt: DrmSgTable | null = null;
  private live = true;

  /** Core use only: made by {@link DmaBuf.attach}. */
  constructor(
    /** The dma-buf attached to. */
    readonly dmabuf: DmaBuf,
    /** The importing device. */
    readonly importer: DmaBufDevice,
  ) {}

  /** Whether {@link DmaBuf.detach} has not run yet. */
  get attached(): boolean {
    return this.live;
  }

  /** Core use only: marks the attachment detached. */
  markDetached(): void {
    this.live = false;
    this.sgt = null;
  }
}

/**
 * A dma-buf exporting one GEM object. It holds a reference on the object for its whole life and
 * is itself counted: every fd, every file's PRIME cache entry, the object's own export link and
 * every importing object of another device hold one reference. Importers attach to it
 * ({@link attach}), which pins the exported object, and map the attachment to get its pages.
 * Mirrors the dma-buf side of drm_gem_prime_export() with the drm_gem_map_* dma-buf ops.
 */
export class DmaBuf implements DrmFdObject {
  /** The exported object (a `DrmGemObject`). */
  readonly obj: DmaBufExporter;
  /** Live attachments of importing devices. */
  readonly attachments = new Set<DmaBufAttachment>();
  private refs = 1;

  /** Exports `obj`; the caller owns the first reference. Takes a reference on `obj`. */
  constructor(obj: DmaBufExporter) {
    obj.get();
    this.obj = obj;
  }

  /** Current reference count. */
  get refcount(): number {
    return this.refs;
  }

  /** Size in bytes: the exported object's. */
  get size(): number {
    return this.obj.size;
  }

  /** The reservation object shared with importers: the exported object's. */
  get resv(): DmaResv {
    return this.obj.resv;
  }

  /** Takes a reference. Mirrors get_dma_buf(). */
  get(): this {
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one releases the object's reference. Mirrors dma_buf_put(). */
  put(): void {
    if (this.refs <= 0) {
      this.obj.dev.warnings.warn("dma_buf_put", `dma-buf of object ${this.obj.id} put twice`);
      return;
    }
    if (--this.refs === 0) {
      if (this.attachments.size !== 0) {
        this.obj.dev.warnings.warn(
          "dma_buf_release",
          `dma-buf of object ${this.obj.id} released with ${this.attachments.size} attachments`,
        );
      }
      this.obj.put();
    }
  }

  /** Fd close: drops the fd's reference. */
  release(): void {
    this.put();
  }

  /**
   * Attaches `importer`: pins the exported object (its pages stay put until {@link detach}).
   * Returns the attachment, -EINVAL when the importer does not share the exporter's system
   * memory (it could not reach the pages), or the pin's errno. Mirrors dma_buf_attach() with
   * drm_gem_map_attach().
   */
  attach(importer: DmaBufDevice): DmaBufAttachment | number {
    if (importer.memory !== this.obj.dev.memory) return -EINVAL;
    const ret = this.obj.pin();
    if (ret < 0) return ret;
    const attach = new DmaBufAttachment(this, importer);
    this.attachments.add(attach);
    return attach;
  }

  /**
   * Gives the attachment the exported object's page table (kept in `attach.sgt`). The table or
   * a negative errno (-EINVAL for an attachment that is not live here). Mirrors
   * dma_buf_map_attachment() with drm_gem_map_dma_buf().
   */
  mapAttachment(attach: DmaBufAttachment): DrmSgTable | number {
    if (!this.attachments.has(attach)) return -EINVAL;
    if (attach.sgt !== null) return attach.sgt;
    const sgt = this.obj.getSgTable();
    if (typeof sgt === "number") return sgt;
    attach.sgt = sgt;
    return sgt;
  }

  /** Drops the attachment's page table. Mirrors dma_buf_unmap_attachment(). */
  unmapAttachment(attach: DmaBufAttachment): void {
    attach.sgt = null;
  }

  /**
   * Detaches: unmaps if needed and unpins the exported object. Warns for an attachment that is
   * not live here. Mirrors dma_buf_detach() with drm_gem_map_detach().
   */
  detach(attach: DmaBufAttachment): void {
    if (!this.attachments.delete(attach)) {
      this.obj.dev.warnings.warn("dma_buf_detach", `object ${this.obj.id}: unknown attachment`);
      return;
    }
    attach.markDetached();
    this.obj.unpin();
  }

  /**
   * mmap() of the dma-buf into `vma` (the DRM core forwards an imported GEM object's mmap here):
   * -EINVAL when the mapping is longer than the buffer; otherwise the mapping moves onto the
   * dma-buf's file (it holds a reference on this dma-buf instead of its DRM file) and the
   * exporter's object is mapped, the mapping holding a reference on it. 0 or a negative errno.
   * Mirrors dma_buf_mmap() with drm_gem_dmabuf_mmap() / drm_gem_prime_mmap().
   */
  mmap(vma: DrmVma): number {
    if (vma.length > Math.ceil(this.size / PAGE_SIZE) * PAGE_SIZE) return -EINVAL;
    vma.setFile(this);
    const obj = this.obj;
    obj.get();
    vma.privateData = obj;
    const ret = obj.mmap(vma);
    if (ret < 0) {
      vma.privateData = null;
      obj.put();
    }
    return ret;
  }
}
