/**
 * An independent reference for drm_gpuvm's split/merge behaviour: a plain ordered array of
 * mappings in bigint, following the golden README's description (no tree, no shared code with
 * the implementation). Used by the property tests.
 */
import type { MRecord, StepRecord } from "./harness.js";

const MASK = (1n << 64n) - 1n;
const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** One mapping of the model. */
interface Entry {
  addr: bigint;
  range: bigint;
  obj: number | null;
  offset: bigint;
  /** The kernel-reserved node: found by lookups, never reported as a mapping. */
  kernel?: true;
}

/** The reference VM. */
export class ReferenceVm {
  readonly list: Entry[] = [];
  private readonly kStart: bigint;
  private readonly kRange: bigint;
  private readonly mmEnd: bigint;

  constructor(
    private readonly mmStart: bigint,
    mmRange: bigint,
    kStart: bigint,
    kRange: bigint,
  ) {
    this.mmEnd = (mmStart + mmRange) & MASK;
    this.kStart = kStart;
    this.kRange = kRange;
    // As in drm_gpuvm_init(): the reserved node is in the tree unless its end overflows.
    if (kRange !== 0n && kStart + kRange <= MASK) {
      this.list.push({ addr: kStart, range: kRange, obj: null, offset: 0n, kernel: true });
    }
  }

  rangeValid(addr: bigint, range: bigint): boolean {
    if (addr + range > MASK) return false;
    const end = addr + range;
    if (addr < this.mmStart || end > this.mmEnd) return false;
    if (this.kRange === 0n) return true;
    const kEnd = (this.kStart + this.kRange) & MASK;
    return !(addr < kEnd && this.kStart < end);
  }

  /** The first mapping overlapping `[addr, addr + range - 1]`, or `null`. */
  private first(addr: bigint, range: bigint): Entry | null {
    const i = this.firstIndex(addr, range);
    return i < 0 ? null : (this.list[i] as Entry);
  }

  /**
   * The mapping after `e` in the current list, or `null`. The walks take it when they reach a
   * mapping, before its step changes the list, as the kernel's
   * `drm_gpuvm_for_each_va_range_safe()` does: a part re-inserted behind the walk's position
   * (possible next to zero-length mappings, which sort after equal starts) is visited too.
   */
  private after(e: Entry | null): Entry | null {
    if (e === null) return null;
    return this.list[this.list.indexOf(e) + 1] ?? null;
  }

  /** Index of the first mapping overlapping `[addr, addr + range - 1]` (README semantics). */
  firstIndex(addr: bigint, range: bigint): number {
    const last = (addr + range - 1n) & MASK;
    for (let i = 0; i < this.list.length; i++) {
      const m = this.list[i] as Entry;
      const mLast = (m.addr + m.range - 1n) & MASK;
      if (addr <= mLast) return m.addr <= last ? i : -1;
    }
    return -1;
  }

  /**
   * Inserts `e` unless it intersects a mapping (then, as `__drm_gpuva_insert()` does, it is
   * refused; only zero-length requests get there, their inverted interval being one the walks
   * never clear).
   */
  private insert(e: Entry): void {
    if (this.firstIndex(e.addr, e.range) >= 0) return;
    let i = 0;
    while (i < this.list.length && (this.list[i] as Entry).addr <= e.addr) i++;
    this.list.splice(i, 0, e);
  }

  private rec(e: Entry): MRecord {
    return { addr: hex(e.addr), range: hex(e.range), obj: e.obj, offset: hex(e.offset) };
  }

  private remapRec(prev: Entry | null, next: Entry | null, va: Entry, keep: boolean): StepRecord {
    const start = prev !== null ? prev.addr + prev.range : va.addr;
    const end = next !== null ? next.addr : va.addr + va.range;
    return {
      op: "remap",
      prev: prev === null ? null : this.rec(prev),
      next: next === null ? null : this.rec(next),
      unmap: { va: this.rec(va), keep },
      unmap_range: { addr: hex(start), range: hex((end - start) & MASK) },
    };
  }

  /**
   * Applies a map request (or, with `apply` false, only lists its steps, as
   * `drm_gpuvm_sm_map_ops_create()` does); returns rc and steps.
   */
  map(
    addr: bigint,
    range: bigint,
    obj: number | null,
    offset: bigint,
    apply = true,
  ): [number, StepRecord[]] {
    if (!this.rangeValid(addr, range)) return [-22, []];
    const steps: StepRecord[] = [];
    const reqEnd = addr + range;
    for (let va = this.first(addr, range), following = this.after(va); va !== null; ) {
      if (va.addr >= reqEnd) break;
      const end = va.addr + va.range;
      let prev: Entry | null = null;
      let next: Entry | null = null;
      let keep = va.obj !== null && va.obj === obj;
      if (va.addr < addr) {
        prev = { addr: va.addr, range: addr - va.addr, obj: va.obj, offset: va.offset };
        keep &&= ((va.offset + (addr - va.addr)) & MASK) === offset;
      } else if (va.addr === addr) {
        keep &&= va.offset === offset;
      } else {
        keep &&= va.offset === ((offset + (va.addr - addr)) & MASK);
      }
      if (end > reqEnd) {
        next = {
          addr: reqEnd,
          range: end - reqEnd,
          obj: va.obj,
          offset: (va.offset + (reqEnd - va.addr)) & MASK,
        };
      }
      steps.push(
        prev !== null || next !== null
          ? this.remapRec(prev, next, va, keep)
          : { op: "unmap", unmap: { va: this.rec(va), keep } },
      );
      if (apply) {
        this.list.splice(this.list.indexOf(va), 1);
        if (prev !== null) this.insert(prev);
        if (next !== null) this.insert(next);
      }
      if (end >= reqEnd) break;
      va = following;
      following = this.after(va);
    }
    const m: Entry = { addr, range, obj, offset };
    steps.push({ op: "map", map: this.rec(m) });
    if (apply) this.insert(m);
    return [0, steps];
  }

  /** Applies an unmap request (or, with `apply` false, only lists its steps); returns rc and steps. */
  unmap(addr: bigint, range: bigint, apply = true): [number, StepRecord[]] {
    if (!this.rangeValid(addr, range)) return [-22, []];
    const steps: StepRecord[] = [];
    const reqEnd = addr + range;
    for (let va = this.first(addr, range), following = this.after(va); va !== null; ) {
      if (va.addr >= reqEnd) break;
      const end = va.addr + va.range;
      const prev =
        va.addr < addr
          ? { addr: va.addr, range: addr - va.addr, obj: va.obj, offset: va.offset }
          : null;
      const next =
        end > reqEnd
          ? {
              addr: reqEnd,
              range: end - reqEnd,
              obj: va.obj,
              offset: (va.offset + (reqEnd - va.addr)) & MASK,
            }
          : null;
      steps.push(
        prev !== null || next !== null
          ? this.remapRec(prev, next, va, false)
          : { op: "unmap", unmap: { va: this.rec(va), keep: false } },
      );
      if (apply) {
        this.list.splice(this.list.indexOf(va), 1);
        if (prev !== null) this.insert(prev);
        if (next !== null) this.insert(next);
      }
      va = following;
      following = this.after(va);
    }
    return [0, steps];
  }

  /** The mappings in address order. */
  records(): MRecord[] {
    return this.list.filter((e) => e.kernel !== true).map((e) => this.rec(e));
  }
}
