/**
 * A VM as data and text: its gpuva list (the debugfs `gpuva` file's table, with BO ids, handles
 * and labels), its AS binding, locked region, state flags, kernel VA nodes, page-table
 * accounting, and the page-table dump.
 */
import { type DumpRow, dumpIoPgtable } from "@panmmu/iopgtable";
import type { PanthorVm } from "../vm/vm.js";
import type { PtStats } from "../vm/vm-types.js";

/** One mapping of a {@link VmDump}. */
export interface VmDumpMapping {
  /** First VA. */
  readonly va: number;
  /** Size in bytes. */
  readonly size: number;
  /** GEM object id of the BO (-1: none). */
  readonly boId: number;
  /** Handle of the BO in the VM's file (0: none, e.g. a kernel BO). */
  readonly handle: number;
  /** The BO's label, or null. */
  readonly label: string | null;
  /** Offset of the mapping in the BO. */
  readonly offset: number;
  /** READONLY / NOEXEC / UNCACHED flags. */
  readonly flags: number;
}

/** Everything {@link dumpVm} reports. */
export interface VmDump {
  /** drm_gpuvm name ("panthor-GPU-VM" or "panthor-MCU-VM"). */
  readonly name: string;
  /** Start of the VA space. */
  readonly mmStart: number;
  /** Size of the VA space. */
  readonly mmRange: number;
  /** drm_gpuvm's kernel reserved node (start, size; size 0: none). */
  readonly reservedNode: { readonly start: number; readonly size: number };
  /** The MCU's VM. */
  readonly forMcu: boolean;
  /** AS slot, or -1. */
  readonly as: number;
  /** Active users. */
  readonly activeCnt: number;
  /** Unusable after a failed asynchronous bind. */
  readonly unusable: boolean;
  /** An unhandled fault disabled its AS. */
  readonly unhandledFault: boolean;
  /** Destroyed (no more binds). */
  readonly destroyed: boolean;
  /** The region locked on the MMU now (size 0: none). */
  readonly lockedRegion: { readonly start: number; readonly size: number };
  /** Auto-VA range for kernel BOs (inclusive end). */
  readonly kernelAutoVa: { readonly start: number; readonly end: number };
  /** Kernel VA nodes allocated (kernel BOs, firmware sections), in address order. */
  readonly kernelVaNodes: readonly { readonly start: number; readonly size: number }[];
  /** Mappings in VA order. */
  readonly mappings: readonly VmDumpMapping[];
  /** Page-table accounting (cumulative). */
  readonly ptStats: Readonly<PtStats>;
  /** Page-table pages held now: the root plus the tables taken and not freed. */
  readonly ptPages: number;
}

const boId = (obj: object): number => ("id" in obj && typeof obj.id === "number" ? obj.id : -1);
const boLabel = (obj: object): string | null =>
  "label" in obj && typeof obj.label === "string" ? obj.label : null;

/**
 * The VM as data. `handleOf` names a BO's handle in the VM's file (default: none). The table
 * part mirrors drm_debugfs_gpuva_info(), which panthor's debugfs `gpuva` file prints per VM.
 */
export function dumpVm(vm: PanthorVm, handleOf: (obj: object) => number = () => 0): VmDump {
  const mappings = vm.mappings().map((m): VmDumpMapping => {
    const obj = m.obj;
    return {
      va: Number(m.addr),
      size: Number(m.range),
      boId: obj === null ? -1 : boId(obj),
      handle: obj === null ? 0 : handleOf(obj),
      label: obj === null ? null : boLabel(obj),
      offset: Number(m.offset),
      flags: m.mapFlags,
    };
  });
  const kernelVaNodes = [...vm.mm.nodes()]
    .map((n) => ({ start: n.start, size: n.size }))
    .sort((a, b) => a.start - b.start);
  return {
    name: vm.gpuvm.name,
    mmStart: Number(vm.gpuvm.mmStart),
    mmRange: Number(vm.gpuvm.mmRange),
    reservedNode: {
      start: Number(vm.gpuvm.kernelAllocNode.addr),
      size: Number(vm.gpuvm.kernelAllocNode.range),
    },
    forMcu: vm.forMcu,
    as: vm.asId,
    activeCnt: vm.activeCnt,
    unusable: vm.unusable,
    unhandledFault: vm.unhandledFault,
    destroyed: vm.destroyed,
    lockedRegion: { start: Number(vm.lockedRegion.start), size: Number(vm.lockedRegion.size) },
    kernelAutoVa: { ...vm.kernelAutoVa },
    kernelVaNodes,
    mappings,
    ptStats: { ...vm.ptStats },
    ptPages: (vm.rootPageTable === null ? 0 : 1) + vm.ptStats.used - vm.ptStats.freed,
  };
}

/** The VM's page table as the golden files' canonical dump rows ([] once it is freed). */
export function dumpVmPageTable(vm: PanthorVm): DumpRow[] {
  return vm.rootPageTable === null ? [] : dumpIoPgtable(vm.pgtable);
}

const hex16 = (v: number): string => `0x${v.toString(16).padStart(16, "0")}`;
const hex = (v: number): string => `0x${v.toString(16)}`;

/**
 * A VM dump as text: drm_debugfs_gpuva_info()'s header and table (the object column names the
 * BO by id, handle and label instead of a kernel pointer), then panthor's state.
 */
export function formatVmDump(d: VmDump): string {
  const out = [
    `DRM GPU VA space (${d.name}) [${hex16(d.mmStart)};${hex16(d.mmStart + d.mmRange)}]`,
    `Kernel reserved node [${hex16(d.reservedNode.start)};${hex16(d.reservedNode.start + d.reservedNode.size)}]`,
    "",
    " VAs | start              | range              | end                | object             | object offset",
    "-------------------------------------------------------------------------------------------------------------",
  ];
  for (const m of d.mappings) {
    const obj = `bo #${m.boId} h${m.handle}${m.label === null ? "" : ` "${m.label}"`}`;
    out.push(
      `     | ${hex16(m.va)} | ${hex16(m.size)} | ${hex16(m.va + m.size)} | ${obj.padEnd(18)} | ${hex16(m.offset)} flags ${hex(m.flags)}`,
    );
  }
  const state = [
    d.forMcu ? "MCU" : "user",
    `AS ${d.as}`,
    `active ${d.activeCnt}`,
    ...(d.unusable ? ["UNUSABLE"] : []),
    ...(d.unhandledFault ? ["FAULTED"] : []),
    ...(d.destroyed ? ["destroyed"] : []),
  ];
  out.push(`state: ${state.join(", ")}`);
  out.push(
    `locked region: ${d.lockedRegion.size === 0 ? "none" : `${hex(d.lockedRegion.start)}+${hex(d.lockedRegion.size)}`}`,
  );
  out.push(
    `kernel auto-VA: [${hex(d.kernelAutoVa.start)};${hex(d.kernelAutoVa.end)}], nodes: ${
      d.kernelVaNodes.map((n) => `${hex(n.start)}+${hex(n.size)}`).join(" ") || "(none)"
    }`,
  );
  const p = d.ptStats;
  out.push(
    `page tables: ${d.ptPages} pages held; reserved ${p.reserved} used ${p.used} returned ${p.returned} freed ${p.freed}`,
  );
  return out.join("\n");
}

/** Canonical page-table rows as text, one per line: level, index, VA, descriptor, kind. */
export function formatPageTableDump(rows: readonly DumpRow[]): string {
  return rows
    .map(
      (r) =>
        `${"  ".repeat(r.level)}L${r.level}[${r.index}] ${r.vaBase} ${r.desc} ${r.kind}` +
        `${r.table === undefined ? "" : ` -> table ${r.table}`}${r.outsidePgd ? " (outside pgd)" : ""}`,
    )
    .join("\n");
}
