/**
 * VM_BIND op builders and BO tagging for the hazard suites on the simulated G610.
 */
import { DRM_PANTHOR_VM_BIND_OP_TYPE_MAP, DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP } from "@panmmu/uapi";
import { cleanupOpCtx, PanthorVmOpCtx } from "../../src/vm/op-ctx.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import type { BoLookup, VmBindOp } from "../../src/vm/vm-types.js";
import type { HwStack, SysBo } from "./hw-stack.js";

/** A synchronous MAP of `size` bytes of BO `handle` (from `offset`) at `va`. */
export function mapOp(handle: number, va: number, size: number, offset = 0, flags = 0): VmBindOp {
  return {
    flags: DRM_PANTHOR_VM_BIND_OP_TYPE_MAP | flags,
    boHandle: handle,
    boOffset: BigInt(offset),
    va: BigInt(va),
    size: BigInt(size),
    syncsCount: 0,
  };
}

/** A synchronous UNMAP of `[va, va + size)`. */
export function unmapOp(va: number, size: number): VmBindOp {
  return {
    flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
    boHandle: 0,
    boOffset: 0n,
    va: BigInt(va),
    size: BigInt(size),
    syncsCount: 0,
  };
}

/** The tag {@link tagBo} writes at byte `at` of page `page` of BO number `id`. */
export function pageTag(id: number, page: number): number {
  return ((id << 24) | page) >>> 0;
}

/** Writes {@link pageTag}(id, page) at byte offset `at` of every page of `bo`. */
export function tagBo(s: HwStack, bo: SysBo, id: number, at: number): void {
  for (let i = 0; i < bo.pages.length; i++) {
    const t = pageTag(id, i);
    s.sim.memory.writeBytes(
      (bo.pages[i] as number) + at,
      new Uint8Array([t & 0xff, (t >>> 8) & 0xff, (t >>> 16) & 0xff, t >>> 24]),
    );
  }
}

/**
 * INV-1..3 of the hazard suites for a bound VM: every page of every mapping translates (through
 * the hardware walker of its AS) to its BO page, the pages just outside the mappings fault; no
 * region is recorded and the AS has no lock; no operation context is attached and every reserved
 * page-table page was used or returned. Returns the mismatches (empty: holds).
 */
export function vmInvariantErrors(s: HwStack, vm: PanthorVm): string[] {
  const errors: string[] = [];
  if (vm.regionLocked) errors.push("INV-2: a locked region is recorded");
  const pt = vm.ptStats;
  if (vm.opCtx !== null) errors.push("INV-3: an operation context is still attached");
  if (pt.reserved !== pt.used + pt.returned)
    errors.push(`INV-3: ${pt.reserved} pages reserved, ${pt.used} used + ${pt.returned} returned`);
  if (vm.asId < 0) return [...errors, "VM holds no AS"];
  const hw = s.sim.gpu.mmu;
  if (hw.slot(vm.asId).locked) errors.push(`INV-2: AS${vm.asId} has a region locked`);
  const maps = vm.mappings();
  const covered = (va: number): boolean =>
    maps.some((m) => va >= Number(m.addr) && va < Number(m.addr) + Number(m.range));
  for (const m of maps) {
    const bo = m.obj as SysBo;
    const start = Number(m.addr);
    const off = Number(m.offset);
    for (let d = 0; d < Number(m.range); d += 4096) {
      const want = bo.pages[(off + d) / 4096];
      const got = hw.probe(vm.asId, start + d);
      if (got !== want) errors.push(`INV-1: 0x${(start + d).toString(16)} -> ${got}, want ${want}`);
    }
    for (const edge of [start - 4096, start + Number(m.range)]) {
      if (edge >= 0 && !covered(edge) && hw.probe(vm.asId, edge) >= 0)
        errors.push(`INV-1: unmapped 0x${edge.toString(16)} translates`);
    }
  }
  return errors;
}

/** One register access of the hardware trace. */
export interface MmioAccess {
  /** Virtual time (ns). */
  readonly t: number;
  /** "R" or "W". */
  readonly rw: "R" | "W";
  /** Register offset. */
  readonly off: number;
  /** Value read or written. */
  readonly val: number;
}

/** The register accesses of `s`'s trace (created with `{ trace: true }`) from line `from` on. */
export function mmioAccesses(s: HwStack, from = 0): MmioAccess[] {
  const lines = s.sim.gpu.trace?.lines ?? [];
  const out: MmioAccess[] = [];
  for (let i = from; i < lines.length; i++) {
    const m = /^(\d+) ([RW]) 0x([0-9a-f]+) = 0x([0-9a-f]+)$/.exec(lines[i] as string);
    if (m === null) continue;
    out.push({
      t: Number(m[1]),
      rw: m[2] as "R" | "W",
      off: Number.parseInt(m[3] as string, 16),
      val: Number.parseInt(m[4] as string, 16),
    });
  }
  return out;
}

/** Number of trace lines so far (a mark for {@link mmioAccesses}). */
export function traceMark(s: HwStack): number {
  return s.sim.gpu.trace?.lines.length ?? 0;
}

/**
 * Runs `op` the way an asynchronous VM_BIND job does once its dependencies are met (prepare at
 * ioctl time, exec with unusable-on-failure in run_job, cleanup), without the bind queue.
 */
export function execAsync(vm: PanthorVm, lookup: BoLookup, op: VmBindOp): number {
  const ctx = new PanthorVmOpCtx();
  let ret = vm.bindPrepareOpCtx(lookup, op, ctx);
  if (ret === 0) ret = vm.execOp(ctx, true);
  cleanupOpCtx(ctx, vm);
  return ret;
}
