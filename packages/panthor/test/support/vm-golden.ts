/**
 * Replays panthor-vm golden cases: the driver's VM core on a recording register window (AS_STATUS
 * always idle), an arena of page-table pages from 0x80000000, and BOs whose pages, folios and sg
 * tables the case lists.
 */
import { goldenBigInt, goldenNumber } from "@panmmu/fixtures";
import { csfFlushCachesCmd, EventLoopSim, type MmioBus } from "@panmmu/hw";
import { ArrayPageTableMemory, dumpIoPgtable } from "@panmmu/iopgtable";
import { CollectingWarningSink } from "@panmmu/uapi";
import type { PanthorMmuEnv } from "../../src/mmu/env.js";
import type { PanthorVm } from "../../src/vm/vm.js";
import { PageListBo } from "../helpers/page-list-bo.js";

/** GPU_CMD offset. */
const GPU_CMD = 0x30;

/** A register window that records every write and reads 0 (every AS idle). */
export class RecordingMmio implements MmioBus {
  /** Writes since the last {@link take}, as `[offset, value]` hex strings. */
  writes: Array<[string, string]> = [];
  read32(): number {
    return 0;
  }
  write32(offset: number, value: number): void {
    this.writes.push([hex(offset), hex(value >>> 0)]);
  }
  /** Returns and clears the recorded writes. */
  take(): Array<[string, string]> {
    const w = this.writes;
    this.writes = [];
    return w;
  }
}

/** Lower-case hex with `0x`, as the golden files write numbers. */
export function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

/** One chunk of a golden BO: `pages` contiguous pages from `phys`, in folios of `folioPages`. */
interface Chunk {
  phys: number;
  pages: number;
  folioPages: number;
}

/** A BO built from a golden description. */
export class GoldenBo extends PageListBo {
  constructor(
    readonly handle: number,
    json: Record<string, unknown>,
  ) {
    super(goldenNumber(json.size));
    for (const c of json.chunks as Record<string, unknown>[]) {
      const ch: Chunk = {
        phys: goldenNumber(c.phys),
        pages: goldenNumber(c.pages),
        folioPages: goldenNumber(c.folioPages),
      };
      for (let i = 0; i < ch.pages; i++) {
        this.pages.push(ch.phys + i * 4096);
        this.folios.push(ch.folioPages * 4096);
      }
    }
    this.seal();
    // The case lists the merged segments too: they must be what the pages give.
    const listed = (json.sg as unknown[][]).map((s) => [goldenNumber(s[0]), goldenNumber(s[1])]);
    const made = this.getPagesSgt().segments.map((s) => [s.pa, s.size]);
    if (JSON.stringify(listed) !== JSON.stringify(made)) throw new Error("sg table mismatch");
  }
}

/** The fake device around the VM core. */
export interface GoldenEnv extends PanthorMmuEnv {
  readonly mmio: RecordingMmio;
  readonly memory: ArrayPageTableMemory;
  readonly warnings: CollectingWarningSink;
  /** Resets asked for. */
  resets: number;
}

/** Builds the device context of a case. */
export function goldenEnv(device: Record<string, unknown>): GoldenEnv {
  const mmio = new RecordingMmio();
  const env: GoldenEnv = {
    mmio,
    loop: new EventLoopSim(),
    warnings: new CollectingWarningSink(),
    memory: new ArrayPageTableMemory({ base: 0x8000_0000 }),
    coherent: device.coherent === true,
    asPresent: goldenNumber(device.asPresent),
    mmuFeatures: goldenNumber(device.mmuFeatures),
    flushCaches(l2, lsc, other) {
      mmio.write32(GPU_CMD, csfFlushCachesCmd(l2, lsc, other));
      return 0;
    },
    scheduleReset() {
      env.resets++;
    },
    resets: 0,
  };
  return env;
}

/** A golden leaf row. */
export interface LeafRun {
  iova: string;
  level: number;
  pte: string;
  n: number;
}

/** The VM's leaves, run-length encoded as the golden files do, and its table count. */
export function leafRuns(vm: PanthorVm): { leaves: LeafRun[]; tables: number } {
  const rows = dumpIoPgtable(vm.pgtable);
  let tables = 1;
  const out: LeafRun[] = [];
  let last: { iova: bigint; pte: bigint; level: number; n: number; step: bigint } | null = null;
  const flush = (): void => {
    if (last !== null)
      out.push({ iova: hex(last.iova), level: last.level, pte: hex(last.pte), n: last.n });
  };
  for (const r of rows) {
    if (r.kind === "table") {
      tables++;
      continue;
    }
    if (r.kind !== "page" && r.kind !== "block") continue;
    const iova = BigInt(r.vaBase);
    const pte = BigInt(r.desc);
    const step = r.level === 3 ? 0x1000n : 0x20_0000n;
    if (
      last !== null &&
      last.level === r.level &&
      iova === last.iova + BigInt(last.n) * step &&
      pte === last.pte + BigInt(last.n) * step
    ) {
      last.n++;
      continue;
    }
    flush();
    last = { iova, pte, level: r.level, n: 1, step };
  }
  flush();
  return { leaves: out, tables };
}

/** Whether every page of every mapping translates to its BO page, and nothing else is mapped. */
export function consistent(vm: PanthorVm, leaves: readonly LeafRun[]): boolean {
  let mappedBytes = 0;
  for (const l of leaves) mappedBytes += l.n * (l.level === 3 ? 0x1000 : 0x20_0000);
  let expected = 0;
  for (const va of vm.mappings()) {
    const bo = va.obj as GoldenBo;
    const addr = Number(va.addr);
    const range = Number(va.range);
    expected += range;
    for (let o = 0; o < range; o += 4096) {
      if (vm.pgtable.iovaToPhys(addr + o) !== bo.pageAt(Number(va.offset) + o)) return false;
    }
  }
  return expected === mappedBytes;
}

/** A golden op input as the VM_BIND op it stands for. */
export function bindOp(input: Record<string, unknown>): {
  flags: number;
  boHandle: number;
  boOffset: bigint;
  va: bigint;
  size: bigint;
  syncsCount: number;
} {
  return {
    flags: goldenNumber(input.flags),
    boHandle: goldenNumber(input.boHandle),
    boOffset: goldenBigInt(input.boOffset),
    va: goldenBigInt(input.va),
    size: goldenBigInt(input.size),
    syncsCount: 0,
  };
}
