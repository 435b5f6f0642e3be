import { createRng } from "@panmmu/fixtures";
import { DrmMm, DrmMmNode } from "../src/mm/index.js";
const live = Number(process.argv[2]), mode = Number(process.argv[3]), iters = Number(process.argv[4]);
const rng = createRng(1);
const mm = new DrmMm(); mm.init(0, 2 ** 40);
const nodes: DrmMmNode[] = [];
for (let i = 0; i < live; i++) { const n = new DrmMmNode(0, 0); mm.insertNodeGeneric(n, rng.int(1, 512) * 4096, 0, 0, mode); nodes.push(n); }
const R = 1 << 16; const v = new Uint32Array(R); const s = new Float64Array(R);
for (let i = 0; i < R; i++) { v[i] = rng.int(0, live - 1); s[i] = rng.int(1, 512) * 4096; }
const t0 = performance.now();
for (let k = 0; k < iters; k++) { const i = k & (R - 1); const n = nodes[v[i]!]!; mm.removeNode(n); mm.insertNodeGeneric(n, s[i]!, 0, 0, mode); }
console.log(((performance.now() - t0) * 1000 / iters).toFixed(3), "us", mm.holeList().length, "holes");
