/** The tables of the panthor scenario's second half (groups on the firmware board). */
import type { PanthorFaultRecord } from "@panmmu/panthor";
import {
  DRM_PANTHOR_GROUP_STATE_FATAL_FAULT,
  DRM_PANTHOR_GROUP_STATE_INNOCENT,
  DRM_PANTHOR_GROUP_STATE_TIMEDOUT,
  errnoName,
} from "@panmmu/uapi";
import { formatBytes, formatNs, hex } from "../../report/format.js";
import type { ReportTable } from "../types.js";
import type { FwRig, SlotHold } from "./fw-rig.js";
import type { GroupResult } from "./group-results.js";
import type { GroupFindings } from "./group-run.js";
import { HEAP_CHUNK_BYTES, HEAP_MAX_CHUNKS } from "./tiler.js";

/** GROUP_GET_STATE's state as words (`ok` when no bit is set). */
export function groupStateName(state: number): string {
  const bits: [number, string][] = [
    [DRM_PANTHOR_GROUP_STATE_TIMEDOUT, "TIMEDOUT"],
    [DRM_PANTHOR_GROUP_STATE_FATAL_FAULT, "FATAL_FAULT"],
    [DRM_PANTHOR_GROUP_STATE_INNOCENT, "INNOCENT"],
  ];
  const names = bits.filter(([b]) => (state & b) !== 0).map(([, n]) => n);
  return names.length === 0 ? "ok" : names.join(" | ");
}

/** Negative errnos as `2 × -EINVAL`. */
function errnos(list: readonly number[]): string {
  if (list.length === 0) return "0";
  const counts = new Map<number, number>();
  for (const e of list) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([e, n]) => `${n} × -${errnoName(-e)}`).join(", ");
}

/** Where a fault landed, in words. */
export function faultWhere(f: PanthorFaultRecord): string {
  const t = f.target;
  if (t.kind === "unbound") return "AS bound to no VM";
  if (t.kind === "bo") return `BO handle ${t.handle} + ${hex(t.offset)}`;
  if (t.nearestDistance === null || t.nearestVa === null) return "no mapping in the VM";
  return `no mapping within ${t.nearestDistance} bytes (nearest at ${hex(t.nearestVa)})`;
}

/** Holders of each of `slots` in order, as rows `[slot, "a b c", tenures]`. */
function slotRows(holds: readonly SlotHold[], slots: readonly number[], label: string) {
  return slots.map((slot) => {
    const list = holds.filter((h) => h.slot === slot);
    return [`${label}${slot}`, list.map((h) => h.holder).join(" ") || "never used", list.length];
  });
}

/** The second half's tables (call before the files are closed). */
export function groupTables(
  rig: FwRig,
  g: GroupFindings,
  results: ReadonlyMap<(typeof g.procs)[number], GroupResult>,
): ReportTable[] {
  const act = rig.activity;
  const tenures = (holds: readonly SlotHold[], name: string) =>
    holds.filter((h) => h.holder === name).length;
  const groups: ReportTable = {
    title: "Groups (firmware board: per process one VM and one group)",
    head: [
      "process",
      "role",
      "AS tenures",
      "CSG tenures",
      "jobs ok/submitted",
      "fence errors",
      "submits refused",
      "words right",
      "binds done/queued",
      "under load",
      "group state",
      "VM state",
    ],
    rows: g.procs.map((p) => {
      const r = results.get(p) as GroupResult;
      const st = g.groupStates.get(p);
      const refused = p === g.rogue ? [...r.refused, g.resubmit] : r.refused;
      return [
        p.name,
        p.role,
        tenures(act.as, p.name),
        tenures(act.csg, p.name),
        `${r.ok}/${r.submitted}`,
        errnos(r.failed),
        errnos(refused.filter((e) => e !== 0)),
        `${r.wordsRight}/${r.wordsChecked}`,
        `${r.bindsDone}/${r.bindsQueued}`,
        r.bindsUnderLoad,
        st === undefined ? "?" : groupStateName(st.state),
        g.vmStates.get(p) === 0 ? "usable" : "UNUSABLE",
      ];
    }),
  };
  const csg: ReportTable = {
    title: `CSG slots (groups that held each of the ${rig.csgSlots} slots, in order)`,
    head: ["CSG slot", "groups", "tenures"],
    rows: slotRows(
      act.csg,
      Array.from({ length: rig.csgSlots }, (_, i) => i),
      "CSG",
    ),
  };
  const as: ReportTable = {
    title: `AS slots of the firmware board (VMs that held each AS, in order; AS0 is the MCU's)`,
    head: ["AS", "VMs", "tenures"],
    rows: slotRows(act.as, rig.asSlots, "AS"),
  };
  const c = rig.dev.sched?.counters;
  const sched: ReportTable = {
    title: "Scheduler (firmware board)",
    head: ["counter", "value"],
    rows: [
      ["scheduler ticks", c?.ticks ?? 0],
      ["group starts / evictions", `${c?.groupStarts ?? 0} / ${c?.groupEvictions ?? 0}`],
      ["jobs run / done", `${c?.jobsRun ?? 0} / ${c?.jobsDone ?? 0}`],
      ["most groups on CSG slots / VMs on user AS at once", `${act.maxGroups} / ${act.maxUserAs}`],
      ["job timeouts / GPU resets", `${c?.timeouts ?? 0} / ${rig.dev.resetRequests}`],
      ["virtual time", formatNs(g.endNs - g.startNs)],
    ],
  };
  const h = g.heap;
  const heap: ReportTable = {
    title: `Tiler heap of ${g.tiler.name} (${formatBytes(HEAP_CHUNK_BYTES)} chunks, at most ${HEAP_MAX_CHUNKS}; context at ${hex(h.ctxVa)})`,
    head: ["when", "chunks", "chunk VAs (list head first)", "grows", "tiler OOMs"],
    rows: [
      ["before", g.heapBefore.chunks.length, g.heapBefore.chunks.map(hex).join(" "), 0, "-"],
      [
        "after",
        g.heapAfter.chunks.length,
        g.heapAfter.chunks.map(hex).join(" "),
        g.heapAfter.grows,
        h.ooms.map(formatNs).join(", ") || "none",
      ],
    ],
  };
  const faults: ReportTable = {
    title: "GPU faults on the firmware board (the driver's fault log)",
    head: ["#", "time", "AS", "VA", "process", "exception", "where"],
    rows: g.faults.map((f) => [
      f.seq,
      formatNs(f.time),
      `AS${f.as}`,
      hex(f.va),
      f.owner?.fileName ?? "?",
      `${f.exceptionName} (${f.accessName})`,
      faultWhere(f),
    ]),
  };
  return [groups, csg, as, sched, heap, faults];
}
