/**
 * A BO imported from another device's dma-buf: it has no pages of its own and maps the
 * exporter's pages (never purgeable, never a heap, not executable).
 */
import type { DrmDevice, DrmGemShmemObject, DrmSgTable } from "@panmmu/drm";
import { PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { type BoHooks, PanfrostBo } from "./bo.js";

/** Mirrors the object panfrost_gem_prime_import_sg_table() creates. */
export class ImportedBo extends PanfrostBo {
  /**
   * @param dev - the importing DRM device.
   * @param exporter - the exporter's object (a reference is held until this BO is freed).
   * @param hooks - device hooks.
   */
  constructor(
    dev: DrmDevice,
    readonly exporter: DrmGemShmemObject,
    hooks: BoHooks,
  ) {
    // An import shares the exporter's reservation object (the dma-buf's), so fences of GPU
    // work on either side are seen by the other's implicit synchronisation.
    super(dev, exporter.size, PANFROST_BO_NOEXEC, hooks, exporter.resv);
    exporter.get();
  }

  /** The exporter's page table (the importer never allocates pages). */
  override getPagesSgt(): DrmSgTable | number {
    return this.exporter.getPagesSgt();
  }

  /** Resident bytes are the exporter's; an importer accounts none. */
  override get residentBytes(): number {
    return 0;
  }

  /** Drops the exporter reference, then frees the importer's state. */
  override free(): void {
    super.free();
    this.exporter.put();
  }
}
