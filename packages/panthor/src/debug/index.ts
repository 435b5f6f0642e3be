export {
  describeFaultTarget,
  findFaultOwner,
  formatPanthorFault,
  PanthorFaultLog,
  type PanthorFaultOwner,
  type PanthorFaultRecord,
  type PanthorFaultTarget,
  resolveFaultTarget,
} from "./fault-log.js";
