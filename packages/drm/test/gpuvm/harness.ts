/**
 * Test helpers for drm_gpuvm: a minimal GEM object, a panthor-style step applier, and
 * conversions of mappings and steps to the golden vectors' record format.
 */
import {
  GemGpuvaList,
  GpuVa as GpuVaImport,
  type GpuVaOp,
  type GpuVaOpMap,
  type GpuVm,
  GpuVmBo as GpuVmBoImport,
  type GpuVmGemObject,
  type GpuVmOps,
  remapToUnmapRange,
  type U64,
  u64Hex,
} from "../../src/gpuvm/index.js";

// Bound once: the benchmarks run this applier, and vitest's module runner would otherwise
// resolve the imported class names through a getter on every step.
const GpuVa = GpuVaImport;
type GpuVa = GpuVaImport;
const GpuVmBo = GpuVmBoImport;

/** A GEM object for tests: an id, a size, a reference count and its own reservation object. */
export class TestGem implements GpuVmGemObject {
  readonly gpuva = new GemGpuvaList();
  refs = 1;
  constructor(
    readonly id: number,
    readonly size: number = 1 << 30,
    readonly resv: object = {},
  ) {}
  get(): void {
    this.refs++;
  }
  put(): void {
    this.refs--;
  }
}

/** Golden mapping record. */
export interface MRecord {
  addr: string;
  range: string;
  obj: number | null;
  offset: string;
  kernel_reserved?: true;
}

/** Golden step record. */
export type StepRecord =
  | { op: "map"; map: MRecord }
  | {
      op: "remap";
      prev: MRecord | null;
      next: MRecord | null;
      unmap: { va: MRecord; keep: boolean };
      unmap_range: { addr: string; range: string };
    }
  | { op: "unmap"; unmap: { va: MRecord; keep: boolean } };

function objId(obj: GpuVmGemObject | null): number | null {
  if (obj === null) return null;
  if (obj instanceof TestGem) return obj.id;
  throw new Error("mapping of an object that is not a TestGem");
}

function rec(addr: U64, range: U64, obj: GpuVmGemObject | null, offset: U64): MRecord {
  return { addr: u64Hex(addr), range: u64Hex(range), obj: objId(obj), offset: u64Hex(offset) };
}

/** Record of a mapping (flagging the VM's reserved node). */
export function vaRecord(vm: GpuVm<unknown>, va: GpuVa): MRecord {
  const r = rec(va.addr, va.range, va.obj, va.offset);
  if (va === vm.kernelAllocNode) r.kernel_reserved = true;
  return r;
}

function opMapRecord(m: GpuVaOpMap): MRecord {
  return rec(m.addr, m.range, m.obj, m.offset);
}

/** Record of a step, taken before the step is applied. */
export function stepRecord(op: GpuVaOp): StepRecord {
  switch (op.op) {
    case "map":
      return { op: "map", map: opMapRecord(op.map) };
    case "unmap":
      return { op: "unmap", unmap: { va: vaRecordPlain(op.unmap.va), keep: op.unmap.keep } };
    case "remap": {
      const r = op.remap;
      const u = remapToUnmapRange(r);
      return {
        op: "remap",
        prev: r.prev === null ? null : opMapRecord(r.prev),
        next: r.next === null ? null : opMapRecord(r.next),
        unmap: { va: vaRecordPlain(r.unmap.va), keep: r.unmap.keep },
        unmap_range: { addr: u64Hex(u.addr), range: u64Hex(u.range) },
      };
    }
    default:
      throw new Error(`unexpected op ${op.op}`);
  }
}

function vaRecordPlain(va: GpuVa): MRecord {
  return rec(va.addr, va.range, va.obj, va.offset);
}

/** The VM's mappings in address order, reserved node left out. */
export function mappingRecords(vm: GpuVm<unknown>): MRecord[] {
  const out: MRecord[] = [];
  for (const va of vm.vas()) if (va !== vm.kernelAllocNode) out.push(vaRecordPlain(va));
  return out;
}

/** Per-request context passed as `priv` to the step callbacks. */
export interface StepContext {
  /** The VM the steps apply to. */
  vm: GpuVm<StepContext>;
  /** Records of the steps seen, in order. */
  log: StepRecord[] | null;
  /** When set, the step with this index (0-based) fails with this errno instead of applying. */
  failAt: { index: number; errno: number } | null;
  /** Steps seen so far. */
  count: number;
  /**
   * When set, a free list of mapping objects: new mappings are taken from it and removed ones
   * go back to it, as panthor's mappings come from preallocated kmem_cache objects. `null`:
   * every mapping is a fresh object.
   */
  spare: GpuVa[] | null;
}

/** Creates a fresh step context. */
export function stepContext(
  vm: GpuVm<StepContext>,
  log: StepRecord[] | null = [],
  spare: GpuVa[] | null = null,
): StepContext {
  return { vm, log, failAt: null, count: 0, spare };
}

/** A mapping object: from the free list when there is one, else a new one. */
function takeVa(ctx: StepContext): GpuVa {
  return ctx.spare?.pop() ?? new GpuVa();
}

/** Gives a removed and unlinked mapping object back to the free list, if any. */
function recycleVa(ctx: StepContext, va: GpuVa): void {
  if (ctx.spare === null) return;
  va.flags = 0;
  va.obj = null;
  ctx.spare.push(va);
}

function before(op: GpuVaOp, ctx: StepContext): number {
  ctx.log?.push(stepRecord(op));
  const i = ctx.count++;
  if (ctx.failAt !== null && ctx.failAt.index === i) return ctx.failAt.errno;
  return 0;
}

/**
 * Applies a map step the way panthor does: insert a new mapping, link it to the object's
 * vm_bo (obtained for the occasion, put on the extobj list when external).
 */
export function applyMap(ctx: StepContext, map: GpuVaOpMap): void {
  const vm = ctx.vm;
  const va = takeVa(ctx);
  // The insertion fails (-EEXIST) only for a zero-length request that still intersects a
  // mapping; the kernel's drm_gpuva_map() ignores that, a careful driver drops the mapping.
  if (vm.vaMap(va, map) !== 0) {
    recycleVa(ctx, va);
    return;
  }
  if (map.obj !== null) {
    const vmBo = vm.boObtain(map.obj);
    if (!(vmBo instanceof GpuVmBo)) throw new Error(`boObtain failed: ${vmBo}`);
    vmBo.extobjAdd();
    va.link(vmBo);
    vmBo.put();
  }
}

/** Step callbacks that record each step in `priv.log` and apply it (panthor style). */
export const applyingOps: GpuVmOps<StepContext> = {
  vmFree: () => {},
  smStepMap(op, ctx) {
    const rc = before(op, ctx);
    if (rc !== 0) return rc;
    applyMap(ctx, op.map);
    return 0;
  },
  smStepRemap(op, ctx) {
    const rc = before(op, ctx);
    if (rc !== 0) return rc;
    const old = op.remap.unmap.va;
    const vmBo = old.vmBo;
    const prev = op.remap.prev !== null ? takeVa(ctx) : null;
    const next = op.remap.next !== null ? takeVa(ctx) : null;
    ctx.vm.vaRemap(prev, next, op.remap);
    // A part whose insertion was refused (see applyMap) is dropped, the others linked.
    for (const part of [prev, next]) {
      if (part === null) continue;
      if (!part.inTree) recycleVa(ctx, part);
      else if (vmBo !== null) part.link(vmBo);
    }
    old.unlink();
    recycleVa(ctx, old);
    return 0;
  },
  smStepUnmap(op, ctx) {
    const rc = before(op, ctx);
    if (rc !== 0) return rc;
    const va = op.unmap.va;
    ctx.vm.vaUnmap(op.unmap);
    va.unlink();
    recycleVa(ctx, va);
    return 0;
  },
};

/** Removes and unlinks every mapping but the reserved node (teardown). */
export function removeAll(vm: GpuVm<StepContext>): void {
  for (const va of [...vm.vas()]) {
    if (va === vm.kernelAllocNode) continue;
    vm.vaUnmap({ va, keep: false });
    va.unlink();
  }
}
