/**
 * Shared types of the drm_mm port.
 */
import type { DrmMmNode } from "./node.js";

/** A mutable `[start, end)` window handed to a colour-adjust callback (the kernel's `u64 *start, u64 *end`). */
export interface DrmMmRange<T extends number | bigint> {
  /** First usable unit; the callback may raise it. */
  start: T;
  /** End of the usable window (exclusive); the callback may lower it. */
  end: T;
}

/**
 * Driver hook that narrows a hole before a node of `color` is placed in it. `hole` is the node
 * that owns the hole (the allocator's head node for the lowest hole). Mirrors the
 * `drm_mm.color_adjust` callback. It must not throw and must not keep `range`.
 */
export type DrmMmColorAdjust<T extends number | bigint> = (
  hole: DrmMmNode<T>,
  color: number,
  range: DrmMmRange<T>,
) => void;

/** One free hole. */
export interface DrmMmHole<T extends number | bigint> {
  /** First free unit. */
  readonly start: T;
  /** Number of free units. */
  readonly size: T;
}

/** One link of a hole tree in a pre-order dump (the golden vectors' `holes_*_tree` entries). */
export interface DrmMmTreeEntry<T extends number | bigint> {
  /** Start of the hole at this link. */
  readonly start: T;
  /** Link colour: `"R"` or `"B"`. */
  readonly color: "R" | "B";
  /** Start of the hole at the left child, `null` when absent. */
  readonly left: T | null;
  /** Start of the hole at the right child, `null` when absent. */
  readonly right: T | null;
}
