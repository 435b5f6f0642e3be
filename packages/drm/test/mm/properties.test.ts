/**
 * Property tests: after any sequence of drm_mm operations, nodes never overlap and stay in the
 * managed range, holes and nodes tile the range exactly, the three hole views agree, both hole
 * trees are valid red-black trees, and the number and bigint flavours give identical results.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DRM_MM_INSERT_ONCE,
  DrmMm,
  DrmMm64,
  type DrmMmCore,
  DrmMmNode,
  type DrmMmTreeEntry,
} from "../../src/mm/index.js";

type Op =
  | {
      kind: "insert";
      size: number;
      align: number;
      color: number;
      rs: number;
      re: number;
      mode: number;
    }
  | { kind: "reserve"; start: number; size: number; color: number }
  | { kind: "remove"; pick: number };

const START = 100;
const SIZE = 2000;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      size: fc.integer({ min: 0, max: 300 }),
      align: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 70 }), fc.constantFrom(64, 128)),
      color: fc.integer({ min: 0, max: 3 }),
      rs: fc.integer({ min: 0, max: START + SIZE + 50 }),
      re: fc.integer({ min: 0, max: START + SIZE + 50 }),
      mode: fc
        .tuple(fc.integer({ min: 0, max: 5 }), fc.boolean())
        .map(([m, once]) => (once ? (m | DRM_MM_INSERT_ONCE) >>> 0 : m)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("reserve" as const),
      start: fc.integer({ min: 0, max: START + SIZE + 50 }),
      size: fc.integer({ min: 0, max: 200 }),
      color: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }) },
);

/** Applies one op; returns the return code and the node's placement. */
function apply<T extends number | bigint>(
  mm: DrmMmCore<T>,
  live: DrmMmNode<T>[],
  op: Op,
  of: (v: number) => T,
  fresh: () => DrmMmNode<T>,
): [number, string] {
  if (op.kind === "remove") {
    if (live.length === 0) return [0, "none"];
    const [n] = live.splice(op.pick % live.length, 1);
    mm.removeNode(n as DrmMmNode<T>);
    return [0, "removed"];
  }
  const node = fresh();
  let ret: number;
  if (op.kind === "insert") {
    ret = mm.insertNodeInRange(
      node,
      of(op.size),
      of(op.align),
      op.color,
      of(op.rs),
      of(op.re),
      op.mode,
    );
  } else {
    node.start = of(op.start);
    node.size = of(op.size);
    node.color = op.color;
    ret = mm.reserveNode(node);
  }
  if (ret === 0) live.push(node);
  return [ret, ret === 0 ? `${node.start}+${node.size}` : ""];
}

/** Checks the red-black rules and key order of a pre-order tree dump. */
function checkTree<T extends number | bigint>(
  entries: DrmMmTreeEntry<T>[],
  order: (a: T, b: T) => boolean,
): void {
  if (entries.length === 0) return;
  const byStart = new Map(entries.map((e) => [e.start, e]));
  expect(entries[0]?.color).toBe("B");
  const walk = (start: T | null, parentRed: boolean): number => {
    if (start === null) return 1;
    const e = byStart.get(start);
    expect(e).toBeDefined();
    const red = e?.color === "R";
    expect(parentRed && red).toBe(false);
    if (e?.left != null) expect(order(e.left, start)).toBe(true);
    if (e?.right != null) expect(order(start, e.right)).toBe(true);
    const l = walk(e?.left ?? null, red);
    const r = walk(e?.right ?? null, red);
    expect(l).toBe(r);
    return l + (red ? 0 : 1);
  };
  walk(entries[0]?.start ?? null, false);
}

function checkInvariants(mm: DrmMmCore<number>, live: DrmMmNode<number>[]): void {
  const nodes = [...mm.nodes()];
  expect(new Set(nodes)).toEqual(new Set(live));
  const holes = mm.holeList();
  // Nodes and holes, merged in address order, tile [START, START + SIZE) exactly.
  const pieces = [
    ...nodes.map((n) => ({ start: n.start, size: n.size, hole: false })),
    ...holes.map((h) => ({ start: h.start, size: h.size, hole: true })),
  ].sort((a, b) => a.start - b.start);
  let at = START;
  let prevHole = false;
  for (const p of pieces) {
    expect(p.start).toBe(at);
    expect(p.size).toBeGreaterThan(0);
    // Two holes are never adjacent.
    expect(prevHole && p.hole).toBe(false);
    prevHole = p.hole;
    at += p.size;
  }
  expect(at).toBe(START + SIZE);
  // The three hole views hold the same holes; the size view is ordered largest first.
  const key = (h: { start: number; size: number }): string => `${h.start}+${h.size}`;
  const set = holes.map(key).sort();
  expect(mm.holeStack().map(key).sort()).toEqual(set);
  const bySize = mm.holesBySize();
  expect(bySize.map(key).sort()).toEqual(set);
  for (let i = 1; i < bySize.length; i++) {
    expect((bySize[i - 1]?.size as number) >= (bySize[i]?.size as number)).toBe(true);
  }
  checkTree(mm.holeAddrTree(), (a, b) => a < b);
  expect(mm.holeSizeTree()).toHaveLength(holes.length);
}

describe("drm_mm properties", () => {
  it("any op sequence keeps nodes disjoint and in range, and holes + nodes tile the range", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), (ops) => {
        const mm = new DrmMm();
        mm.init(START, SIZE);
        const live: DrmMmNode<number>[] = [];
        for (const op of ops) {
          apply(
            mm,
            live,
            op,
            (v) => v,
            () => new DrmMmNode(0, 0),
          );
          checkInvariants(mm, live);
        }
        for (const n of live) {
          expect(n.allocated).toBe(true);
          expect(n.start >= START && n.start + n.size <= START + SIZE).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("the number fast path and the exact bigint path agree op for op", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 150 }), (ops) => {
        const a = new DrmMm();
        const b = new DrmMm64();
        a.init(START, SIZE);
        b.init(BigInt(START), BigInt(SIZE));
        const la: DrmMmNode<number>[] = [];
        const lb: DrmMmNode<bigint>[] = [];
        for (const op of ops) {
          const ra = apply(
            a,
            la,
            op,
            (v) => v,
            () => new DrmMmNode(0, 0),
          );
          const rb = apply(
            b,
            lb,
            op,
            (v) => BigInt(v),
            () => new DrmMmNode(0n, 0n),
          );
          expect(ra).toEqual(rb);
        }
        const dump = (t: DrmMmTreeEntry<number | bigint>[]): string[] =>
          t.map((e) => `${e.start}${e.color}${e.left}/${e.right}`);
        expect(dump(a.holeAddrTree())).toEqual(dump(b.holeAddrTree()));
        expect(dump(a.holeSizeTree())).toEqual(dump(b.holeSizeTree()));
      }),
      { numRuns: 150 },
    );
  });
});
