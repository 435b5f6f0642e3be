/** Page-table views of a panthor VM for the scenario: leaf counts and gpuva lists. */
import { dumpIoPgtable } from "@panmmu/iopgtable";
import type { PanthorVm } from "@panmmu/panthor";
import { hex } from "../../report/format.js";

/** Leaves of a VM's page table inside `[va, va + size)`. */
export interface LeafCount {
  /** 2 MiB block entries. */
  readonly blocks: number;
  /** 4 KiB page entries. */
  readonly pages: number;
}

/** Counts the block and page entries of `vm`'s page table whose VA lies in `[va, va + size)`. */
export function leavesIn(vm: PanthorVm, va: number, size: number): LeafCount {
  let blocks = 0;
  let pages = 0;
  for (const row of dumpIoPgtable(vm.pgtable)) {
    if (row.kind !== "block" && row.kind !== "page") continue;
    const base = Number(BigInt(row.vaBase));
    if (base < va || base >= va + size) continue;
    if (row.kind === "block") blocks++;
    else pages++;
  }
  return { blocks, pages };
}

/** The VM's gpuva list inside `[va, va + size)` as `[start, end)` strings. */
export function gpuvaList(vm: PanthorVm, va: number, size: number): string[] {
  return vm
    .mappings()
    .filter((m) => Number(m.addr) >= va && Number(m.addr) < va + size)
    .map((m) => `[${hex(Number(m.addr))}, ${hex(Number(m.addr) + Number(m.range))})`);
}

/** `2 blocks` / `1 block + 508 pages`. */
export function describeLeaves(l: LeafCount): string {
  const parts: string[] = [];
  if (l.blocks > 0) parts.push(`${l.blocks} × 2 MiB block${l.blocks === 1 ? "" : "s"}`);
  if (l.pages > 0) parts.push(`${l.pages} × 4 KiB page${l.pages === 1 ? "" : "s"}`);
  return parts.length === 0 ? "nothing mapped" : parts.join(" + ");
}
