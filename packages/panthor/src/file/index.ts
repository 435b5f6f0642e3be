export { PanthorFilePriv } from "./file-priv.js";
export { PANTHOR_MAX_VMS_PER_FILE, PanthorVmPool } from "./vm-pool.js";
