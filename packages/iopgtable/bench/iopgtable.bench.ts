/**
 * Issue 4 benchmarks for both formats at ias 48 with coherent walks: (1) 1 GiB of 4 KiB pages
 * as 512 calls × 512 pages, mapped then unmapped; (2) 512 × 2 MiB blocks in one call, mapped
 * then unmapped; (3) 1,000,000 iovaToPhys at random mapped addresses. Each has a same-run
 * baseline storing (clearing, reading) the same number of descriptors in preallocated
 * Uint32Array pages. Besides vitest's per-iteration figures, each task times its phases and
 * the suite prints a ns/page table with ratios to the baseline when it ends.
 */
import { afterAll, bench, describe } from "vitest";
import { ArrayPageTableMemory, IoPgtableFormat } from "../src/index.js";
import {
  BLOCK_COUNT,
  baselineClear,
  baselineLookups,
  baselinePages,
  baselineStore,
  freshTable,
  mapBlocks,
  mapPages1G,
  PAGE_CALLS,
  PAGES_PER_CALL,
  randomIovas,
  unmapBlocks,
  unmapPages1G,
} from "./workloads.js";

const PAGES = PAGE_CALLS * PAGES_PER_CALL;
const LOOKUPS = 1_000_000;
const OPTIONS = { time: 1500, warmupTime: 300 } as const;

/** Phase timings in ns per unit, keyed by row label. */
const samples = new Map<string, number[]>();

function record(label: string, ms: number, units: number): void {
  let list = samples.get(label);
  if (list === undefined) {
    list = [];
    samples.set(label, list);
  }
  list.push((ms * 1e6) / units);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

let sink = 0;
const iovas = randomIovas(LOOKUPS);

for (const fmt of [IoPgtableFormat.ARM_64_LPAE_S1, IoPgtableFormat.ARM_MALI_LPAE]) {
  describe(`${fmt}: (1) 1 GiB as 512 × 512 × 4 KiB`, () => {
    const memory = new ArrayPageTableMemory();
    bench(
      "map + unmap (fresh table: 515 table allocations and the final free included)",
      () => {
        const ops = freshTable(fmt, memory);
        const t0 = performance.now();
        sink += mapPages1G(ops);
        const t1 = performance.now();
        sink += unmapPages1G(ops);
        const t2 = performance.now();
        ops.free();
        record(`${fmt} (1) map`, t1 - t0, PAGES);
        record(`${fmt} (1) unmap`, t2 - t1, PAGES);
      },
      OPTIONS,
    );
    const pages = baselinePages();
    bench(
      "baseline: store then clear 262,144 descriptors in preallocated pages",
      () => {
        const t0 = performance.now();
        sink += baselineStore(pages, PAGES_PER_CALL);
        const t1 = performance.now();
        sink += baselineClear(pages, PAGES_PER_CALL);
        const t2 = performance.now();
        record(`${fmt} (1) map baseline`, t1 - t0, PAGES);
        record(`${fmt} (1) unmap baseline`, t2 - t1, PAGES);
      },
      OPTIONS,
    );
  });

  describe(`${fmt}: (2) 512 × 2 MiB blocks in one call`, () => {
    const ops = freshTable(fmt);
    bench(
      "map + unmap",
      () => {
        const t0 = performance.now();
        sink += mapBlocks(ops);
        const t1 = performance.now();
        sink += unmapBlocks(ops);
        const t2 = performance.now();
        record(`${fmt} (2) map call`, t1 - t0, 1);
        record(`${fmt} (2) unmap call`, t2 - t1, 1);
      },
      OPTIONS,
    );
    const pages = baselinePages(1);
    bench(
      "baseline: store then clear 512 descriptors",
      () => {
        const t0 = performance.now();
        sink += baselineStore(pages, BLOCK_COUNT);
        const t1 = performance.now();
        sink += baselineClear(pages, BLOCK_COUNT);
        const t2 = performance.now();
        record(`${fmt} (2) map call baseline`, t1 - t0, 1);
        record(`${fmt} (2) unmap call baseline`, t2 - t1, 1);
      },
      OPTIONS,
    );
  });

  describe(`${fmt}: (3) 1,000,000 iovaToPhys at random mapped addresses`, () => {
    const ops = freshTable(fmt);
    mapPages1G(ops);
    bench(
      "iovaToPhys",
      () => {
        let acc = 0;
        const t0 = performance.now();
        for (let i = 0; i < LOOKUPS; i++) acc += ops.iovaToPhys(iovas[i]!);
        const t1 = performance.now();
        sink += acc;
        record(`${fmt} (3) lookup`, t1 - t0, LOOKUPS);
      },
      OPTIONS,
    );
    const pages = baselinePages();
    baselineStore(pages, PAGES_PER_CALL);
    bench(
      "baseline: one descriptor read per lookup",
      () => {
        const t0 = performance.now();
        sink += baselineLookups(pages, iovas);
        const t1 = performance.now();
        record(`${fmt} (3) lookup baseline`, t1 - t0, LOOKUPS);
      },
      OPTIONS,
    );
  });
}

afterAll(() => {
  const rows: string[] = [
    "| workload | io-pgtable (median) | baseline (median) | ratio |",
    "| --- | --- | --- | --- |",
  ];
  for (const [label, xs] of samples) {
    if (label.endsWith(" baseline")) continue;
    const base = samples.get(`${label} baseline`) ?? [];
    const unit = label.includes("call")
      ? "ns/call"
      : label.includes("lookup")
        ? "ns/lookup"
        : "ns/page";
    const m = median(xs);
    const b = median(base);
    rows.push(
      `| ${label} | ${m.toFixed(2)} ${unit} | ${b.toFixed(2)} ${unit} | ${(m / b).toFixed(2)}× |`,
    );
  }
  console.log(`\n${rows.join("\n")}\n(checksum ${sink > 0 ? "ok" : "?"})`);
});
