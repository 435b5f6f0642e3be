/**
 * Shared helpers for the drm_mm tests: structural checks (the KUnit suite's assert_no_holes,
 * assert_one_hole, assert_continuous, assert_node), seeded shuffles and prime iteration.
 */
import { createRng } from "@panmmu/fixtures";
import { expect } from "vitest";
import type { DrmMmCore, DrmMmNode } from "../../src/mm/index.js";

/** Largest u64. */
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Primes up to `max` in increasing order. */
export function primesUpTo(max: number): number[] {
  const out: number[] = [];
  for (let n = 2; n <= max; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) out.push(n);
  }
  return out;
}

/** The smallest prime strictly greater than `n`. */
export function nextPrime(n: number): number {
  for (let c = n + 1; ; c++) if (primesUpTo(c).at(-1) === c) return c;
}

/** A seeded Fisher-Yates permutation of `0 .. n-1`. Mirrors the intent of drm_random_order(). */
export function randomOrder(n: number, seed: number): number[] {
  const rng = createRng(seed);
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a;
}

/** The manager has no hole at all. Mirrors assert_no_holes(). */
export function expectNoHoles<T extends number | bigint>(mm: DrmMmCore<T>): void {
  expect(mm.holeList()).toEqual([]);
  expect([...mm.nodes()].some((n) => mm.holeFollows(n))).toBe(false);
}

/** The manager has exactly one hole, `[start, end)`. Mirrors assert_one_hole(). */
export function expectOneHole<T extends number | bigint>(mm: DrmMmCore<T>, start: T, end: T): void {
  const holes = mm.holeList();
  expect(holes).toHaveLength(1);
  const h = holes[0];
  expect(h?.start).toBe(start);
  expect(mm.arith.add(h?.start as T, h?.size as T)).toBe(end);
}

/**
 * No holes, and the nodes sit back to back at 0, size, 2*size, ... each of `size` units.
 * Mirrors assert_continuous().
 */
export function expectContinuous(mm: DrmMmCore<bigint>, size: bigint): void {
  expectNoHoles(mm);
  const nodes = [...mm.nodes()];
  expect(nodes.map((n) => [n.start, n.size])).toEqual(
    nodes.map((_, i) => [BigInt(i) * size, size]),
  );
  // Spot-check the range walk at both ends and in the middle.
  for (const i of [0, nodes.length >> 1, nodes.length - 1]) {
    const s = BigInt(i) * size;
    expect([...mm.nodesInRange(s, s + size)]).toEqual([nodes[i]]);
  }
}

/** The node is allocated with the given size, alignment and colour. Mirrors assert_node(). */
export function expectNode(
  node: DrmMmNode<bigint>,
  size: bigint,
  alignment: bigint,
  color: number,
): void {
  expect(node.allocated).toBe(true);
  expect(node.size).toBe(size);
  if (alignment > 1n) expect(node.start % alignment).toBe(0n);
  expect(node.color).toBe(color);
}

/**
 * The KUnit suite's `separate_adjacent_colors` hook: a node never touches a neighbour of
 * another colour (the window loses one unit on each side that borders one).
 */
export function separateAdjacentColors(
  hole: DrmMmNode<bigint>,
  color: number,
  range: { start: bigint; end: bigint },
): void {
  if (hole.allocated && hole.color !== color) range.start += 1n;
  const next = hole.next;
  if (next?.allocated && next.color !== color) range.end -= 1n;
}

/** Whether two nodes of different colours touch anywhere. Mirrors colors_abutt(). */
export function colorsAbut(mm: DrmMmCore<bigint>): boolean {
  let prev: DrmMmNode<bigint> | null = null;
  for (const n of mm.nodes()) {
    if (prev !== null && prev.start + prev.size === n.start && prev.color !== n.color) return true;
    prev = n;
  }
  return false;
}
