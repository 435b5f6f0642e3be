/**
 * The GPU VA manager: one instance per GPU virtual address space. Mirrors `struct drm_gpuvm`
 * and the functions of drivers/gpu/drm/drm_gpuvm.c.
 */
import {
  EEXIST,
  EINVAL,
  ENOMEM,
  EOPNOTSUPP,
  NULL_WARNING_SINK,
  type WarningSink,
} from "@panmmu/uapi";
import { IntervalTree } from "./interval-tree.js";
import { GemGpuvaList, GpuVa, type GpuVmBase, GpuVmBo, type GpuVmGemObject } from "./objects.js";
import {
  type GpuVaOp,
  type GpuVaOpMap,
  type GpuVaOpMapStep,
  type GpuVaOpRemap,
  type GpuVaOpRemapStep,
  type GpuVaOpUnmap,
  type GpuVaOpUnmapStep,
  GpuVaUnmapStep,
} from "./ops.js";
import {
  type SplitMergeSink,
  splitMergeMap as splitMergeMapImport,
  splitMergeUnmap as splitMergeUnmapImport,
} from "./split-merge.js";
import {
  toU64 as toU64Import,
  type U64,
  type U64Input,
  u64Add as u64AddImport,
  u64AddOverflows as u64AddOverflowsImport,
  u64Hex,
  u64Sub as u64SubImport,
} from "./u64.js";

// Hot-path bindings: imported functions and classes are called through module constants, so
// that module runners which resolve every use of an imported name through a getter (vitest's
// does) pay that once at load instead of on every call.
const toU64 = toU64Import;
const u64Add = u64AddImport;
const u64Sub = u64SubImport;
const u64AddOverflows = u64AddOverflowsImport;
const splitMergeMap = splitMergeMapImport;
const splitMergeUnmap = splitMergeUnmapImport;

/** `DRM_GPUVM_RESV_PROTECTED`: the VM's lists are protected by the VM's reservation lock. */
export const GPUVM_RESV_PROTECTED = 1 << 0;
/** `DRM_GPUVM_USERBITS`: first VM flag bit free for drivers. */
export const GPUVM_USERBITS = 1 << 1;

/**
 * Driver callbacks. Mirrors `struct drm_gpuvm_ops`. `P` is the type of the `priv` value passed
 * through `smMap`/`smUnmap` to the step callbacks.
 */
export interface GpuVmOps<P = unknown> {
  /** Called when the last VM reference is dropped (mandatory; a warning is raised without). */
  vmFree?(vm: GpuVm<P>): void;
  /**
   * Allocates a vm_bo, e.g. a driver subclass of {@link GpuVmBo} built with `new (vm, obj)`;
   * `null` means out of memory. Optional: a plain `GpuVmBo` is used without it.
   */
  vmBoAlloc?(vm: GpuVm<P>, obj: GpuVmGemObject): GpuVmBo | null;
  /** Called when a vm_bo's last reference is dropped. Optional. */
  vmBoFree?(vmBo: GpuVmBo): void;
  /** Validates one evicted object's vm_bo for {@link GpuVm.validate}; 0 or a negative errno. */
  vmBoValidate?(vmBo: GpuVmBo, exec: unknown): number;
  /** Map step of `smMap` (required by `smMap`). 0 to continue, or a negative errno to stop. */
  smStepMap?(op: GpuVaOpMapStep, priv: P): number;
  /** Remap step of `smMap`/`smUnmap` (required by both). 0, or a negative errno to stop. */
  smStepRemap?(op: GpuVaOpRemapStep, priv: P): number;
  /** Unmap step of `smMap`/`smUnmap` (required by both). 0, or a negative errno to stop. */
  smStepUnmap?(op: GpuVaOpUnmapStep, priv: P): number;
}

/** Optional settings of {@link GpuVm.init} beyond the kernel's positional arguments. */
export interface GpuVmOptions {
  /** `GPUVM_*` flags (`GPUVM_RESV_PROTECTED` …). Default 0. */
  readonly flags?: number;
  /**
   * The GEM object providing the VM's common reservation object (`r_obj`); objects sharing its
   * `resv` are private to the VM. Default: a fresh one from {@link GpuVm.resvObjectAlloc}.
   */
  readonly resvObj?: GpuVmGemObject;
  /** Sink for `WARN_ON()` reports. Default: dropped. */
  readonly warnings?: WarningSink;
}

/** Collects steps into a list instead of applying them (the kernel's `gpuvm_list_ops`). */
class OpListSink implements SplitMergeSink<null> {
  readonly ops: GpuVaOp[] = [];
  smStepMap(op: GpuVaOpMapStep): number {
    this.ops.push(op);
    return 0;
  }
  smStepRemap(op: GpuVaOpRemapStep): number {
    this.ops.push(op);
    return 0;
  }
  smStepUnmap(op: GpuVaOpUnmapStep): number {
    this.ops.push(op);
    return 0;
  }
}

function requireU64(v: U64Input, what: string): U64 {
  const u = toU64(v);
  if (u === null) throw new RangeError(`GpuVm: ${what} is not a u64 (${String(v)})`);
  return u;
}

/**
 * A GPU VA space: mappings ({@link GpuVa}) in an interval tree, the vm_bos of the objects
 * mapped in it, and the split/merge logic that turns map and unmap requests into steps.
 * Mirrors `struct drm_gpuvm`.
 *
 * **Values.** Addresses, ranges and offsets are u64, in any unit the driver likes (bytes,
 * pages). Parameters take a {@link U64Input} (`number` or `bigint`); values kept in mappings and
 * steps are normalized {@link U64}s, i.e. plain numbers below 2^53 and bigints only above, so a
 * driver working below 2^48 sees only numbers. All arithmetic and range checks are exact
 * modulo 2^64 like the kernel's; the bigint path runs only for values that need it.
 *
 * **Errors.** Entry points return 0 or a negative errno and leave the VM unchanged on bad input;
 * the constructor alone throws (a `RangeError` for a non-u64 argument), as it cannot fail in
 * the kernel.
 */
export class GpuVm<P = unknown> implements GpuVmBase {
  /** Name of the VA space (`name`). */
  readonly name: string;
  /** `GPUVM_*` flags. */
  readonly flags: number;
  /** Start of the VA space (`mm_start`). */
  readonly mmStart: U64;
  /** Length of the VA space (`mm_range`). */
  readonly mmRange: U64;
  /**
   * The kernel-reserved node (`kernel_alloc_node`): `range` 0 when there is none. It is in the
   * tree (lookups can return it) unless its end overflowed u64 at init, but it is never split
   * or removed, and requests intersecting it are invalid.
   */
  readonly kernelAllocNode: GpuVa;
  /** The driver callbacks. */
  readonly ops: GpuVmOps<P>;
  /** The GEM object holding the VM's common reservation object (`r_obj`). */
  readonly resvObj: GpuVmGemObject;
  /** Sink for `WARN_ON()` reports. */
  readonly warnings: WarningSink;
  /** vm_bos of external objects (`extobj.list`), in insertion order. */
  readonly extobjList = new Set<GpuVmBo>();
  /** vm_bos of evicted objects (`evict.list`), in insertion order. */
  readonly evictList = new Set<GpuVmBo>();
  /** Reference count (`kref`); starts at 1, and each inserted mapping and vm_bo holds one. */
  refcount = 1;

  /** @internal The interval tree and address-ordered list of mappings (`rb`). */
  readonly tree = new IntervalTree<GpuVa>();
  /** `mm_start + mm_range` modulo 2^64. */
  private readonly mmEnd: U64;
  /** `kernel_alloc_node` end modulo 2^64. */
  private readonly kernelEnd: U64;

  /**
   * Initializes a VA space over `[mmStart, mmStart + mmRange)` with an optional
   * kernel-reserved region `[reserveOffset, reserveOffset + reserveRange)` (none when
   * `reserveRange` is 0). An overflowing VA space or reserved region draws a warning; the
   * reserved node is then left out of the tree but still excluded by `rangeValid`, as in the
   * kernel. Mirrors `drm_gpuvm_init()`.
   *
   * @throws RangeError when an address argument is not a u64.
   */
  constructor(
    name: string,
    mmStart: U64Input,
    mmRange: U64Input,
    reserveOffset: U64Input,
    reserveRange: U64Input,
    ops: GpuVmOps<P>,
    options: GpuVmOptions = {},
  ) {
    const start = requireU64(mmStart, "mmStart");
    const range = requireU64(mmRange, "mmRange");
    const kStart = requireU64(reserveOffset, "reserveOffset");
    const kRange = requireU64(reserveRange, "reserveRange");
    this.name = name !== "" ? name : "unknown";
    this.flags = options.flags ?? 0;
    this.ops = ops;
    this.warnings = options.warnings ?? NULL_WARNING_SINK;
    this.resvObj = options.resvObj ?? GpuVm.resvObjectAlloc();
    this.resvObj.get?.();

    if (u64AddOverflows(start, range)) {
      this.warnings.warn("drm_gpuvm_init", "GPUVA address limited to 8 bytes (VA space overflows)");
    }
    this.mmStart = start;
    this.mmRange = range;
    this.mmEnd = u64Add(start, range);

    const node = new GpuVa();
    this.kernelAllocNode = node;
    this.kernelEnd = 0;
    if (kRange !== 0) {
      node.init(kStart, kRange, null, 0);
      this.kernelEnd = u64Add(kStart, kRange);
      if (u64AddOverflows(kStart, kRange)) {
        this.warnings.warn(
          "drm_gpuvm_init",
          "GPUVA address limited to 8 bytes (reserve overflows)",
        );
      } else {
        this.insertNode(node);
      }
    }
  }

  /** Creates a VM; same as the constructor. Mirrors `drm_gpuvm_init()`. */
  static init<P = unknown>(
    name: string,
    mmStart: U64Input,
    mmRange: U64Input,
    reserveOffset: U64Input,
    reserveRange: U64Input,
    ops: GpuVmOps<P>,
    options: GpuVmOptions = {},
  ): GpuVm<P> {
    return new GpuVm<P>(name, mmStart, mmRange, reserveOffset, reserveRange, ops, options);
  }

  /**
   * A GEM object whose only job is to carry a fresh reservation object for a VM. Mirrors
   * `drm_gpuvm_resv_object_alloc()`.
   */
  static resvObjectAlloc(): GpuVmGemObject {
    return { size: 0, gpuva: new GemGpuvaList(), resv: {} };
  }

  /** True when created with `GPUVM_RESV_PROTECTED`. Mirrors `drm_gpuvm_resv_protected()`. */
  get resvProtected(): boolean {
    return (this.flags & GPUVM_RESV_PROTECTED) !== 0;
  }

  // ---------------------------------------------------------------- references

  /** Takes a reference and returns this VM. Mirrors `drm_gpuvm_get()`. */
  get(): this {
    if (this.refcount <= 0) this.warnings.warn("drm_gpuvm_get", "reference taken on a freed VM");
    this.refcount++;
    return this;
  }

  /**
   * Drops a reference. The last one tears the VM down (removes the reserved node, warns about
   * leftover mappings or list entries, releases the resv object) and calls the `vmFree` op.
   * Mirrors `drm_gpuvm_put()`.
   */
  put(): void {
    // Kept small so that it inlines into the removal path; the rare work is out of line.
    const left = this.refcount - 1;
    if (left > 0) {
      this.refcount = left;
      return;
    }
    this.release();
  }

  /** The last `put()` (or a put too many): `drm_gpuvm_free()` and its checks. */
  private release(): void {
    if (this.refcount <= 0) {
      this.warnings.warn("drm_gpuvm_put", "reference dropped on a freed VM");
      return;
    }
    this.refcount = 0;
    if (this.kernelAllocNode.inTree) this.removeNode(this.kernelAllocNode);
    if (this.tree.size !== 0) {
      this.warnings.warn("drm_gpuvm_fini", "GPUVA tree is not empty, potentially leaking memory");
    }
    if (this.extobjList.size !== 0) this.warnings.warn("drm_gpuvm_fini", "extobj list not empty");
    if (this.evictList.size !== 0) this.warnings.warn("drm_gpuvm_fini", "evict list not empty");
    this.resvObj.put?.();
    if (this.ops.vmFree === undefined) {
      this.warnings.warn("drm_gpuvm_free", "no vmFree op");
      return;
    }
    this.ops.vmFree(this);
  }

  // ---------------------------------------------------------------- range checks and lookups

  /**
   * True when `[addr, addr + range)` does not overflow u64, lies inside the VA space and does
   * not intersect the kernel-reserved region. A zero range is accepted. Non-u64 arguments give
   * false. Mirrors `drm_gpuvm_range_valid()`.
   */
  rangeValid(addr: U64Input, range: U64Input): boolean {
    const a = toU64(addr);
    const r = toU64(range);
    return a !== null && r !== null && this.rangeValidU64(a, r);
  }

  /** {@link GpuVm.rangeValid} on normalized values. */
  rangeValidU64(addr: U64, range: U64): boolean {
    if (u64AddOverflows(addr, range)) return false;
    const end = u64Add(addr, range);
    if (addr < this.mmStart || end > this.mmEnd) return false;
    const kRange = this.kernelAllocNode.range;
    return kRange === 0 || !(addr < this.kernelEnd && this.kernelAllocNode.addr < end);
  }

  /**
   * The first mapping in address order overlapping `[addr, addr + range)` (the reserved node
   * included), or `null`. `range` 0 searches the inverted interval `[addr, addr - 1]` as the
   * kernel does. Mirrors `drm_gpuva_find_first()`.
   */
  findFirst(addr: U64Input, range: U64Input): GpuVa | null {
    const a = toU64(addr);
    const r = toU64(range);
    return a === null || r === null ? null : this.findFirstU64(a, r);
  }

  /** {@link GpuVm.findFirst} on normalized values. */
  findFirstU64(addr: U64, range: U64): GpuVa | null {
    return this.tree.iterFirst(addr, u64Sub(u64Add(addr, range), 1));
  }

  /**
   * The mapping that is exactly `[addr, addr + range)`, or `null`. Mirrors `drm_gpuva_find()`.
   */
  find(addr: U64Input, range: U64Input): GpuVa | null {
    const va = this.findFirst(addr, range);
    if (va === null) return null;
    return va.addr === toU64(addr) && va.range === toU64(range) ? va : null;
  }

  /**
   * The mapping ending at `start` (or, quirk kept from the kernel, one starting there when
   * nothing covers `start - 1`), or `null`. Mirrors `drm_gpuva_find_prev()`.
   */
  findPrev(start: U64Input): GpuVa | null {
    const s = toU64(start);
    if (s === null) return null;
    const before = u64Sub(s, 1);
    if (!this.rangeValidU64(before, 1)) return null;
    return this.tree.iterFirst(before, s);
  }

  /** The mapping starting at `end`, or `null`. Mirrors `drm_gpuva_find_next()`. */
  findNext(end: U64Input): GpuVa | null {
    const e = toU64(end);
    if (e === null || !this.rangeValidU64(e, 1)) return null;
    return this.tree.iterFirst(e, u64Add(e, 1));
  }

  /** True when no mapping overlaps the interval. Mirrors `drm_gpuvm_interval_empty()`. */
  intervalEmpty(addr: U64Input, range: U64Input): boolean {
    return this.findFirst(addr, range) === null;
  }

  // ---------------------------------------------------------------- iteration

  /** Number of nodes in the tree (the inserted reserved node included). */
  get vaCount(): number {
    return this.tree.size;
  }

  /** Lowest node in address order, or `null`. */
  get firstVa(): GpuVa | null {
    return this.tree.first;
  }

  /** The node after `va` in address order, or `null`. Mirrors `__drm_gpuva_next()`. */
  nextVa(va: GpuVa): GpuVa | null {
    return va.itNext;
  }

  /**
   * Every node in address order, the inserted reserved node included; safe against removal of
   * the node just returned. Mirrors `drm_gpuvm_for_each_va_safe()`.
   */
  *vas(): IterableIterator<GpuVa> {
    let va = this.tree.first;
    while (va !== null) {
      const next = va.itNext;
      yield va;
      va = next;
    }
  }

  /**
   * The nodes from the first one overlapping `[start, end)` on, while they start before `end`;
   * safe against removal of the node just returned. Yields nothing for non-u64 arguments.
   * Mirrors `drm_gpuvm_for_each_va_range_safe()`.
   */
  *vasInRange(start: U64Input, end: U64Input): IterableIterator<GpuVa> {
    const s = toU64(start);
    const e = toU64(end);
    if (s === null || e === null) return;
    let va = this.findFirstU64(s, u64Sub(e, s));
    while (va !== null && va.addr < e) {
      const next: GpuVa | null = va.itNext;
      yield va;
      va = next;
    }
  }

  // ---------------------------------------------------------------- insert / remove

  /**
   * Inserts `va` (its `addr`, `range`, `obj`, `offset` already set) and takes a VM reference.
   * Returns 0, `-EINVAL` for a non-u64 field or an invalid range, or `-EEXIST` when it overlaps
   * an existing node (or is already inserted). Mirrors `drm_gpuva_insert()`.
   */
  insert(va: GpuVa): number {
    const addr = toU64(va.addr);
    const range = toU64(va.range);
    const offset = toU64(va.offset);
    if (addr === null || range === null || offset === null) return -EINVAL;
    if (!this.rangeValidU64(addr, range)) return -EINVAL;
    // A node already in a tree overlaps itself, as the kernel's lookup would find.
    if (va.inTree) return -EEXIST;
    va.addr = addr;
    va.range = range;
    va.offset = offset;
    const rc = this.insertNode(va);
    if (rc === 0) this.get();
    return rc;
  }

  /**
   * Removes `va` from the tree and drops the VM reference it held. The reserved node cannot be
   * removed (a warning is raised). Mirrors `drm_gpuva_remove()`.
   */
  remove(va: GpuVa): void {
    if (va === this.kernelAllocNode) {
      this.warnings.warn("drm_gpuva_remove", "Can't destroy kernel reserved node");
      return;
    }
    if (!va.inTree || va.vm !== this) {
      this.warnings.warn("drm_gpuva_remove", "mapping is not in this VM");
      return;
    }
    this.removeNode(va);
    this.put();
  }

  /** Tree insertion without range check or reference (`__drm_gpuva_insert()`). */
  private insertNode(va: GpuVa): number {
    va.itLast = u64Sub(u64Add(va.addr, va.range), 1);
    if (!this.tree.insertUnlessOverlapping(va)) return -EEXIST;
    va.vm = this;
    va.inTree = true;
    return 0;
  }

  /** Tree removal without reference (`__drm_gpuva_remove()`). */
  private removeNode(va: GpuVa): void {
    this.tree.remove(va);
    va.inTree = false;
  }

  // ---------------------------------------------------------------- applying steps

  /**
   * Initializes `va` from a map op and inserts it. Returns the insertion result (the kernel
   * ignores it; it is 0 when the op comes from a walk on the current state). Mirrors
   * `drm_gpuva_map()`.
   */
  vaMap(va: GpuVa, op: GpuVaOpMap): number {
    va.init(op.addr, op.range, op.obj, op.offset);
    return this.insert(va);
  }

  /**
   * Removes the remapped mapping and inserts `prev` and/or `next` initialized from the op's
   * `prev`/`next` (pass `null` for a part the op does not have). Linking the new mappings to a
   * vm_bo is left to the caller, as in the kernel. Mirrors `drm_gpuva_remap()`.
   */
  vaRemap(prev: GpuVa | null, next: GpuVa | null, op: GpuVaOpRemap): void {
    this.remove(op.unmap.va);
    if (op.prev !== null) {
      if (prev === null) this.warnings.warn("drm_gpuva_remap", "no GpuVa for the prev part");
      else this.vaMap(prev, op.prev);
    }
    if (op.next !== null) {
      if (next === null) this.warnings.warn("drm_gpuva_remap", "no GpuVa for the next part");
      else this.vaMap(next, op.next);
    }
  }

  /** Removes the op's mapping from the tree. Mirrors `drm_gpuva_unmap()`. */
  vaUnmap(op: GpuVaOpUnmap): void {
    this.remove(op.va);
  }

  // ---------------------------------------------------------------- split / merge

  /**
   * Splits and removes whatever `[addr, addr + range)` overlaps and maps `obj` from `offset`
   * there, by calling the `smStep*` ops in the kernel's order: unmap and remap steps for the
   * overlapped mappings in address order (with the `keep` hint), then one map step for the
   * request. The callbacks apply the steps (e.g. with {@link GpuVm.vaMap}). Returns 0,
   * `-EINVAL` (missing step op, non-u64 or invalid range; nothing called), or the first
   * non-zero callback result, which stops the walk with earlier steps left applied.
   * Mirrors `drm_gpuvm_sm_map()`.
   */
  smMap(
    priv: P,
    addr: U64Input,
    range: U64Input,
    obj: GpuVmGemObject | null,
    offset: U64Input,
  ): number {
    const sink = this.stepSink(true);
    const a = toU64(addr);
    const r = toU64(range);
    const o = toU64(offset);
    if (sink === null || a === null || r === null || o === null) return -EINVAL;
    return splitMergeMap(this, sink, priv, a, r, obj, o);
  }

  /**
   * Removes whatever `[addr, addr + range)` overlaps, splitting mappings that stick out, by
   * calling the `smStepRemap`/`smStepUnmap` ops in address order. Returns 0 (also when nothing
   * overlaps), `-EINVAL`, or the first non-zero callback result. Mirrors
   * `drm_gpuvm_sm_unmap()`.
   */
  smUnmap(priv: P, addr: U64Input, range: U64Input): number {
    const sink = this.stepSink(false);
    const a = toU64(addr);
    const r = toU64(range);
    if (sink === null || a === null || r === null) return -EINVAL;
    return splitMergeUnmap(this, sink, priv, a, r);
  }

  /**
   * The steps {@link GpuVm.smMap} would take, as a list, without calling any op or changing
   * the VM; or a negative errno (`-EINVAL`). Apply them in order before asking for more.
   * Mirrors `drm_gpuvm_sm_map_ops_create()`.
   */
  smMapOpsCreate(
    addr: U64Input,
    range: U64Input,
    obj: GpuVmGemObject | null,
    offset: U64Input,
  ): GpuVaOp[] | number {
    const a = toU64(addr);
    const r = toU64(range);
    const o = toU64(offset);
    if (a === null || r === null || o === null) return -EINVAL;
    const sink = new OpListSink();
    const rc = splitMergeMap(this, sink, null, a, r, obj, o);
    return rc !== 0 ? rc : sink.ops;
  }

  /**
   * The steps {@link GpuVm.smUnmap} would take, as a list, or a negative errno. Mirrors
   * `drm_gpuvm_sm_unmap_ops_create()`.
   */
  smUnmapOpsCreate(addr: U64Input, range: U64Input): GpuVaOp[] | number {
    const a = toU64(addr);
    const r = toU64(range);
    if (a === null || r === null) return -EINVAL;
    const sink = new OpListSink();
    const rc = splitMergeUnmap(this, sink, null, a, r);
    return rc !== 0 ? rc : sink.ops;
  }

  /**
   * One prefetch op per node from the first overlapping `[addr, addr + range)` on, while they
   * start before its end. Mirrors `drm_gpuvm_prefetch_ops_create()`.
   */
  prefetchOpsCreate(addr: U64Input, range: U64Input): GpuVaOp[] | number {
    const a = toU64(addr);
    const r = toU64(range);
    if (a === null || r === null) return -EINVAL;
    const ops: GpuVaOp[] = [];
    for (const va of this.vasInRange(a, u64Add(a, r)))
      ops.push({ op: "prefetch", prefetch: { va } });
    return ops;
  }

  /**
   * One unmap op (keep false) per mapping linked to `vmBo`. Mirrors
   * `drm_gpuvm_bo_unmap_ops_create()`.
   */
  boUnmapOpsCreate(vmBo: GpuVmBo): GpuVaOp[] {
    const ops: GpuVaOp[] = [];
    for (const va of vmBo.vas()) ops.push(new GpuVaUnmapStep(va, false));
    return ops;
  }

  /** The driver's step ops as a sink, or null when one the walk needs is missing. */
  private stepSink(needMap: boolean): SplitMergeSink<P> | null {
    const ops = this.ops;
    if (ops.smStepRemap === undefined || ops.smStepUnmap === undefined) return null;
    if (needMap && ops.smStepMap === undefined) return null;
    // Checked above; an unmap walk never calls smStepMap.
    return ops as SplitMergeSink<P>;
  }

  // ---------------------------------------------------------------- vm_bo

  /**
   * A new vm_bo for `obj` in this VM (from the `vmBoAlloc` op when given), holding a VM and an
   * object reference, not yet on the object's list; `null` when allocation failed. Mirrors
   * `drm_gpuvm_bo_create()`.
   */
  boCreate(obj: GpuVmGemObject): GpuVmBo | null {
    const vmBo =
      this.ops.vmBoAlloc !== undefined ? this.ops.vmBoAlloc(this, obj) : new GpuVmBo(this, obj);
    if (vmBo === null) return null;
    if (vmBo.vm !== this || vmBo.obj !== obj) {
      this.warnings.warn(
        "drm_gpuvm_bo_create",
        "vmBoAlloc returned a vm_bo for another VM or object",
      );
    }
    this.get();
    obj.get?.();
    return vmBo;
  }

  /**
   * The existing vm_bo of `obj` in this VM with a new reference, or `null`. Mirrors
   * `drm_gpuvm_bo_find()`.
   */
  boFind(obj: GpuVmGemObject): GpuVmBo | null {
    const vmBo = obj.gpuva.findFor(this);
    return vmBo === null ? null : vmBo.get();
  }

  /**
   * The vm_bo of `obj` in this VM: the existing one with a new reference, or a new one added
   * to the object's list; `-ENOMEM` when allocation failed. Mirrors `drm_gpuvm_bo_obtain()`.
   */
  boObtain(obj: GpuVmGemObject): GpuVmBo | number {
    const found = this.boFind(obj);
    if (found !== null) return found;
    const vmBo = this.boCreate(obj);
    if (vmBo === null) return -ENOMEM;
    obj.gpuva.add(vmBo);
    return vmBo;
  }

  /**
   * Like {@link GpuVm.boObtain} with a vm_bo created in advance (by {@link GpuVm.boCreate}):
   * when one already exists it is returned with a new reference and `prealloc` is put;
   * otherwise `prealloc` is added to the object's list and returned. Mirrors
   * `drm_gpuvm_bo_obtain_prealloc()`.
   */
  boObtainPrealloc(prealloc: GpuVmBo): GpuVmBo {
    if (prealloc.vm !== this) {
      this.warnings.warn("drm_gpuvm_bo_obtain_prealloc", "vm_bo belongs to another VM");
    }
    const found = this.boFind(prealloc.obj);
    if (found !== null) {
      prealloc.put();
      return found;
    }
    prealloc.obj.gpuva.add(prealloc);
    return prealloc;
  }

  /** Hands a destroyed vm_bo to the `vmBoFree` op (called by `GpuVmBo.put`). */
  releaseVmBo(vmBo: GpuVmBo): void {
    this.ops.vmBoFree?.(vmBo);
  }

  // ---------------------------------------------------------------- extobj / evict / validate

  /**
   * True when `obj` is not null and its reservation object is not the VM's. Mirrors
   * `drm_gpuvm_is_extobj()`.
   */
  isExtobj(obj: GpuVmGemObject | null): boolean {
    return obj !== null && obj.resv !== this.resvObj.resv;
  }

  /**
   * Runs `prepare` (the driver's stand-in for `drm_exec_prepare_obj()`) on the VM's resv
   * object. Mirrors `drm_gpuvm_prepare_vm()`.
   */
  prepareVm(prepare: (obj: GpuVmGemObject) => number): number {
    return prepare(this.resvObj);
  }

  /**
   * Runs `prepare` on the object of every vm_bo on the extobj list, stopping at the first
   * non-zero result. In a `GPUVM_RESV_PROTECTED` VM, evicted external objects join the evicted
   * list here. Mirrors `drm_gpuvm_prepare_objects()`.
   */
  prepareObjects(prepare: (obj: GpuVmGemObject) => number): number {
    for (const vmBo of [...this.extobjList]) {
      vmBo.get();
      const rc = prepare(vmBo.obj);
      if (rc === 0 && vmBo.evicted && this.resvProtected) this.evictList.add(vmBo);
      vmBo.put();
      if (rc !== 0) return rc;
    }
    return 0;
  }

  /**
   * Runs `prepare` on the object of every mapping in `[addr, addr + range)` (mappings without
   * an object are skipped), stopping at the first non-zero result. Mirrors
   * `drm_gpuvm_prepare_range()`.
   */
  prepareRange(addr: U64Input, range: U64Input, prepare: (obj: GpuVmGemObject) => number): number {
    const a = toU64(addr);
    const r = toU64(range);
    if (a === null || r === null) return -EINVAL;
    for (const va of this.vasInRange(a, u64Add(a, r))) {
      if (va.obj === null) continue;
      const rc = prepare(va.obj);
      if (rc !== 0) return rc;
    }
    return 0;
  }

  /**
   * Calls the `vmBoValidate` op for every vm_bo on the evicted list, stopping at the first
   * non-zero result; in a `GPUVM_RESV_PROTECTED` VM, vm_bos no longer flagged evicted leave the
   * list. Returns `-EOPNOTSUPP` without the op. Mirrors `drm_gpuvm_validate()`.
   */
  validate(exec: unknown): number {
    const validateOp = this.ops.vmBoValidate;
    if (validateOp === undefined) return -EOPNOTSUPP;
    for (const vmBo of [...this.evictList]) {
      vmBo.get();
      const rc = validateOp.call(this.ops, vmBo, exec);
      if (rc === 0 && this.resvProtected && !vmBo.evicted) this.evictList.delete(vmBo);
      vmBo.put();
      if (rc !== 0) return rc;
    }
    return 0;
  }

  /** Short description for debugging: name, range and node count. */
  toString(): string {
    const end = u64Add(this.mmStart, this.mmRange);
    return `GpuVm(${this.name} [${u64Hex(this.mmStart)}, ${u64Hex(end)}) ${this.tree.size} nodes)`;
  }
}
