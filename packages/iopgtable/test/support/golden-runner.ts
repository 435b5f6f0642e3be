/**
 * Replays one golden io-pgtable case against this package and returns what it observed in the
 * golden files' own shape, so a test can compare it with `toEqual` piece by piece.
 */
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  type DumpRow,
  dumpIoPgtable,
  hex64,
  IommuIotlbGather,
  type IoPgtableCfg,
  IoPgtableFormat,
  type IoPgtableOps,
  splitU64,
} from "../../src/index.js";

/** A golden event object. */
export type GoldenEvent = Record<string, string | number>;

/** A probe `{iova, phys}`. */
export interface GoldenProbe {
  iova: string;
  phys: string;
}

/** One golden operation (inputs plus expectations). */
export interface GoldenOp {
  op: "map" | "unmap" | "iova_to_phys";
  iova: string;
  paddr?: string;
  pgsize?: string;
  pgcount?: number;
  prot?: number;
  gather?: "none" | "normal" | "queued";
  result: Record<string, string | number>;
  warn: number;
  events: GoldenEvent[];
  tablesLive: number;
  probes: GoldenProbe[];
  dump?: DumpRow[];
}

/** A golden case as stored. */
export interface GoldenIopgtableCase {
  name: string;
  config: {
    fmt: string;
    quirks: string;
    ias: number;
    oas: number;
    pgsizeBitmap: string;
    coherentWalk: boolean;
    /** The simulated kernel's PAGE_SIZE (granule files only; absent means 4096). */
    pageSize?: number;
  };
  result: Record<string, unknown> | null;
  cfgAfterRefusal?: { pgsizeBitmap: string; ias: number; oas: number };
  warn: number;
  allocEvents: GoldenEvent[];
  ops: GoldenOp[];
  final: { dump: DumpRow[]; probes: GoldenProbe[]; tablesLive: number } | null;
  freeWarn?: number;
  freeEvents: GoldenEvent[] | null;
  tablesLiveAfterFree?: number;
}

/** Validates the minimal shape of a golden case. */
export function asIopgtableCase(data: unknown): GoldenIopgtableCase {
  const c = data as GoldenIopgtableCase;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.config !== "object" ||
    !Array.isArray(c.ops) ||
    !Array.isArray(c.allocEvents)
  ) {
    throw new Error("not an io-pgtable golden case");
  }
  return c;
}

/** Parses a golden hex string as a number (exact below 2^53; rounded above, see callers). */
function num(v: string | number): number {
  return typeof v === "number" ? v : Number(BigInt(v));
}

/** Everything observed while replaying a case. */
export interface Replay {
  /** The ops, or null when allocation was refused. */
  ops: IoPgtableOps<string> | null;
  /** The cfg after allocation. */
  cfg: IoPgtableCfg<string>;
  /** The memory. */
  memory: ArrayPageTableMemory;
  /** Events since the last `take()`. */
  take(): GoldenEvent[];
  /** Runs one golden op and returns its observed record (same keys as the golden op). */
  run(op: GoldenOp): Record<string, unknown>;
  /** iova_to_phys for a golden probe iova. */
  probe(iova: string): GoldenProbe;
}

/** Sets up the case's table with a recording memory, observer and TLB callbacks. */
export function replay(c: GoldenIopgtableCase): Replay {
  const memory = new ArrayPageTableMemory({ base: 0x80000000 });
  let events: GoldenEvent[] = [];
  const cookie: string = "cookie";
  const cfg: IoPgtableCfg<string> = {
    quirks: BigInt(c.config.quirks),
    pgsizeBitmap: BigInt(c.config.pgsizeBitmap),
    ias: c.config.ias,
    oas: c.config.oas,
    coherentWalk: c.config.coherentWalk,
    pageSize: c.config.pageSize ?? 4096,
    memory,
    observer: {
      tableAllocated: (_pa, level, vaBase) => {
        events.push({ ev: "alloc", level, vaBase: hex64(vaBase) });
      },
      tableFreed: (_pa, level, vaBase) => {
        events.push({ ev: "free", level, vaBase: hex64(vaBase) });
      },
    },
    tlb: {
      tlbFlushAll: (ck) => {
        if (ck !== cookie) throw new Error("bad cookie");
        events.push({ ev: "tlb_flush_all" });
      },
      tlbFlushWalk: (iova, size, granule, ck) => {
        if (ck !== cookie) throw new Error("bad cookie");
        events.push({
          ev: "tlb_flush_walk",
          iova: hex64(iova),
          size: hex64(size),
          granule: hex64(granule),
        });
      },
      tlbAddPage: (gather, iova, granule, ck) => {
        if (ck !== cookie || !(gather instanceof IommuIotlbGather)) throw new Error("bad args");
        events.push({ ev: "tlb_add_page", iova: hex64(iova), granule: hex64(granule) });
      },
    },
  };
  const fmt =
    c.config.fmt === "ARM_MALI_LPAE"
      ? IoPgtableFormat.ARM_MALI_LPAE
      : IoPgtableFormat.ARM_64_LPAE_S1;
  const ops = allocIoPgtableOps(fmt, cfg, cookie);
  const take = (): GoldenEvent[] => {
    const e = events;
    events = [];
    return e;
  };
  const probe = (iova: string): GoldenProbe => {
    const b = BigInt(iova);
    let phys: number;
    if (ops === null) phys = 0;
    else if (b < 2n ** 53n) phys = ops.iovaToPhys(Number(b));
    else {
      const { lo, hi } = splitU64(b);
      phys = ops.iovaToPhysLoHi(lo, hi);
    }
    return { iova, phys: hex64(phys) };
  };
  const run = (op: GoldenOp): Record<string, unknown> => {
    if (ops === null) throw new Error("no ops");
    const warnBefore = ops.warnCount;
    let result: Record<string, string | number>;
    if (op.op === "map") {
      const ret = ops.mapPages(
        num(op.iova),
        num(op.paddr ?? "0"),
        num(op.pgsize ?? "0"),
        op.pgcount ?? 0,
        op.prot ?? 0,
      );
      result = { ret, mapped: hex64(ops.mapped) };
    } else if (op.op === "unmap") {
      const gather =
        op.gather === "normal"
          ? new IommuIotlbGather(false)
          : op.gather === "queued"
            ? new IommuIotlbGather(true)
            : null;
      const unmapped = ops.unmapPages(num(op.iova), num(op.pgsize ?? "0"), op.pgcount ?? 0, gather);
      result = { unmapped: hex64(unmapped) };
    } else {
      result = { phys: probe(op.iova).phys };
    }
    const out: Record<string, unknown> = {
      result,
      warn: ops.warnCount - warnBefore,
      events: take(),
      tablesLive: memory.liveAllocations,
      probes: op.probes.map((p) => probe(p.iova)),
    };
    if (op.dump !== undefined) out.dump = dumpIoPgtable(ops);
    return out;
  };
  return { ops, cfg, memory, take, run, probe };
}
