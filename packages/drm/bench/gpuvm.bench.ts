/**
 * drm_gpuvm split/merge cost on a VM holding N mappings (4 pages each, back to back, 16 GEM
 * objects), with every step applied the way panthor applies them (tree update plus vm_bo
 * link/unlink):
 *
 * - `smMap split`: a one-page map in the middle of a mapping of another object, i.e. one remap
 *   with prev + next and one map step;
 * - `smUnmap 1`: unmap exactly one mapping (one unmap step);
 * - `smUnmap 8`: unmap eight whole consecutive mappings (eight unmap steps).
 *
 * Each sample is one request on a mapping not touched before, so no restore work is timed:
 * the per-cycle `setup` hook builds a pool of VMs, and each VM serves at most enough requests
 * to change its mapping count by 25 %. The kernel's own drm_gpuvm.c, measured the same way
 * (gcc -O2, userspace) on these machines: split 0.50 / 0.66 / 1.5 us, unmap 1: 0.11 / 0.17 /
 * 0.63 us, unmap 8: 0.27 / 0.36 / 0.92 us at 1k / 10k / 100k mappings. Baseline in the same
 * run: a JS Map delete + set at the same population, so results also read as ratios.
 */
import { createRng } from "@panmmu/fixtures";
import { bench, describe } from "vitest";
import { GpuVm } from "../src/gpuvm/index.js";
import { applyingOps, type StepContext, stepContext, TestGem } from "../test/gpuvm/harness.js";

const P = 0x1000;
const PAGES = 4;
const OBJECTS = 16;
const SIZES = [1_000, 10_000, 100_000];

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

/**
 * A workload whose every `step()` acts on a fresh target: `targets` distinct target indices
 * per VM (a seeded shuffle of `0 .. slots-1`), VMs rebuilt by `prepare()`.
 */
class FreshTargets {
  private pool: Loaded[] = [];
  private order: Uint32Array;
  private k = 0;

  constructor(
    private readonly n: number,
    slots: number,
    private readonly perVm: number,
    private readonly samples: number,
    private readonly op: (l: Loaded, target: number) => number,
  ) {
    const rng = createRng(n ^ slots);
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
    const vms = Math.ceil(this.samples / this.perVm);
    this.pool = Array.from({ length: vms }, () => loadVm(this.n));
    this.k = 0;
  }

  step(): void {
    const k = this.k++;
    const l = this.pool[Math.floor(k / this.perVm)];
    if (l === undefined) throw new Error("workload exhausted: raise the pool size");
    if (this.op(l, this.order[k % this.perVm] as number) !== 0) throw new Error("request failed");
  }
}

function mapBaseline(n: number): () => void {
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) map.set(i, i * P);
  const rng = createRng(n);
  const victims = Uint32Array.from({ length: 1 << 16 }, () => rng.int(0, n - 1));
  let k = 0;
  return () => {
    const v = victims[k++ & 0xffff] as number;
    const x = map.get(v) as number;
    map.delete(v);
    map.set(v, x);
  };
}

const SAMPLES = 2_000;
const WARMUP = 200;

function freshBench(name: string, w: FreshTargets): void {
  bench(name, () => w.step(), {
    time: 0,
    iterations: SAMPLES,
    warmupTime: 0,
    warmupIterations: WARMUP,
    setup: () => w.prepare(),
  });
}

for (const n of SIZES) {
  describe(`gpuvm with ${n} mappings`, () => {
    freshBench(
      "smMap split (remap prev+next, map)",
      new FreshTargets(n, n, Math.floor(n / 8), SAMPLES + WARMUP, (l, i) =>
        l.vm.smMap(l.ctx, (i * PAGES + 1) * P, P, l.objs[(i + 1) % OBJECTS] as TestGem, 0),
      ),
    );
    freshBench(
      "smUnmap of 1 mapping",
      new FreshTargets(n, n, Math.floor(n / 4), SAMPLES + WARMUP, (l, i) =>
        l.vm.smUnmap(l.ctx, i * PAGES * P, PAGES * P),
      ),
    );
    freshBench(
      "smUnmap of 8 mappings",
      new FreshTargets(n, n / 8, Math.floor(n / 32), SAMPLES + WARMUP, (l, g) =>
        l.vm.smUnmap(l.ctx, g * 8 * PAGES * P, 8 * PAGES * P),
      ),
    );
    bench("baseline: Map delete + set", mapBaseline(n));
  });
}
