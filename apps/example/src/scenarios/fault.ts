/**
 * The fault scenario: three kinds of terminal GPU fault, each reported by the fault log with
 * the file and where the address landed, while bystanders keep running unharmed:
 * a stray write to an unmapped VA, a read of a buffer the shrinker purged, and a heap growth
 * that fails because memory ran out (reported with the heap BO and the offset).
 */
import type { FaultRecord } from "@panmmu/panfrost";
import { type ClientRow, clientFigures, clientTable } from "../observe/client-table.js";
import { driverCountersTable, presentSlots, tlbTable } from "../observe/counters-table.js";
import { faultTable, whereFaulted } from "../observe/fault-table.js";
import { slotTable } from "../observe/slot-table.js";
import { formatBytes, hex } from "../report/format.js";
import { ScenarioRng } from "../stack/rng.js";
import { buildStack } from "../stack/stack.js";
import { BufferClient } from "../workload/buffer-client.js";
import { HEAP_CHUNK, HeapClient } from "../workload/heap-client.js";
import { type PendingJob, waitJobs } from "../workload/jobs.js";
import { PurgerClient, SCRATCH_BYTES } from "../workload/purger-client.js";
import { RogueClient } from "../workload/rogue-client.js";
import { ProgressCounter } from "../workload/rounds.js";
import { check } from "./check.js";
import { closeAndCheck, describeGpu, gpuOf } from "./common.js";
import type { Scenario, ScenarioCheck, ScenarioOptions, ScenarioReport } from "./types.js";

const MIB = 1024 * 1024;
/** The starved heap client's step that runs while memory is short (its second chunk). */
const STARVED_STEP = 1;

/** Runs the fault scenario. */
export function runFault(o: ScenarioOptions): ScenarioReport {
  const hostStart = performance.now();
  const gpu = gpuOf(o.gpu);
  const stack = buildStack(gpu, o.seed);
  const rng = new ScenarioRng(o.seed);
  const rounds = Math.max(4, o.jobsPerClient);
  const bystanderCount = Math.max(1, o.clients - 3);
  const bystanders: BufferClient[] = [];
  for (let i = 0; i < bystanderCount; i++) {
    bystanders.push(BufferClient.create(stack, `b${String(i + 1).padStart(2, "0")}`, rounds, rng));
  }
  const rogue = RogueClient.create(stack, "rogue", rng);
  const purger = PurgerClient.create(stack, "purger");
  const starved = HeapClient.create(stack, "starved", 8 * MIB, 1, 2);
  const progress = new ProgressCounter(bystanderCount * rounds + rounds + 2 + 3, o.progress);
  const start = stack.sim.loop.now;
  const wait = (jobs: ReadonlyArray<PendingJob | null>): void =>
    waitJobs(
      jobs.filter((j): j is PendingJob => j !== null),
      () => progress.tick(),
    );

  let purgedPages = 0;
  for (let r = 0; r < rounds; r++) {
    const jobs: Array<PendingJob | null> = bystanders.map((b) => b.submitNext(rng));
    if (r === 0) jobs.push(rogue.submitGood(1), purger.submitUse(), starved.submitNext());
    if (r === 1) jobs.push(rogue.submitBad(), purger.submitLate());
    if (r >= 2) jobs.push(rogue.submitGood(r + 1));
    if (r === 2) jobs.push(starved.submitStep(STARVED_STEP));
    wait(jobs);
    if (r === 0) {
      // Let the finished jobs release the buffer, give it back, and shrink.
      stack.sim.loop.runUntilIdle();
      purger.dontNeed();
      purgedPages = stack.dev.shrink(1_000_000);
    }
    if (r === 1) {
      // The starved heap client's job runs alone while every allocation fails.
      const late = starved.submitStep(STARVED_STEP);
      stack.sim.memory.setFailureProbability(1);
      wait([late]);
      stack.sim.memory.setFailureProbability(0);
    }
  }
  for (const b of bystanders) b.verify();
  starved.verify();
  stack.finish();
  const end = stack.sim.loop.now;

  const figures = clientFigures(stack);
  const faults = [...stack.dev.mmu.faultLog.records];
  const byFile = (name: string): FaultRecord[] => faults.filter((f) => f.fileName === name);
  const rows: ClientRow[] = [
    ...bystanders.map((b) => ({ name: b.name, role: "bystander", tally: b.tally })),
    { name: rogue.name, role: "stray write", tally: rogue.tally },
    { name: purger.name, role: "uses a purged BO", tally: purger.tally },
    { name: starved.name, role: "heap, out of memory", tally: starved.tally },
  ];
  const tables = [
    faultTable(faults),
    clientTable(stack, rows, figures),
    slotTable(stack.slots, presentSlots(stack), start, end, 4),
    tlbTable(stack).table,
    driverCountersTable(stack),
  ];

  const checks: ScenarioCheck[] = [];
  const [stray] = byFile(rogue.name);
  checks.push(
    check(
      "stray write: job failed, logged with its file, exact VA and distance to the nearest mapping",
      byFile(rogue.name).length === 1 &&
        stray?.va === rogue.strayVa &&
        stray.target.kind === "none" &&
        (stray.target.nearestDistance ?? 0) > 0 &&
        rogue.badErrors.every((e) => e !== 0 && e !== null) &&
        rogue.goodErrors.every((e) => e === 0),
      stray === undefined ? "not logged" : `${hex(stray.va)}: ${whereFaulted(stray.target)}`,
    ),
  );
  const [late] = byFile(purger.name);
  checks.push(
    check(
      "purged buffer: the shrinker freed it, the late job failed and was logged at its VA",
      purger.retained === 1 &&
        purgedPages === SCRATCH_BYTES / 4096 &&
        purger.errors[0] === 0 &&
        purger.errors[1] !== 0 &&
        purger.errors[1] !== null &&
        byFile(purger.name).length === 1 &&
        late?.va === purger.lateVa,
      `${purgedPages} pages purged; ${late === undefined ? "not logged" : `${hex(late.va)}: ${late.reason}`}`,
    ),
  );
  const [oom] = byFile(starved.name);
  const expectOffset = STARVED_STEP * HEAP_CHUNK;
  const heapBo = [...stack.dev.bos].find((b) => b.isHeap);
  checks.push(
    check(
      "failed heap growth: logged with the heap BO and the offset inside it",
      byFile(starved.name).length >= 1 &&
        oom?.target.kind === "bo" &&
        oom.target.heap &&
        oom.target.offset === expectOffset &&
        /memory/.test(oom.reason),
      oom === undefined ? "not logged" : `${oom.reason}: ${whereFaulted(oom.target)}`,
    ),
    check(
      "the starved heap job failed while memory was short; its retry grew the heap and completed",
      starved.tally.failed === 1 &&
        starved.tally.ok === 2 &&
        starved.verifiedSteps === 2 &&
        (heapBo?.heapRssSize ?? 0) === 2 * HEAP_CHUNK,
      `${starved.tally.ok} ok, ${starved.tally.failed} failed, ${formatBytes(heapBo?.heapRssSize ?? 0)} resident`,
    ),
  );
  const bysOk = bystanders.every(
    (b) => b.tally.ok === rounds && b.mismatches === 0 && b.verifiedRegions === rounds,
  );
  checks.push(
    check(
      "bystanders were not affected: every job ok, every buffer verified, no fault",
      bysOk && bystanders.every((b) => (figures.get(b.name)?.faults ?? 0) === 0),
      `${bystanders.reduce((n, b) => n + b.tally.ok, 0)}/${bystanderCount * rounds} jobs ok`,
    ),
    check(
      "every terminal fault is accounted to the file that caused it",
      faults.length === 3 &&
        faults.every((f) => [rogue.name, purger.name, starved.name].includes(f.fileName ?? "")),
      `${faults.length} faults: ${faults.map((f) => f.fileName).join(", ")}`,
    ),
    ...closeAndCheck(stack, [
      ...bystanders.map((b) => b.client),
      rogue.client,
      purger.client,
      starved.client,
    ]),
  );
  return {
    scenario: "fault",
    gpu: gpu.name,
    seed: o.seed,
    clients: rows.length,
    narrative: [
      describeGpu(stack),
      `${bystanderCount} bystander(s) keep writing and checking their buffers over ${rounds} rounds while three clients fault: "rogue" writes ${hex(rogue.strayVa)} (unmapped), "purger" reads a buffer it gave back (madvise DONTNEED) after the shrinker purged it, and "starved" touches a new heap chunk while every page allocation fails.`,
    ],
    tables,
    checks,
    slotHistory: stack.slots.tenures,
    virtualNs: end,
    hostMs: performance.now() - hostStart,
  };
}

/** The fault scenario. */
export const FAULT_SCENARIO: Scenario = {
  name: "fault",
  summary:
    "stray write, purged BO and failed heap growth: each fault reported with its file and BO/offset",
  defaults: { clients: 6, jobsPerClient: 4 },
  run: runFault,
};
