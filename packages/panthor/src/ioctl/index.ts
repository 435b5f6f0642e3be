export {
  boCreate,
  boMmapOffset,
  boQueryInfo,
  boSetLabel,
  boSync,
  DRM_PANTHOR_BO_IS_IMPORTED,
  PANTHOR_BO_LABEL_MAXLEN,
} from "./bo.js";
export type { PanthorIoctlDevice } from "./device-api.js";
export { groupCreate, groupDestroy, groupGetState } from "./group.js";
export { tilerHeapCreate, tilerHeapDestroy } from "./heap.js";
export { panthorIoctls } from "./table.js";
export {
  DRM_PANTHOR_VM_STATE_UNUSABLE,
  DRM_PANTHOR_VM_STATE_USABLE,
  fileBoLookup,
  vmBind,
  vmCreate,
  vmDestroy,
  vmGetState,
} from "./vm.js";
