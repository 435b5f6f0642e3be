/**
 * The split/merge walks behind `GpuVm.smMap` and `GpuVm.smUnmap`: given the existing mappings
 * and a request, emit the map / remap / unmap steps, in the kernel's order, to a step sink.
 * Mirrors `__drm_gpuvm_sm_map()` and `__drm_gpuvm_sm_unmap()`.
 */
import { EINVAL as EINVAL_ } from "@panmmu/uapi";
import type { GpuVa, GpuVmGemObject } from "./objects.js";
import {
  type GpuVaOpMap,
  type GpuVaOpMapStep,
  type GpuVaOpRemapStep,
  type GpuVaOpUnmapStep,
  GpuVaMapStep as MapStep,
  GpuVaRemapStep as RemapStep,
  GpuVaUnmapStep as UnmapStep,
} from "./ops.js";
import { type U64, u64Add as u64AddImport, u64Sub as u64SubImport } from "./u64.js";

// Hot-path bindings: imported functions and classes are called through module constants, so
// that module runners which resolve every use of an imported name through a getter (vitest's
// does) pay that once at load instead of on every call.
const EINVAL = EINVAL_;
const u64Add = u64AddImport;
const u64Sub = u64SubImport;
const GpuVaMapStep = MapStep;
const GpuVaRemapStep = RemapStep;
const GpuVaUnmapStep = UnmapStep;

/** The view of a VM the walks need. All values are normalized U64s. */
export interface SplitMergeSpace {
  /** `drm_gpuvm_range_valid()` on normalized values. */
  rangeValidU64(addr: U64, range: U64): boolean;
  /** `drm_gpuva_find_first()` on normalized values. */
  findFirstU64(addr: U64, range: U64): GpuVa | null;
}

/**
 * Receives the steps of a walk. Each returns 0 to continue or a negative errno, which stops
 * the walk and becomes its result (steps already taken stay taken).
 */
export interface SplitMergeSink<P> {
  /** Takes a map step (`sm_step_map`). */
  smStepMap(op: GpuVaOpMapStep, priv: P): number;
  /** Takes a remap step (`sm_step_remap`). */
  smStepRemap(op: GpuVaOpRemapStep, priv: P): number;
  /** Takes an unmap step (`sm_step_unmap`). */
  smStepUnmap(op: GpuVaOpUnmapStep, priv: P): number;
}

/**
 * Walks the mappings overlapping `[reqAddr, reqAddr + reqRange)` in address order and emits
 * the steps that make room for the requested mapping, then the map step for the request
 * itself. Returns 0, `-EINVAL` for an invalid range (no step emitted), or the first non-zero
 * step result. Mirrors `__drm_gpuvm_sm_map()`.
 */
export function splitMergeMap<P>(
  space: SplitMergeSpace,
  sink: SplitMergeSink<P>,
  priv: P,
  reqAddr: U64,
  reqRange: U64,
  reqObj: GpuVmGemObject | null,
  reqOffset: U64,
): number {
  if (!space.rangeValidU64(reqAddr, reqRange)) return -EINVAL;
  const reqEnd = u64Add(reqAddr, reqRange);

  let va = space.findFirstU64(reqAddr, reqRange);
  while (va !== null && va.addr < reqEnd) {
    // The successor is taken before the step can change the tree.
    const following: GpuVa | null = va.itNext;
    const obj = va.obj;
    const offset = va.offset;
    const addr = va.addr;
    const range = va.range;
    const end = u64Add(addr, range);
    let keep = obj !== null && obj === reqObj;
    let rc: number;

    if (addr === reqAddr) {
      keep = keep && offset === reqOffset;
      if (end > reqEnd) {
        const next = {
          addr: reqEnd,
          range: u64Sub(range, reqRange),
          obj,
          offset: u64Add(offset, reqRange),
        };
        rc = sink.smStepRemap(new GpuVaRemapStep(null, next, va, keep), priv);
        if (rc !== 0) return rc;
        break;
      }
      rc = sink.smStepUnmap(new GpuVaUnmapStep(va, keep), priv);
      if (rc !== 0) return rc;
      if (end === reqEnd) break;
    } else if (addr < reqAddr) {
      const headRange = u64Sub(reqAddr, addr);
      const prev = { addr, range: headRange, obj, offset };
      keep = keep && u64Add(offset, headRange) === reqOffset;
      let next: GpuVaOpMap | null = null;
      if (end > reqEnd) {
        next = {
          addr: reqEnd,
          range: u64Sub(end, reqEnd),
          obj,
          offset: u64Add(u64Add(offset, headRange), reqRange),
        };
      }
      rc = sink.smStepRemap(new GpuVaRemapStep(prev, next, va, keep), priv);
      if (rc !== 0) return rc;
      if (end >= reqEnd) break;
    } else {
      keep = keep && offset === u64Add(reqOffset, u64Sub(addr, reqAddr));
      if (end > reqEnd) {
        const next = {
          addr: reqEnd,
          range: u64Sub(end, reqEnd),
          obj,
          offset: u64Add(offset, u64Sub(reqEnd, addr)),
        };
        rc = sink.smStepRemap(new GpuVaRemapStep(null, next, va, keep), priv);
        if (rc !== 0) return rc;
        break;
      }
      rc = sink.smStepUnmap(new GpuVaUnmapStep(va, keep), priv);
      if (rc !== 0) return rc;
      if (end === reqEnd) break;
    }
    va = following;
  }

  return sink.smStepMap(new GpuVaMapStep(reqAddr, reqRange, reqObj, reqOffset), priv);
}

/**
 * Walks the mappings overlapping `[reqAddr, reqAddr + reqRange)` and emits an unmap step for
 * each one fully inside, or a remap step keeping the parts outside the range. Returns 0,
 * `-EINVAL` for an invalid range, or the first non-zero step result. Mirrors
 * `__drm_gpuvm_sm_unmap()`.
 */
export function splitMergeUnmap<P>(
  space: SplitMergeSpace,
  sink: SplitMergeSink<P>,
  priv: P,
  reqAddr: U64,
  reqRange: U64,
): number {
  if (!space.rangeValidU64(reqAddr, reqRange)) return -EINVAL;
  const reqEnd = u64Add(reqAddr, reqRange);

  let va = space.findFirstU64(reqAddr, reqRange);
  while (va !== null && va.addr < reqEnd) {
    const following: GpuVa | null = va.itNext;
    const obj = va.obj;
    const offset = va.offset;
    const addr = va.addr;
    const end = u64Add(addr, va.range);
    const prev = addr < reqAddr ? { addr, range: u64Sub(reqAddr, addr), obj, offset } : null;
    const next =
      end > reqEnd
        ? {
            addr: reqEnd,
            range: u64Sub(end, reqEnd),
            obj,
            offset: u64Add(offset, u64Sub(reqEnd, addr)),
          }
        : null;
    const rc =
      prev !== null || next !== null
        ? sink.smStepRemap(new GpuVaRemapStep(prev, next, va, false), priv)
        : sink.smStepUnmap(new GpuVaUnmapStep(va, false), priv);
    if (rc !== 0) return rc;
    va = following;
  }
  return 0;
}
