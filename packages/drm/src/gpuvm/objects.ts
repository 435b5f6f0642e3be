/**
 * The three objects drm_gpuvm links together: a GEM object (seen through the small
 * {@link GpuVmGemObject} interface), a mapping ({@link GpuVa}, `struct drm_gpuva`) and the
 * VM/BO pair ({@link GpuVmBo}, `struct drm_gpuvm_bo`). They refer to one another, so they live in
 * one module; the VM itself is seen here only through {@link GpuVmBase}, which `GpuVm` implements.
 */
import type { WarningSink } from "@panmmu/uapi";
import type { IntervalTreeNode } from "./interval-tree.js";
import type { U64 } from "./u64.js";

/** `DRM_GPUVA_INVALIDATED`: the mapping's backing GEM object is invalidated (e.g. evicted). */
export const GPUVA_INVALIDATED = 1 << 0;
/** `DRM_GPUVA_SPARSE`: the mapping is a sparse mapping. */
export const GPUVA_SPARSE = 1 << 1;
/** `DRM_GPUVA_USERBITS`: first bit free for driver-defined flags. */
export const GPUVA_USERBITS = 1 << 2;

/**
 * What gpuvm needs from a GEM object (a buffer object). The drm runtime's GEM object implements
 * it; tests and other users can implement it with a few lines.
 *
 * Identity is object identity: two mappings belong to the same object iff their `obj` fields
 * are the same JavaScript object (`===`).
 */
export interface GpuVmGemObject {
  /** Size of the object in bytes (informational for gpuvm; drivers bound offsets with it). */
  readonly size: number;
  /**
   * The object's list of {@link GpuVmBo}s, one per VM it is mapped in (`drm_gem_object.gpuva`).
   * The object creates it (`new GemGpuvaList()`) and gpuvm maintains its content.
   */
  readonly gpuva: GemGpuvaList;
  /**
   * Identity of the object's reservation object (`obj->resv`). An object whose `resv` differs
   * from the VM's is an *external object* and goes on the VM's extobj list. Objects private to
   * a VM share the VM's resv object (see `GpuVm.resvObj`).
   */
  readonly resv: object;
  /** Takes a reference on the object (`drm_gem_object_get()`); optional. */
  get?(): void;
  /** Drops a reference on the object (`drm_gem_object_put()`); optional. */
  put?(): void;
}

/**
 * The per-GEM list of {@link GpuVmBo}s (`drm_gem_object.gpuva.list`), in the order they were
 * added. Embedded in every {@link GpuVmGemObject}; only gpuvm adds and removes entries.
 */
export class GemGpuvaList {
  /** The vm_bos, oldest first (an object is mapped in few VMs, so an array is fastest). */
  private readonly entries: GpuVmBo[] = [];

  /** Number of vm_bos on the list. */
  get size(): number {
    return this.entries.length;
  }

  /** The vm_bos in list order (`drm_gem_for_each_gpuvm_bo()`), as a snapshot. */
  vmBos(): readonly GpuVmBo[] {
    return this.entries.slice();
  }

  /** The vm_bo of `vm` on the list, or `null`. Used by gpuvm's lookups. */
  findFor(vm: GpuVmBase): GpuVmBo | null {
    const e = this.entries;
    for (let i = 0; i < e.length; i++) {
      const vmBo = e[i] as GpuVmBo;
      if (vmBo.vm === vm) return vmBo;
    }
    return null;
  }

  /** True when `vmBo` is on the list. */
  has(vmBo: GpuVmBo): boolean {
    return this.entries.includes(vmBo);
  }

  /** Appends `vmBo` (a no-op if it is already there). Used by gpuvm only. */
  add(vmBo: GpuVmBo): void {
    if (!this.entries.includes(vmBo)) this.entries.push(vmBo);
  }

  /** Removes `vmBo` (a no-op if it is absent). Used by gpuvm only. */
  delete(vmBo: GpuVmBo): void {
    const i = this.entries.indexOf(vmBo);
    if (i >= 0) this.entries.splice(i, 1);
  }
}

/**
 * The part of a GPU VM that its mappings and vm_bos rely on. `GpuVm` implements it; a
 * {@link GpuVa}'s or {@link GpuVmBo}'s `vm` is always a `GpuVm` (narrow with `instanceof`).
 */
export interface GpuVmBase {
  /** Name of the VA space. */
  readonly name: string;
  /** Where `WARN_ON()`-style reports go. */
  readonly warnings: WarningSink;
  /** The GEM object whose `resv` is the VM's common reservation object (`r_obj`). */
  readonly resvObj: GpuVmGemObject;
  /** True when the VM was created with `GPUVM_RESV_PROTECTED`. */
  readonly resvProtected: boolean;
  /** Takes a VM reference (`drm_gpuvm_get()`). */
  get(): GpuVmBase;
  /** Drops a VM reference (`drm_gpuvm_put()`); the last one frees the VM. */
  put(): void;
  /** True when `obj` is an external object of this VM (`drm_gpuvm_is_extobj()`). */
  isExtobj(obj: GpuVmGemObject | null): boolean;
  /** The VM's external-object list (`extobj.list`); maintained through {@link GpuVmBo}. */
  readonly extobjList: Set<GpuVmBo>;
  /** The VM's evicted list (`evict.list`); maintained through {@link GpuVmBo}. */
  readonly evictList: Set<GpuVmBo>;
  /** Hands a vm_bo whose last reference went away to the driver's `vmBoFree` op. */
  releaseVmBo(vmBo: GpuVmBo): void;
}

/**
 * One GPU VA mapping: `[addr, addr + range)` of a VM backed by `obj` from `offset` on, or by
 * nothing when `obj` is `null` (a sparse/dummy mapping). Mirrors `struct drm_gpuva`.
 *
 * Drivers create these (possibly as a subclass carrying driver data, as panthor's
 * `panthor_vma` embeds `drm_gpuva`) and hand them to `GpuVm.vaMap`/`vaRemap`/`insert`. All
 * u64 fields are normalized {@link U64} values.
 */
export class GpuVa implements IntervalTreeNode<GpuVa> {
  // Field order is layout order: what a tree descent reads comes first, then what the
  // split/merge walk reads, so that both touch as few cache lines as possible.

  /** Start address of the mapping (`va.addr`). */
  addr: U64 = 0;
  /** @internal Interval end, `addr + range - 1` modulo 2^64 (set on insertion). */
  itLast: U64 = 0;
  /** @internal Largest interval end in this node's subtree. */
  itSubtreeLast: U64 = 0;
  /** @internal Left child in the VM's interval tree. */
  itLeft: GpuVa | null = null;
  /** @internal Right child in the VM's interval tree. */
  itRight: GpuVa | null = null;
  /** @internal Parent in the VM's interval tree. */
  itParent: GpuVa | null = null;
  /** @internal Red-black colour (true = red). */
  itRed = false;
  /** @internal Next mapping in address order (`rb.entry`). */
  itNext: GpuVa | null = null;
  /** @internal Previous mapping in address order (`rb.entry`). */
  itPrev: GpuVa | null = null;
  /** Length of the mapping (`va.range`). */
  range: U64 = 0;
  /** Backing GEM object (`gem.obj`), or `null`. */
  obj: GpuVmGemObject | null = null;
  /** Offset into the GEM object at `addr` (`gem.offset`). */
  offset: U64 = 0;
  /** @internal True while the mapping is in a VM's tree. */
  inTree = false;
  /** The VM this mapping was inserted in, or `null` before its first insertion. */
  vm: GpuVmBase | null = null;
  /** The vm_bo this mapping is linked to (see {@link GpuVa.link}), or `null`. */
  vmBo: GpuVmBo | null = null;
  /** `GPUVA_*` flags; gpuvm itself only touches `GPUVA_INVALIDATED` on request. */
  flags = 0;
  /** @internal Previous mapping in its vm_bo's list (`gem.entry`). */
  gemPrev: GpuVa | null = null;
  /** @internal Next mapping in its vm_bo's list (`gem.entry`). */
  gemNext: GpuVa | null = null;
  /** @internal True while on a vm_bo's list. */
  gemLinked = false;

  /**
   * Sets address, range, object and offset. Mirrors `drm_gpuva_init()`. The values must
   * already be normalized U64s (as found in op structures).
   */
  init(addr: U64, range: U64, obj: GpuVmGemObject | null, offset: U64): void {
    this.addr = addr;
    this.range = range;
    this.obj = obj;
    this.offset = offset;
  }

  /** Sets or clears `GPUVA_INVALIDATED`. Mirrors `drm_gpuva_invalidate()`. */
  invalidate(invalidate: boolean): void {
    if (invalidate) this.flags |= GPUVA_INVALIDATED;
    else this.flags &= ~GPUVA_INVALIDATED;
  }

  /** True when `GPUVA_INVALIDATED` is set. Mirrors `drm_gpuva_invalidated()`. */
  get invalidated(): boolean {
    return (this.flags & GPUVA_INVALIDATED) !== 0;
  }

  /**
   * Adds this mapping to `vmBo`'s list of mappings and takes a reference on `vmBo`. A mapping
   * without an object is not linked. Mirrors `drm_gpuva_link()`.
   */
  link(vmBo: GpuVmBo): void {
    const obj = this.obj;
    if (obj === null) return;
    if (obj !== vmBo.obj) {
      vmBo.vm.warnings.warn("drm_gpuva_link", "mapping's object differs from the vm_bo's object");
    }
    if (this.gemLinked) {
      vmBo.vm.warnings.warn("drm_gpuva_link", "mapping is already linked to a vm_bo");
      return;
    }
    this.vmBo = vmBo.get();
    vmBo.appendVa(this);
  }

  /**
   * Takes this mapping off its vm_bo's list and drops the reference `link()` took, which may
   * free the vm_bo. A mapping without an object is left alone. Mirrors `drm_gpuva_unlink()`.
   */
  unlink(): void {
    if (this.obj === null) return;
    const vmBo = this.vmBo;
    if (vmBo !== null) vmBo.removeVa(this);
    this.vmBo = null;
    vmBo?.put();
  }
}

/**
 * The link between one VM and one GEM object mapped in it: the list of that object's mappings
 * in the VM, plus membership of the VM's external-object and evicted lists. Reference counted.
 * Mirrors `struct drm_gpuvm_bo`. Create with `GpuVm.boCreate` / `boObtain`.
 */
export class GpuVmBo {
  /** The VM (holds a VM reference while the vm_bo lives). */
  readonly vm: GpuVmBase;
  /** The GEM object (holds an object reference while the vm_bo lives). */
  readonly obj: GpuVmGemObject;
  /** Whether the object is evicted; see {@link GpuVmBo.evict}. */
  evicted = false;
  /** Reference count (`kref`); the vm_bo is destroyed when it drops to 0. */
  refcount = 1;
  /** @internal First mapping on this vm_bo's list. */
  vaHead: GpuVa | null = null;
  /** @internal Last mapping on this vm_bo's list. */
  vaTail: GpuVa | null = null;
  /** @internal Number of mappings on the list. */
  vaCount = 0;

  /**
   * Builds an unlinked vm_bo with one reference. It takes no VM or object reference itself:
   * use `GpuVm.boCreate`, which does (and consults the driver's `vmBoAlloc` op, whose result
   * may be a subclass built with this constructor).
   */
  constructor(vm: GpuVmBase, obj: GpuVmGemObject) {
    this.vm = vm;
    this.obj = obj;
  }

  /** Takes a reference and returns this vm_bo. Mirrors `drm_gpuvm_bo_get()`. */
  get(): this {
    if (this.refcount <= 0) {
      this.vm.warnings.warn("drm_gpuvm_bo_get", "reference taken on a freed vm_bo");
    }
    this.refcount++;
    return this;
  }

  /**
   * Drops a reference; the last one destroys the vm_bo: it leaves the VM's extobj and evict
   * lists and the object's vm_bo list, goes to the driver's `vmBoFree` op, and releases its VM
   * and object references. Returns true when it was destroyed. Mirrors `drm_gpuvm_bo_put()`.
   */
  put(): boolean {
    // Kept small so that it inlines into the unlink path; the rare work is out of line.
    const left = this.refcount - 1;
    if (left > 0) {
      this.refcount = left;
      return false;
    }
    return this.destroy();
  }

  /** The last `put()` (or a put too many): `drm_gpuvm_bo_destroy()`. */
  private destroy(): boolean {
    if (this.refcount <= 0) {
      this.vm.warnings.warn("drm_gpuvm_bo_put", "reference dropped on a freed vm_bo");
      return false;
    }
    this.refcount = 0;
    const vm = this.vm;
    vm.extobjList.delete(this);
    vm.evictList.delete(this);
    this.obj.gpuva.delete(this);
    vm.releaseVmBo(this);
    vm.put();
    this.obj.put?.();
    return true;
  }

  /** The mappings linked to this vm_bo, oldest first. Mirrors `drm_gpuvm_bo_for_each_va()`. */
  *vas(): IterableIterator<GpuVa> {
    let va = this.vaHead;
    while (va !== null) {
      const next = va.gemNext;
      yield va;
      va = next;
    }
  }

  /** Number of mappings linked to this vm_bo. */
  get vaListSize(): number {
    return this.vaCount;
  }

  /**
   * Puts this vm_bo on its VM's external-object list if its object is external and it is not
   * there yet. Mirrors `drm_gpuvm_bo_extobj_add()`.
   */
  extobjAdd(): void {
    if (this.vm.isExtobj(this.obj)) this.vm.extobjList.add(this);
  }

  /**
   * Records whether the object is evicted and adds this vm_bo to (or removes it from) the VM's
   * evicted list. In a `GPUVM_RESV_PROTECTED` VM an external object is only flagged: it joins
   * the list when the VM's objects are next prepared. Mirrors `drm_gpuvm_bo_evict()`.
   */
  evict(evict: boolean): void {
    this.evicted = evict;
    if (this.vm.isExtobj(this.obj) && this.vm.resvProtected) return;
    if (evict) this.vm.evictList.add(this);
    else this.vm.evictList.delete(this);
  }

  /** @internal Appends `va`, which must not be on any vm_bo list, to the mapping list. */
  appendVa(va: GpuVa): void {
    va.gemPrev = this.vaTail;
    va.gemNext = null;
    if (this.vaTail === null) this.vaHead = va;
    else this.vaTail.gemNext = va;
    this.vaTail = va;
    va.gemLinked = true;
    this.vaCount++;
  }

  /** @internal Removes `va` from this vm_bo's mapping list (a no-op if it is not linked). */
  removeVa(va: GpuVa): void {
    if (!va.gemLinked) return;
    const p = va.gemPrev;
    const n = va.gemNext;
    if (p === null) this.vaHead = n;
    else p.gemNext = n;
    if (n === null) this.vaTail = p;
    else n.gemPrev = p;
    va.gemPrev = null;
    va.gemNext = null;
    va.gemLinked = false;
    this.vaCount--;
  }
}

/**
 * Adds every vm_bo of `obj` to (or removes it from) its VM's evicted list. Mirrors
 * `drm_gpuvm_bo_gem_evict()`.
 */
export function gemEvict(obj: GpuVmGemObject, evict: boolean): void {
  for (const vmBo of obj.gpuva.vmBos()) vmBo.evict(evict);
}
