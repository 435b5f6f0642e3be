/**
 * The drm_gpuvm split/merge steps of a panthor VM: each one updates the page table (under the
 * locked region) and then the mapping tree. A partial unmap inside a transparent huge page
 * widens to the whole 2 MiB block and maps the parts that stay back.
 */
import {
  type DrmSgSegment,
  type GpuVa,
  type GpuVaOpMap,
  type GpuVaOpMapStep,
  type GpuVaOpRemap,
  type GpuVaOpRemapStep,
  type GpuVaOpUnmapStep,
  type GpuVmBo,
  remapToUnmapRange,
} from "@panmmu/drm";
import { EINVAL } from "@panmmu/uapi";
import { flagsToProt } from "../mmu/prot.js";
import type { PanthorVmBo } from "./bo.js";
import type { PanthorVmOpCtx } from "./op-ctx.js";
import { type PageWriterVm, vmMapPages, vmUnmapPages } from "./pages.js";
import { PANTHOR_VM_MAP_FLAGS, type PanthorVma } from "./vma.js";

const SZ_2M = 0x20_0000;

/** What the steps need of the VM. */
export interface StepVm extends PageWriterVm {
  /** The running operation's context. */
  readonly opCtx: PanthorVmOpCtx | null;
  /** The mapping tree: inserts/removes as drm_gpuva_map/remap/unmap. */
  readonly gpuvm: {
    vaMap(va: PanthorVma, op: GpuVaOpMap): number;
    vaRemap(prev: PanthorVma | null, next: PanthorVma | null, op: GpuVaOpRemap): void;
    vaUnmap(op: { readonly va: GpuVa }): void;
  };
  /** Widens the locked region to cover `[start, start + size)`. Mirrors panthor_vm_lock_region(). */
  lockRegion(start: bigint, size: bigint): number;
}

function asBo(obj: unknown): PanthorVmBo {
  return obj as PanthorVmBo;
}

function sgtOf(bo: PanthorVmBo): readonly DrmSgSegment[] {
  const sgt = bo.getPagesSgt();
  return typeof sgt === "number" ? [] : sgt.segments;
}

/**
 * Map step: takes a preallocated mapping, maps the pages, inserts it and hands it the op's
 * vm_bo reference. Mirrors panthor_gpuva_sm_step_map().
 */
export function smStepMap(step: GpuVaOpMapStep, vm: StepVm): number {
  const ctx = vm.opCtx;
  if (ctx === null) return -EINVAL;
  const vma = ctx.takeVma();
  if (vma === null) return -EINVAL;
  vma.mapFlags = ctx.flags & PANTHOR_VM_MAP_FLAGS;
  const op = step.map;
  const ret = vmMapPages(
    vm,
    Number(op.addr),
    flagsToProt(vma.mapFlags),
    ctx.mapSgt ?? [],
    Number(op.offset),
    Number(op.range),
  );
  if (ret !== 0) {
    if (!ctx.returnVma(vma)) vm.warn("panthor_vm_op_ctx_return_vma", "no room");
    return ret;
  }
  vm.gpuvm.vaMap(vma, op);
  const vmBo = ctx.mapVmBo as GpuVmBo;
  vma.link(vmBo);
  vmBo.put();
  ctx.mapVmBo = null;
  return 0;
}

/** Whether the BO page behind `addr` of mapping `op` sits in a folio of 2 MiB or more. Mirrors iova_mapped_as_huge_page(). */
function iovaMappedAsHugePage(op: GpuVaOpMap, addr: number): boolean {
  const boOffset = addr - Number(op.addr) + Number(op.offset);
  return asBo(op.obj).folioSizeAt(boOffset) >= SZ_2M;
}

/**
 * Widens a remap's unmap range to whole 2 MiB blocks where a huge page of the kept part would
 * otherwise be split (io-pgtable cannot unmap part of a block). Mirrors unmap_hugepage_align().
 */
export function unmapHugepageAlign(
  op: GpuVaOpRemap,
  start: number,
  range: number,
): [number, number] {
  const end = start + range;
  const alignedStart = Math.floor(start / SZ_2M) * SZ_2M;
  const alignedEnd = Math.ceil(end / SZ_2M) * SZ_2M;
  let s = start;
  let r = range;
  if (
    op.prev !== null &&
    alignedStart < s &&
    Number(op.prev.addr) <= alignedStart &&
    iovaMappedAsHugePage(op.prev, s)
  ) {
    r += s - alignedStart;
    s = alignedStart;
  }
  if (
    op.next !== null &&
    alignedEnd > end &&
    Number(op.next.addr) + Number(op.next.range) >= alignedEnd &&
    iovaMappedAsHugePage(op.next, end - 1)
  ) {
    r += alignedEnd - end;
  }
  return [s, r];
}

/**
 * Remap step: unmaps the (huge-page widened) range, maps the widened parts of prev/next back
 * with the old mapping's flags, then replaces the mapping by its prev/next parts.
 * Mirrors panthor_gpuva_sm_step_remap().
 */
export function smStepRemap(step: GpuVaOpRemapStep, vm: StepVm): number {
  const op = step.remap;
  const unmapVma = op.unmap.va as PanthorVma;
  const ctx = vm.opCtx;
  const r0 = remapToUnmapRange(op);
  const [start, range] = unmapHugepageAlign(op, Number(r0.addr), Number(r0.range));
  vm.lockRegion(BigInt(start), BigInt(range));
  vmUnmapPages(vm, start, range);
  const prot = flagsToProt(unmapVma.mapFlags);
  let prevVma: PanthorVma | null = null;
  let nextVma: PanthorVma | null = null;
  if (op.prev !== null) {
    const p = op.prev;
    const offset = Number(p.offset) + start - Number(p.addr);
    const size = Number(p.addr) + Number(p.range) - start;
    const ret = vmMapPages(vm, start, prot, sgtOf(asBo(p.obj)), offset, size);
    if (ret !== 0) return ret;
    prevVma = ctx?.takeVma() ?? null;
    if (prevVma !== null) prevVma.mapFlags = unmapVma.mapFlags;
  }
  if (op.next !== null) {
    const n = op.next;
    const size = start + range - Number(n.addr);
    const ret = vmMapPages(vm, Number(n.addr), prot, sgtOf(asBo(n.obj)), Number(n.offset), size);
    if (ret !== 0) return ret;
    nextVma = ctx?.takeVma() ?? null;
    if (nextVma !== null) nextVma.mapFlags = unmapVma.mapFlags;
  }
  vm.gpuvm.vaRemap(prevVma, nextVma, op);
  const vmBo = unmapVma.vmBo;
  if (vmBo !== null) {
    prevVma?.link(vmBo);
    nextVma?.link(vmBo);
  }
  unmapVma.unlink();
  return 0;
}

/** Unmap step: unmaps the whole mapping and removes it. Mirrors panthor_gpuva_sm_step_unmap(). */
export function smStepUnmap(step: GpuVaOpUnmapStep, vm: StepVm): number {
  const vma = step.unmap.va as PanthorVma;
  vmUnmapPages(vm, Number(vma.addr), Number(vma.range));
  vm.gpuvm.vaUnmap(step.unmap);
  vma.unlink();
  return 0;
}
