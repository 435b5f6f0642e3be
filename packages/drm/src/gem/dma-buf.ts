/**
 * `struct dma_buf` for PRIME sharing of GEM objects between files of one device.
 */
import type { DrmFdObject } from "../core/fd-table.js";
import type { DrmGemObject } from "./gem-object.js";

/**
 * A dma-buf exporting one GEM object. It holds a reference on the object for its whole life and
 * is itself counted: every fd, every file's PRIME cache entry and the object's own export link
 * hold one reference. Mirrors the dma-buf side of drm_gem_prime_export().
 */
export class DmaBuf implements DrmFdObject {
  /** The exported object. */
  readonly obj: DrmGemObject;
  private refs = 1;

  /** Exports `obj`; the caller owns the first reference. Takes a reference on `obj`. */
  constructor(obj: DrmGemObject) {
    this.obj = obj.get();
  }

  /** Current reference count. */
  get refcount(): number {
    return this.refs;
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
    if (--this.refs === 0) this.obj.put();
  }

  /** Fd close: drops the fd's reference. */
  release(): void {
    this.put();
  }
}
