/**
 * Port of the kernel's drm_mm KUnit suite (drivers/gpu/drm/tests/drm_mm_test.c): the same
 * scenarios and checks, written anew, with the suite's `max_iterations` / `max_prime` knobs
 * scaled down (COUNT, MAX_PRIME) so the whole file runs in a few seconds.
 */
import { describe, expect, it } from "vitest";
import {
  DRM_MM_INSERT_BEST,
  DRM_MM_INSERT_EVICT,
  DRM_MM_INSERT_HIGH,
  DRM_MM_INSERT_LOW,
  DrmMm64,
  DrmMmNode,
  DrmMmScan,
} from "../../src/mm/index.js";
import {
  colorsAbut,
  expectContinuous,
  expectNode,
  expectNoHoles,
  expectOneHole,
  nextPrime,
  primesUpTo,
  randomOrder,
  separateAdjacentColors,
  U64_MAX,
} from "./helpers.js";

const ENOSPC = -28;
/** Nodes per reserve/insert pass (the kernel uses max_iterations = 8192). */
const COUNT = 32;
/** Largest prime exponent for the 2^p sizes (the kernel goes to 53). */
const SIZE_PRIMES = [2, 13, 31, 53];

const INSERT_MODES = [
  { name: "best", mode: DRM_MM_INSERT_BEST },
  { name: "bottom-up", mode: DRM_MM_INSERT_LOW },
  { name: "top-down", mode: DRM_MM_INSERT_HIGH },
  { name: "evict", mode: DRM_MM_INSERT_EVICT },
] as const;
const EVICT_MODES = INSERT_MODES.slice(1, 3);

function sizesFor(p: number): bigint[] {
  const b = 1n << BigInt(p);
  return [b - 1n, b, b + 1n];
}

function node64(start = 0n, size = 0n, color = 0): DrmMmNode<bigint> {
  return new DrmMmNode<bigint>(start, size, color);
}

function reserve(mm: DrmMm64, start: bigint, size: bigint, color = 0): number {
  return mm.reserveNode(node64(start, size, color));
}

describe("drm_mm KUnit port", () => {
  it("init: a fresh manager has one hole; reserving all of it leaves none", () => {
    const mm = new DrmMm64();
    expect(mm.initialized).toBe(false);
    mm.init(0n, 4096n);
    expect(mm.initialized).toBe(true);
    expect(mm.clean).toBe(true);
    expectOneHole(mm, 0n, 4096n);

    const whole = node64(0n, 4096n);
    expect(mm.reserveNode(whole)).toBe(0);
    expectNoHoles(mm);
    expect(mm.clean).toBe(false);
    mm.removeNode(whole);
    expectOneHole(mm, 0n, 4096n);
    expect(mm.takedown()).toEqual([]);
  });

  it("debug: two reservations leave holes and nodes for the dump", () => {
    const mm = new DrmMm64();
    mm.init(0n, 4096n);
    expect(reserve(mm, 512n, 1024n)).toBe(0);
    expect(reserve(mm, 2560n, 1024n)).toBe(0);
    const dump = mm.print().split("\n");
    expect(dump).toEqual([
      "0x0000000000000000-0x0000000000000200: 512: free",
      "0x0000000000000200-0x0000000000000600: 1024: used",
      "0x0000000000000600-0x0000000000000a00: 1024: free",
      "0x0000000000000a00-0x0000000000000e00: 1024: used",
      "0x0000000000000e00-0x0000000000001000: 512: free",
      "total: 4096, used 2048 free 2048",
    ]);
  });

  describe("reserve", () => {
    for (const p of SIZE_PRIMES) {
      for (const size of sizesFor(p)) {
        it(`size ${size}`, () => {
          const total = BigInt(COUNT) * size;
          const mm = new DrmMm64();
          mm.init(0n, total);
          // Boundary reservations that must fail.
          for (const [start, sz] of [
            [0n, 0n],
            [size, 0n],
            [total, 0n],
            [(0n - size) & U64_MAX, size],
            [(0n - size) & U64_MAX, (0n - size) & U64_MAX],
            [(0n - size) & U64_MAX, 2n * size],
            [0n, (0n - size) & U64_MAX],
            [size, (0n - size) & U64_MAX],
            [total, size],
            [total - size + 1n, size],
            [0n, total + 1n],
            [U64_MAX, 1n],
          ] as const) {
            expect(reserve(mm, start, sz), `reserve(${start}, ${sz})`).toBe(ENOSPC);
          }

          const nodes = Array.from({ length: COUNT }, () => node64());
          for (const i of randomOrder(COUNT, p)) {
            const n = nodes[i] as DrmMmNode<bigint>;
            n.start = BigInt(i) * size;
            n.size = size;
            expect(mm.reserveNode(n)).toBe(0);
            // The same slot cannot be reserved twice.
            expect(reserve(mm, BigInt(i) * size, size)).toBe(ENOSPC);
          }
          expectContinuous(mm, size);

          // Remove and re-reserve every slot in a new order.
          for (const i of randomOrder(COUNT, p + 1)) {
            const n = nodes[i] as DrmMmNode<bigint>;
            mm.removeNode(n);
            expect(mm.reserveNode(n)).toBe(0);
          }
          expectContinuous(mm, size);

          // Whole-range and suffix overlaps.
          expect(reserve(mm, 0n, total)).toBe(ENOSPC);
          for (let k = 1n; k < BigInt(COUNT); k *= 3n) {
            expect(reserve(mm, k * size, total - k * size)).toBe(ENOSPC);
          }

          // Remove groups of prime sizes and put them back.
          for (const group of primesUpTo(COUNT / 2)) {
            const order = randomOrder(COUNT, group);
            const picked = order.slice(0, group);
            for (const i of picked) mm.removeNode(nodes[i] as DrmMmNode<bigint>);
            for (const i of picked) expect(mm.reserveNode(nodes[i] as DrmMmNode<bigint>)).toBe(0);
            expectContinuous(mm, size);
          }
        });
      }
    }
  });

  describe("insert and replace", () => {
    for (const replace of [false, true]) {
      for (const p of SIZE_PRIMES) {
        for (const size of sizesFor(p)) {
          it(`${replace ? "replace" : "insert"} size ${size}`, () => {
            const total = BigInt(COUNT) * size;
            for (const { mode } of INSERT_MODES) {
              const mm = new DrmMm64();
              mm.init(0n, total);
              const nodes = Array.from({ length: COUNT }, () => node64());
              const put = (n: DrmMmNode<bigint>, color: number): void => {
                if (!replace) {
                  expect(mm.insertNodeGeneric(n, size, 0n, color, mode)).toBe(0);
                } else {
                  const tmp = node64();
                  expect(mm.insertNodeGeneric(tmp, size, 0n, color, mode)).toBe(0);
                  mm.replaceNode(tmp, n);
                  expect(tmp.allocated).toBe(false);
                  expect(n.start).toBe(tmp.start);
                }
                expectNode(n, size, 0n, color);
              };
              nodes.forEach((n, i) => {
                put(n, i);
              });
              expectContinuous(mm, size);
              expect(mm.insertNodeGeneric(node64(), size, 0n, 0, mode)).toBe(ENOSPC);

              // A single freed slot is refilled at the same address.
              for (const n of nodes) {
                const at = n.start;
                mm.removeNode(n);
                put(n, n.color);
                expect(n.start).toBe(at);
              }
              // Groups of prime size are refilled completely.
              for (const group of primesUpTo(COUNT / 2)) {
                const picked = randomOrder(COUNT, group).slice(0, group);
                for (const i of picked) mm.removeNode(nodes[i] as DrmMmNode<bigint>);
                for (const i of picked) put(nodes[i] as DrmMmNode<bigint>, i);
                expectContinuous(mm, size);
                expect(mm.insertNodeGeneric(node64(), size, 0n, 0, mode)).toBe(ENOSPC);
              }
              expect(mm.takedown()).toHaveLength(COUNT);
            }
          });
        }
      }
    }
  });

  describe("insert_range", () => {
    it("rejects ranges outside the manager", () => {
      const mm = new DrmMm64();
      mm.init(4096n, 4096n);
      for (const [s, e] of [
        [0n, 4096n],
        [0n, 4097n],
        [8191n, 8300n],
        [8192n, 16384n],
      ] as const) {
        for (const { mode } of INSERT_MODES) {
          expect(mm.insertNodeInRange(node64(), 2n, 0n, 0, s, e, mode)).toBe(ENOSPC);
        }
      }
    });

    for (const p of [3, 17, 47]) {
      for (const size of sizesFor(p)) {
        it(`size ${size}`, () => {
          const total = BigInt(COUNT) * size;
          const ranges: [bigint, bigint][] = [
            [0n, total],
            [1n, total],
            [0n, total - 1n],
            [0n, total / 2n],
            [total / 2n, total],
            [total / 4n + 1n, (3n * total) / 4n],
          ];
          for (const [rs, re] of ranges) {
            for (const { mode } of INSERT_MODES) {
              const mm = new DrmMm64();
              mm.init(0n, total);
              // Slots are size-aligned; the ones fully inside [rs, re).
              const first = (rs + size - 1n) / size;
              const last = re / size; // exclusive
              const nodes: DrmMmNode<bigint>[] = [];
              for (let i = first; i < last; i++) {
                const n = node64();
                expect(mm.insertNodeInRange(n, size, size, Number(i), rs, re, mode)).toBe(0);
                expectNode(n, size, size, Number(i));
                expect(n.start >= rs && n.start + size <= re).toBe(true);
                nodes.push(n);
              }
              expect(mm.insertNodeInRange(node64(), size, size, 0, rs, re, mode)).toBe(ENOSPC);
              const starts = nodes.map((n) => n.start).sort((a, b) => (a < b ? -1 : 1));
              expect(starts).toEqual(starts.map((_, k) => (first + BigInt(k)) * size));
              for (const n of nodes) {
                const at = n.start;
                mm.removeNode(n);
                expect(mm.insertNodeInRange(n, size, size, n.color, rs, re, mode)).toBe(0);
                expect(n.start).toBe(at);
              }
            }
          }
        });
      }
    }
  });

  it("frag: LOW/HIGH searches in a fragmented space skip subtrees that cannot fit", () => {
    for (const mode of [DRM_MM_INSERT_LOW, DRM_MM_INSERT_HIGH]) {
      const mm = new DrmMm64();
      mm.init(1n, U64_MAX - 2n);
      let examined = 0;
      mm.colorAdjust = () => {
        examined++;
      };
      const nodes = Array.from({ length: 2000 }, () => node64());
      for (const n of nodes) expect(mm.insertNodeGeneric(n, 4096n, 0n, 0, mode)).toBe(0);
      nodes.forEach((n, i) => {
        if (i % 2 === 0) mm.removeNode(n);
      });
      // 1000 holes of 4096 now lie next to the big remaining space; an 8192 block never fits
      // them, and the subtree maxima must keep the search from visiting them one by one.
      for (let k = 0; k < 200; k++) {
        examined = 0;
        const n = node64();
        expect(mm.insertNodeGeneric(n, 8192n, 0n, 0, mode)).toBe(0);
        // A descent plus a few parent steps: logarithmic, not the 1000 holes below.
        expect(examined).toBeLessThanOrEqual(40);
        const overlaps = nodes.some(
          (old) => old.allocated && n.start + 8192n > old.start && n.start < old.start + 4096n,
        );
        expect(overlaps).toBe(false);
      }
    }
  });

  it("align: non-power-of-two alignments in every mode", () => {
    for (const { mode } of INSERT_MODES) {
      const mm = new DrmMm64();
      mm.init(1n, U64_MAX - 2n);
      for (const p of primesUpTo(128)) {
        const n = node64();
        const size = BigInt(nextPrime(p));
        expect(mm.insertNodeGeneric(n, size, BigInt(p), 0, mode)).toBe(0);
        expectNode(n, size, BigInt(p), 0);
      }
    }
  });

  for (const max of [32, 64]) {
    it(`align${max}: power-of-two alignments up to 2^${max - 1}`, () => {
      const mm = new DrmMm64();
      mm.init(1n, U64_MAX - 2n);
      for (let bit = max - 1; bit >= 1; bit--) {
        const align = 1n << BigInt(bit);
        const size = (1n << BigInt(bit - 1)) + 1n;
        const n = node64();
        expect(mm.insertNodeGeneric(n, size, align, 0, DRM_MM_INSERT_BEST)).toBe(0);
        expectNode(n, size, align, 0);
      }
    });
  }

  describe("evict", () => {
    const TOTAL = 256;
    function filled(): { mm: DrmMm64; nodes: DrmMmNode<bigint>[] } {
      const mm = new DrmMm64();
      mm.init(0n, BigInt(TOTAL));
      const nodes = Array.from({ length: TOTAL }, () => node64());
      for (const n of nodes) expect(mm.insertNodeGeneric(n, 1n, 0n, 0, DRM_MM_INSERT_BEST)).toBe(0);
      return { mm, nodes };
    }

    it("evict nothing: scanning and unscanning leaves the manager intact", () => {
      const { mm, nodes } = filled();
      const scan = DrmMmScan.whole(mm, 1n, 0n, 0, DRM_MM_INSERT_BEST);
      for (const n of nodes) scan.addBlock(n);
      for (const n of [...nodes].reverse()) scan.removeBlock(n);
      expect(mm.scanActive).toBe(0);
      expectContinuous(mm, 1n);
    });

    it("evict everything: a scan for the whole space marks every node", () => {
      const { mm, nodes } = filled();
      const scan = DrmMmScan.whole(mm, BigInt(TOTAL), 0n, 0, DRM_MM_INSERT_BEST);
      let found = false;
      nodes.forEach((n, i) => {
        const hit = scan.addBlock(n);
        expect(hit).toBe(i === TOTAL - 1);
        found ||= hit;
      });
      expect(found).toBe(true);
      const marked = [...nodes].reverse().filter((n) => scan.removeBlock(n));
      expect(marked).toHaveLength(TOTAL);
      for (const n of marked) mm.removeNode(n);
      expectOneHole(mm, 0n, BigInt(TOTAL));
      expect(scan.colorEvict()).toBeNull();
      for (const n of marked) expect(mm.reserveNode(n)).toBe(0);
      expectContinuous(mm, 1n);
    });

    for (const ranged of [false, true]) {
      for (const { name, mode } of EVICT_MODES) {
        it(`${ranged ? "evict_range" : "evict"} ${name}`, () => {
          const { mm, nodes } = filled();
          const [rs, re] = ranged ? [64n, 192n] : [0n, BigInt(TOTAL)];
          const cases: [bigint, bigint][] = [];
          for (let s = 1n; s <= re - rs; s *= 2n) cases.push([s, 0n]);
          for (let s = 1n; s <= (re - rs) / 2n; s *= 2n) cases.push([s, s * 2n]);
          for (const p of primesUpTo(31))
            cases.push([BigInt(p) - 1n > 0n ? BigInt(p) - 1n : 1n, BigInt(p)]);
          let seed = 1;
          for (const [size, align] of cases) {
            const scan = new DrmMmScan(mm, size, align, 0, rs, re, mode);
            const added: DrmMmNode<bigint>[] = [];
            for (const i of randomOrder(TOTAL, seed++)) {
              const n = nodes[i] as DrmMmNode<bigint>;
              added.push(n);
              if (scan.addBlock(n)) break;
            }
            const evicted = added.reverse().filter((n) => scan.removeBlock(n));
            expect(mm.scanActive).toBe(0);
            for (const n of evicted) mm.removeNode(n);
            const tmp = node64();
            expect(mm.insertNodeInRange(tmp, size, align, 0, rs, re, DRM_MM_INSERT_EVICT)).toBe(0);
            expectNode(tmp, size, align, 0);
            expect(tmp.start >= rs && tmp.start + size <= re).toBe(true);
            expect(tmp.start).toBe(scan.hitStart);
            mm.removeNode(tmp);
            for (const n of evicted) expect(mm.reserveNode(n)).toBe(0);
            expectContinuous(mm, 1n);
          }
        });
      }
    }
  });

  for (const { name, mode, top } of [
    { name: "topdown", mode: DRM_MM_INSERT_HIGH, top: true },
    { name: "bottomup", mode: DRM_MM_INSERT_LOW, top: false },
  ]) {
    it(`${name}: fills from the ${top ? "top" : "bottom"} and refills the ${top ? "highest" : "lowest"} free slot`, () => {
      for (let size = 1n; size <= 64n; size *= 2n) {
        const count = 96;
        const total = BigInt(count) * size;
        const mm = new DrmMm64();
        mm.init(0n, total);
        const nodes = Array.from({ length: count }, () => node64());
        nodes.forEach((n, i) => {
          expect(mm.insertNodeGeneric(n, size, 0n, 0, mode)).toBe(0);
          // Top-down leaves no hole above the node, bottom-up none below it.
          expect(mm.holeFollows(top ? n : (n.prev as DrmMmNode<bigint>))).toBe(false);
          const used = BigInt(i + 1) * size;
          if (i + 1 < count) {
            if (top) expectOneHole(mm, 0n, total - used);
            else expectOneHole(mm, used, total);
          }
        });
        expectNoHoles(mm);

        const slotOf = (n: DrmMmNode<bigint>): number => Number(n.start / size);
        for (const group of primesUpTo(31)) {
          const picked = randomOrder(count, group * 7).slice(0, group);
          const free = new Set<number>();
          for (const i of picked) {
            const n = nodes[i] as DrmMmNode<bigint>;
            free.add(slotOf(n));
            mm.removeNode(n);
          }
          for (const i of picked) {
            const n = nodes[i] as DrmMmNode<bigint>;
            expect(mm.insertNodeGeneric(n, size, 0n, 0, mode)).toBe(0);
            const want = top ? Math.max(...free) : Math.min(...free);
            expect(slotOf(n)).toBe(want);
            free.delete(want);
          }
          expectNoHoles(mm);
        }
      }
    });
  }

  for (const { name, mode, at } of [
    { name: "lowest", mode: DRM_MM_INSERT_LOW, at: 2n },
    { name: "highest", mode: DRM_MM_INSERT_HIGH, at: 3n },
  ]) {
    it(`${name}: picks the only hole that fits among three`, () => {
      const mm = new DrmMm64();
      mm.init(0n, 7n);
      expect(reserve(mm, 1n, 1n)).toBe(0);
      expect(reserve(mm, 5n, 1n)).toBe(0);
      const n = node64();
      expect(mm.insertNodeGeneric(n, 2n, 0n, 0, mode)).toBe(0);
      expect(n.start).toBe(at);
    });
  }

  it("color: colours are kept, and separate_adjacent_colors keeps colours apart", () => {
    const mm = new DrmMm64();
    mm.init(0n, U64_MAX);
    const first: DrmMmNode<bigint>[] = [];
    for (let n = 1; n <= 64; n++) {
      const node = node64();
      expect(mm.insertNodeGeneric(node, BigInt(n), 0n, n, DRM_MM_INSERT_BEST)).toBe(0);
      expect(node.color).toBe(n);
      first.push(node);
    }
    for (const n of first) mm.removeNode(n);
    expect(mm.clean).toBe(true);

    mm.colorAdjust = separateAdjacentColors;
    // Reservations: touching a node of another colour fails, one unit further on works.
    let last = 0n;
    const reserved: DrmMmNode<bigint>[] = [];
    for (let n = 1; n <= 32; n++) {
      const size = BigInt(n);
      if (reserved.length > 0) expect(reserve(mm, last, size, n)).toBe(ENOSPC);
      const node = node64(reserved.length > 0 ? last + 1n : 0n, size, n);
      expect(mm.reserveNode(node)).toBe(0);
      reserved.push(node);
      last = node.start + size;
    }
    expect(colorsAbut(mm)).toBe(false);
    // Inserts with alignment = size = colour, in every mode.
    for (const { mode } of INSERT_MODES) {
      const inserted: DrmMmNode<bigint>[] = [];
      for (let n = 1; n <= 32; n++) {
        const size = BigInt(n);
        const node = node64();
        expect(mm.insertNodeGeneric(node, size, size, n + 100, mode)).toBe(0);
        expectNode(node, size, size, n + 100);
        inserted.push(node);
      }
      expect(colorsAbut(mm)).toBe(false);
      for (const n of inserted) mm.removeNode(n);
    }
    for (const n of reserved) mm.removeNode(n);
    expect(mm.clean).toBe(true);
  });

  for (const ranged of [false, true]) {
    for (const { name, mode } of EVICT_MODES) {
      it(`${ranged ? "color_evict_range" : "color_evict"} ${name}`, () => {
        const TOTAL = 128;
        const mm = new DrmMm64();
        mm.init(0n, BigInt(2 * TOTAL - 1));
        mm.colorAdjust = separateAdjacentColors;
        let color = 0;
        const nodes = Array.from({ length: TOTAL }, () => node64());
        for (const n of nodes) {
          expect(mm.insertNodeGeneric(n, 1n, 0n, color++, DRM_MM_INSERT_BEST)).toBe(0);
        }
        expect(colorsAbut(mm)).toBe(false);
        const [rs, re] = ranged ? [32n, 192n] : [0n, BigInt(2 * TOTAL - 1)];
        const cases: [bigint, bigint][] = [];
        for (let s = 1n; s <= 16n; s *= 2n) cases.push([s, 0n], [s, s]);
        for (const p of primesUpTo(13)) cases.push([BigInt(p), BigInt(p)]);
        let seed = 100;
        for (const [size, align] of cases) {
          const c = color++;
          const scan = new DrmMmScan(mm, size, align, c, rs, re, mode);
          const added: DrmMmNode<bigint>[] = [];
          for (const i of randomOrder(TOTAL, seed++)) {
            const n = nodes[i] as DrmMmNode<bigint>;
            added.push(n);
            if (scan.addBlock(n)) break;
          }
          const evicted = added.reverse().filter((n) => scan.removeBlock(n));
          for (const n of evicted) mm.removeNode(n);
          for (let extra = scan.colorEvict(); extra !== null; extra = scan.colorEvict()) {
            expect(extra.allocated).toBe(true);
            mm.removeNode(extra);
            evicted.push(extra);
          }
          const tmp = node64();
          expect(mm.insertNodeInRange(tmp, size, align, c, rs, re, DRM_MM_INSERT_EVICT)).toBe(0);
          expectNode(tmp, size, align, c);
          expect(tmp.start >= rs && tmp.start + size <= re).toBe(true);
          expect(colorsAbut(mm)).toBe(false);
          mm.removeNode(tmp);
          for (const n of evicted) expect(mm.reserveNode(n)).toBe(0);
          expect(colorsAbut(mm)).toBe(false);
          expect([...mm.nodes()]).toHaveLength(TOTAL);
        }
      });
    }
  }
});
