/** What each process of the panthor scenario's second half got: jobs, fences, words, binds. */
import type { GroupFindings } from "./group-run.js";
import type { GroupProcess } from "./groups.js";
import { loopValue } from "./streams.js";
import { fenceOf } from "./sync.js";

/** One process's results. */
export interface GroupResult {
  /** Jobs submitted in the rounds (the rogue's resubmit after the run not counted). */
  readonly submitted: number;
  /** Of those, GROUP_SUBMITs refused (their errnos). */
  readonly refused: readonly number[];
  /** Accepted jobs whose fence signalled without error. */
  readonly ok: number;
  /** Accepted jobs whose fence signalled with an error (the errors). */
  readonly failed: readonly number[];
  /** Accepted jobs whose fence never signalled. */
  readonly pending: number;
  /** Words stored by jobs that finished, read back right through a CPU mapping. */
  readonly wordsRight: number;
  /** Words read back. */
  readonly wordsChecked: number;
  /** Async binds queued / signalled without error. */
  readonly bindsQueued: number;
  readonly bindsDone: number;
  /** Binds queued while the process's own group was on a CSG slot running a job. */
  readonly bindsUnderLoad: number;
  /** The map of the second window signalled before the first job using it finished. */
  readonly mapBeforeUse: boolean;
  /** The unmap of the first window signalled after the round-0 job using it finished. */
  readonly unmapAfterUse: boolean;
  /** Jobs that finished after the board's first fault. */
  readonly doneAfterFault: number;
}

/** `p`'s results (the rounds' jobs are those of round < `rounds`). */
export function groupResult(p: GroupProcess, rounds: number, faultNs: number | null): GroupResult {
  const fence = (h: number) => fenceOf(p.client, h);
  const jobs = p.jobs.filter((j) => j.round < rounds);
  const accepted = jobs.filter((j) => j.ret === 0);
  let ok = 0;
  let pending = 0;
  let wordsRight = 0;
  let wordsChecked = 0;
  let doneAfterFault = 0;
  const failed: number[] = [];
  for (const j of accepted) {
    const f = fence(j.syncobj);
    if (f === null || !f.signaled) {
      pending++;
      continue;
    }
    if (f.error !== 0) {
      failed.push(f.error);
      continue;
    }
    ok++;
    if (faultNs !== null && f.timestamp > faultNs) doneAfterFault++;
    if (j.target === null) continue;
    wordsChecked++;
    if (p.readWord(j.target.win, j.target.word) === loopValue(j.spec)) wordsRight++;
  }
  const done = (h: number) => {
    const f = fence(h);
    return f?.signaled && f.error === 0 ? f.timestamp : null;
  };
  const queued = p.binds.filter((b) => b.ret === 0);
  const mapAt = done(p.bindSyncobj("map"));
  const unmapAt = done(p.bindSyncobj("unmap"));
  // The first job that wrote through the second window and finished.
  const firstB = accepted.find((j) => j.target?.win === 1 && done(j.syncobj) !== null);
  const firstBAt = firstB === undefined ? null : done(firstB.syncobj);
  const job0At = accepted[0] === undefined ? null : done(accepted[0].syncobj);
  return {
    submitted: jobs.length,
    refused: jobs.filter((j) => j.ret !== 0).map((j) => j.ret),
    ok,
    failed,
    pending,
    wordsRight,
    wordsChecked,
    bindsQueued: queued.length,
    bindsDone: queued.filter((b) => done(b.syncobj) !== null).length,
    bindsUnderLoad: queued.filter((b) => b.ownOnSlot && b.ownInFlight > 0).length,
    mapBeforeUse: mapAt !== null && (firstBAt === null || firstBAt >= mapAt),
    unmapAfterUse: unmapAt !== null && job0At !== null && unmapAt >= job0At,
    doneAfterFault,
  };
}

/** Every process's results. */
export function groupResults(
  g: GroupFindings,
  rounds: number,
): ReadonlyMap<GroupProcess, GroupResult> {
  const faultNs = g.faults[0]?.time ?? null;
  return new Map(g.procs.map((p) => [p, groupResult(p, rounds, faultNs)] as const));
}
