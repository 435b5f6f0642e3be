export { PANTHOR_BO_FLAGS, PanthorBo } from "./bo.js";
