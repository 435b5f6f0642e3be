/**
 * Replays one drm_mm golden case (schema `drm_mm-golden/1`) against a DrmMm / DrmMm64 and
 * records, for every op, what the golden file records, in the golden encoding (lowercase hex
 * strings), so a test can compare op by op with `toEqual`.
 */
import { goldenBigInt } from "@panmmu/fixtures";
import { EINVAL } from "@panmmu/uapi";
import {
  DRM_MM_INSERT_BEST,
  DrmMm,
  DrmMm64,
  type DrmMmCore,
  type DrmMmHole,
  DrmMmNode,
  type DrmMmTreeEntry,
  panfrostColorAdjust,
  panfrostColorAdjust64,
} from "../../src/mm/index.js";

/** A golden op as found in the file (fields depend on `op`). */
export type GoldenOp = Record<string, unknown> & { op: string; result: Record<string, unknown> };

/** The parts of a golden case the replay needs. */
export interface GoldenMmCase {
  /** Case name. */
  name: string;
  /** `drm_mm_init` arguments (hex strings). */
  init: { start: string; size: string };
  /** `"none"` or `"panfrost"`. */
  color_adjust: string;
  /** Operations in order. */
  ops: GoldenOp[];
  /** Final state. */
  final: Record<string, unknown>;
}

/** Validates the loose shape of a golden document. */
export function asGoldenMmCase(data: unknown): GoldenMmCase {
  const d = data as Partial<GoldenMmCase> & { schema?: unknown };
  if (
    typeof d !== "object" ||
    d === null ||
    d.schema !== "drm_mm-golden/1" ||
    typeof d.init !== "object" ||
    !Array.isArray(d.ops) ||
    typeof d.final !== "object"
  ) {
    throw new Error("not a drm_mm-golden/1 document");
  }
  return d as GoldenMmCase;
}

/** One op's recorded outcome, shaped like the golden op's `result` (+ `state` when the golden op has one). */
export interface ReplayedOp {
  /** Same fields as the golden `result`. */
  result: Record<string, unknown>;
  /** Same fields as the golden `state`, when the golden op has one. */
  state?: Record<string, unknown>;
}

/** The whole replay. */
export interface Replay {
  /** Per-op outcomes, in op order. */
  ops: ReplayedOp[];
  /** Final state with the same keys as the golden `final`. */
  final: Record<string, unknown>;
  /** Warnings raised. */
  warnings: string[];
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Input fields holding u64 values, per op kind. */
const U64_FIELDS = [
  "size",
  "alignment",
  "range_start",
  "range_end",
  "start",
  "bo_size",
  "auto_va_start",
  "auto_va_end",
];

/** Whether every u64 input of the case fits the number fast path (safe integers, range end safe). */
export function fitsNumberPath(c: GoldenMmCase): boolean {
  const safe = (v: unknown): boolean => goldenBigInt(v) <= BigInt(Number.MAX_SAFE_INTEGER);
  if (goldenBigInt(c.init.start) + goldenBigInt(c.init.size) > BigInt(Number.MAX_SAFE_INTEGER))
    return false;
  for (const op of c.ops) {
    for (const f of U64_FIELDS) if (op[f] !== undefined && !safe(op[f])) return false;
    if (typeof op.va === "string" && op.va !== "auto" && !safe(op.va)) return false;
  }
  return true;
}

interface Flavour<T extends number | bigint> {
  mm: DrmMmCore<T>;
  setPanfrostColors: () => void;
  of: (v: bigint) => T;
  node: () => DrmMmNode<T>;
}

function dumpHoles<T extends number | bigint>(mm: DrmMmCore<T>, holes: DrmMmHole<T>[]): string[][] {
  return holes.map((h) => [hex(mm.arith.toBigInt(h.start)), hex(mm.arith.toBigInt(h.size))]);
}

function dumpTree<T extends number | bigint>(
  mm: DrmMmCore<T>,
  entries: DrmMmTreeEntry<T>[],
): (string | null)[][] {
  const h = (v: T | null): string | null => (v === null ? null : hex(mm.arith.toBigInt(v)));
  return entries.map((e) => [h(e.start), e.color, h(e.left), h(e.right)]);
}

function snapshot<T extends number | bigint>(
  mm: DrmMmCore<T>,
  keys: string[],
  ids: Map<DrmMmNode<T>, number>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    switch (k) {
      case "holes":
        out[k] = dumpHoles(mm, mm.holeList());
        break;
      case "hole_stack":
        out[k] = dumpHoles(mm, mm.holeStack());
        break;
      case "holes_by_size":
        out[k] = dumpHoles(mm, mm.holesBySize());
        break;
      case "holes_addr_tree":
        out[k] = dumpTree(mm, mm.holeAddrTree());
        break;
      case "holes_size_tree":
        out[k] = dumpTree(mm, mm.holeSizeTree());
        break;
      case "nodes":
        out[k] = [...mm.nodes()].map((n) => ({
          id: ids.get(n),
          start: hex(mm.arith.toBigInt(n.start)),
          size: hex(mm.arith.toBigInt(n.size)),
          color: n.color,
        }));
        break;
      default:
        out[k] = `unknown state key ${k}`;
    }
  }
  return out;
}

const SZ_4K = 0x1000n;
const SZ_2M = 0x20_0000n;

function roundUp(v: bigint, to: bigint): bigint {
  return ((v + to - 1n) / to) * to;
}

function runOp<T extends number | bigint>(
  f: Flavour<T>,
  op: GoldenOp,
  nodes: Map<number, DrmMmNode<T>>,
): number {
  const { mm, of } = f;
  const id = op.id as number;
  const g = (k: string): T => of(goldenBigInt(op[k]));
  switch (op.op) {
    case "insert_node_in_range": {
      const node = f.node();
      nodes.set(id, node);
      return mm.insertNodeInRange(
        node,
        g("size"),
        g("alignment"),
        op.color as number,
        g("range_start"),
        g("range_end"),
        op.mode_value as number,
      );
    }
    case "insert_node_generic": {
      const node = f.node();
      nodes.set(id, node);
      return mm.insertNodeGeneric(
        node,
        g("size"),
        g("alignment"),
        op.color as number,
        op.mode_value as number,
      );
    }
    case "reserve_node": {
      const node = new DrmMmNode<T>(g("start"), g("size"), op.color as number);
      nodes.set(id, node);
      return mm.reserveNode(node);
    }
    case "remove_node": {
      const node = nodes.get(id);
      if (node === undefined) throw new Error(`remove_node of unknown id ${id}`);
      mm.removeNode(node);
      return 0;
    }
    case "panfrost_gem_open": {
      const node = f.node();
      nodes.set(id, node);
      const flags = op.flags as number;
      let bytes = goldenBigInt(op.bo_size);
      if (bytes === 0n || (flags & ~3) !== 0 || ((flags & 2) !== 0 && (flags & 1) === 0)) {
        return -EINVAL;
      }
      if ((flags & 2) !== 0) bytes = roundUp(bytes, SZ_2M);
      bytes = roundUp(bytes, SZ_4K);
      const pages = bytes >> 12n;
      const noexec = (flags & 1) !== 0;
      const align = noexec ? (bytes >= SZ_2M ? SZ_2M >> 12n : 0n) : pages;
      return mm.insertNodeGeneric(node, of(pages), of(align), noexec ? 1 : 0, DRM_MM_INSERT_BEST);
    }
    case "panthor_vm_alloc_va": {
      const node = f.node();
      nodes.set(id, node);
      const size = goldenBigInt(op.size);
      if (size === 0n || size % SZ_4K !== 0n) return -EINVAL;
      if (op.va === "auto") {
        return mm.insertNodeInRange(
          node,
          of(size),
          of(size >= SZ_2M ? SZ_2M : SZ_4K),
          0,
          g("auto_va_start"),
          g("auto_va_end"),
          DRM_MM_INSERT_BEST,
        );
      }
      const va = goldenBigInt(op.va);
      if (va % SZ_4K !== 0n) return -EINVAL;
      node.start = of(va);
      node.size = of(size);
      return mm.reserveNode(node);
    }
    default:
      throw new Error(`unknown golden op ${op.op}`);
  }
}

function replayWith<T extends number | bigint>(
  c: GoldenMmCase,
  f: Flavour<T>,
  warnings: string[],
): Replay {
  const { mm } = f;
  mm.init(f.of(goldenBigInt(c.init.start)), f.of(goldenBigInt(c.init.size)));
  if (c.color_adjust === "panfrost") {
    f.setPanfrostColors();
  } else if (c.color_adjust !== "none") {
    throw new Error(`unknown color_adjust ${c.color_adjust}`);
  }
  const nodes = new Map<number, DrmMmNode<T>>();
  const ids = new Map<DrmMmNode<T>, number>();
  const ops: ReplayedOp[] = [];
  for (const op of c.ops) {
    const ret = runOp(f, op, nodes);
    const node = nodes.get(op.id as number);
    if (node !== undefined && op.op !== "remove_node") ids.set(node, op.id as number);
    const result: Record<string, unknown> = { ret };
    if (ret === 0 && op.op !== "remove_node" && node !== undefined) {
      result.start = hex(mm.arith.toBigInt(node.start));
      result.size = hex(mm.arith.toBigInt(node.size));
      result.color = node.color;
    }
    const rec: ReplayedOp = { result };
    const st = op.state as Record<string, unknown> | undefined;
    if (st !== undefined) rec.state = snapshot(mm, Object.keys(st), ids);
    ops.push(rec);
  }
  const final = snapshot(mm, Object.keys(c.final), ids);
  return { ops, final, warnings };
}

/** Replays the case on the exact bigint allocator. */
export function replayBigint(c: GoldenMmCase): Replay {
  const warnings: string[] = [];
  const mm = new DrmMm64({ warnings: { warn: (w, m) => warnings.push(`${w}: ${m}`) } });
  const setPanfrostColors = (): void => {
    mm.colorAdjust = panfrostColorAdjust64;
  };
  return replayWith(
    c,
    { mm, setPanfrostColors, of: (v) => v, node: () => new DrmMmNode(0n, 0n) },
    warnings,
  );
}

/** Replays the case on the number fast path (only valid when {@link fitsNumberPath}). */
export function replayNumber(c: GoldenMmCase): Replay {
  const warnings: string[] = [];
  const mm = new DrmMm({ warnings: { warn: (w, m) => warnings.push(`${w}: ${m}`) } });
  const setPanfrostColors = (): void => {
    mm.colorAdjust = panfrostColorAdjust;
  };
  return replayWith(
    c,
    { mm, setPanfrostColors, of: (v) => Number(v), node: () => new DrmMmNode(0, 0) },
    warnings,
  );
}
