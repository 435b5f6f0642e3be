/** DRM core constants (drm.h) used with the GEM, PRIME, capability and syncobj ioctls. */

/** `DRM_CAP_DUMB_BUFFER`: dumb buffers supported. */
export const DRM_CAP_DUMB_BUFFER = 0x1;
/** `DRM_CAP_PRIME`: PRIME import/export support bits. */
export const DRM_CAP_PRIME = 0x5;
/** `DRM_PRIME_CAP_IMPORT` bit of DRM_CAP_PRIME. */
export const DRM_PRIME_CAP_IMPORT = 0x1;
/** `DRM_PRIME_CAP_EXPORT` bit of DRM_CAP_PRIME. */
export const DRM_PRIME_CAP_EXPORT = 0x2;
/** `DRM_CAP_SYNCOBJ`: sync objects supported. */
export const DRM_CAP_SYNCOBJ = 0x13;
/** `DRM_CAP_SYNCOBJ_TIMELINE`: timeline sync objects supported. */
export const DRM_CAP_SYNCOBJ_TIMELINE = 0x14;
/** `DRM_RDWR`: O_RDWR, for PRIME exports. */
export const DRM_RDWR = 0o2;
/** `DRM_CLOEXEC`: O_CLOEXEC, for PRIME exports. */
export const DRM_CLOEXEC = 0o2000000;
/** `DRM_SYNCOBJ_CREATE_SIGNALED`: create the syncobj already signalled. */
export const DRM_SYNCOBJ_CREATE_SIGNALED = 1 << 0;
/** `DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE`: the fd is a sync file. */
export const DRM_SYNCOBJ_FD_TO_HANDLE_FLAGS_IMPORT_SYNC_FILE = 1 << 0;
/** `DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE`: export a sync file. */
export const DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE = 1 << 0;
/** `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL`: wait for every handle, not the first. */
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL = 1 << 0;
/** `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT`: wait for a fence to be attached first. */
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT = 1 << 1;
/** `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE`: wait for the point to materialise only. */
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE = 1 << 2;
/** `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE` (v6.5+): `deadline_nsec` is valid. */
export const DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE = 1 << 3;
/** `DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED`: query the last submitted point. */
export const DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED = 1 << 0;
