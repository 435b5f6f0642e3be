/**
 * `struct sync_file`: an fd wrapping one fence (SYNCOBJ_HANDLE_TO_FD with EXPORT_SYNC_FILE).
 */
import type { DrmFdObject } from "../core/fd-table.js";
import type { DmaFence } from "../fence/dma-fence.js";

/** A sync file: an fd-held reference to one fence. Mirrors sync_file_create(). */
export class SyncFile implements DrmFdObject {
  /** @param fence - the fence the file stands for. */
  constructor(readonly fence: DmaFence) {}

  /** Fd close: nothing to release (fences are garbage collected). */
  release(): void {}
}
