/**
 * `struct drm_driver`: what a driver plugs into the DRM core.
 */
import type { DrmFile } from "./file.js";
import type { DrmIoctlEntry } from "./ioctl.js";

/** `DRIVER_GEM`: the driver uses GEM (enables GEM_CLOSE/FLINK/OPEN and PRIME). */
export const DRIVER_GEM = 0x1;
/** `DRIVER_RENDER`: the device has a render node. */
export const DRIVER_RENDER = 0x8;
/** `DRIVER_SYNCOBJ`: the driver supports binary syncobjs (enables the SYNCOBJ ioctls). */
export const DRIVER_SYNCOBJ = 0x20;
/** `DRIVER_SYNCOBJ_TIMELINE`: the driver supports timeline syncobjs (TIMELINE_WAIT, QUERY, TRANSFER, TIMELINE_SIGNAL). */
export const DRIVER_SYNCOBJ_TIMELINE = 0x40;

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
   * Called when a file is closed, after the core released every GEM handle and syncobj of the
   * file (their close callbacks still saw `driverPriv`). Mirrors `drm_driver.postclose`.
   */
  postclose?(file: DrmFile<P>): void;
}
