/**
 * The "AS slots over time" table (which client held which slot in each window of the run) and
 * the table of the driver's latest slot events with their virtual times.
 */

import { formatNs } from "../report/format.js";
import type { ReportTable } from "../scenarios/types.js";
import type { SlotHistory } from "../stack/slot-history.js";

/** Most names printed in one cell before the rest is summarised as `+N`. */
const MAX_NAMES = 3;

/**
 * Splits `[start, end)` into `windows` windows and lists, per AS slot, the clients bound to it
 * during each window, then the number of distinct holders and the steals of the slot.
 */
export function slotTable(
  history: SlotHistory,
  asSlots: readonly number[],
  start: number,
  end: number,
  windows = 6,
): ReportTable {
  const span = Math.max(1, end - start);
  const width = span / windows;
  const head = ["AS"];
  for (let w = 0; w < windows; w++) head.push(`≤ ${formatNs(Math.round(start + width * (w + 1)))}`);
  head.push("holders", "steals");
  const rows: (string | number)[][] = [];
  for (const as of asSlots) {
    const ten = history.tenures.filter((t) => t.as === as);
    const row: (string | number)[] = [`AS${as}`];
    for (let w = 0; w < windows; w++) {
      const lo = start + width * w;
      const hi = w === windows - 1 ? Number.POSITIVE_INFINITY : start + width * (w + 1);
      const names: string[] = [];
      for (const t of ten) {
        const to = t.to ?? Number.POSITIVE_INFINITY;
        if (t.from < hi && to > lo && !names.includes(t.client)) names.push(t.client);
      }
      row.push(
        names.length === 0
          ? "·"
          : names.length <= MAX_NAMES
            ? names.join(" ")
            : `${names.slice(0, MAX_NAMES).join(" ")} +${names.length - MAX_NAMES}`,
      );
    }
    row.push(history.holdersOf(as).length, ten.filter((t) => t.stolen).length);
    rows.push(row);
  }
  return { title: "AS slots over time (clients bound to each slot, per window)", head, rows };
}

/**
 * The last `limit` AS slot events of the driver's history, each with the virtual time it
 * happened at: binds of free slots, steals (with the client that lost the slot), releases,
 * resets, faults and re-enables.
 */
export function slotEventTable(history: SlotHistory, limit = 8): ReportTable {
  const recent = history.events.slice(-limit);
  return {
    title: `AS slot events (the driver's history: last ${recent.length} of ${history.events.length})`,
    head: ["time", "AS", "event", "client", "from"],
    rows: recent.map((e) => [formatNs(e.time), `AS${e.as}`, e.kind, e.client, e.from ?? "·"]),
  };
}
