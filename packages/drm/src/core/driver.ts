/**
 * The driver feature bits (`enum drm_driver_feature`). The driver itself is `DrmDriver`
 * (types.ts).
 */

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
