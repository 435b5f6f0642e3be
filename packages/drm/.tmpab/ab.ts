import { createRng } from "@panmmu/fixtures";
import * as NEW from "../src/mm/index.js";
import * as OLD from "./old/index.js";
function run(lib: any, name: string, live: number, mode: number, iters: number) {
  const rng = createRng(1);
  const mm = new lib.DrmMm(); mm.init(0, 2 ** 40);
  const nodes: any[] = [];
  for (let i = 0; i < live; i++) { const n = new lib.DrmMmNode(0, 0); mm.insertNodeGeneric(n, rng.int(1, 512) * 4096, 0, 0, mode); nodes.push(n); }
  const R = 1 << 16; const v = new Uint32Array(R); const s = new Float64Array(R);
  for (let i = 0; i < R; i++) { v[i] = rng.int(0, live - 1); s[i] = rng.int(1, 512) * 4096; }
  let best = 1e9;
  for (let rep = 0; rep < 5; rep++) {
    const c0 = process.cpuUsage();
    for (let k = 0; k < iters; k++) { const i = k & (R - 1); const n = nodes[v[i]!]!; mm.removeNode(n); mm.insertNodeGeneric(n, s[i]!, 0, 0, mode); }
    const c = process.cpuUsage(c0); best = Math.min(best, (c.user + c.system) / iters);
  }
  console.log(name, live, mode, best.toFixed(3), "us (best of 5)");
}
const which = process.argv[2];
const lib = which === "old" ? OLD : NEW;
run(lib, which!, 1000, 0, 200000);
run(lib, which!, 10000, 0, 200000);
run(lib, which!, 100000, 0, 100000);
run(lib, which!, 100000, 1, 50000);
run(lib, which!, 100000, 2, 50000);
