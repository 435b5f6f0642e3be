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

const MASK = (1n << 64n) - 1n;
const big = (v: U64): bigint => BigInt(v);

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
            let i = 0;
            while (i < order.length && big((order[i] as Node).addr) <= big(n.addr)) i++;
            order.splice(i, 0, n);
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
              let i = 0;
              while (i < order.length && big((order[i] as Node).addr) <= big(n.addr)) i++;
              order.splice(i, 0, n);
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
