import { GpuVa, GpuVm } from "../src/gpuvm/index.js";
import { applyingOps, type StepContext, stepContext, TestGem } from "../test/gpuvm/harness.js";
const P = 0x1000, PAGES = 4, OBJECTS = 16, n = Number(process.env.N ?? 1000);
const vm = GpuVm.init<StepContext>("bench", 0, 2 ** 40, 0, 0, applyingOps);
const spare: GpuVa[] = [];
const ctx = stepContext(vm, null, spare);
const objs = Array.from({ length: OBJECTS }, (_, i) => new TestGem(i + 1));
const mapInitial = (i: number) => vm.smMap(ctx, i * PAGES * P, PAGES * P, objs[i % OBJECTS]!, (i >> 4) * PAGES * P);
for (let i = 0; i < n; i++) mapInitial(i);
const vas: GpuVa[] = [...vm.vas()];
function timeIt(name: string, iters: number, body: (i: number) => bigint) {
  let best = 1e12;
  for (let r = 0; r < 8; r++) {
    let measured = 0n;
    for (let i = 0; i < iters; i++) measured += body(i);
    const per = Number(measured) / iters;
    if (r >= 2) best = Math.min(best, per);
  }
  console.log(name.padEnd(30), best.toFixed(1), "ns");
}
const now = process.hrtime.bigint;
// batch of 64 measured, restore excluded
const B = 64;
timeIt("u8 (per request)", 300, (it) => {
  const base = (it * 37) % (n / 8 - B);
  const t0 = now();
  for (let b = 0; b < B; b++) { const g = base + b; vm.smUnmap(ctx, g * 8 * PAGES * P, 8 * PAGES * P); }
  const dt = now() - t0;
  for (let b = 0; b < B; b++) { const g = base + b; for (let j = g * 8; j < g * 8 + 8; j++) mapInitial(j); }
  return dt / BigInt(B);
});
timeIt("u8 opsCreate (per request)", 300, (it) => {
  const base = (it * 37) % (n / 8 - B);
  const t0 = now();
  for (let b = 0; b < B; b++) { const g = base + b; vm.smUnmapOpsCreate(g * 8 * PAGES * P, 8 * PAGES * P); }
  return (now() - t0) / BigInt(B);
});
timeIt("tree remove+insert raw (per node)", 300, (it) => {
  const base = (it * 37) % (n - B);
  const t0 = now();
  for (let b = 0; b < B; b++) vm.tree.remove(vas[base + b]!);
  const t1 = now();
  for (let b = 0; b < B; b++) vm.tree.insert(vas[base + b]!);
  return (t1 - t0) / BigInt(B);
});
timeIt("tree insert raw (per node)", 300, (it) => {
  const base = (it * 37) % (n - B);
  for (let b = 0; b < B; b++) vm.tree.remove(vas[base + b]!);
  const t1 = now();
  for (let b = 0; b < B; b++) vm.tree.insert(vas[base + b]!);
  return (now() - t1) / BigInt(B);
});
timeIt("findFirst", 300, (it) => {
  const base = (it * 37) % (n - B);
  const t0 = now();
  for (let b = 0; b < B; b++) vm.findFirst((base + b) * PAGES * P, P);
  return (now() - t0) / BigInt(B);
});
