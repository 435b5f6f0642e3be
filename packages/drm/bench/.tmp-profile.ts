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
for (const n of (process.env.SIZES ?? "1000,10000,100000").split(",").map(Number)) {
  const best = [1e9, 1e9, 1e9];
  for (let rep = 0; rep < 4; rep++) {
    // split: fresh targets, n/8 per VM
    const per = Math.floor(n / 8);
    let total = 0, count = 0;
    for (let v = 0; v < Math.max(1, Math.ceil(20000 / per)); v++) {
      const l = loadVm(n);
      const c0 = process.cpuUsage();
      for (let i = 0; i < per; i++) {
        const t = (i * 7919) % n;
        l.vm.smMap(l.ctx, (t * PAGES + 1) * P, P, l.objs[(t + 1) % OBJECTS]!, 0);
      }
      { const c = process.cpuUsage(c0); total += (c.user + c.system) * 1000; } count += per;
    }
    const split = total / count;
    total = 0; count = 0;
    const per1 = Math.floor(n / 4);
    for (let v = 0; v < Math.max(1, Math.ceil(20000 / per1)); v++) {
      const l = loadVm(n);
      const c0 = process.cpuUsage();
      for (let i = 0; i < per1; i++) { const t = (i * 7919) % n; l.vm.smUnmap(l.ctx, t * PAGES * P, PAGES * P); }
      { const c = process.cpuUsage(c0); total += (c.user + c.system) * 1000; } count += per1;
    }
    const u1 = total / count;
    total = 0; count = 0;
    const per8 = Math.floor(n / 32);
    for (let v = 0; v < Math.max(1, Math.ceil(5000 / per8)); v++) {
      const l = loadVm(n);
      const c0 = process.cpuUsage();
      for (let i = 0; i < per8; i++) { const g = (i * 7919) % (n / 8); l.vm.smUnmap(l.ctx, g * 8 * PAGES * P, 8 * PAGES * P); }
      { const c = process.cpuUsage(c0); total += (c.user + c.system) * 1000; } count += per8;
    }
    const u8 = total / count;
    best[0] = Math.min(best[0]!, split); best[1] = Math.min(best[1]!, u1); best[2] = Math.min(best[2]!, u8);
  }
  console.log(n, "split", (best[0]! / 1000).toFixed(3), "u1", (best[1]! / 1000).toFixed(3), "u8", (best[2]! / 1000).toFixed(3));
}
