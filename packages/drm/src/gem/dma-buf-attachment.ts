/**
 * `struct dma_buf_attachment`: one importing device's link to a dma-buf.
 */
import type { DrmDevice } from "../core/device.js";
import type { DmaBuf } from "./dma-buf.js";
import type { DrmSgTable } from "./sg-table.js";

/**
 * An importer's attachment to a dma-buf, made by {@link DmaBuf.attach}. While it exists the
 * exported object is pinned (its pages cannot move or be purged); {@link DmaBuf.mapAttachment}
 * gives the importer the page table. The attachment holds no reference on the dma-buf: the
 * importer keeps its own (drm_gem_prime_import takes one) until {@link DmaBuf.detach}.
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
    readonly importer: DrmDevice,
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
