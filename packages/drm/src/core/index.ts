/**
 * DRM core: device, files, ioctl tables and dispatch, user-memory copies.
 */
export { CORE_IOCTLS, DRM_CAP_TIMESTAMP_MONOTONIC } from "./core-ioctls.js";
export { DrmDevice, type DrmDeviceEnv, type DrmDeviceOptions } from "./device.js";
export { drmIoctlDispatch } from "./dispatch.js";
export {
  DRIVER_GEM,
  DRIVER_MODESET,
  DRIVER_RENDER,
  DRIVER_SYNCOBJ,
  DRIVER_SYNCOBJ_TIMELINE,
} from "./driver.js";
export { type DrmFdObject, FdTable, FIRST_FD } from "./fd-table.js";
export { Idr } from "./idr.js";
export {
  DRM_AUTH,
  DRM_MASTER,
  DRM_RENDER_ALLOW,
  DRM_ROOT_ONLY,
  DrmIoctlTable,
  drmIoctlDef,
} from "./ioctl.js";
export type {
  DrmDeviceCore,
  DrmDriver,
  DrmDumbBuffer,
  DrmFile,
  DrmIoctlContext,
  DrmIoctlEntry,
  DrmIoctlHandler,
  DrmIoctlName,
  DrmNodeType,
} from "./types.js";
export {
  copyFromUser,
  copyToUser,
  copyU32ArrayFromUser,
  copyU64ArrayFromUser,
  type DrmUserMemory,
  putU64ToUser,
} from "./user-memory.js";
