/** Counter tables: the hardware TLB per AS, and the driver's MMU commands and AS manager. */
import type { ReportTable } from "../scenarios/types.js";
import type { Stack } from "../stack/stack.js";

/** Hardware counters summed over every AS. */
export interface TlbTotals {
  /** Translations served by the TLB. */
  tlbHits: number;
  /** Translations that missed. */
  tlbMisses: number;
  /** Page-table walks. */
  walks: number;
  /** TLB entries invalidated (UPDATE and flushes). */
  tlbInvalidations: number;
  /** Region flushes completed (UNLOCK / FLUSH_PT / FLUSH_MEM). */
  flushes: number;
  /** UPDATE commands completed. */
  updates: number;
  /** Faults raised. */
  faults: number;
}

/** The present AS slot numbers of the stack's GPU. */
export function presentSlots(stack: Stack): number[] {
  const out: number[] = [];
  const mask = stack.dev.features.asPresent;
  for (let as = 0; as < 32; as++) if (((mask >>> as) & 1) !== 0) out.push(as);
  return out;
}

/** The per-AS hardware table and the totals over every AS. */
export function tlbTable(stack: Stack): { table: ReportTable; totals: TlbTotals } {
  const totals: TlbTotals = {
    tlbHits: 0,
    tlbMisses: 0,
    walks: 0,
    tlbInvalidations: 0,
    flushes: 0,
    updates: 0,
    faults: 0,
  };
  const rows: (string | number)[][] = [];
  for (const as of presentSlots(stack)) {
    const c = stack.sim.gpu.mmu.slot(as).counters;
    const hits = c.tlbHits;
    const lookups = hits + c.tlbMisses;
    rows.push([
      `AS${as}`,
      hits,
      c.tlbMisses,
      lookups === 0 ? "-" : `${((hits / lookups) * 100).toFixed(1)}%`,
      c.walks,
      c.tlbInvalidations,
      c.flushes,
      c.updates,
      c.faults,
    ]);
    totals.tlbHits += hits;
    totals.tlbMisses += c.tlbMisses;
    totals.walks += c.walks;
    totals.tlbInvalidations += c.tlbInvalidations;
    totals.flushes += c.flushes;
    totals.updates += c.updates;
    totals.faults += c.faults;
  }
  const all = totals.tlbHits + totals.tlbMisses;
  rows.push([
    "all",
    totals.tlbHits,
    totals.tlbMisses,
    all === 0 ? "-" : `${((totals.tlbHits / all) * 100).toFixed(1)}%`,
    totals.walks,
    totals.tlbInvalidations,
    totals.flushes,
    totals.updates,
    totals.faults,
  ]);
  return {
    table: {
      title: "TLB and MMU commands seen by the hardware (per AS)",
      head: [
        "AS",
        "TLB hits",
        "misses",
        "hit rate",
        "walks",
        "invalidated",
        "flushes",
        "updates",
        "faults",
      ],
      rows,
    },
    totals,
  };
}

/** The driver's side: MMU commands it issued, AS manager decisions, mapping and fault counts. */
export function driverCountersTable(stack: Stack): ReportTable {
  const { mmu, jobs } = stack.dev;
  const hw = mmu.hw.counters;
  const as = mmu.slots.counters;
  const rows: (string | number)[][] = [
    [
      "AS gets: already bound / free slot / stolen",
      `${as.fastGets} / ${as.freeGets} / ${as.steals}`,
    ],
    ["AS waits (no idle slot or AS lock busy)", as.waits],
    ["faulty AS re-enabled on owner's next get", as.faultyReenables],
    ["AS enable / disable", `${hw.enable} / ${hw.disable}`],
    ["AS_COMMAND UPDATE / LOCK", `${hw.update} / ${hw.lock}`],
    ["AS_COMMAND FLUSH_PT / FLUSH_MEM", `${hw.flushPt} / ${hw.flushMem}`],
    [
      "pages mapped: 4 KiB / 2 MiB blocks",
      `${mmu.mapCounters.pages4k} / ${mmu.mapCounters.blocks2m}`,
    ],
    [
      "MMU IRQs: heap growths / terminal faults",
      `${mmu.faultCounters.heapGrowths} / ${mmu.faultCounters.terminal}`,
    ],
    [
      "jobs: submitted / completed / faulted",
      `${jobs.counters.submitted} / ${jobs.counters.completed} / ${jobs.counters.faulted}`,
    ],
    ["job waits for an AS / GPU resets", `${jobs.counters.asWaits} / ${jobs.counters.resets}`],
  ];
  return { title: "Driver: AS manager and MMU commands", head: ["counter", "value"], rows };
}
