import { GpuVm } from "../src/gpuvm/index.js";
import { applyingOps, type StepContext, stepContext, TestGem } from "../test/gpuvm/harness.js";
const P = 0x1000, PAGES = 4, OBJECTS = 16;
function loadVm(n: number) {
  const vm = GpuVm.init<StepContext>("bench", 0, 2 ** 40, 0, 0, applyingOps);
  const ctx = stepContext(vm, null);
  const objs = Array.from({ length: OBJECTS }, (_, i) => new TestGem(i + 1));
  for (let i = 0; i < n; i++) vm.smMap(ctx, i * PAGES * P, PAGES * P, objs[i % OBJECTS]!, (i >> 4) * PAGES * P);
  return { vm, ctx, objs };
}
const n = 100000;
let tot = 0, cnt = 0;
for (let v = 0; v < 12; v++) {
  const l = loadVm(n);
  const per8 = Math.floor(n / 32);
  const c0 = process.cpuUsage();
  for (let i = 0; i < per8; i++) { const g = (i * 7919) % (n / 8); l.vm.smUnmap(l.ctx, g * 8 * PAGES * P, 8 * PAGES * P); }
  const c = process.cpuUsage(c0); if (v > 3) { tot += c.user + c.system; cnt += per8; }
}
console.log("u8 us", (tot / cnt).toFixed(3));
