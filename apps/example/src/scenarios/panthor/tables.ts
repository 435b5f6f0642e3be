/** The panthor scenario's tables, and its slot history in the report's form. */
import { formatNs, hex } from "../../report/format.js";
import type { SlotTenure } from "../../stack/slot-history.js";
import type { ReportTable } from "../types.js";
import { BLOCK_VA, type BlockRegion } from "./block.js";
import { describeLeaves, gpuvaList, leavesIn } from "./pages.js";
import type { PanthorProcess } from "./process.js";
import type { PanthorRig, PanthorSlotEvent } from "./rig.js";

/** The processes with a role, and the data the tables show. */
export interface PanthorCast {
  /** Owner of the huge page. */
  readonly hugeOwner: PanthorProcess;
  /** The process whose VM was made unusable. */
  readonly victim: PanthorProcess;
  /** The huge page region. */
  readonly huge: BlockRegion;
  /** The 4 KiB-folio block region. */
  readonly contig: BlockRegion;
  /** The last pass of window reads. */
  readonly finalReads: ReadonlyMap<PanthorProcess, { right: number; total: number }>;
}

/** Slot bindings as tenures: each bind or steal runs until the next one on its slot. */
export function slotTenures(events: readonly PanthorSlotEvent[]): SlotTenure[] {
  const out: SlotTenure[] = [];
  const open = new Map<number, SlotTenure>();
  for (const e of events) {
    if (e.kind === "reenable") continue;
    const prev = open.get(e.as);
    if (prev !== undefined) prev.to = e.time;
    const t: SlotTenure = {
      as: e.as,
      client: e.client,
      from: e.time,
      to: null,
      stolen: e.kind === "steal",
      maxCount: 1,
    };
    out.push(t);
    open.set(e.as, t);
  }
  return out;
}

/** The scenario's tables (call before the files are closed). */
export function panthorTables(
  rig: PanthorRig,
  procs: readonly PanthorProcess[],
  cast: PanthorCast,
): ReportTable[] {
  const events: ReportTable = {
    title: "AS slot events (vm_active of the user VMs; AS0 is the MCU's)",
    head: ["time", "AS", "event", "process", "from"],
    rows: rig.events.map((e) => [formatNs(e.time), `AS${e.as}`, e.kind, e.client, e.from ?? ""]),
  };
  const role = (p: PanthorProcess): string =>
    p === cast.hugeOwner
      ? "window + huge page"
      : p === cast.victim
        ? "window + 4K-folio block"
        : "window";
  const clients: ReportTable = {
    title: "Processes (VM, async binds, GPU reads)",
    head: [
      "process",
      "role",
      "AS bindings",
      "binds done/queued",
      "refused",
      "reads",
      "old",
      "new",
      "neither",
      "lock waits",
      "VM state",
    ],
    rows: procs.map((p) => {
      const t = p.tally;
      const bindings = rig.events.filter((e) => e.client === p.name && e.kind !== "reenable");
      return [
        p.name,
        role(p),
        bindings.length,
        `${t.bindsDone}/${t.bindsQueued}`,
        t.bindsRefused,
        t.reads,
        t.readsOld,
        t.readsNew,
        t.readsBad,
        t.lockWaits,
        p.vm.unusable ? "UNUSABLE" : "usable",
      ];
    }),
  };
  const pt: ReportTable = {
    title: "Page tables (per VM: gpuvas, leaves, table pages reserved / used / returned / freed)",
    head: [
      "process",
      "gpuvas",
      "2 MiB blocks",
      "4 KiB pages",
      "reserved",
      "used",
      "returned",
      "freed",
    ],
    rows: procs.map((p) => {
      const l = leavesIn(p.vm, 0, 2 ** 48);
      const s = p.vm.ptStats;
      return [
        p.name,
        p.vm.mappings().length,
        l.blocks,
        l.pages,
        s.reserved,
        s.used,
        s.returned,
        s.freed,
      ];
    }),
  };
  const blocks: ReportTable = {
    title: `Partial unmaps inside a 2 MiB block (${cast.huge.bytes / 0x10_0000} MiB and 2 MiB BOs at ${hex(BLOCK_VA)})`,
    head: ["process", "folios", "leaves now", "gpuvas now", "VM state"],
    rows: [cast.huge, cast.contig].map((b) => [
      b.owner.name,
      b.hugeFolios ? "2 MiB (THP)" : "4 KiB",
      describeLeaves(leavesIn(b.owner.vm, BLOCK_VA, b.bytes)),
      gpuvaList(b.owner.vm, BLOCK_VA, b.bytes).join(" "),
      b.owner.vm.unusable ? "UNUSABLE" : "usable",
    ]),
  };
  const faults: ReportTable = {
    title: "MMU faults (unhandled: the AS is disabled until its VM is made active again)",
    head: ["#", "time", "AS", "VA", "process", "status"],
    rows: rig.dev.mmu.faults.map((f, i) => [
      i + 1,
      formatNs(f.time),
      `AS${f.as}`,
      hex(f.va),
      procs.find((p) => p.vm === f.vm)?.name ?? "?",
      hex(f.status),
    ]),
  };
  return [events, clients, pt, blocks, faults];
}
