/**
 * drm_mm churn: one remove + one insert per iteration on a manager of [0, 2^40) bytes holding
 * N live nodes of random page-aligned sizes (4 KiB - 2 MiB). The kernel's own drm_mm.c,
 * measured the same way (gcc -O2, userspace) on these machines: BEST 0.41 / 0.59 / 1.1 us at
 * 1k / 10k / 100k nodes, LOW and HIGH 1.6 us at 100k. Baseline in the same run: a JS Map
 * delete + set at the same population, so results also read as ratios.
 *
 * Each sample runs {@link BATCH} steps so that the timer's own cost stays out of the figure:
 * divide the reported mean by {@link BATCH} for the cost of one remove + insert.
 *
 * Each benchmark builds its manager when its warm-up starts and drops it after its timed run,
 * so one large manager at a time is alive and the garbage collector's work stays that of the
 * benchmark itself. Run on an otherwise idle machine (the clock is the host's).
 */
import { createRng } from "@panmmu/fixtures";
import { bench, describe } from "vitest";
import {
  DRM_MM_INSERT_BEST,
  DRM_MM_INSERT_HIGH,
  DRM_MM_INSERT_LOW,
  DrmMm,
  DrmMmNode,
} from "../src/mm/index.js";

const SPACE = 2 ** 40;
const PAGE = 4096;
const RING = 1 << 16;
/** Steps per benchmark sample. */
const BATCH = 32;

interface Churn {
  /** Runs {@link BATCH} remove + insert steps. */
  step(): void;
}

function makeChurn(live: number, mode: number, seed: number): Churn {
  const rng = createRng(seed);
  const mm = new DrmMm();
  mm.init(0, SPACE);
  const nodes: DrmMmNode[] = [];
  for (let i = 0; i < live; i++) {
    const n = new DrmMmNode(0, 0);
    if (mm.insertNodeGeneric(n, rng.int(1, 512) * PAGE, 0, 0, mode) !== 0) throw new Error("fill");
    nodes.push(n);
  }
  const victims = new Uint32Array(RING);
  const sizes = new Float64Array(RING);
  for (let i = 0; i < RING; i++) {
    victims[i] = rng.int(0, live - 1);
    sizes[i] = rng.int(1, 512) * PAGE;
  }
  let k = 0;
  return {
    step(): void {
      for (let b = 0; b < BATCH; b++) {
        const i = k & (RING - 1);
        k++;
        const n = nodes[victims[i] as number] as DrmMmNode;
        mm.removeNode(n);
        if (mm.insertNodeGeneric(n, sizes[i] as number, 0, 0, mode) !== 0) {
          throw new Error("insert");
        }
      }
    },
  };
}

function makeMapBaseline(live: number, seed: number): Churn {
  const rng = createRng(seed);
  const map = new Map<number, number>();
  for (let i = 0; i < live; i++) map.set(i, rng.int(1, 512) * PAGE);
  const victims = new Uint32Array(RING);
  for (let i = 0; i < RING; i++) victims[i] = rng.int(0, live - 1);
  let k = 0;
  return {
    step(): void {
      for (let b = 0; b < BATCH; b++) {
        const v = victims[k & (RING - 1)] as number;
        k++;
        const s = map.get(v) as number;
        map.delete(v);
        map.set(v, s);
      }
    },
  };
}

/**
 * Registers a benchmark whose workload is built when its warm-up starts and dropped after its
 * timed run.
 */
function lazyBench(name: string, build: () => Churn): void {
  let churn: Churn | null = null;
  bench(name, () => (churn as Churn).step(), {
    time: 1000,
    warmupTime: 200,
    setup: () => {
      churn ??= build();
    },
    teardown: (_task, mode) => {
      if (mode === "run") churn = null;
    },
  });
}

for (const live of [1_000, 10_000, 100_000]) {
  describe(`drm_mm remove+insert, ${live} live nodes`, () => {
    const kernel = live === 1_000 ? 0.41 : live === 10_000 ? 0.59 : 1.1;
    lazyBench(`BEST ${live} (x${BATCH} per sample; kernel ${kernel} us/op)`, () =>
      makeChurn(live, DRM_MM_INSERT_BEST, 1),
    );
    if (live === 100_000) {
      lazyBench(`LOW ${live} (x${BATCH} per sample; kernel 1.6 us/op)`, () =>
        makeChurn(live, DRM_MM_INSERT_LOW, 2),
      );
      lazyBench(`HIGH ${live} (x${BATCH} per sample; kernel 1.6 us/op)`, () =>
        makeChurn(live, DRM_MM_INSERT_HIGH, 3),
      );
    }
    lazyBench(`baseline Map delete+set ${live} (x${BATCH} per sample)`, () =>
      makeMapBaseline(live, 4),
    );
  });
}
