/** The fault-log table: every terminal GPU fault, who caused it and where it landed. */
import type { FaultRecord, FaultTarget } from "@panmmu/panfrost";
import { formatBytes, formatNs, hex } from "../report/format.js";
import type { ReportTable } from "../scenarios/types.js";

/**
 * Where a fault landed, in words. Like panfrost's `describeTarget`, but naming BOs by their
 * handle in the faulting file rather than by GEM object id: those ids come from a counter
 * shared by every device in the process, so they would differ between two runs of one seed.
 */
export function whereFaulted(t: FaultTarget): string {
  switch (t.kind) {
    case "bo": {
      const kind = [t.heap ? "heap" : "", t.exec ? "exec" : "noexec"].filter((s) => s !== "");
      return `BO handle ${t.handle}${t.label === "" ? "" : ` "${t.label}"`} (${formatBytes(t.boSize)}, ${kind.join(", ")}) at offset ${hex(t.offset)} (BO at ${hex(t.boVa)})`;
    }
    case "none":
      return t.nearestDistance === null
        ? "nothing is mapped in this address space"
        : `no mapping within ${t.nearestDistance} bytes (nearest mapping at ${hex(t.nearestVa ?? 0)})`;
    default:
      return "the AS was not bound to any file";
  }
}

/** One row per record of the driver's fault log. */
export function faultTable(records: readonly FaultRecord[]): ReportTable {
  return {
    title: "Fault log (terminal GPU faults)",
    head: ["#", "time", "AS", "VA", "client", "fault", "where"],
    rows: records.map((r) => [
      r.seq,
      formatNs(r.time),
      `AS${r.as}`,
      hex(r.va),
      r.fileName ?? "-",
      `${r.exceptionName} (${r.accessName})`,
      // "no mapping" needs no repeating when the description says so already.
      r.reason === "no mapping" && r.target.kind === "none"
        ? whereFaulted(r.target)
        : `${r.reason}: ${whereFaulted(r.target)}`,
    ]),
  };
}
