import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkIntervalTree,
  IntervalTree,
  type IntervalTreeNode,
  type U64,
} from "../../src/gpuvm/index.js";
import { u64Add, u64Sub } from "../../src/gpuvm/u64.js";

class Node implements IntervalTreeNode<Node> {
  itLast: U64 = 0;
  itSubtreeLast: U64 = 0;
  itLeft: Node | null = null;
  itRight: Node | null = null;
  itParent: Node | null = null;
  itRed = false;
  itPrev: Node | null = null;
  itNext: Node | null = null;
  constructor(
    public addr: U64,
    readonly range: U64,
    readonly id: number,
  ) {
    this.itLast = u64Sub(u64Add(addr, range), 1);
  }
}

/** The tree's nodes in list order, by id. */
function listed(tree: IntervalTree<Node>): number[] {
  const ids: number[] = [];
  for (let n = tree.first; n !== null; n = n.itNext) ids.push(n.id);
  return ids;
}

const MASK = (1n << 64n) - 1n;
const big = (v: U64): bigint => BigInt(v);

/** Puts `n` into the address-ordered model list, after the nodes of equal start. */
function insertInOrder(order: Node[], n: Node): void {
  let i = 0;
  while (i < order.length && big((order[i] as Node).addr) <= big(n.addr)) i++;
  order.splice(i, 0, n);
}

/** The definition iterFirst implements: first node in order with start <= last(n), if n.addr <= last. */
function naiveFirst(order: Node[], start: bigint, last: bigint): Node | null {
  for (const n of order) {
    if (start <= big(n.itLast)) return big(n.addr) <= last ? n : null;
  }
  return null;
}

type Action = { insert: true; addr: number; range: number } | { insert: false; pick: number };
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    insert: fc.constant(true as const),
    addr: fc.integer({ min: 0, max: 200 }),
    range: fc.integer({ min: 0, max: 30 }),
  }),
  fc.record({ insert: fc.constant(false as const), pick: fc.nat() }),
);

describe("IntervalTree", () => {
  it("keeps red-black, augmentation and list invariants; ties stay in insertion order", () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 300 }), (actions) => {
        const tree = new IntervalTree<Node>();
        let order: Node[] = [];
        let id = 0;
        for (const a of actions) {
          if (a.insert) {
            const n = new Node(a.addr, a.range, id++);
            tree.insert(n);
            insertInOrder(order, n);
          } else if (order.length > 0) {
            const n = order[a.pick % order.length] as Node;
            tree.remove(n);
            order = order.filter((x) => x !== n);
          }
          expect(checkIntervalTree(tree)).toBeNull();
        }
        const listed: number[] = [];
        for (let n = tree.first; n !== null; n = n.itNext) listed.push(n.id);
        expect(listed).toEqual(order.map((n) => n.id));
        for (let q = 0; q < 40; q++) {
          const start = BigInt((q * 37) % 230);
          const last = (start + BigInt(q % 7) - 1n) & MASK;
          const s = start <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(start) : start;
          const l = last <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(last) : last;
          expect(tree.iterFirst(s, l)).toBe(naiveFirst(order, start, last));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("insertUnlessOverlapping refuses exactly what iterFirst reports as occupied", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            addr: fc.integer({ min: 0, max: 120 }),
            range: fc.integer({ min: 0, max: 12 }),
          }),
          { maxLength: 200 },
        ),
        (reqs) => {
          const tree = new IntervalTree<Node>();
          const order: Node[] = [];
          reqs.forEach((r, id) => {
            const n = new Node(r.addr, r.range, id);
            const occupied = naiveFirst(order, big(n.addr), big(n.itLast) & MASK) !== null;
            expect(tree.insertUnlessOverlapping(n)).toBe(!occupied);
            if (!occupied) {
              insertInOrder(order, n);
            }
            expect(checkIntervalTree(tree)).toBeNull();
          });
          const listed: number[] = [];
          for (let n = tree.first; n !== null; n = n.itNext) listed.push(n.id);
          expect(listed).toEqual(order.map((n) => n.id));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("searches sorted ends without subtree maxima and switches modes exactly when ends disorder", () => {
    const tree = new IntervalTree<Node>();
    const nodes: Node[] = [];
    for (let i = 0; i < 64; i++) {
      const n = new Node(i * 16, 16, i);
      nodes.push(n);
      expect(tree.insertUnlessOverlapping(n)).toBe(true);
    }
    expect(tree.isAugmented).toBe(false);
    expect(tree.disorderedPairs).toBe(0);
    expect(tree.iterFirst(100, 100)?.id).toBe(6);
    expect(tree.iterFirst(1024, 2000)).toBeNull();

    // A zero-length node at a mapping's start does not intersect it (the kernel's inverted
    // interval); its end, 159, is below its predecessor's, 175.
    const empty = new Node(160, 0, 100);
    expect(tree.insertUnlessOverlapping(empty)).toBe(true);
    expect(tree.isAugmented).toBe(true);
    expect(tree.disorderedPairs).toBe(1);
    expect(checkIntervalTree(tree)).toBeNull();
    expect(tree.iterFirst(159, 159)?.id).toBe(9);
    expect(tree.iterFirst(160, 170)?.id).toBe(10);

    // Sorted again, but the switch back waits until as many operations as nodes have passed.
    tree.remove(empty);
    expect(tree.disorderedPairs).toBe(0);
    expect(tree.isAugmented).toBe(true);
    let ops = 1;
    while (tree.isAugmented) {
      const n = nodes[ops % 64] as Node;
      tree.remove(n);
      expect(tree.insertUnlessOverlapping(n)).toBe(true);
      expect(checkIntervalTree(tree)).toBeNull();
      ops += 2;
    }
    expect(ops).toBeGreaterThanOrEqual(64);
    expect(ops).toBeLessThanOrEqual(66);
    expect(checkIntervalTree(tree)).toBeNull();
    expect(tree.iterFirst(100, 100)?.id).toBe(6);
  });

  it("answers like the definition through mode switches (exact near 2^64 too)", () => {
    const switches = { on: 0, off: 0 };
    for (const base of [0n, (1n << 64n) - 4096n]) {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              slot: fc.integer({ min: 0, max: 24 }),
              kind: fc.constantFrom(
                "fit",
                "fit",
                "fit",
                "fit",
                "empty",
                "wide",
                "remove",
                "remove",
                "remove",
              ),
            }),
            { minLength: 60, maxLength: 200 },
          ),
          (actions) => {
            const tree = new IntervalTree<Node>();
            let order: Node[] = [];
            let wasAugmented = false;
            actions.forEach((a, id) => {
              if (a.kind === "remove") {
                const victim = order[a.slot % Math.max(order.length, 1)];
                if (victim === undefined) return;
                tree.remove(victim);
                order = order.filter((x) => x !== victim);
              } else {
                const range = a.kind === "fit" ? 16 : a.kind === "empty" ? 0 : 24;
                const addr = base + BigInt(a.slot * 16);
                const n = new Node(
                  addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(addr) : addr,
                  range,
                  id,
                );
                const occupied = naiveFirst(order, big(n.addr), big(n.itLast)) !== null;
                expect(tree.insertUnlessOverlapping(n)).toBe(!occupied);
                if (!occupied) {
                  insertInOrder(order, n);
                }
              }
              if (tree.isAugmented && !wasAugmented) switches.on++;
              if (!tree.isAugmented && wasAugmented) switches.off++;
              wasAugmented = tree.isAugmented;
              expect(checkIntervalTree(tree)).toBeNull();
              for (let q = 0; q < 700; q += 37) {
                const start = (base + BigInt(q)) & MASK;
                const last = (start + BigInt(q % 5) - 1n) & MASK;
                const s = start <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(start) : start;
                const l = last <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(last) : last;
                expect(tree.iterFirst(s, l)).toBe(naiveFirst(order, start, last));
              }
            });
            expect(listed(tree)).toEqual(order.map((n) => n.id));
          },
        ),
        { numRuns: 50, seed: 0x6d6d },
      );
    }
    // Both directions of the switch happened, many times, over the runs.
    expect(switches.on).toBeGreaterThan(5);
    expect(switches.off).toBeGreaterThan(5);
  });

  it("stays balanced: height is logarithmic after 100k sequential inserts and half removed", () => {
    const tree = new IntervalTree<Node>();
    const nodes: Node[] = [];
    for (let i = 0; i < 100_000; i++) {
      const n = new Node(i * 2, 1, i);
      nodes.push(n);
      tree.insert(n);
    }
    for (let i = 0; i < 100_000; i += 2) tree.remove(nodes[i] as Node);
    const height = (n: Node | null): number =>
      n === null ? 0 : 1 + Math.max(height(n.itLeft), height(n.itRight));
    expect(tree.size).toBe(50_000);
    expect(height(tree.root)).toBeLessThanOrEqual(2 * Math.log2(50_001));
    expect(checkIntervalTree(tree)).toBeNull();
    expect(tree.iterFirst(2 * 5001, 2 * 5001)?.id).toBe(5001);
    expect(tree.iterFirst(2 * 5000, 2 * 5000)).toBeNull();
  });
});
