/**
 * Heap growth of workload (1): maps 1 GiB of 4 KiB pages (512 calls × 512 pages) into a fresh
 * table and reports how much the JS heap grew beyond the page memory itself (the 515 table
 * pages live in ArrayBuffers, counted separately). Run with:
 *   node --expose-gc --import tsx bench/heap.ts
 */
import { ArrayPageTableMemory, IoPgtableFormat } from "../src/index.js";
import { freshTable, mapPages1G } from "./workloads.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc");

const keep: unknown[] = [];
for (const fmt of [IoPgtableFormat.ARM_64_LPAE_S1, IoPgtableFormat.ARM_MALI_LPAE]) {
  const memory = new ArrayPageTableMemory();
  keep.push(memory);
  gc();
  const before = process.memoryUsage();
  const ops = freshTable(fmt, memory);
  mapPages1G(ops);
  gc();
  const after = process.memoryUsage();
  const heap = after.heapUsed - before.heapUsed;
  const buffers = after.arrayBuffers - before.arrayBuffers;
  console.log(
    `${fmt}: ${memory.livePages} table pages; JS heap +${(heap / 1024).toFixed(1)} KiB; ` +
      `page memory (ArrayBuffers) +${(buffers / 1024).toFixed(0)} KiB`,
  );
  keep.push(ops);
}
console.log(`(${keep.length} objects kept alive during the measurements)`);
