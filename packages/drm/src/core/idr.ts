/**
 * Integer id allocation with the kernel idr's policy: the lowest free id at or above a base.
 */

/**
 * An id → value map that hands out the lowest free id in `[base, max]`, like `idr_alloc(idr,
 * ptr, base, 0, gfp)` does for GEM handles, syncobj handles and flink names. Removed ids are
 * reused. Mirrors the subset of `struct idr` the DRM core uses.
 */
export class Idr<T> {
  private readonly map = new Map<number, T>();
  /** Freed ids below `next`, handed out again lowest first. */
  private readonly holes: number[] = [];
  private next: number;

  /**
   * @param base - lowest id handed out (1 for handles and names).
   * @param max - highest id handed out (inclusive; the kernel uses INT_MAX). Exceeding it gives -ENOSPC.
   */
  constructor(
    readonly base = 1,
    readonly max = 0x7fff_ffff,
  ) {
    this.next = base;
  }

  /** Number of ids in use. */
  get size(): number {
    return this.map.size;
  }

  /**
   * Stores `value` under the lowest free id; the id, or -ENOSPC (-28) when every id in range is
   * taken. Mirrors idr_alloc().
   */
  alloc(value: T): number {
    let id: number;
    if (this.holes.length > 0) {
      let bestIdx = 0;
      for (let i = 1; i < this.holes.length; i++) {
        if ((this.holes[i] as number) < (this.holes[bestIdx] as number)) bestIdx = i;
      }
      id = this.holes[bestIdx] as number;
      this.holes[bestIdx] = this.holes[this.holes.length - 1] as number;
      this.holes.pop();
    } else {
      if (this.next > this.max) return -28;
      id = this.next++;
    }
    this.map.set(id, value);
    return id;
  }

  /** The value stored under `id`, or undefined. Mirrors idr_find(). */
  find(id: number): T | undefined {
    return this.map.get(id);
  }

  /** Whether `id` is in use. */
  has(id: number): boolean {
    return this.map.has(id);
  }

  /** Removes `id`; the value it held, or undefined if it was free. Mirrors idr_remove(). */
  remove(id: number): T | undefined {
    const v = this.map.get(id);
    if (v === undefined && !this.map.has(id)) return undefined;
    this.map.delete(id);
    if (id === this.next - 1) {
      this.next--;
      // Pull `next` down over trailing holes so the hole list stays short.
      for (;;) {
        const at = this.holes.indexOf(this.next - 1);
        if (at < 0 || this.next - 1 < this.base) break;
        this.holes[at] = this.holes[this.holes.length - 1] as number;
        this.holes.pop();
        this.next--;
      }
    } else {
      this.holes.push(id);
    }
    return v;
  }

  /** Replaces the value under an id in use; false if the id is free. Mirrors idr_replace(). */
  replace(id: number, value: T): boolean {
    if (!this.map.has(id)) return false;
    this.map.set(id, value);
    return true;
  }

  /** Every (id, value) pair in increasing id order. */
  entries(): [number, T][] {
    return [...this.map.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Every id in use, increasing. */
  ids(): number[] {
    return [...this.map.keys()].sort((a, b) => a - b);
  }
}
