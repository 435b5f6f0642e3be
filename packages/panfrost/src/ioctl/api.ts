/**
 * The operations the ioctl handlers call, implemented by the device. Each returns a value or a
 * negative errno and leaves state unchanged on error.
 */
import type { DrmFile, DrmUserMemory } from "@panmmu/drm";

/** Arguments of a submit, as decoded from `struct drm_panfrost_submit`. */
export interface SubmitRequest {
  /** Job chain GPU VA. */
  jc: number;
  /** User pointer to the in-sync handles. */
  inSyncs: bigint;
  /** Number of in-syncs. */
  inSyncCount: number;
  /** Out syncobj handle (0: none). */
  outSync: number;
  /** User pointer to the BO handles. */
  boHandles: bigint;
  /** Number of BO handles. */
  boHandleCount: number;
  /** PANFROST_JD_REQ_* bits. */
  requirements: number;
  /** JM context handle (0: default). */
  jmCtxHandle: number;
}

/** What the ioctl layer needs from the device. */
export interface PanfrostIoctlApi {
  /** CREATE_BO: a handle and GPU VA, or -errno. */
  createBo(file: DrmFile, size: number, flags: number): { handle: number; offset: number } | number;
  /** MMAP_BO: the fake mmap offset, or -errno. */
  mmapOffset(file: DrmFile, handle: number): bigint | number;
  /** GET_BO_OFFSET: the BO's GPU VA in this file, or -errno. */
  boOffset(file: DrmFile, handle: number): number;
  /** WAIT_BO: 0, -ETIMEDOUT, -EBUSY or -ENOENT. `timeoutNs` is an absolute deadline. */
  waitBo(file: DrmFile, handle: number, timeoutNs: bigint): number;
  /** MADVISE: whether the pages are retained (1/0), or -errno. */
  madvise(file: DrmFile, handle: number, madv: number): number;
  /** GET_PARAM: the value, or -EINVAL. */
  getParam(file: DrmFile, param: number): bigint | number;
  /** SUBMIT: 0 or -errno. */
  submit(file: DrmFile, req: SubmitRequest, user: DrmUserMemory): number;
  /** JM_CTX_CREATE: the new context's handle, or -errno. */
  jmCtxCreate(file: DrmFile, priority: number): number;
  /** JM_CTX_DESTROY: 0 or -errno. */
  jmCtxDestroy(file: DrmFile, handle: number): number;
  /**
   * SET_LABEL_BO (after the pad check): looks `handle` up, then reads the NUL-terminated label at
   * user address `label` (0 clears it). 0 or -errno.
   */
  setLabel(file: DrmFile, handle: number, label: bigint, user: DrmUserMemory): number;
}
