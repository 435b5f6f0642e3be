/**
 * The two public allocator flavours: {@link DrmMm} on numbers (fast path) and {@link DrmMm64}
 * on bigint (exact u64).
 */
import { BIGINT_ARITH, NUMBER_ARITH } from "./arith.js";
import { DrmMmCore, type DrmMmOptions } from "./core.js";

/**
 * drm_mm on plain numbers: the fast path for drivers.
 *
 * Every address, size, alignment and range bound is a `number` that must be a non-negative
 * safe integer, and the managed range `[start, start + size)` must end below
 * `Number.MAX_SAFE_INTEGER`; arguments outside that domain give -EINVAL (and `init` throws a
 * RangeError). Inside it the results equal the kernel's u64 results exactly (no kernel
 * expression can wrap there, see {@link NUMBER_ARITH}). This covers panfrost (4 KiB page numbers
 * in `[0x2000, 0x100000)`) and panthor (byte addresses below 2^48). Use {@link DrmMm64} for
 * ranges near 2^64.
 *
 * @example
 * ```ts
 * const mm = new DrmMm();
 * mm.init(0x2000, 0xfe000);
 * const node = new DrmMmNode(0, 0);
 * mm.insertNodeGeneric(node, 16, 0, 1, DRM_MM_INSERT_BEST); // 0; node.start === 0x2000
 * mm.removeNode(node);
 * ```
 */
export class DrmMm extends DrmMmCore<number> {
  /** @param options - see {@link DrmMmOptions}. */
  constructor(options: DrmMmOptions = {}) {
    super(NUMBER_ARITH, options);
  }

  /**
   * Also requires `start + size < Number.MAX_SAFE_INTEGER`, so that `insertNodeGeneric`'s range
   * end (`Number.MAX_SAFE_INTEGER`, standing for U64_MAX) lies above every hole, as U64_MAX does.
   */
  protected override checkInitRange(start: number, size: number): void {
    super.checkInitRange(start, size);
    if (start + size >= Number.MAX_SAFE_INTEGER) {
      throw new RangeError("drm_mm init: start + size must stay below Number.MAX_SAFE_INTEGER");
    }
  }
}

/**
 * drm_mm on bigint with the kernel's exact u64 semantics, wrap-around included: every value is
 * a `bigint` in `[0, 2^64)` (others give -EINVAL, or a RangeError from `init`). Slower than
 * {@link DrmMm}; use it for ranges that reach past 2^53, such as a manager ending at 2^64 - 1.
 */
export class DrmMm64 extends DrmMmCore<bigint> {
  /** @param options - see {@link DrmMmOptions}. */
  constructor(options: DrmMmOptions = {}) {
    super(BIGINT_ARITH, options);
  }
}
