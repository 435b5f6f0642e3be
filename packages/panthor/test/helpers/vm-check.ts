/**
 * Checking a panthor VM against the hardware: a reference model of the gpuva list, the VM's
 * page table read by `@panmmu/hw`'s own walker (not io-pgtable's), and the page-table pages the
 * VM holds.
 */
import {
  AsConfig,
  mmuFeaturesPaBits,
  mmuFeaturesVaBits,
  PERM_EXECUTE,
  PERM_READ,
  PERM_WRITE,
  type SimPlatform,
  WalkResult,
  walk,
} from "@panmmu/hw";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
} from "@panmmu/uapi";
import { vmTranscfg } from "../../src/mmu/transcfg.js";
import type { PanthorVmBo } from "../../src/vm/bo.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import type { HwStack } from "./hw-stack.js";
import { PageListBo } from "./page-list-bo.js";

/**
 * A BO of 4 KiB system-memory pages in descending physical order, so that no two neighbouring
 * pages are contiguous: it never yields a 2 MiB block, whatever VA it is mapped at.
 */
export class ScatterBo extends PageListBo {
  /**
   * @param sim - the platform whose memory backs the BO.
   * @param size - bytes (multiple of 4 KiB).
   */
  constructor(
    private readonly sim: SimPlatform,
    size: number,
  ) {
    super(size);
    for (let done = 0; done < size; done += 4096) {
      const pa = sim.memory.allocPage();
      if (pa === null) throw new Error("out of memory");
      this.pages.push(pa);
      this.folios.push(4096);
    }
    this.pages.sort((x, y) => y - x);
    this.seal();
  }
  /** Frees the pages (the BO must be unmapped everywhere). */
  release(): void {
    for (const pa of this.pages) this.sim.memory.freePage(pa);
    this.pages.length = 0;
  }
}

/** A BO whose page addresses the checks can read. */
export interface PagedBo extends PanthorVmBo {
  /** Physical address of each page. */
  readonly pages: readonly number[];
  /** Pins held. */
  readonly pins: number;
  /** Frees the pages (the BO must be unmapped everywhere). */
  release(): void;
}

/** One mapping of the reference model: `[start, end)` → `bo` from byte `offset`, with `flags`. */
export interface RefMapping {
  /** First VA. */
  start: number;
  /** VA past the end. */
  end: number;
  /** The BO mapped. */
  bo: PagedBo;
  /** Offset in the BO of `start`. */
  offset: number;
  /** Map flags (READONLY, NOEXEC, UNCACHED). */
  flags: number;
}

/**
 * The gpuva list a VM must hold, kept as drm_gpuvm keeps it: a MAP cuts what it overlaps and
 * inserts one new mapping (neighbours are never merged), an UNMAP cuts.
 */
export class RefVm {
  /** Mappings in VA order. */
  readonly list: RefMapping[] = [];

  /** Removes `[start, end)`, keeping the parts of cut mappings outside it. */
  cut(start: number, end: number): void {
    const out: RefMapping[] = [];
    for (const m of this.list) {
      if (m.end <= start || m.start >= end) {
        out.push(m);
        continue;
      }
      if (m.start < start) out.push({ ...m, end: start });
      if (m.end > end) out.push({ ...m, start: end, offset: m.offset + (end - m.start) });
    }
    this.list.length = 0;
    this.list.push(...out);
  }

  /** MAP of `[va, va + size)`. */
  map(va: number, size: number, bo: PagedBo, offset: number, flags: number): void {
    this.cut(va, va + size);
    this.list.push({ start: va, end: va + size, bo, offset, flags });
    this.list.sort((a, b) => a.start - b.start);
  }

  /** UNMAP of `[va, va + size)`. */
  unmap(va: number, size: number): void {
    this.cut(va, va + size);
  }

  /** The mapping holding `va`, or undefined. */
  at(va: number): RefMapping | undefined {
    return this.list.find((m) => m.start <= va && va < m.end);
  }

  /** Whether `bo` is mapped anywhere. */
  maps(bo: PanthorVmBo): boolean {
    return this.list.some((m) => m.bo === bo);
  }
}

/** The VM's gpuva list as `[start, end, bo, offset, flags]` rows. */
export function vmRows(vm: PanthorVm): Array<[number, number, unknown, number, number]> {
  return vm
    .mappings()
    .map((m) => [
      Number(m.addr),
      Number(m.addr) + Number(m.range),
      m.obj,
      Number(m.offset),
      m.mapFlags,
    ]);
}

/** The reference model's list as {@link vmRows} rows. */
export function refRows(ref: RefVm): Array<[number, number, unknown, number, number]> {
  return ref.list.map((m) => [m.start, m.end, m.bo, m.offset, m.flags]);
}

/**
 * The AS configuration the hardware latches when panthor binds `vm` to an AS (TRANSTAB,
 * MEMATTR, TRANSCFG as panthor_vm_active() writes them), decoded by the hw model. Built for
 * slot-less VMs too, so their tables can be walked.
 */
export function vmAsConfig(s: HwStack, vm: PanthorVm): AsConfig {
  const features = s.mmu.env.mmuFeatures;
  const vaBits = mmuFeaturesVaBits(features);
  const cfg = new AsConfig();
  cfg.raw.set([
    vm.transtab >>> 0,
    Math.floor(vm.transtab / 2 ** 32),
    vm.memattrLo,
    vm.memattrHi,
    vmTranscfg(vaBits, s.mmu.env.coherent),
    0,
  ]);
  cfg.decode({ vaBits, paBits: mmuFeaturesPaBits(features), aarch64: true, legacy: false });
  return cfg;
}

const walkOut = new WalkResult();
// Module-local copies of imported bindings: vitest's module runner turns every use of an
// imported name into a property lookup, which the per-page loop below would pay millions of times.
const walkFn = walk;
const P_READ: number = PERM_READ;
const P_WRITE: number = PERM_WRITE;
const P_EXEC: number = PERM_EXECUTE;
const F_RO: number = DRM_PANTHOR_VM_BIND_OP_MAP_READONLY;
const F_NOEXEC: number = DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC;

/**
 * Walks every 4 KiB page of `[from, to)` with the hw walker and compares it with `ref`: a
 * mapped page translates to its BO page with read, write unless READONLY, execute unless
 * NOEXEC; an unmapped page faults. Returns the first mismatch as text, or null.
 */
export function checkTranslations(
  s: HwStack,
  cfg: AsConfig,
  ref: RefVm,
  from: number,
  to: number,
): string | null {
  const mem = s.sim.memory;
  const list = ref.list;
  let i = 0;
  for (let va = from; va < to; va += 4096) {
    while (i < list.length && (list[i] as RefMapping).end <= va) i++;
    const m = list[i];
    const rc = walkFn(mem, cfg, va, walkOut);
    if (m === undefined || m.start > va) {
      if (rc === 0) return `0x${va.toString(16)}: unmapped but translates`;
      continue;
    }
    if (rc !== 0) return `0x${va.toString(16)}: mapped but faults (0x${rc.toString(16)})`;
    const pa = m.bo.pages[(m.offset + va - m.start) / 4096];
    if (walkOut.pagePa !== pa)
      return `0x${va.toString(16)}: PA 0x${walkOut.pagePa.toString(16)}, want 0x${pa?.toString(16)}`;
    const f = m.flags;
    let want = P_READ;
    if ((f & F_RO) === 0) want |= P_WRITE;
    if ((f & F_NOEXEC) === 0) want |= P_EXEC;
    if (walkOut.perms !== want)
      return `0x${va.toString(16)}: perms ${walkOut.perms}, want ${want} (flags ${m.flags})`;
  }
  return null;
}

/**
 * Non-root table pages reachable from the VM's root, counted by reading the descriptors from
 * memory (AArch64 4 KiB: type 0b11 at levels 0-2 is a table).
 */
export function countTables(s: HwStack, vm: PanthorVm, cfg: AsConfig): number {
  const mem = s.sim.memory;
  let n = 0;
  const visit = (pa: number, level: number): void => {
    const w = mem.words(pa);
    if (w === undefined) throw new Error(`table 0x${pa.toString(16)} is not memory`);
    for (let i = 0; i < 1024; i += 2) {
      const lo = w[i] as number;
      if ((lo & 3) !== 3 || level >= 3) continue;
      const hi = (w[i + 1] as number) & 0xffff;
      n++;
      visit(hi * 2 ** 32 + ((lo & 0xfffff000) >>> 0), level + 1);
    }
  };
  visit(vm.transtab, cfg.startLevel);
  return n;
}
