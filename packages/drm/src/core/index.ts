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
  type DrmDriver,
  type DrmDumbBuffer,
} from "./driver.js";
export { type DrmFdObject, FdTable, FIRST_FD } from "./fd-table.js";
export { DrmFile, type DrmNodeType } from "./file.js";
export { Idr } from "./idr.js";
export {
  DRM_AUTH,
  DRM_MASTER,
  DRM_RENDER_ALLOW,
  DRM_ROOT_ONLY,
  type DrmIoctlContext,
  type DrmIoctlEntry,
  type DrmIoctlHandler,
  type DrmIoctlName,
  DrmIoctlTable,
  drmIoctlDef,
} from "./ioctl.js";
export {
  copyFromUser,
  copyToUser,
  copyU32ArrayFromUser,
  copyU64ArrayFromUser,
  type DrmUserMemory,
  putU64ToUser,
} from "./user-memory.js";
