/**
 * The core objects as the rest of the package sees them: the open file, the device, the driver
 * and ioctl table entries, declared as interfaces (as the kernel's drm headers forward-declare
 * `struct drm_file` and `struct drm_device`). `DrmDevice` (device.ts) and the file class
 * (file.ts) implement them; every module below the device imports only these, so the imports
 * form no cycle.
 */
import type { EventLoop } from "@panmmu/hw";
import type { DmaBuf, DmaBufAttachment } from "../gem/dma-buf.js";
import type { DrmGemDevice, DrmGemObject } from "../gem/gem-object.js";
import type { DrmSgTable } from "../gem/sg-table.js";
import type { DrmSyncobj } from "../syncobj/syncobj.js";
import type { FdTable } from "./fd-table.js";
import type { Idr } from "./idr.js";
import type { DrmUserMemory } from "./user-memory.js";

/** Which device node a file was opened on. */
export type DrmNodeType = "primary" | "render";

/**
 * The device as files, ioctl handlers and drivers reach it (`file.dev`, `ctx.dev`): what
 * `DrmDevice` offers besides opening and closing files. `P` is the driver's per-file data type.
 */
export interface DrmDeviceCore<P = unknown> extends DrmGemDevice {
  /** The driver. */
  readonly driver: DrmDriver<P>;
  /** The event loop: fences wait on it, the scheduler runs on it. */
  readonly loop: EventLoop;
  /** Open files, most recently opened first (`filelist`), until their final release. */
  readonly files: DrmFile<P>[];
  /** The simulated process's fd table (dma-bufs, syncobj and sync files). */
  readonly fds: FdTable;
  /** Whether the driver has every feature bit in `feature`. Mirrors drm_core_check_feature(). */
  hasFeature(feature: number): boolean;
  /** Dispatches an ioctl of `file`. Mirrors drm_ioctl(). */
  ioctl(file: DrmFile<P>, request: number, arg: Uint8Array | null, user: DrmUserMemory): number;
}

/**
 * An open DRM file (`struct drm_file`). GEM handles and syncobj handles are per file and
 * allocated lowest-free from 1. `P` is the driver's per-file data type. Files come from
 * `DrmDevice.open`.
 */
export interface DrmFile<P = unknown> {
  /** The device. */
  readonly dev: DrmDeviceCore<P>;
  /** Sequential id of the file within its device (client id, as in fdinfo). */
  readonly clientId: number;
  /** Node the file was opened on: render nodes only get `DRM_RENDER_ALLOW` ioctls. */
  readonly node: DrmNodeType;
  /** The driver's per-file data, set by `DrmDriver.open`. */
  driverPriv: P | null;
  /** GEM handle → object (`object_idr`). */
  readonly objectIdr: Idr<DrmGemObject>;
  /** Syncobj handle → syncobj (`syncobj_idr`). */
  readonly syncobjIdr: Idr<DrmSyncobj>;
  /** PRIME cache: dma-buf → handle in this file (`prime.dmabufs`). */
  readonly primeByBuf: Map<DmaBuf, number>;
  /** PRIME cache: handle → dma-buf (`prime.handles`). */
  readonly primeByHandle: Map<number, DmaBuf>;
  /**
   * Whether the file's fd was closed (`DrmDevice.close`): no more ioctls or mmaps. The file
   * itself lives on while mappings hold it; see {@link released}.
   */
  readonly closed: boolean;
  /**
   * Whether the file's final release ran (every handle and syncobj released, the driver's
   * `postclose` called): after its fd was closed and its last mapping unmapped.
   */
  readonly released: boolean;
  /** References on the file: its fd (until closed) and each mapping of it. */
  readonly refcount: number;
  /** Core use only: marks the file's fd closed. */
  markClosed(): void;
  /** Takes a reference on the file (a mapping's `vm_file`). Mirrors get_file(). */
  get(): this;
  /**
   * Drops a reference; the last one runs the file's release (drm_release(): handles, syncobjs,
   * the driver's postclose). Mirrors fput().
   */
  put(): void;
  /**
   * Issues ioctl `request` with the argument bytes `arg` (the user buffer the ioctl pointer
   * points at, or null for a NULL pointer), reaching other user memory through `user`. Returns
   * 0 or a negative errno, as drm_ioctl() does.
   */
  ioctl(request: number, arg: Uint8Array | null, user: DrmUserMemory): number;
  /**
   * Creates a handle for `obj` in this file: the lowest free handle from 1. Counts the handle
   * on the object, puts the file on the object's mmap allow list (once more per handle), then
   * calls the object's `open`; any failure (-ENOSPC from the table, the open callback's errno)
   * undoes everything. Returns the handle or a negative errno. Mirrors
   * drm_gem_handle_create_tail().
   */
  gemHandleCreate(obj: DrmGemObject): number;
  /**
   * Deletes `handle`: calls the object's `close`, drops the PRIME cache entry, the file's count
   * on the mmap allow list and the handle's count. Returns 0, or -EINVAL for a handle that
   * names nothing. Mirrors drm_gem_handle_delete().
   */
  gemHandleDelete(handle: number): number;
  /**
   * Looks `handle` up and takes a reference on the object (drop it with `put()`); null when the
   * handle names nothing. Mirrors drm_gem_object_lookup().
   */
  gemObjectLookup(handle: number): DrmGemObject | null;
  /**
   * Looks several handles up, taking a reference on each; the objects or -ENOENT if any handle
   * names nothing (then no reference is kept). Mirrors drm_gem_objects_lookup().
   */
  gemObjectsLookup(handles: ArrayLike<number>): DrmGemObject[] | number;
  /** The handle under which this file holds `obj`, or 0. */
  gemHandleOf(obj: DrmGemObject): number;
  /** Core use only: releases every GEM handle of the file (file release). Mirrors drm_gem_release(). */
  releaseAllHandles(): void;
}

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
    dev: DrmDeviceCore,
    attach: DmaBufAttachment,
    sgt: DrmSgTable,
  ): DrmGemObject | number;
}

/** Name and request number of an ioctl; `@panmmu/uapi`'s `IoctlDesc` entries fit. */
export interface DrmIoctlName {
  /** Macro name, e.g. `DRM_IOCTL_GEM_CLOSE`. */
  readonly name: string;
  /** The request number as userspace passes it (unsigned 32-bit). */
  readonly request: number;
}

/** What a handler gets besides its argument struct. */
export interface DrmIoctlContext<P = unknown> {
  /** The device. */
  readonly dev: DrmDeviceCore<P>;
  /** The calling file. */
  readonly file: DrmFile<P>;
  /** The caller's memory, for pointers inside the struct. */
  readonly user: DrmUserMemory;
}

/**
 * An ioctl handler: reads and updates `args` in place (updated fields are copied back to the
 * user when the ioctl is `_IOR`/`_IOWR`, whatever the result, as drm_ioctl does) and returns 0
 * or a negative errno. Mirrors `drm_ioctl_t`.
 */
export type DrmIoctlHandler<T, P = unknown> = (args: T, ctx: DrmIoctlContext<P>) => number;

/**
 * One ioctl table slot (`struct drm_ioctl_desc`), with the struct type erased so entries of
 * different structs share one table.
 */
export interface DrmIoctlEntry<P = unknown> {
  /** Macro name. */
  readonly name: string;
  /** The kernel's request number (`ioctl->cmd`): its size and direction bits are authoritative. */
  readonly request: number;
  /** Permission flags: `DRM_AUTH`, `DRM_RENDER_ALLOW`, … */
  readonly flags: number;
  /**
   * Decodes the kernel-sized argument buffer, runs the handler and encodes the struct back into
   * the same buffer; returns the handler's result.
   */
  invoke(kdata: Uint8Array, ctx: DrmIoctlContext<P>): number;
}
