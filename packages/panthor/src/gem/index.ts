export { PANTHOR_BO_FLAGS, PanthorBo } from "./bo.js";
export {
  PANTHOR_GEM_USAGE_FLAG_FW_MAPPED,
  PANTHOR_GEM_USAGE_FLAG_KERNEL,
  PanthorKernelBo,
  panthorKernelBoCreate,
  panthorKernelBoDestroy,
  panthorKernelBoVmap,
  panthorKernelBoVunmap,
} from "./kernel-bo.js";
