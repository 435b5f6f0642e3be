/** The per-client table: jobs, faults and memory of every file, as the driver accounts them. */
import { fileStats } from "@panmmu/panfrost";
import { formatBytes } from "../report/format.js";
import type { ReportTable } from "../scenarios/types.js";
import type { Stack } from "../stack/stack.js";
import type { JobTally } from "../workload/jobs.js";

/** What the app knows of one client. */
export interface ClientRow {
  /** File name. */
  readonly name: string;
  /** Role in the scenario (buffer, heap, misbehaving …). */
  readonly role: string;
  /** Its job tally. */
  readonly tally: JobTally;
}

/** Per-client figures taken from the driver (call while the files are still open). */
export interface ClientFigures {
  /** Terminal faults the driver attributed to the file. */
  faults: number;
  /** Resident bytes over its BOs. */
  resident: number;
  /** Heap resident bytes. */
  heapRss: number;
  /** Jobs the driver saw completed / failed. */
  completed: number;
  /** Jobs the driver saw fail. */
  failed: number;
}

/** Reads the driver's per-file statistics, keyed by file name. */
export function clientFigures(stack: Stack): Map<string, ClientFigures> {
  const out = new Map<string, ClientFigures>();
  for (const f of fileStats(stack.dev)) {
    out.set(f.name, {
      faults: f.faults,
      resident: f.resident,
      heapRss: f.heapRss,
      completed: f.jobs.completed,
      failed: f.jobs.failed,
    });
  }
  return out;
}

/** The table: one row per client. */
export function clientTable(
  stack: Stack,
  clients: readonly ClientRow[],
  figures: Map<string, ClientFigures>,
): ReportTable {
  const rows = clients.map((c) => {
    const f = figures.get(c.name);
    const bindings = stack.slots.tenures.filter((t) => t.client === c.name).length;
    return [
      c.name,
      c.role,
      `${c.tally.ok}/${c.tally.submitted}`,
      c.tally.failed,
      f?.faults ?? 0,
      bindings,
      formatBytes(f?.resident ?? 0),
      f === undefined || f.heapRss === 0 ? "-" : formatBytes(f.heapRss),
    ];
  });
  return {
    title: "Clients (jobs, faults, memory)",
    head: ["client", "role", "jobs ok", "failed", "faults", "AS bindings", "resident", "heap RSS"],
    rows,
  };
}
