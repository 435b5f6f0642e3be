/**
 * `struct drm_driver`: what a driver plugs into the DRM core.
 */
import type { DmaBufAttachment } from "../gem/dma-buf-attachment.js";
import type { DrmGemObject } from "../gem/gem-object.js";
import type { DrmSgTable } from "../gem/sg-table.js";
import type { DrmDevice } from "./device.js";
import type { DrmFile } from "./file.js";
import type { DrmIoctlEntry } from "./ioctl.js";

/** `DRIVER_GEM`: the driver uses GEM (enables GEM_CLOSE/FLINK/OPEN and PRIME). */
export const DRIVER_GEM = 0x1;
/**
 * `DRIVER_MODESET`: the driver drives a display (KMS). GET_CAP answers the KMS capabilities
 * (DRM_CAP_DUMB_BUFFER…) only for such drivers, and -EOPNOTSUPP otherwise.
 */
export const DRIVER_MODESET = 0x2;
/** `DRIVER_RENDER`: the device has a render node. */
export const DRIVER_RENDER = 0x8;
/** `DRIVER_SYNCOBJ`: the driver supports binary syncobjs (enables the SYNCOBJ ioctls). */
export const DRIVER_SYNCOBJ = 0x20;
/** `DRIVER_SYNCOBJ_TIMELINE`: the driver supports timeline syncobjs (TIMELINE_WAIT, QUERY, TRANSFER, TIMELINE_SIGNAL). */
export const DRIVER_SYNCOBJ_TIMELINE = 0x40;

/** What a dumb-buffer creation hands back (the output fields of `struct drm_mode_create_dumb`). */
export interface DrmDumbBuffer {
  /** GEM handle of the new buffer in the calling file. */
  readonly handle: number;
  /** Bytes from one line to the next. */
  readonly pitch: number;
  /** Size of the buffer object in bytes. */
  readonly size: number;
}

/**
 * A DRM driver: identity, features, ioctl table and the file hooks. `P` is the type of the
 * per-file private data the driver keeps in {@link DrmFile.driverPriv}.
 */
export interface DrmDriver<P = unknown> {
  /** Driver name (`DRM_IOCTL_VERSION` name), e.g. `"panfrost"`. */
  readonly name: string;
  /** One-line description. */
  readonly desc: string;
  /** Driver date string. */
  readonly date: string;
  /** Major version. */
  readonly major: number;
  /** Minor version. */
  readonly minor: number;
  /** Patch level. */
  readonly patchlevel: number;
  /** Feature bits: {@link DRIVER_GEM}, {@link DRIVER_SYNCOBJ}, … */
  readonly features: number;
  /**
   * Driver ioctls, each with a command number in `[DRM_COMMAND_BASE, DRM_COMMAND_END)`
   * (build them with `drmIoctlDef`).
   */
  readonly ioctls: readonly DrmIoctlEntry<P>[];
  /**
   * Called when a file is opened, after the core set up its handle tables; sets
   * `file.driverPriv`. A negative errno aborts the open: the core frees what it set up and the
   * driver must have undone its own work. Mirrors `drm_driver.open`.
   */
  open?(file: DrmFile<P>): number;
  /**
   * Called at a file's final release (its fd closed and its last mapping unmapped), after the
   * core released every GEM handle and syncobj of the file (their close callbacks still saw
   * `driverPriv`). Mirrors `drm_driver.postclose`.
   */
  postclose?(file: DrmFile<P>): void;
  /**
   * Creates a dumb buffer of `width` × `height` pixels of `bpp` bits and a handle for it in
   * `file`. The core has already refused zero and overflowing arguments (see
   * `drmModeCreateDumb`); the hook returns the handle, pitch and size or a negative errno.
   * Its presence is what MODE_CREATE_DUMB/DESTROY_DUMB need (-ENOSYS without it) and what
   * GET_CAP(DRM_CAP_DUMB_BUFFER) reports on a {@link DRIVER_MODESET} device. shmem-based drivers
   * use `drmGemShmemDumbCreate`. Mirrors `drm_driver.dumb_create`.
   */
  dumbCreate?(file: DrmFile<P>, width: number, height: number, bpp: number): DrmDumbBuffer | number;
  /**
   * Wraps the pages of a dma-buf exported by another device in a new GEM object of `dev` (one
   * reference, owned by the caller). `attach` is the importer's attachment (its `dmabuf` has the
   * size and the exporter's `resv`, which the new object should share), `sgt` the exporter's
   * pages, pinned for as long as the attachment exists. The object must not free those pages.
   * The core records the attachment in the object (`importAttach`) and releases it when the
   * object is freed. Without this hook, foreign buffers are refused with -EINVAL. shmem-based
   * drivers use `drmGemShmemPrimeImportSgTable`. Mirrors `drm_driver.gem_prime_import_sg_table`.
   */
  gemPrimeImportSgTable?(
    dev: DrmDevice,
    attach: DmaBufAttachment,
    sgt: DrmSgTable,
  ): DrmGemObject | number;
}
