/**
 * The heap scenario: heap clients write progressively through 64 MiB of a 256 MiB heap BO;
 * each ends with exactly 32 chunks of 2 MiB resident, grown one GPU fault at a time, and a
 * correct result. Heap BOs cannot be mmapped.
 */
import { EINVAL, errnoName } from "@panmmu/uapi";
import { clientFigures, clientTable } from "../observe/client-table.js";
import { driverCountersTable, presentSlots, tlbTable } from "../observe/counters-table.js";
import { faultTable } from "../observe/fault-table.js";
import { slotTable } from "../observe/slot-table.js";
import { formatBytes } from "../report/format.js";
import { buildStack } from "../stack/stack.js";
import { HEAP_CHUNK, HeapClient } from "../workload/heap-client.js";
import { ProgressCounter, runRounds } from "../workload/rounds.js";
import { check } from "./check.js";
import { closeAndCheck, describeGpu, gpuOf, ScenarioOptionError } from "./common.js";
import type { Scenario, ScenarioOptions, ScenarioReport } from "./types.js";

const MIB = 1024 * 1024;
/** Size of each heap BO. */
const HEAP_BYTES = 256 * MIB;
/** Bytes each client's jobs write through, in all. */
const WRITTEN = 64 * MIB;
/** Most heap clients (the platform has 1 GiB of memory). */
const MAX_HEAP_CLIENTS = 8;

/** Runs the heap scenario. */
export function runHeap(o: ScenarioOptions): ScenarioReport {
  const hostStart = performance.now();
  if (o.clients > MAX_HEAP_CLIENTS) {
    throw new ScenarioOptionError(
      `heap runs at most ${MAX_HEAP_CLIENTS} clients (64 MiB resident each)`,
    );
  }
  const gpu = gpuOf(o.gpu);
  const stack = buildStack(gpu, o.seed);
  const jobs = [1, 2, 4, 8, 16, 32].filter((j) => j <= Math.max(1, o.jobsPerClient)).at(-1) ?? 1;
  const chunksPerJob = WRITTEN / HEAP_CHUNK / jobs;
  const heaps: HeapClient[] = [];
  for (let i = 0; i < o.clients; i++) {
    heaps.push(HeapClient.create(stack, `heap${i + 1}`, HEAP_BYTES, chunksPerJob, jobs));
  }
  const mmapRefusals = heaps.map((h) => h.client.mmapBo(h.heapHandle).ret);
  const progress = new ProgressCounter(heaps.length * jobs, o.progress);
  const start = stack.sim.loop.now;
  runRounds(jobs, () => heaps.map((h) => h.submitNext()), progress);
  for (const h of heaps) h.verify();
  stack.finish();
  const end = stack.sim.loop.now;

  const figures = clientFigures(stack);
  const heapBos = [...stack.dev.bos].filter((b) => b.isHeap);
  const expectChunks = WRITTEN / HEAP_CHUNK;
  const growths = stack.dev.mmu.faultCounters.heapGrowths;
  const faults = [...stack.dev.mmu.faultLog.records];
  const tables = [
    clientTable(
      stack,
      heaps.map((h) => ({ name: h.name, role: `heap ${formatBytes(HEAP_BYTES)}`, tally: h.tally })),
      figures,
    ),
    slotTable(stack.slots, presentSlots(stack), start, end, 4),
    tlbTable(stack).table,
    driverCountersTable(stack),
  ];
  if (faults.length > 0) tables.push(faultTable(faults));
  const checks = [
    check(
      `each heap BO ends with exactly ${expectChunks} × 2 MiB chunks resident`,
      heapBos.length === heaps.length &&
        heapBos.every((b) => b.heapRssSize === WRITTEN && b.residentPages === WRITTEN / 4096),
      heapBos.map((b) => formatBytes(b.heapRssSize)).join(", "),
    ),
    check(
      "one growth fault per chunk, none terminal",
      growths === expectChunks * heaps.length && faults.length === 0,
      `${growths} growths for ${expectChunks * heaps.length} chunks, ${faults.length} terminal faults`,
    ),
    check(
      "every heap job completed and its result reads back",
      heaps.every((h) => h.tally.ok === jobs && h.verifiedSteps === jobs),
      heaps.map((h) => `${h.name} ${h.verifiedSteps}/${jobs}`).join(", "),
    ),
    check(
      "heap BOs cannot be mmapped (-EINVAL)",
      mmapRefusals.every((r) => r === -EINVAL),
      mmapRefusals.map((r) => (r < 0 ? `-${errnoName(r)}` : String(r))).join(", "),
    ),
    ...closeAndCheck(
      stack,
      heaps.map((h) => h.client),
    ),
  ];
  return {
    scenario: "heap",
    gpu: gpu.name,
    seed: o.seed,
    clients: heaps.length,
    narrative: [
      describeGpu(stack),
      `${heaps.length} heap client(s), each with a ${formatBytes(HEAP_BYTES)} heap BO (nothing mapped at creation) written progressively through ${formatBytes(WRITTEN)} by ${jobs} jobs of ${chunksPerJob} chunks; every first touch of a chunk faults and the driver maps 2 MiB there.`,
    ],
    tables,
    checks,
    slotHistory: stack.slots.tenures,
    virtualNs: end,
    hostMs: performance.now() - hostStart,
  };
}

/** The heap scenario. */
export const HEAP_SCENARIO: Scenario = {
  name: "heap",
  summary:
    "heap BOs growing on GPU fault: 64 MiB written through a 256 MiB heap, exactly 32 chunks",
  defaults: { clients: 1, jobsPerClient: 8 },
  run: runHeap,
};
