/**
 * The DRM driver description: name, version, features, ioctl table and the hooks the DRM core
 * calls on file open/close and PRIME import.
 */
import {
  type DmaBufAttachment,
  DRIVER_GEM,
  DRIVER_RENDER,
  DRIVER_SYNCOBJ,
  DRIVER_SYNCOBJ_TIMELINE,
  type DrmDriver,
  type DrmFile,
  type DrmGemObject,
} from "@panmmu/drm";
import type { PanfrostFilePriv } from "../file/file-priv.js";
import type { PanfrostIoctlApi } from "../ioctl/api.js";
import { panfrostIoctls } from "../ioctl/table.js";

/** Driver name, as DRM_IOCTL_VERSION reports it. */
export const PANFROST_DRIVER_NAME = "panfrost";

/** The device parts the driver's hooks call. */
export interface PanfrostDriverParts {
  /** The ioctl operations. */
  readonly ioctls: PanfrostIoctlApi;
  /** The file hooks. */
  readonly files: {
    /** `open` hook: 0 or -errno. */
    fileOpen(file: DrmFile<PanfrostFilePriv>): number;
    /** `postclose` hook. */
    filePostclose(file: DrmFile<PanfrostFilePriv>): void;
  };
  /** The GEM part. */
  readonly gem: {
    /** `gem_prime_import_sg_table` hook: the importing BO or -errno. */
    primeImportSgTable(attach: DmaBufAttachment): DrmGemObject | number;
  };
}

/** The panfrost DRM driver over `parts`. Mirrors struct drm_driver panfrost_drm_driver. */
export function panfrostDrmDriver(parts: PanfrostDriverParts): DrmDriver<PanfrostFilePriv> {
  const { files, gem } = parts;
  return {
    name: PANFROST_DRIVER_NAME,
    desc: "panfrost DRM",
    date: "20180908",
    major: 1,
    minor: 5,
    patchlevel: 0,
    features: DRIVER_GEM | DRIVER_RENDER | DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
    ioctls: panfrostIoctls(parts.ioctls),
    open: (file) => files.fileOpen(file),
    postclose: (file) => files.filePostclose(file),
    gemPrimeImportSgTable: (_dev, attach) => gem.primeImportSgTable(attach),
  };
}
