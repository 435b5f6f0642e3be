/**
 * drm_gpuvm split/merge cost on a VM holding N mappings (4 pages each, back to back, 16 GEM
 * objects), every step applied the way panthor applies them (tree update plus vm_bo
 * link/unlink):
 *
 * - `smMap split`: a one-page map in the middle of a mapping of another object, i.e. one remap
 *   with prev + next, then one map step;
 * - `smUnmap of 1 mapping`: unmap exactly one mapping (one unmap step);
 * - `smUnmap of 8 mappings`: unmap eight whole consecutive mappings (eight unmap steps).
 *
 * Each request targets a mapping no earlier request touched, so no restore work is timed: the
 * per-cycle `setup` hook builds a pool of VMs, each serving requests until its mapping count
 * has moved by 25 %. A sample is a batch of `BATCH` requests, timed in process CPU time
 * (`process.cpuUsage()`, microsecond resolution) so that a busy machine does not inflate it;
 * on an idle machine CPU and wall time agree. **Divide the reported times by the batch size**
 * (the README table does). The kernel's own drm_gpuvm.c, measured the same way (gcc -O2,
 * userspace) on these machines: split 0.50 / 0.66 / 1.5 us, unmap 1: 0.11 / 0.17 / 0.63 us,
 * unmap 8: 0.27 / 0.36 / 0.92 us at 1k / 10k / 100k mappings. Baseline in the same run and on
 * the same clock: batches of `BASELINE_BATCH` JS Map get + delete + set at the same
 * population, so results also read as ratios.
 */
import { createRng } from "@panmmu/fixtures";
import { bench, describe } from "vitest";
import { GpuVm } from "../src/gpuvm/index.js";
import { applyingOps, type StepContext, stepContext, TestGem } from "../test/gpuvm/harness.js";

const P = 0x1000;
const PAGES = 4;
const OBJECTS = 16;
const SIZES = [1_000, 10_000, 100_000];
/** Requests per timed sample (the CPU clock costs about 1 us to read). */
const BATCH = 64;
/** Map operations per baseline sample. */
const BASELINE_BATCH = 1024;
/** Timed samples per benchmark, and untimed warm-up samples before them. */
const SAMPLES = 100;
const WARMUP_SAMPLES = 10;

/** Process CPU time in milliseconds, the benchmarks' clock. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Loaded {
  vm: GpuVm<StepContext>;
  ctx: StepContext;
  objs: TestGem[];
}

function loadVm(n: number): Loaded {
  const vm = GpuVm.init<StepContext>("bench", 0, 2 ** 40, 0, 0, applyingOps);
  const ctx = stepContext(vm, null);
  const objs = Array.from({ length: OBJECTS }, (_, i) => new TestGem(i + 1));
  for (let i = 0; i < n; i++) {
    const obj = objs[i % OBJECTS] as TestGem;
    if (vm.smMap(ctx, i * PAGES * P, PAGES * P, obj, (i >> 4) * PAGES * P) !== 0) {
      throw new Error("fill");
    }
  }
  return { vm, ctx, objs };
}

type Request = (l: Loaded, target: number) => number;

const splitOp: Request = (l, i) =>
  l.vm.smMap(l.ctx, (i * PAGES + 1) * P, P, l.objs[(i + 1) % OBJECTS] as TestGem, 0);
const unmapOneOp: Request = (l, i) => l.vm.smUnmap(l.ctx, i * PAGES * P, PAGES * P);
const unmapEightOp: Request = (l, g) => l.vm.smUnmap(l.ctx, g * 8 * PAGES * P, 8 * PAGES * P);

/**
 * Requests on fresh targets: per VM, `perVm` distinct targets out of `slots` (a seeded
 * shuffle); `prepare()` builds enough VMs for `capacity` requests.
 */
class FreshTargets {
  private pool: Loaded[] = [];
  private readonly order: Uint32Array;
  private k = 0;

  constructor(
    private readonly n: number,
    slots: number,
    private readonly perVm: number,
    readonly capacity: number,
    private readonly request: Request,
  ) {
    const rng = createRng(n ^ (slots << 8));
    const perm = Array.from({ length: slots }, (_, i) => i);
    for (let i = slots - 1; i > 0; i--) {
      const j = rng.int(0, i);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    this.order = Uint32Array.from(perm.slice(0, perVm));
  }

  prepare(): void {
    this.pool = [];
    this.pool = Array.from({ length: Math.ceil(this.capacity / this.perVm) }, () => loadVm(this.n));
    this.k = 0;
    settleHeap();
  }

  run(count: number): void {
    for (let c = 0; c < count; c++) {
      const k = this.k++;
      const l = this.pool[Math.floor(k / this.perVm)];
      if (l === undefined) throw new Error("workload exhausted: raise the pool size");
      if (this.request(l, this.order[k % this.perVm] as number) !== 0) {
        throw new Error("request failed");
      }
    }
  }
}

/**
 * Allocates short-lived garbage until the objects just built have left the young generation,
 * so that no scavenge has to copy a freshly built pool during the samples.
 */
function settleHeap(): void {
  const ring: { v: number }[] = new Array(4096);
  for (let i = 0; i < 3_000_000; i++) ring[i & 4095] = { v: i };
}

/** Runs every request kind many times first, so that all samples run optimized code. */
function warmUp(): void {
  for (const [slots, perVm, request] of [
    [8_000, 1_000, splitOp],
    [8_000, 2_000, unmapOneOp],
    [1_000, 250, unmapEightOp],
  ] as const) {
    const w = new FreshTargets(8_000, slots, perVm, 6 * perVm, request);
    w.prepare();
    w.run(w.capacity);
  }
}

function mapBaseline(n: number): () => void {
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) map.set(i, i * P);
  const rng = createRng(n);
  const victims = Uint32Array.from({ length: 1 << 16 }, () => rng.int(0, n - 1));
  let k = 0;
  return () => {
    for (let b = 0; b < BASELINE_BATCH; b++) {
      const v = victims[k++ & 0xffff] as number;
      const x = map.get(v) as number;
      map.delete(v);
      map.set(v, x);
    }
  };
}

function freshBench(name: string, n: number, slots: number, perVm: number, request: Request) {
  const w = new FreshTargets(n, slots, perVm, (SAMPLES + WARMUP_SAMPLES) * BATCH, request);
  bench(`${name} (x${BATCH} per sample)`, () => w.run(BATCH), {
    time: 0,
    iterations: SAMPLES,
    warmupTime: 0,
    warmupIterations: WARMUP_SAMPLES,
    setup: () => w.prepare(),
    now: cpuNow,
  });
}

warmUp();

for (const n of SIZES) {
  describe(`gpuvm with ${n} mappings`, () => {
    freshBench("smMap split", n, n, Math.floor(n / 8), splitOp);
    freshBench("smUnmap of 1 mapping", n, n, Math.floor(n / 4), unmapOneOp);
    freshBench("smUnmap of 8 mappings", n, n / 8, Math.floor(n / 32), unmapEightOp);
    bench(`baseline: Map get+delete+set (x${BASELINE_BATCH} per sample)`, mapBaseline(n), {
      now: cpuNow,
      time: 300,
    });
  });
}
