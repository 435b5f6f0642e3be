/**
 * The main scenario (`pnpm demo`): more clients than AS slots, each submitting jobs that write
 * and verify their own buffers, one heap client growing on fault, one misbehaving client whose
 * stray write is caught and reported, and the tables that show what the stack did.
 */
import { type ClientRow, clientFigures, clientTable } from "../observe/client-table.js";
import { driverCountersTable, presentSlots, tlbTable } from "../observe/counters-table.js";
import { faultTable, whereFaulted } from "../observe/fault-table.js";
import { slotEventTable, slotTable } from "../observe/slot-table.js";
import { formatBytes, hex } from "../report/format.js";
import { ScenarioRng } from "../stack/rng.js";
import { buildStack, type Stack } from "../stack/stack.js";
import { BufferClient } from "../workload/buffer-client.js";
import { HeapClient } from "../workload/heap-client.js";
import type { PendingJob } from "../workload/jobs.js";
import { RogueClient } from "../workload/rogue-client.js";
import { ProgressCounter, runRounds } from "../workload/rounds.js";
import { check } from "./check.js";
import { closeAndCheck, describeGpu, gpuOf } from "./common.js";
import type { Scenario, ScenarioCheck, ScenarioOptions, ScenarioReport } from "./types.js";

const MIB = 1024 * 1024;
/** Smallest heap BO of the heap client (it is at least twice what its jobs write). */
const MIN_HEAP_BYTES = 64 * MIB;
/** 2 MiB chunks each heap job writes (the next ones each time). */
const HEAP_CHUNKS_PER_JOB = 2;

/**
 * Runs the main scenario under `name` (the aarch64 scenario reuses it on another GPU);
 * `extra` adds checks of the stack, made first.
 */
export function runMain(
  name: string,
  o: ScenarioOptions,
  extra: (stack: Stack) => ScenarioCheck[] = () => [],
): ScenarioReport {
  const hostStart = performance.now();
  const gpu = gpuOf(o.gpu);
  const stack = buildStack(gpu, o.seed);
  const rng = new ScenarioRng(o.seed);
  const asSlots = presentSlots(stack);
  const bufferCount = Math.max(1, o.clients - 2);
  const jobs = Math.max(2, o.jobsPerClient);

  const buffers: BufferClient[] = [];
  for (let i = 0; i < bufferCount; i++) {
    buffers.push(BufferClient.create(stack, `c${String(i + 1).padStart(2, "0")}`, jobs, rng));
  }
  const heapBytes = Math.max(MIN_HEAP_BYTES, 2 * jobs * HEAP_CHUNKS_PER_JOB * 2 * MIB);
  const heap = HeapClient.create(stack, "heap", heapBytes, HEAP_CHUNKS_PER_JOB, jobs);
  const rogue = RogueClient.create(stack, "rogue", rng);
  const badRound = Math.floor(jobs / 2);
  const progress = new ProgressCounter(bufferCount * jobs + jobs + jobs, o.progress);
  const start = stack.sim.loop.now;

  runRounds(
    jobs,
    (r) => {
      const round: Array<PendingJob | null> = [];
      // Seeded rotation of the submission order, so slot contention differs with the seed.
      const first = rng.int(0, bufferCount - 1);
      for (let k = 0; k < bufferCount; k++) {
        round.push((buffers[(first + k) % bufferCount] as BufferClient).submitNext(rng));
        if (k === Math.floor(bufferCount / 2)) round.push(heap.submitNext());
      }
      round.push(r === badRound ? rogue.submitBad() : rogue.submitGood(r + 1));
      return round;
    },
    progress,
  );
  for (const b of buffers) b.verify();
  heap.verify();
  stack.finish();
  const end = stack.sim.loop.now;

  const figures = clientFigures(stack);
  const heapBo = [...stack.dev.bos].find((b) => b.isHeap);
  const faults = [...stack.dev.mmu.faultLog.records];
  const tlb = tlbTable(stack);
  const rows: ClientRow[] = [
    ...buffers.map((b) => ({
      name: b.name,
      role: `buffer ${formatBytes(b.regionBytes * b.regions)}`,
      tally: b.tally,
    })),
    { name: heap.name, role: `heap ${formatBytes(heapBytes)}`, tally: heap.tally },
    { name: rogue.name, role: "misbehaving", tally: rogue.tally },
  ];
  const tables = [
    slotTable(stack.slots, asSlots, start, end),
    slotEventTable(stack.slots),
    clientTable(stack, rows, figures),
    faultTable(faults),
    tlb.table,
    driverCountersTable(stack),
  ];

  const files = buffers.length + 2;
  const checks: ScenarioCheck[] = extra(stack);
  const bufJobs = buffers.reduce((n, b) => n + b.tally.ok, 0);
  const bufSubmitted = buffers.reduce((n, b) => n + b.tally.submitted, 0);
  const verified = buffers.reduce((n, b) => n + b.verifiedRegions, 0);
  const mismatched = buffers.reduce((n, b) => n + b.mismatches, 0);
  const steals = stack.dev.mmu.slots.counters.steals;
  checks.push(
    check(
      "more clients than AS slots",
      files > asSlots.length,
      `${files} files on ${asSlots.length} AS slots`,
    ),
    check(
      "every buffer client's jobs completed and checked their writes on the GPU",
      bufJobs === bufferCount * jobs && bufSubmitted === bufJobs,
      `${bufJobs}/${bufferCount * jobs} jobs ok`,
    ),
    check(
      "every buffer reads back on the CPU exactly as its jobs wrote it",
      verified === bufferCount * jobs && mismatched === 0,
      `${verified} regions verified, ${mismatched} mismatched`,
    ),
    check(
      "AS slots were shared: idle slots were stolen and every client got one",
      steals > 0 && rows.every((r) => stack.slots.tenures.some((t) => t.client === r.name)),
      `${steals} steals (${stack.slots.observedSteals} in the slot history), ${stack.slots.tenures.length} bindings`,
    ),
  );
  const heapRss = heapBo?.heapRssSize ?? 0;
  const growths = stack.dev.mmu.faultCounters.heapGrowths;
  checks.push(
    check(
      "the heap BO grew on fault by exactly the 2 MiB chunks its jobs touched",
      heapRss === heap.writtenBytes && growths === heap.expectedChunks,
      `${formatBytes(heapRss)} resident of ${formatBytes(heapBytes)}, ${growths} growth faults, ${heap.expectedChunks} chunks touched`,
    ),
    check(
      "every heap job completed and its result reads back",
      heap.tally.ok === jobs && heap.verifiedSteps === jobs,
      `${heap.tally.ok}/${jobs} jobs ok, ${heap.verifiedSteps} results verified`,
    ),
  );
  const rec = faults[0];
  checks.push(
    check(
      "the misbehaving job failed and its client's other jobs did not",
      rogue.badErrors.length === 1 &&
        rogue.badErrors[0] !== 0 &&
        rogue.badErrors[0] !== null &&
        rogue.goodErrors.every((e) => e === 0),
      `bad job fence error ${rogue.badErrors[0] ?? "none"}, ${rogue.goodErrors.filter((e) => e === 0).length}/${rogue.goodErrors.length} good jobs ok`,
    ),
    check(
      "the fault log reports the stray write: its file, VA and the distance to the nearest mapping",
      faults.length === 1 &&
        rec !== undefined &&
        rec.fileName === rogue.name &&
        rec.va === rogue.strayVa &&
        rec.target.kind === "none" &&
        (rec.target.nearestDistance ?? 0) > 0,
      rec === undefined
        ? `${faults.length} faults logged`
        : `${faults.length} fault(s); "${rec.fileName}" at ${hex(rec.va)}: ${whereFaulted(rec.target)}`,
    ),
    check(
      "no other client saw a fault",
      [...figures].every(([n, f]) => n === rogue.name || f.faults === 0),
      [...figures]
        .map(([n, f]) => `${n}:${f.faults}`)
        .filter((s) => !s.endsWith(":0"))
        .join(" ") || "no faults",
    ),
  );
  const timedOut = [...buffers.map((b) => b.tally), heap.tally, rogue.tally].reduce(
    (n, t) => n + t.timedOut + t.refused,
    0,
  );
  const { timeouts, resets } = stack.dev.jobs.counters;
  checks.push(
    check(
      "no job timed out or was refused, and no GPU reset was needed",
      timedOut === 0 && timeouts === 0 && resets === 0,
      `${timedOut} timed out or refused as the app saw it; driver: ${timeouts} job timeouts, ${resets} GPU resets`,
    ),
  );
  checks.push(
    ...closeAndCheck(stack, [...buffers.map((b) => b.client), heap.client, rogue.client]),
  );

  const narrative = [
    describeGpu(stack),
    `${files} clients on ${asSlots.length} AS slots: ${bufferCount} buffer clients, 1 heap client, 1 misbehaving client; ${jobs} rounds of jobs (${progress.done} jobs in all), seed ${o.seed}.`,
    `Jobs held at most ${stack.slots.peakInUse} AS slots at once; contexts were bound to ${stack.slots.peakBound} at most, and the driver stole an idle slot ${steals} times.`,
    `The heap client's ${formatBytes(heap.writtenBytes)} of writes grew its ${formatBytes(heapBytes)} heap BO chunk by chunk; the misbehaving client wrote ${hex(rogue.strayVa)}, where nothing is mapped.`,
  ];
  return {
    scenario: name,
    gpu: gpu.name,
    seed: o.seed,
    clients: files,
    narrative,
    tables,
    checks,
    slotHistory: stack.slots.tenures,
    virtualNs: end,
    hostMs: performance.now() - hostStart,
  };
}

/** The main scenario. */
export const MAIN_SCENARIO: Scenario = {
  name: "main",
  summary:
    "12 clients on 8 AS slots: buffers written and verified, a heap growing on fault, a stray write reported",
  defaults: { clients: 12, jobsPerClient: 6 },
  run: (o) => runMain("main", o),
};
