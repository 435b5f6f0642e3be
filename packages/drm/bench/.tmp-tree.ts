import { GpuVa, IntervalTree } from "../src/gpuvm/index.js";
const n = 1000;
const tree = new IntervalTree<GpuVa>();
const nodes: GpuVa[] = [];
for (let i = 0; i < n; i++) { const v = new GpuVa(); v.init(i * 0x4000, 0x4000, null, 0); v.itLast = i * 0x4000 + 0x3fff; tree.insert(v); nodes.push(v); }
let tr = 0n, ti = 0n;
for (let r = 0; r < 3000; r++) {
  const base = (r * 37) % (n - 64);
  const t0 = process.hrtime.bigint();
  for (let b = 0; b < 64; b++) tree.remove(nodes[base + b]!);
  const t1 = process.hrtime.bigint();
  for (let b = 0; b < 64; b++) tree.insert(nodes[base + b]!);
  const t2 = process.hrtime.bigint();
  if (r > 500) { tr += t1 - t0; ti += t2 - t1; }
}
console.log("remove ns", Number(tr) / (2499 * 64), "insert ns", Number(ti) / (2499 * 64));
