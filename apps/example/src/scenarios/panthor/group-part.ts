/**
 * The panthor scenario's second half end to end: the firmware board built, the groups run,
 * their tables, checks and narration taken, the files closed and the board's leak and WARN_ON
 * checks made.
 */
import { formatNs, hex } from "../../report/format.js";
import type { ScenarioRng } from "../../stack/rng.js";
import type { ReportTable, ScenarioCheck } from "../types.js";
import { buildFwRig } from "./fw-rig.js";
import { groupChecks, groupClosingChecks } from "./group-checks.js";
import { groupResults } from "./group-results.js";
import { CLOSE_NS, GROUP_PROCS, INJECTED_OOMS, runGroups } from "./group-run.js";
import { groupTables } from "./group-tables.js";

/** What the second half adds to the report. */
export interface GroupPart {
  /** Narration. */
  readonly narrative: string[];
  /** Tables. */
  readonly tables: ReportTable[];
  /** Checks (closing ones included). */
  readonly checks: ScenarioCheck[];
  /** Virtual time the board ran (ns), probe included. */
  readonly virtualNs: number;
}

/** Units of progress the second half reports for `rounds` rounds. */
export function groupPartWork(rounds: number): number {
  return rounds * GROUP_PROCS;
}

/** Runs the second half with `rounds` rounds; `tick` is called once per job submitted. */
export function runGroupPart(
  seed: number,
  rng: ScenarioRng,
  rounds: number,
  tick: () => void,
): GroupPart {
  const rig = buildFwRig(seed);
  const g = runGroups(rig, rng, rounds, tick);
  const results = groupResults(g, rounds);
  const ooms = Math.min(INJECTED_OOMS, rounds);
  const tables = groupTables(rig, g, results);
  const checks = groupChecks(rig, g, results, ooms);
  const c = rig.dev.sched?.counters;
  const fault = g.faults[0];
  const jobs = g.procs.reduce((n, p) => n + (results.get(p)?.submitted ?? 0), 0);
  const after = [...results.values()].reduce((n, r) => n + r.doneAfterFault, 0);
  const narrative = [
    `Then a stock Mali-G610 (AS_PRESENT ${hex(rig.sim.gpu.preset.asPresent)}: AS0 for the MCU, ${rig.userSlots} user AS slots) probed with the reference CSF firmware, whose interface offers ${rig.csgSlots} CSG slots: ${g.procs.length} processes each create a VM and a group and submit ${rounds} rounds of counted loops that store their sums (${jobs} jobs).`,
    `The scheduler put at most ${rig.activity.maxGroups} groups on CSG slots at once (each needs its VM on an AS) and rotated them: ${c?.groupStarts ?? 0} group starts, ${c?.groupEvictions ?? 0} evictions in ${c?.ticks ?? 0} ticks.`,
    `While the round-0 jobs ran, every process queued an async VM_BIND mapping a second window and an async unmap of its first one waiting on its round-0 job; its later jobs wait on the map.`,
    `${g.tiler.name}'s tiling passes hit ${g.heap.ooms.length} injected tiler OOMs: the firmware raised each, the driver grew the heap from ${g.heapBefore.chunks.length} to ${g.heapAfter.chunks.length} chunks. ${g.rogue.name}'s round-${g.faultRound} store went to its old window after its own unmap: ${g.faults.length} MMU fault${fault === undefined ? "" : ` at ${formatNs(fault.time)}`}, its group FATAL_FAULT, while the other groups finished (${after} jobs after the fault); virtual time ${formatNs(g.endNs)}.`,
  ];
  for (const p of g.procs) p.client.close();
  // The board's firmware never idles: run its clock on, never until idle.
  rig.sim.loop.advance(CLOSE_NS);
  checks.push(...groupClosingChecks(rig));
  return { narrative, tables, checks, virtualNs: g.endNs };
}
