/**
 * The split/merge steps drm_gpuvm hands to drivers (`struct drm_gpuva_op` and friends).
 */
import type { GpuVa, GpuVmGemObject } from "./objects.js";
import { type U64, u64Add as u64AddImport, u64Sub as u64SubImport } from "./u64.js";

// Hot-path bindings: imported functions and classes are called through module constants, so
// that module runners which resolve every use of an imported name through a getter (vitest's
// does) pay that once at load instead of on every call.
const u64Add = u64AddImport;
const u64Sub = u64SubImport;

/**
 * A mapping to create: `[addr, addr + range)` backed by `obj` from `offset`. Mirrors
 * `struct drm_gpuva_op_map` (its `va` and `gem` members flattened).
 */
export interface GpuVaOpMap {
  /** Start address of the new mapping. */
  readonly addr: U64;
  /** Length of the new mapping. */
  readonly range: U64;
  /** Backing GEM object, or `null`. */
  readonly obj: GpuVmGemObject | null;
  /** Offset into `obj` at `addr`. */
  readonly offset: U64;
}

/** An existing mapping to remove. Mirrors `struct drm_gpuva_op_unmap`. */
export interface GpuVaOpUnmap {
  /** The mapping to remove, as it is in the VM (still inserted while the step runs). */
  readonly va: GpuVa;
  /**
   * Hint: the mapping is physically contiguous with the map request (same object, same
   * object offset at every shared address), so its page-table entries could be kept. Always
   * false for unmap requests.
   */
  readonly keep: boolean;
}

/**
 * An existing mapping split by a request: remove `unmap.va`, then re-create the part before
 * the request (`prev`) and/or the part after it (`next`). Mirrors `struct drm_gpuva_op_remap`.
 */
export interface GpuVaOpRemap {
  /** The surviving head of the old mapping, or `null`. */
  readonly prev: GpuVaOpMap | null;
  /** The surviving tail of the old mapping, or `null`. */
  readonly next: GpuVaOpMap | null;
  /** The old mapping being replaced. */
  readonly unmap: GpuVaOpUnmap;
}

/** A mapping to prefetch. Mirrors `struct drm_gpuva_op_prefetch`. */
export interface GpuVaOpPrefetch {
  /** The mapping. */
  readonly va: GpuVa;
}

/** A map step. */
export interface GpuVaOpMapStep {
  /** Step kind (`DRM_GPUVA_OP_MAP`). */
  readonly op: "map";
  /** The mapping to create. */
  readonly map: GpuVaOpMap;
}

/** A remap step. */
export interface GpuVaOpRemapStep {
  /** Step kind (`DRM_GPUVA_OP_REMAP`). */
  readonly op: "remap";
  /** The split. */
  readonly remap: GpuVaOpRemap;
}

/** An unmap step. */
export interface GpuVaOpUnmapStep {
  /** Step kind (`DRM_GPUVA_OP_UNMAP`). */
  readonly op: "unmap";
  /** The mapping to remove. */
  readonly unmap: GpuVaOpUnmap;
}

/** A prefetch step (from `GpuVm.prefetchOpsCreate`). */
export interface GpuVaOpPrefetchStep {
  /** Step kind (`DRM_GPUVA_OP_PREFETCH`). */
  readonly op: "prefetch";
  /** The mapping to prefetch. */
  readonly prefetch: GpuVaOpPrefetch;
}

/** One GPU VA operation. Mirrors `struct drm_gpuva_op` (discriminated by `op`). */
export type GpuVaOp = GpuVaOpMapStep | GpuVaOpRemapStep | GpuVaOpUnmapStep | GpuVaOpPrefetchStep;

/** An address range `[addr, addr + range)`. */
export interface GpuVaRange {
  /** Start address. */
  readonly addr: U64;
  /** Length. */
  readonly range: U64;
}

/**
 * The part of a remapped mapping that becomes empty: from the end of `prev` (or the old start)
 * to the start of `next` (or the old end). This is what a driver must unmap from its page
 * tables. Mirrors `drm_gpuva_op_remap_to_unmap_range()`.
 */
export function remapToUnmapRange(remap: GpuVaOpRemap): GpuVaRange {
  const va = remap.unmap.va;
  const start = remap.prev !== null ? u64Add(remap.prev.addr, remap.prev.range) : va.addr;
  const end = remap.next !== null ? remap.next.addr : u64Add(va.addr, va.range);
  return { addr: start, range: u64Sub(end, start) };
}

/**
 * A map step that is its own payload (`step.map === step`), so a step costs one allocation.
 * Produced by the split/merge walks; consumers only rely on {@link GpuVaOpMapStep}.
 */
export class GpuVaMapStep implements GpuVaOpMapStep, GpuVaOpMap {
  /** Step kind (on the prototype, so a step object holds only its payload). */
  get op(): "map" {
    return "map";
  }
  /** Builds the step for the mapping `[addr, addr + range)` of `obj` at `offset`. */
  constructor(
    /** Start address of the new mapping. */
    readonly addr: U64,
    /** Length of the new mapping. */
    readonly range: U64,
    /** Backing GEM object, or `null`. */
    readonly obj: GpuVmGemObject | null,
    /** Offset into `obj` at `addr`. */
    readonly offset: U64,
  ) {}
  /** The mapping to create (this object). */
  get map(): GpuVaOpMap {
    return this;
  }
}

/** An unmap step that is its own payload (`step.unmap === step`). */
export class GpuVaUnmapStep implements GpuVaOpUnmapStep, GpuVaOpUnmap {
  /** Step kind (on the prototype, so a step object holds only its payload). */
  get op(): "unmap" {
    return "unmap";
  }
  /** Builds the step removing `va`. */
  constructor(
    /** The mapping to remove. */
    readonly va: GpuVa,
    /** The keep hint (see {@link GpuVaOpUnmap.keep}). */
    readonly keep: boolean,
  ) {}
  /** The mapping to remove (this object). */
  get unmap(): GpuVaOpUnmap {
    return this;
  }
}

/** A remap step that is its own payload and its own unmap part (`step.remap.unmap === step`). */
export class GpuVaRemapStep implements GpuVaOpRemapStep, GpuVaOpRemap, GpuVaOpUnmap {
  /** Step kind (on the prototype, so a step object holds only its payload). */
  get op(): "remap" {
    return "remap";
  }
  /** Builds the step replacing `va` by `prev` and/or `next`. */
  constructor(
    /** The surviving head of the old mapping, or `null`. */
    readonly prev: GpuVaOpMap | null,
    /** The surviving tail of the old mapping, or `null`. */
    readonly next: GpuVaOpMap | null,
    /** The old mapping being replaced. */
    readonly va: GpuVa,
    /** The keep hint for the old mapping. */
    readonly keep: boolean,
  ) {}
  /** The split (this object). */
  get remap(): GpuVaOpRemap {
    return this;
  }
  /** The old mapping's unmap part (this object). */
  get unmap(): GpuVaOpUnmap {
    return this;
  }
}
