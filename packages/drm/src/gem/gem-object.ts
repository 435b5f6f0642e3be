/**
 * `struct drm_gem_object`: a buffer object with a reference count, per-file handles and a
 * reservation object.
 */
import { EINVAL, ENOSYS } from "@panmmu/uapi";
import type { Idr } from "../core/idr.js";
import { DmaResv } from "../fence/dma-resv.js";
import { GemGpuvaList, type GpuVmGemObject } from "../gpuvm/objects.js";
import type { DmaBuf, DmaBufAttachment, DmaBufDevice, DmaBufExporter } from "./dma-buf.js";
import type { DrmSgTable } from "./sg-table.js";
import type { DrmVma } from "./vma.js";
import { type DrmVmaOffsetManager, DrmVmaOffsetNode } from "./vma-manager.js";

/** The device as its GEM objects see it (a `DrmDevice`): memory, warnings and GEM tables. */
export interface DrmGemDevice extends DmaBufDevice {
  /** Objects not yet freed. */
  readonly objects: Set<DrmGemObject>;
  /** Flink names → objects (`object_name_idr`). */
  readonly objectNames: Idr<DrmGemObject>;
  /** The fake mmap offsets (`vma_offset_manager`). */
  readonly vmaOffsetManager: DrmVmaOffsetManager<DrmGemObject>;
}

/** A file as object functions see it (a `DrmFile`, whose handle table holds the object). */
export interface DrmGemFile {
  /** The file's client id. */
  readonly clientId: number;
}

let nextGemId = 1;

/**
 * A GEM object. The creator holds the first reference; every handle table entry counts in
 * {@link handleCount}, and all handles together hold one more reference (as the kernel's
 * `drm_gem_object_handle_get` does). When the last reference goes, {@link free} runs.
 *
 * Drivers subclass it (usually through {@link DrmGemShmemObject}) and override the object
 * functions {@link open}, {@link close} and {@link free}, as they fill `drm_gem_object_funcs`.
 */
export class DrmGemObject implements GpuVmGemObject, DmaBufExporter {
  /** Unique id of the object within the process (debugging and identity). */
  readonly id: number;
  /** The device it belongs to. */
  readonly dev: DrmGemDevice;
  /** Size in bytes (a multiple of the page size for shmem objects). */
  readonly size: number;
  /**
   * Fences guarding the object's contents: its own, or a shared one (a BO private to one GPU VM
   * shares the VM's, which makes it a non-external object for drm_gpuvm).
   */
  readonly resv: DmaResv;
  /** The drm_gpuvm vm_bos of this object, one per VM it is mapped in (`obj->gpuva`); gpuvm maintains it. */
  readonly gpuva = new GemGpuvaList();
  /**
   * The fake mmap offset (allocated on first request, see `drmGemCreateMmapOffset`) and the
   * files allowed to map it: every handle of a file counts once on the list. Mirrors `vma_node`.
   */
  readonly vmaNode: DrmVmaOffsetNode<DrmGemObject> = new DrmVmaOffsetNode<DrmGemObject>(this);
  /** Global (flink) name, 0 when it has none. */
  name = 0;
  /**
   * The dma-buf this object is known by while it has handles: the one it was exported as, or
   * for an imported object the one it was imported from.
   */
  dmaBuf: DmaBuf | null = null;
  /**
   * For an object wrapping another device's dma-buf: the attachment (holding a reference on the
   * dma-buf and pinning the exporter), released when this object is freed. Mirrors
   * `import_attach`; see {@link isImported}.
   */
  importAttach: DmaBufAttachment | null = null;
  private refs = 1;
  private handles = 0;
  private isFreed = false;

  /**
   * Creates an object with one reference (the creator's), with its own reservation object or
   * the shared `resv`. Mirrors drm_gem_private_object_init().
   */
  constructor(dev: DrmGemDevice, size: number, resv?: DmaResv) {
    this.id = nextGemId++;
    this.dev = dev;
    this.size = size;
    this.resv = resv ?? new DmaResv(dev.warnings);
    dev.objects.add(this);
  }

  /** Current reference count. */
  get refcount(): number {
    return this.refs;
  }

  /** Number of handles naming it, over all files. */
  get handleCount(): number {
    return this.handles;
  }

  /** Whether the last reference went and the object was freed. */
  get freed(): boolean {
    return this.isFreed;
  }

  /** Whether the object wraps another device's dma-buf. Mirrors drm_gem_is_imported(). */
  get isImported(): boolean {
    return this.importAttach !== null;
  }

  /** Takes a reference; returns the object. Mirrors drm_gem_object_get(). */
  get(): this {
    if (this.isFreed || this.refs <= 0) {
      this.dev.warnings.warn("drm_gem_object_get", `object ${this.id} used after free`);
      return this;
    }
    this.refs++;
    return this;
  }

  /** Drops a reference; the last one frees the object. Mirrors drm_gem_object_put(). */
  put(): void {
    if (this.isFreed || this.refs <= 0) {
      this.dev.warnings.warn("drm_gem_object_put", `object ${this.id} put after free`);
      return;
    }
    this.refs--;
    if (this.refs === 0) {
      this.isFreed = true;
      this.free();
      this.dev.objects.delete(this);
    }
  }

  /**
   * Object function called when a handle to the object is created in `file` (after the handle
   * is in the table). A negative errno makes handle creation fail and undo itself. Mirrors
   * `drm_gem_object_funcs.open`; the default does nothing.
   */
  open(file: DrmGemFile): number {
    void file;
    return 0;
  }

  /** Object function called when a handle in `file` is deleted. Mirrors `drm_gem_object_funcs.close`. */
  close(file: DrmGemFile): void {
    void file;
  }

  /**
   * Object function setting up a userspace mapping `vma` of the object (the core has checked
   * access and size, and holds a reference for the mapping in `vma.privateData`): installs
   * `vma.access` and `vma.vmOps`. 0 or a negative errno (then the function undid its own
   * work). The default has no CPU mapping: -EINVAL, as drm_gem_mmap_obj() answers an object
   * without `mmap` and `vm_ops`. Mirrors `drm_gem_object_funcs.mmap`.
   */
  mmap(vma: DrmVma): number {
    void vma;
    return -EINVAL;
  }

  /**
   * Object function pinning the backing pages while a dma-buf attachment exists (exporter side).
   * 0 or a negative errno; the default has nothing to pin. Mirrors `drm_gem_object_funcs.pin`.
   */
  pin(): number {
    return 0;
  }

  /** Object function undoing {@link pin}. Mirrors `drm_gem_object_funcs.unpin`. */
  unpin(): void {}

  /**
   * Object function giving an importer the pinned pages (exporter side). The default cannot
   * (-ENOSYS, warned about, as drm_gem_map_dma_buf does without the callback). Mirrors
   * `drm_gem_object_funcs.get_sg_table`.
   */
  getSgTable(): DrmSgTable | number {
    this.dev.warnings.warn("drm_gem_map_dma_buf", `object ${this.id} has no get_sg_table`);
    return -ENOSYS;
  }

  /**
   * Object function called once when the last reference is dropped; subclasses release their
   * resources and call `super.free()`, which releases an import's attachment last (unmapped,
   * detached so the exporter is unpinned, and the dma-buf reference dropped). Mirrors
   * `drm_gem_object_funcs.free` / drm_prime_gem_destroy() / drm_gem_object_release(), which
   * also frees the fake mmap offset.
   */
  free(): void {
    if (this.handles !== 0) {
      this.dev.warnings.warn("drm_gem_object_release", `object ${this.id} freed with handles`);
    }
    this.dev.vmaOffsetManager.remove(this.vmaNode);
    const attach = this.importAttach;
    if (attach !== null) {
      this.importAttach = null;
      const buf = attach.dmabuf;
      buf.unmapAttachment(attach);
      buf.detach(attach);
      buf.put();
    }
  }

  /**
   * Core use only: counts a new handle; the first one takes the handles' reference.
   * Mirrors drm_gem_object_handle_get().
   */
  handleGet(): void {
    if (this.handles++ === 0) this.get();
  }

  /**
   * Core use only: drops a handle; the last one removes the flink name and the export link and
   * drops the handles' reference. Mirrors drm_gem_object_handle_put_unlocked() with
   * drm_gem_object_handle_free() and drm_gem_object_exported_dma_buf_free().
   */
  handlePut(): void {
    if (this.handles <= 0) {
      this.dev.warnings.warn("drm_gem_object_handle_put", `object ${this.id} has no handle`);
      return;
    }
    if (--this.handles === 0) {
      if (this.name !== 0) {
        this.dev.objectNames.remove(this.name);
        this.name = 0;
      }
      const buf = this.dmaBuf;
      if (buf !== null) {
        this.dmaBuf = null;
        buf.put();
      }
      this.put();
    }
  }
}
