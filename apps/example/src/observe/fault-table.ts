/** The fault-log table: every terminal GPU fault, who caused it and where it landed. */
import { describeTarget, type FaultRecord } from "@panmmu/panfrost";
import type { ReportTable } from "../scenarios/types.js";
import { formatNs, hex } from "../report/format.js";

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
      `${r.reason}: ${describeTarget(r.target)}`,
    ]),
  };
}
