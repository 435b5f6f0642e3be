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
 * Mapping objects come from a free list (removed ones go back to it), as panthor's come from
 * preallocated kmem_cache objects, so the garbage collector does not get involved. They are
 * allocated up front and laid out in address order, like consecutive slab allocations, and
 * restores run last-in first-out, so each object returns to the mapping it held.
 *
 * A sample is a batch of `BATCH` such requests on distinct random targets. After the batch the
 * VM is put back as it was (re-mapping what the requests changed) on a paused clock, so every
 * sample sees the same N mappings and no restore work is timed. The clock is the host's
 * monotonic clock (`performance.now()`): run the benchmarks on an otherwise idle machine.
 * (Process CPU time would also count the garbage collector's helper threads working in
 * parallel on the other core, which do not delay the requests.)
 * Each benchmark builds its own VM, warms up on it for `WARMUP_SAMPLES` samples (caches, and
 * the tree's shape, which unmapping and re-mapping change from the sequentially built one,
 * settle), times `SAMPLES` samples and drops it, so one VM at a time is alive.
 * **Divide the reported times by the batch size** (the README table does).
 *
 * The kernel's own drm_gpuvm.c, measured the same way (gcc -O2, userspace) on these machines:
 * split 0.50 / 0.66 / 1.5 us, unmap 1: 0.11 / 0.17 / 0.63 us, unmap 8: 0.27 / 0.36 / 0.92 us
 * at 1k / 10k / 100k mappings. Baseline in the same run and on the same clock: batches of
 * `BASELINE_BATCH` JS Map get + delete + set at the same population, so results also read as
 * ratios.
 */
import { createRng } from "@panmmu/fixtures";
import { bench, describe } from "vitest";
import { GpuVa as GpuVaImport, GpuVm, type GpuVmOps } from "../src/gpuvm/index.js";
import { TestGem } from "../test/gpuvm/harness.js";

// Bound once, so that vitest's module runner does not look the class up on every step.
const GpuVa = GpuVaImport;
type GpuVa = GpuVaImport;

const P = 0x1000;
const PAGES = 4;
const OBJECTS = 16;
const SIZES = [1_000, 10_000, 100_000];
/** Requests per timed sample. */
const BATCH = 64;
/** Map operations per baseline sample. */
const BASELINE_BATCH = 1024;
/** Timed samples per benchmark, and untimed warm-up samples before them. */
const SAMPLES = 400;
const WARMUP_SAMPLES = 100;

/** Time spent on a paused clock (restoring the VM between samples), in ms. */
let pausedMs = 0;

/** The host's monotonic clock, in ms. */
function hostMs(): number {
  return performance.now();
}

/** The benchmarks' clock: host time minus the paused intervals, in ms. */
function benchNow(): number {
  return hostMs() - pausedMs;
}

/** Per-VM state of the step callbacks: the VM and the free list of mapping objects. */
interface StepContext {
  vm: GpuVm<StepContext>;
  spare: GpuVa[];
}

/** A mapping object from the free list, or a new one. */
function takeVa(ctx: StepContext): GpuVa {
  return ctx.spare.pop() ?? new GpuVa();
}

/** Gives a removed, unlinked mapping object back to the free list. */
function recycleVa(ctx: StepContext, va: GpuVa): void {
  va.flags = 0;
  ctx.spare.push(va);
}

/**
 * Step callbacks applying each step the way panthor does (gpuvm tree update, then vm_bo
 * link/unlink), without the recording and failure injection of the test harness.
 */
const panthorStyleOps: GpuVmOps<StepContext> = {
  vmFree: () => {},
  smStepMap(op, ctx) {
    const va = takeVa(ctx);
    ctx.vm.vaMap(va, op.map);
    const obj = op.map.obj;
    if (obj !== null) {
      const vmBo = ctx.vm.boObtain(obj);
      if (typeof vmBo === "number") return vmBo;
      vmBo.extobjAdd();
      va.link(vmBo);
      vmBo.put();
    }
    return 0;
  },
  smStepRemap(op, ctx) {
    const old = op.remap.unmap.va;
    const vmBo = old.vmBo;
    const prev = op.remap.prev !== null ? takeVa(ctx) : null;
    const next = op.remap.next !== null ? takeVa(ctx) : null;
    ctx.vm.vaRemap(prev, next, op.remap);
    if (vmBo !== null) {
      prev?.link(vmBo);
      next?.link(vmBo);
    }
    old.unlink();
    recycleVa(ctx, old);
    return 0;
  },
  smStepUnmap(op, ctx) {
    const va = op.unmap.va;
    ctx.vm.vaUnmap(op.unmap);
    va.unlink();
    recycleVa(ctx, va);
    return 0;
  },
};

interface Loaded {
  vm: GpuVm<StepContext>;
  ctx: StepContext;
  objs: TestGem[];
}

/** Maps mapping `i` of the initial layout (object `i % 16`, offset `(i >> 4) * 4 pages`). */
function mapInitial(l: Loaded, i: number): number {
  const obj = l.objs[i % OBJECTS] as TestGem;
  return l.vm.smMap(l.ctx, i * PAGES * P, PAGES * P, obj, (i >> 4) * PAGES * P);
}

/** Spare mapping objects beyond the N loaded ones (a batch of splits needs 2 more each). */
const SPARE_EXTRA = 2 * BATCH + 16;

/**
 * Builds a VM of `n` mappings. The mapping objects are allocated up front and settled into the
 * old generation while only an array holds them, so they sit in memory in address order, as
 * consecutive kmallocs from a slab would in the kernel's measurement.
 */
function loadVm(n: number): Loaded {
  const vm = GpuVm.init<StepContext>("bench", 0, 2 ** 40, 0, 0, panthorStyleOps);
  const objects = Array.from({ length: n + SPARE_EXTRA }, () => new GpuVa());
  settleHeap();
  // The free list pops from its end: mapping 0 takes objects[0], and so on.
  const spare = objects.reverse();
  const l = {
    vm,
    ctx: { vm, spare },
    objs: Array.from({ length: OBJECTS }, (_, i) => new TestGem(i + 1)),
  };
  for (let i = 0; i < n; i++) if (mapInitial(l, i) !== 0) throw new Error("fill");
  return l;
}

/** A request kind: the timed request on a target, and the untimed undo of it. */
interface Kind {
  /** Number of distinct targets in a VM of `n` mappings. */
  slots(n: number): number;
  /** The request; 0 on success. */
  request(l: Loaded, target: number): number;
  /** Puts the VM back as before the request; 0 on success. */
  restore(l: Loaded, target: number): number;
}

const SPLIT: Kind = {
  slots: (n) => n,
  request: (l, i) =>
    l.vm.smMap(l.ctx, (i * PAGES + 1) * P, P, l.objs[(i + 1) % OBJECTS] as TestGem, 0),
  restore: mapInitial,
};

const UNMAP_ONE: Kind = {
  slots: (n) => n,
  request: (l, i) => l.vm.smUnmap(l.ctx, i * PAGES * P, PAGES * P),
  restore: mapInitial,
};

const UNMAP_EIGHT: Kind = {
  slots: (n) => n / 8,
  request: (l, g) => l.vm.smUnmap(l.ctx, g * 8 * PAGES * P, 8 * PAGES * P),
  restore: (l, g) => {
    let rc = 0;
    for (let i = g * 8 + 7; i >= g * 8 && rc === 0; i--) rc = mapInitial(l, i);
    return rc;
  },
};

/** One VM of `n` mappings and a seeded stream of batches of distinct targets. */
class Workload {
  private loaded: Loaded | null = null;
  private readonly order: Uint32Array;
  private k = 0;

  constructor(
    private readonly n: number,
    private readonly kind: Kind,
  ) {
    const slots = kind.slots(n);
    const rng = createRng(n ^ (slots << 8));
    const perm = Uint32Array.from({ length: slots }, (_, i) => i);
    for (let i = slots - 1; i > 0; i--) {
      const j = rng.int(0, i);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    this.order = perm;
  }

  /**
   * Builds the VM and settles the heap before the warm-up samples; the timed samples then
   * continue on the same VM (every batch restores it), caches and tree as the warm-up left them.
   */
  prepare(mode: "warmup" | "run"): void {
    if (mode === "run" && this.loaded !== null) return;
    this.loaded ??= loadVm(this.n);
    settleHeap();
  }

  /** Drops the VM once its benchmark has run, so that one VM at a time is alive. */
  release(mode: "warmup" | "run"): void {
    if (mode === "run") this.loaded = null;
  }

  /** One sample: a batch of requests on distinct targets, then the restore on a paused clock. */
  runBatch(): void {
    const l = this.loaded as Loaded;
    const first = this.k;
    const len = this.order.length;
    for (let b = 0; b < BATCH; b++) {
      if (this.kind.request(l, this.order[(first + b) % len] as number) !== 0) {
        throw new Error("request failed");
      }
    }
    const t0 = hostMs();
    // Last in, first out, so that each mapping object from the free list goes back where it
    // was (as a slab allocator's free list would have it): the layout stays as loaded.
    for (let b = BATCH - 1; b >= 0; b--) {
      if (this.kind.restore(l, this.order[(first + b) % len] as number) !== 0) {
        throw new Error("restore failed");
      }
    }
    this.k = (first + BATCH) % len;
    pausedMs += hostMs() - t0;
  }
}

/**
 * Allocates short-lived garbage until the objects just built have left the young generation,
 * so that no scavenge has to copy a freshly built VM during the samples.
 */
function settleHeap(): void {
  const ring: { v: number }[] = new Array(4096);
  for (let i = 0; i < 3_000_000; i++) ring[i & 4095] = { v: i };
}

/** Runs every request kind many times first, so that all samples run optimized code. */
function warmUp(): void {
  for (const kind of [SPLIT, UNMAP_ONE, UNMAP_EIGHT]) {
    const w = new Workload(4_000, kind);
    w.prepare("warmup");
    for (let i = 0; i < 100; i++) w.runBatch();
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

function gpuvmBench(name: string, n: number, kind: Kind): void {
  const w = new Workload(n, kind);
  bench(`${name} (x${BATCH} per sample)`, () => w.runBatch(), {
    time: 0,
    iterations: SAMPLES,
    warmupTime: 0,
    warmupIterations: WARMUP_SAMPLES,
    setup: (_task, mode) => w.prepare(mode),
    teardown: (_task, mode) => w.release(mode),
    now: benchNow,
  });
}

warmUp();

for (const n of SIZES) {
  describe(`gpuvm with ${n} mappings`, () => {
    gpuvmBench("smMap split", n, SPLIT);
    gpuvmBench("smUnmap of 1 mapping", n, UNMAP_ONE);
    gpuvmBench("smUnmap of 8 mappings", n, UNMAP_EIGHT);
    bench(`baseline: Map get+delete+set (x${BASELINE_BATCH} per sample)`, mapBaseline(n), {
      time: 300,
      now: benchNow,
    });
  });
}
