/**
 * Sync objects: the syncobj container, the driver-facing lookup API and the core ioctls.
 */
export {
  syncobjCreateIoctl,
  syncobjDestroyIoctl,
  syncobjFdToHandleIoctl,
  syncobjHandleToFdIoctl,
  syncobjQueryIoctl,
  syncobjResetIoctl,
  syncobjSignalIoctl,
  syncobjTimelineSignalIoctl,
  syncobjTimelineWaitIoctl,
  syncobjTransferIoctl,
  syncobjWaitIoctl,
} from "./ioctls.js";
export {
  DRM_SYNCOBJ_WAIT_FOR_SUBMIT_TIMEOUT_NS,
  drmSyncobjCreate,
  drmSyncobjDestroy,
  drmSyncobjFind,
  drmSyncobjFindFence,
  drmSyncobjInstallFence,
} from "./lookup.js";
export { SyncFile } from "./sync-file.js";
export { DrmSyncobj } from "./syncobj.js";
export { drmSyncobjArrayWait, drmTimeoutAbsToRelative, type SyncobjWaitResult } from "./wait.js";
