/** The checks of the panthor scenario's second half (groups on the firmware board). */
import { DRM_PANTHOR_GROUP_STATE_FATAL_FAULT, EINVAL } from "@panmmu/uapi";
import { hex } from "../../report/format.js";
import { check } from "../check.js";
import type { ScenarioCheck } from "../types.js";
import type { FwRig } from "./fw-rig.js";
import type { GroupResult } from "./group-results.js";
import type { GroupFindings } from "./group-run.js";
import type { GroupProcess } from "./groups.js";
import { HEAP_INITIAL_CHUNKS } from "./tiler.js";

/** The second half's checks, before the files are closed. */
export function groupChecks(
  rig: FwRig,
  g: GroupFindings,
  results: ReadonlyMap<GroupProcess, GroupResult>,
  oomsWanted: number,
): ScenarioCheck[] {
  const act = rig.activity;
  const res = (p: GroupProcess) => results.get(p) as GroupResult;
  const all = g.procs.map(res);
  const others = g.procs.filter((p) => p !== g.rogue);
  const sum = (list: readonly GroupResult[], f: (r: GroupResult) => number) =>
    list.reduce((n, r) => n + f(r), 0);
  const c = rig.dev.sched?.counters;
  const csgHolders = new Set(act.csg.map((h) => h.holder));
  const userAsTenures = act.as.filter((h) => h.slot > 0).length;
  const o = others.map(res);
  const tr = res(g.tiler);
  const before = g.heapBefore.chunks;
  const after = g.heapAfter.chunks;
  const grown = after.length - before.length;
  const rr = res(g.rogue);
  const rs = g.groupStates.get(g.rogue);
  const fault = g.faults[0];
  const otherStates = others.map((p) => g.groupStates.get(p)?.state ?? -1);
  return [
    check(
      "groups rotated through AS and CSG slots: more VMs than user AS slots and more groups than CSG slots, never more VMs resident than AS slots, every group got a slot",
      g.procs.length > rig.userSlots &&
        g.procs.length > rig.csgSlots &&
        act.maxGroupVms <= rig.userSlots &&
        act.maxUserAs <= rig.userSlots &&
        g.procs.every((p) => csgHolders.has(p.name)) &&
        (c?.groupEvictions ?? 0) > 0 &&
        userAsTenures > rig.userSlots,
      `${g.procs.length} VMs and groups on ${rig.userSlots} user AS and ${rig.csgSlots} CSG slots; at most ${act.maxGroups} groups on CSG slots, ${act.maxUserAs} VMs on AS at once; ${c?.groupStarts ?? 0} group starts, ${c?.groupEvictions ?? 0} evictions, ${userAsTenures} user AS tenures`,
    ),
    check(
      "every job of every other group finished: its fence signalled without error",
      g.settled && o.every((r) => r.ok === r.submitted && r.refused.length === 0),
      `${sum(o, (r) => r.ok)}/${sum(o, (r) => r.submitted)} jobs ok on ${others.length} groups; ${sum(o, (r) => r.failed.length)} failed, ${sum(o, (r) => r.refused.length)} refused, ${sum(all, (r) => r.pending)} never signalled`,
    ),
    check(
      "the values in memory are right: every word a finished job stored reads back as its loop's sum",
      sum(all, (r) => r.wordsChecked) > 0 && all.every((r) => r.wordsRight === r.wordsChecked),
      `${sum(all, (r) => r.wordsRight)}/${sum(all, (r) => r.wordsChecked)} words right, read through CPU mappings of the window BOs`,
    ),
    check(
      "async VM_BINDs queued while the groups ran all completed: the new window mapped before its jobs used it, the old one unmapped only after its job",
      all.every(
        (r) => r.bindsQueued === 2 && r.bindsDone === 2 && r.mapBeforeUse && r.unmapAfterUse,
      ) && sum(all, (r) => r.bindsUnderLoad) > 0,
      `${sum(all, (r) => r.bindsDone)}/${sum(all, (r) => r.bindsQueued)} binds done; ${sum(all, (r) => r.bindsUnderLoad)} queued while their own group ran a job on a CSG slot`,
    ),
    check(
      "the tiler heap grew by one chunk per injected tiler OOM, and its jobs finished",
      before.length === HEAP_INITIAL_CHUNKS &&
        g.heap.ooms.length === oomsWanted &&
        grown === oomsWanted &&
        g.heapAfter.grows === oomsWanted &&
        before.every((va) => after.includes(va)) &&
        tr.ok === tr.submitted,
      `${before.length} → ${after.length} chunks on ${g.heap.ooms.length} tiler OOMs (${g.heapAfter.grows} grows, ${g.heapAfter.refused} refused); ${tr.ok}/${tr.submitted} jobs ok`,
    ),
    check(
      "the faulting group: one MMU fault at its stray store, GROUP_GET_STATE FATAL_FAULT, its later jobs failed and GROUP_SUBMIT refused, its VM still usable",
      g.faults.length === 1 &&
        fault?.va === g.strayVa &&
        fault.owner?.fileName === g.rogue.name &&
        rs !== undefined &&
        (rs.state & DRM_PANTHOR_GROUP_STATE_FATAL_FAULT) !== 0 &&
        rs.fatalQueues === 1 &&
        rr.ok === g.faultRound &&
        rr.failed[0] === -EINVAL &&
        rr.ok + rr.failed.length + rr.refused.length === rr.submitted &&
        g.resubmit === -EINVAL &&
        g.vmStates.get(g.rogue) === 0,
      `${g.faults.length} fault: ${fault === undefined ? "none" : `${fault.owner?.fileName ?? "?"} at ${hex(fault.va)} (stray store ${hex(g.strayVa)}, ${fault.exceptionName})`}; state ${rs?.state ?? "?"}, fatal queues ${rs?.fatalQueues ?? "?"}; jobs ${rr.ok} ok before round ${g.faultRound}, ${rr.failed.length} failed (${rr.failed.join(" ")}), ${rr.refused.length} refused; resubmit ${g.resubmit}; VM state ${g.vmStates.get(g.rogue)}`,
    ),
    check(
      "the other groups went on while it was fatal: jobs finished after the fault, their groups clean, their VMs usable",
      fault !== undefined &&
        sum(o, (r) => r.doneAfterFault) > 0 &&
        otherStates.every((s) => s === 0) &&
        others.every((p) => g.vmStates.get(p) === 0),
      `${sum(o, (r) => r.doneAfterFault)} jobs of other groups finished after the fault; ${otherStates.filter((s) => s === 0).length}/${others.length} group states clean`,
    ),
    check(
      "no job timed out and no GPU reset was needed",
      (c?.timeouts ?? -1) === 0 && rig.dev.resetRequests === 0,
      `${c?.timeouts ?? "?"} timeouts, ${rig.dev.resetRequests} reset requests`,
    ),
  ];
}

/** The second half's checks once every file is closed: pages back, no WARN_ON at all. */
export function groupClosingChecks(rig: FwRig): ScenarioCheck[] {
  const pages = rig.sim.memory.allocatedPages;
  const w = rig.warnings.warnings;
  return [
    check(
      "no page leaked on the firmware board once every file closed",
      pages === rig.basePages,
      `${pages} pages allocated, ${rig.basePages} after probe`,
    ),
    check(
      "no WARN_ON from any layer of the firmware board",
      w.length === 0,
      w.length === 0 ? "warning sink empty" : w.map((x) => `${x.where}: ${x.message}`).join("; "),
    ),
  ];
}
