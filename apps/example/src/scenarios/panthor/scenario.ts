/**
 * The panthor scenario. First half: several processes with VMs on a Mali-G610 with fewer user
 * AS slots than VMs, async VM_BINDs racing GPU reads, a partial unmap of a huge page, and a VM
 * made unusable while the others go on. Second half (./group-part.ts): real GPU work on a
 * G610 probed with firmware: groups rotating through AS and CSG slots, async binds under load,
 * a tiler heap growing on tiler OOMs, a faulting group made fatal while the others finish.
 */
import { AS_TRANSCFG_ADRMODE_UNMAPPED, AS_TRANSCFG_LO, asReg, type ProbeRun } from "@panmmu/hw";
import { formatNs, hex } from "../../report/format.js";
import { ScenarioRng } from "../../stack/rng.js";
import { ScenarioOptionError } from "../common.js";
import type { Scenario, ScenarioOptions, ScenarioReport } from "../types.js";
import { BLOCK_VA, BlockRegion, HOLE_BYTES, HOLE_OFFSET, SZ_2M } from "./block.js";
import { closingChecks, panthorChecks } from "./checks.js";
import { groupPartWork, runGroupPart } from "./group-part.js";
import type { HugeOutcome, VictimOutcome } from "./outcome.js";
import { gpuvaList, leavesIn } from "./pages.js";
import { PanthorProcess, PROBE_WORD } from "./process.js";
import {
  buildPanthorRig,
  collectReads,
  gpuRead,
  PANTHOR_AS_PRESENT,
  type PanthorRig,
  startReads,
} from "./rig.js";
import { panthorTables, slotTenures } from "./tables.js";

/** Name of the scenario's GPU (the only one it runs on). */
export const PANTHOR_GPU = "mali-g610";
/** Virtual time (ns) between two passes of a read list. */
const READ_PERIOD_NS = 400;
/** Virtual time (ns) reads run before the binds are queued, and after they signalled. */
const SETTLE_NS = 2_000;

/** Reads every surviving page's word of `region` once: right / total. */
function survivorReads(
  rig: PanthorRig,
  region: BlockRegion,
): { afterRight: number; afterReads: number } {
  const vas: number[] = [];
  for (let off = PROBE_WORD; off < region.bytes; off += 0x1000) {
    if (!BlockRegion.inHole(off)) vas.push(BLOCK_VA + off);
  }
  const probe = startReads(rig, region.owner.vm.asId, vas, 1, 0);
  rig.sim.loop.runUntil(() => probe.done, 50_000_000);
  const run = collectReads(rig, probe);
  const right = run.values.filter(
    (v, i) => v === region.value((run.vas[i] as number) - BLOCK_VA),
  ).length;
  return { afterRight: right, afterReads: vas.length };
}

/** Runs the panthor scenario. */
export function runPanthor(o: ScenarioOptions): ScenarioReport {
  const hostStart = performance.now();
  if (o.gpu !== PANTHOR_GPU && o.gpu !== "g610") {
    throw new ScenarioOptionError(`the panthor scenario runs on ${PANTHOR_GPU} only`);
  }
  if (o.clients < 3 || o.clients > 8) {
    throw new ScenarioOptionError("the panthor scenario needs 3 to 8 clients");
  }
  const rig = buildPanthorRig(o.seed);
  const rng = new ScenarioRng(o.seed);
  const rounds = Math.max(3, o.jobsPerClient);
  const procs: PanthorProcess[] = [];
  for (let i = 0; i < o.clients; i++) {
    procs.push(PanthorProcess.create(rig, `p${String(i + 1).padStart(2, "0")}`, rng));
  }
  const hugeOwner = procs[0] as PanthorProcess;
  const victim = procs[procs.length - 1] as PanthorProcess;
  const huge = BlockRegion.create(rig, hugeOwner, 2 * SZ_2M, true);
  const contig = BlockRegion.create(rig, victim, SZ_2M, false);
  const hugeRound = 1;
  const victimRound = Math.min(rounds - 2, 1 + rng.int(0, 1));
  let hugeOut: HugeOutcome | null = null;
  let victimOut: VictimOutcome | null = null;
  let progress = 0;
  const total = rounds * procs.length + groupPartWork(rounds);

  for (let r = 0; r < rounds; r++) {
    const first = rng.int(0, procs.length - 1);
    const order = procs.map((_, k) => procs[(first + k) % procs.length] as PanthorProcess);
    for (let k = 0; k < order.length; k += rig.userSlots) {
      const group = order.slice(k, k + rig.userSlots);
      const active: PanthorProcess[] = [];
      for (const p of group) {
        if (p.vm.unusable) {
          // A bind on the unusable VM is refused; its process stays off the GPU.
          p.queueSwap();
          continue;
        }
        const ret = rig.activate(p.vm, p.name);
        if (ret !== 0) throw new Error(`vmActive(${p.name}) = ${ret}`);
        active.push(p);
      }
      const hugeNow = r === hugeRound && active.includes(hugeOwner);
      const victimNow = r === victimRound && active.includes(victim);
      // GPU reads start first, the binds come while they run.
      const probes = new Map<PanthorProcess, ProbeRun>();
      let victimBefore = 0;
      for (const p of active) {
        if (p === victim && victimNow) {
          victimBefore = gpuRead(rig, p.vm.asId, contig.survivorVas()[0] as number);
          continue;
        }
        const vas = p === hugeOwner && hugeNow ? huge.survivorVas() : p.windowVas();
        probes.set(p, startReads(rig, p.vm.asId, vas, Number.POSITIVE_INFINITY, READ_PERIOD_NS));
      }
      rig.sim.loop.advance(SETTLE_NS);
      const from = new Map(active.map((p) => [p, p.current]));
      const hugeBefore = hugeNow ? leavesIn(hugeOwner.vm, BLOCK_VA, huge.bytes) : null;
      const victimLeaves = victimNow ? leavesIn(victim.vm, BLOCK_VA, contig.bytes) : null;
      for (const p of active) {
        if (p === hugeOwner && hugeNow) huge.queueHoleUnmap();
        else if (p === victim && victimNow) contig.queueHoleUnmap();
        else p.queueSwap();
      }
      rig.sim.loop.runUntil(
        () =>
          active.every((p) => p.bindsSettled()) &&
          (!hugeNow || huge.fence()?.signaled === true) &&
          (!victimNow || contig.fence()?.signaled === true),
        50_000_000,
      );
      rig.sim.loop.advance(SETTLE_NS);
      for (const p of active) {
        const probe = probes.get(p);
        p.settleBinds();
        if (probe === undefined) continue;
        const run = collectReads(rig, probe);
        if (p === hugeOwner && hugeNow && hugeBefore !== null) {
          const right = run.values.filter(
            (v, i) => v === huge.value((run.vas[i] as number) - BLOCK_VA),
          ).length;
          hugeOut = {
            before: hugeBefore,
            after: leavesIn(hugeOwner.vm, BLOCK_VA, huge.bytes),
            gpuvas: gpuvaList(hugeOwner.vm, BLOCK_VA, huge.bytes),
            racingReads: run.values.length + (run.status === 1 ? 0 : 1),
            racingRight: right,
            ...survivorReads(rig, huge),
            holeRead: gpuRead(rig, hugeOwner.vm.asId, huge.holeVa),
            state: hugeOwner.client.vmGetState(hugeOwner.vmId).state,
          };
          p.tally.lockWaits += run.lockWaits;
        } else {
          p.scoreWindowReads(run, from.get(p) ?? 0, p.current);
        }
      }
      if (victimNow && victimLeaves !== null) {
        victimOut = {
          before: victimLeaves,
          after: leavesIn(victim.vm, BLOCK_VA, contig.bytes),
          gpuvas: gpuvaList(victim.vm, BLOCK_VA, contig.bytes),
          fenceError: contig.fence()?.error ?? -1,
          state: victim.client.vmGetState(victim.vmId).state,
          asyncMap: victim.queueSwap(),
          syncMap: victim.client.vmBind(victim.vmId, [
            { boHandle: victim.bos[0] as number, va: 0x3_0000_0000n, size: 0x1000n },
          ]).ret,
          readBeforeRight: victimBefore === contig.value(PROBE_WORD),
          asDisabled:
            rig.dev.platform.mmio.read32(asReg(victim.vm.asId, AS_TRANSCFG_LO)) >>> 0 ===
            AS_TRANSCFG_ADRMODE_UNMAPPED,
        };
      }
      for (const p of active) rig.dev.mmu.vmIdle(p.vm);
      progress += group.length;
      o.progress(progress, total);
    }
  }
  // A last pass: every usable process reads its whole window once, on its own.
  const finalReads = new Map<PanthorProcess, { right: number; total: number }>();
  for (const p of procs) {
    if (p.vm.unusable) continue;
    rig.activate(p.vm, p.name);
    let right = 0;
    const vas = p.windowVas();
    for (const va of vas)
      if (gpuRead(rig, p.vm.asId, va) === p.expected(p.current, va - p.windowVa)) right++;
    finalReads.set(p, { right, total: vas.length });
    rig.dev.mmu.vmIdle(p.vm);
  }
  const end = rig.sim.loop.now;
  const states = procs.map((p) => p.client.vmGetState(p.vmId).state);
  const faults = [...rig.dev.mmu.faults];
  const tables = panthorTables(rig, procs, { hugeOwner, victim, huge, contig, finalReads });
  const checks = panthorChecks(rig, procs, {
    hugeOut,
    victimOut,
    states,
    finalReads,
    victim,
    rounds,
  });
  const narrative = [
    `First, a Mali-G610 (CSF) without firmware driven by panthor, AS_PRESENT ${hex(PANTHOR_AS_PRESENT)}: AS0 for the MCU, ${rig.userSlots} user AS slots for ${procs.length} processes' VMs; ${rounds} rounds, seed ${o.seed}.`,
    `Each round the processes take turns ${rig.userSlots} at a time: their VMs are made active (stealing the least recently idled VM's slot), the GPU reads their window while an async VM_BIND swaps the BO under it, then they go idle.`,
    `${hugeOwner.name} unmapped ${HOLE_BYTES / 1024} KiB at ${hex(BLOCK_VA + HOLE_OFFSET)} inside a 2 MiB transparent huge page; ${victim.name} did the same inside a 2 MiB block of 4 KiB folios, which io-pgtable cannot split: its VM became unusable.`,
    `${faults.length} GPU fault reported by the MMU IRQ (the read of the unmapped pages); virtual time ${formatNs(end)}.`,
  ];
  for (const p of procs) p.client.close();
  // This board has no firmware: it does go idle.
  rig.sim.loop.runUntilIdle();
  checks.push(...closingChecks(rig));
  const part = runGroupPart(o.seed, rng, rounds, () => o.progress(++progress, total));
  return {
    scenario: "panthor",
    gpu: PANTHOR_GPU,
    seed: o.seed,
    clients: procs.length,
    narrative: [...narrative, ...part.narrative],
    tables: [...tables, ...part.tables],
    checks: [...checks, ...part.checks],
    slotHistory: slotTenures(rig.events),
    virtualNs: end + part.virtualNs,
    hostMs: performance.now() - hostStart,
  };
}

/** The panthor scenario. */
export const PANTHOR_SCENARIO: Scenario = {
  name: "panthor",
  summary:
    "4 processes' VMs on a G610 with 2 user AS slots: async binds racing GPU reads, a huge page partly unmapped, one VM made unusable; then 10 groups on a G610 with firmware: slot rotation, binds under load, a growing tiler heap, a fatal fault",
  defaults: { gpu: PANTHOR_GPU, clients: 4, jobsPerClient: 4 },
  run: (o) => runPanthor(o),
};
