/**
 * The panthor scenario's second half: processes with one group each on the firmware board,
 * more VMs than user AS slots and more groups than CSG slots, rounds of GROUP_SUBMITs of
 * counted loops storing their sums, async VM_BINDs queued while the groups run, a tiler heap
 * growing on injected tiler OOMs, and a group whose store hits an address its own async unmap
 * just took away: it becomes fatal while every other group finishes.
 */
import type { PanthorFaultRecord } from "@panmmu/panthor";
import type { ScenarioRng } from "../../stack/rng.js";
import type { FwRig } from "./fw-rig.js";
import { GroupProcess } from "./groups.js";
import { type LoopSpec, loopStore, tilerLoopStore } from "./streams.js";
import { fenceOf } from "./sync.js";
import { type HeapView, TilerHeap } from "./tiler.js";

/** Processes (one VM and one group each) on the firmware board. */
export const GROUP_PROCS = 10;
/** Tiler OOMs injected into the tiler process's group. */
export const INJECTED_OOMS = 3;
/** Virtual time after the round-0 submits before the async binds are queued. */
const BIND_DELAY_NS = 1_000_000;
/** Virtual time between two rounds of submits. */
const ROUND_NS = 3_000_000;
/** Longest the run may take to settle once every job is submitted (virtual). */
const SETTLE_TIMEOUT_NS = 2_000_000_000;
/** Virtual time given to deferred cleanup after the files are closed. */
export const CLOSE_NS = 100_000_000;

/** What the second half did (the data behind its tables and checks). */
export interface GroupFindings {
  /** Every process, in creation order. */
  readonly procs: readonly GroupProcess[];
  /** The process with the tiler heap. */
  readonly tiler: GroupProcess;
  /** Its heap. */
  readonly heap: TilerHeap;
  /** The heap before the run. */
  readonly heapBefore: HeapView;
  /** The heap after it. */
  readonly heapAfter: HeapView;
  /** The process whose group faults. */
  readonly rogue: GroupProcess;
  /** The round of its stray store. */
  readonly faultRound: number;
  /** Where the stray store wrote. */
  readonly strayVa: number;
  /** GROUP_SUBMIT on the rogue's group once everything settled. */
  readonly resubmit: number;
  /** GROUP_GET_STATE of each process's group at the end: state and fatal queues. */
  readonly groupStates: ReadonlyMap<GroupProcess, { state: number; fatalQueues: number }>;
  /** VM_GET_STATE of each process's VM at the end. */
  readonly vmStates: ReadonlyMap<GroupProcess, number>;
  /** Whether every accepted job and bind signalled before the timeout. */
  readonly settled: boolean;
  /** The fault log of the board. */
  readonly faults: readonly PanthorFaultRecord[];
  /** Virtual time the run started (ns). */
  readonly startNs: number;
  /** Virtual time everything had settled (ns). */
  readonly endNs: number;
}

/** The loop of `p`'s job in round `r`. */
function spec(rng: ScenarioRng): LoopSpec {
  return { count: rng.int(4_000, 16_000), step: rng.int(1, 0x7fff_ffff) };
}

/** Submits `p`'s job of round `r` (the stray store if it is the rogue's fault round). */
function submitRound(
  p: GroupProcess,
  r: number,
  rng: ScenarioRng,
  heap: TilerHeap,
  f: { rogue: GroupProcess; faultRound: number },
): void {
  const s = spec(rng);
  const map = p.bindSyncobj("map");
  if (p === f.rogue && r === f.faultRound) {
    // Its old window, unmapped by its own async bind: the store must come after the unmap.
    const va = (p.windowVas[0] as number) + 4 * r;
    const waits = [p.bindSyncobj("unmap"), ...(map === 0 ? [] : [map])];
    p.submit(r, s, va, null, loopStore(s, va), waits);
    return;
  }
  const win = r === 0 ? 0 : 1;
  const word = r;
  const va = (p.windowVas[win] as number) + 4 * word;
  const program = p.role === "tiler heap" ? tilerLoopStore(s, heap.ctxVa, va) : loopStore(s, va);
  p.submit(r, s, va, { win, word }, program, win === 1 ? [map] : []);
}

/** Whether every accepted job and queued bind of `procs` has signalled. */
function allSignalled(procs: readonly GroupProcess[]): boolean {
  return procs.every(
    (p) =>
      p.jobs.every((j) => j.ret !== 0 || fenceOf(p.client, j.syncobj)?.signaled === true) &&
      p.binds.every((b) => b.ret !== 0 || fenceOf(p.client, b.syncobj)?.signaled === true),
  );
}

/** Runs the second half on `rig`; `tick` is called once per job submitted. */
export function runGroups(
  rig: FwRig,
  rng: ScenarioRng,
  rounds: number,
  tick: () => void,
): GroupFindings {
  const loop = rig.sim.loop;
  const startNs = loop.now;
  const procs: GroupProcess[] = [];
  for (let i = 0; i < GROUP_PROCS; i++) {
    const role = i === 0 ? "tiler heap" : i === GROUP_PROCS - 1 ? "faulting" : "stores";
    procs.push(GroupProcess.create(rig, `g${String(i + 1).padStart(2, "0")}`, role, rng));
  }
  const tiler = procs[0] as GroupProcess;
  const rogue = procs[GROUP_PROCS - 1] as GroupProcess;
  const heap = TilerHeap.create(tiler);
  const heapBefore = heap.view();
  heap.injectOoms(rig, Math.min(INJECTED_OOMS, rounds));
  const faultRound = rng.int(1, rounds - 2);
  const f = { rogue, faultRound };
  for (let r = 0; r < rounds; r++) {
    const first = rng.int(0, procs.length - 1);
    for (let k = 0; k < procs.length; k++) {
      submitRound(procs[(first + k) % procs.length] as GroupProcess, r, rng, heap, f);
      tick();
    }
    if (r === 0) {
      // The groups run their first jobs; the binds come while they do.
      loop.advance(BIND_DELAY_NS);
      for (const p of procs) p.queueBinds(p.jobs[0]?.syncobj ?? 0);
    }
    loop.advance(ROUND_NS);
  }
  const settled = loop.runUntil(() => allSignalled(procs), SETTLE_TIMEOUT_NS);
  const endNs = loop.now;
  rig.sample();
  const s = spec(rng);
  const va = rogue.windowVas[1] as number;
  const resubmit = rogue.submit(rounds, s, va, null, loopStore(s, va));
  const groupStates = new Map(
    procs.map((p) => {
      const st = p.client.groupGetState(p.groupHandle).out;
      return [p, { state: st.state, fatalQueues: st.fatal_queues }] as const;
    }),
  );
  return {
    procs,
    tiler,
    heap,
    heapBefore,
    heapAfter: heap.view(),
    rogue,
    faultRound,
    strayVa: (rogue.windowVas[0] as number) + 4 * faultRound,
    resubmit,
    groupStates,
    vmStates: new Map(procs.map((p) => [p, p.client.vmGetState(p.vmId).state] as const)),
    settled,
    faults: [...rig.dev.faultLog.records],
    startNs,
    endNs,
  };
}
