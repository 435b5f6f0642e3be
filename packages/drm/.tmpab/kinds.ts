import { DrmMm, DrmMmNode } from "../src/mm/index.js";
const mm = new DrmMm(); mm.init(0, 2 ** 40);
const nodes = [];
for (let i = 0; i < 1000; i++) { const n = new DrmMmNode(0, 0); mm.insertNodeGeneric(n, (1 + (i % 7)) * 4096, 0, 0, 0); nodes.push(n); }
for (let i = 0; i < 1000; i += 3) mm.removeNode(nodes[i]!);
const h: any = mm.holes;
declare function print(...a: unknown[]): void;
// @ts-ignore
console.log(eval("%HasDoubleElements(h.holeStart)"), eval("%HasDoubleElements(h.holeSize)"), eval("%HasDoubleElements(h.maxHole)"), eval("%HasFastPackedElements(h.holeStart)"));
