/**
 * Observability: per-BO and per-file memory statistics, a debugfs-like dump of AS slots,
 * contexts and mappings, and counters, as data and as text.
 */
import type { PanfrostDevice } from "../device/device.js";
import type { AsEvent, AsSlotSnapshot } from "../mmu/as-manager.js";
import { type FaultRecord, formatFault } from "./fault-log.js";

/** One BO (the kernel's debugfs `gems` row). */
export interface BoStats {
  /** GEM object id. */
  id: number;
  /** Label. */
  label: string;
  /** Size in bytes. */
  size: number;
  /** Resident bytes (heap: grown chunks). */
  resident: number;
  /** Heap BO. */
  heap: boolean;
  /** Executable. */
  exec: boolean;
  /** DONTNEED and purgeable now. */
  purgeable: boolean;
  /** Purged. */
  purged: boolean;
  /** Jobs using it. */
  gpuUsecount: number;
  /** Client id of the creator. */
  creator: number;
  /** GEM reference count. */
  refcount: number;
  /** Mappings: client id of the owning file (0 if closed) and GPU VA. */
  mappings: Array<{ ctx: number; va: number; active: boolean }>;
}

/** One file (fdinfo-like). */
export interface FileStats {
  /** DRM client id. */
  clientId: number;
  /** Name. */
  name: string;
  /** MMU context id. */
  ctx: number;
  /** AS slot, or -1. */
  as: number;
  /** BO handles held. */
  handles: number;
  /** Resident bytes over its BOs. */
  resident: number;
  /** Purgeable bytes. */
  purgeable: number;
  /** Heap resident bytes. */
  heapRss: number;
  /** Bytes of BOs shared with other files. */
  shared: number;
  /** Jobs submitted / completed / failed. */
  jobs: { submitted: number; completed: number; failed: number; gpuTimeNs: number };
  /** Terminal faults. */
  faults: number;
}

/** One MMU context in the dump. */
export interface ContextDump {
  /** Context id. */
  id: number;
  /** Owner label. */
  label: string;
  /** References. */
  refcount: number;
  /** AS slot or -1. */
  as: number;
  /** AS use count. */
  asCount: number;
  /** Mappings in address order. */
  mappings: Array<{
    va: number;
    size: number;
    boId: number;
    heap: boolean;
    exec: boolean;
    active: boolean;
  }>;
}

/** Everything {@link deviceDump} reports. */
export interface DeviceDump {
  /** GPU name and id. */
  gpu: {
    name: string;
    id: number;
    vaBits: number;
    paBits: number;
    asPresent: number;
    format: string;
  };
  /** Virtual time (ns). */
  now: number;
  /** AS slots. */
  slots: AsSlotSnapshot[];
  /** LRU order of context ids (most recent first). */
  lru: number[];
  /** AS slot events over time (bind, steal, fault, re-enable, release, reset), oldest first. */
  asEvents: readonly AsEvent[];
  /** Live contexts. */
  contexts: ContextDump[];
  /** Files. */
  files: FileStats[];
  /** BOs. */
  bos: BoStats[];
  /** Terminal faults. */
  faults: readonly FaultRecord[];
  /** Counters. */
  counters: Record<string, number>;
}

/** Per-BO statistics. */
export function boStats(dev: PanfrostDevice): BoStats[] {
  return [...dev.bos].map((bo) => ({
    id: bo.id,
    label: bo.label,
    size: bo.size,
    resident: bo.residentBytes,
    heap: bo.isHeap,
    exec: !bo.noexec,
    purgeable: bo.isPurgeable(),
    purged: bo.purged,
    gpuUsecount: bo.gpuUsecount,
    creator: bo.creatorClient,
    refcount: bo.refcount,
    mappings: bo.mappings.map((m) => ({ ctx: m.ctx.id, va: m.iova, active: m.active })),
  }));
}

/** Per-file statistics. */
export function fileStats(dev: PanfrostDevice): FileStats[] {
  return dev.files.map((f) => {
    let resident = 0;
    let purgeable = 0;
    let heapRss = 0;
    let shared = 0;
    let handles = 0;
    for (const [, obj] of f.file.objectIdr.entries()) {
      handles++;
      const bo = [...dev.bos].find((b) => b === obj);
      if (bo === undefined) continue;
      resident += bo.residentBytes;
      if (bo.isPurgeable()) purgeable += bo.size;
      if (bo.isHeap) heapRss += bo.heapRssSize;
      if (bo.handleCount > 1 || bo.mappings.length > 1) shared += bo.size;
    }
    return {
      clientId: f.clientId,
      name: f.name,
      ctx: f.ctx.id,
      as: f.ctx.as,
      handles,
      resident,
      purgeable,
      heapRss,
      shared,
      jobs: { ...f.jobStats },
      faults: f.faults,
    };
  });
}

/** Contexts reachable from files and BO mappings. */
function contexts(dev: PanfrostDevice): ContextDump[] {
  const seen = new Map<number, ContextDump>();
  const add = (ctx: PanfrostDevice["files"][number]["ctx"]): void => {
    if (seen.has(ctx.id) || ctx.isReleased) return;
    const mappings: ContextDump["mappings"] = [];
    for (const bo of dev.bos) {
      for (const m of bo.mappings) {
        if (m.ctx !== ctx) continue;
        mappings.push({
          va: m.iova,
          size: bo.size,
          boId: bo.id,
          heap: bo.isHeap,
          exec: !bo.noexec,
          active: m.active,
        });
      }
    }
    mappings.sort((a, b) => a.va - b.va);
    seen.set(ctx.id, {
      id: ctx.id,
      label: ctx.label,
      refcount: ctx.refcount,
      as: ctx.as,
      asCount: ctx.asCount,
      mappings,
    });
  };
  for (const f of dev.files) add(f.ctx);
  for (const bo of dev.bos) for (const m of bo.mappings) add(m.ctx);
  return [...seen.values()].sort((a, b) => a.id - b.id);
}

/** The whole debug view of a device, as data. */
export function deviceDump(dev: PanfrostDevice): DeviceDump {
  const f = dev.features;
  const counters: Record<string, number> = {};
  const put = (prefix: string, o: object): void => {
    for (const [k, v] of Object.entries(o))
      if (typeof v === "number") counters[`${prefix}.${k}`] = v;
  };
  put("as", dev.mmu.slots.counters);
  put("mmu", dev.mmu.hw.counters);
  put("map", dev.mmu.mapCounters);
  put("fault", dev.mmu.faultCounters);
  put("job", dev.jobs.counters);
  put("gpu", dev.gpuCounters);
  counters["lock.contended"] = dev.mmu.lock.contended;
  counters["mmu.deferredFlushes"] = dev.mmu.deferredFlushes;
  counters["shrinker.purgedPages"] = dev.shrinker.purgedPages;
  counters["memory.allocatedPages"] = dev.platform.memory.allocatedPages;
  return {
    gpu: {
      name: f.name,
      id: f.id,
      vaBits: f.vaBits,
      paBits: f.paBits,
      asPresent: f.asPresent,
      format: dev.pgtableFormat,
    },
    now: dev.platform.loop.now,
    slots: dev.mmu.slots.snapshot(),
    lru: dev.mmu.slots.lruOrder().map((c) => c.id),
    asEvents: dev.mmu.slots.history,
    contexts: contexts(dev),
    files: fileStats(dev),
    bos: boStats(dev),
    faults: dev.mmu.faultLog.records,
    counters,
  };
}

const hex = (v: number): string => `0x${v.toString(16)}`;

/** The debug view as text (AS slots, contexts and mappings, files, faults, counters). */
export function formatDump(d: DeviceDump): string {
  const out: string[] = [];
  out.push(
    `${d.gpu.name} (id ${hex(d.gpu.id)}), ${d.gpu.format}, VA ${d.gpu.vaBits} / PA ${d.gpu.paBits} bits, t=${d.now} ns`,
  );
  out.push("AS slots:");
  for (const s of d.slots) {
    out.push(
      `  AS${s.as}: ${s.state.padEnd(9)} ctx ${s.ctx ?? "-"} count ${s.count}${s.faulty ? " FAULTY" : ""}${s.lruPos === null ? "" : ` lru#${s.lruPos}`}`,
    );
  }
  out.push(`LRU (newest first): ${d.lru.join(" ") || "(empty)"}`);
  const recent = d.asEvents.slice(-16);
  out.push(`AS events (last ${recent.length} of ${d.asEvents.length}):`);
  for (const e of recent) {
    out.push(
      `  t=${e.time} AS${e.as} ${e.kind} ctx ${e.ctx}${e.from === undefined ? "" : ` (from ctx ${e.from})`}`,
    );
  }
  out.push("contexts:");
  for (const c of d.contexts) {
    out.push(`  ctx ${c.id} "${c.label}" refs ${c.refcount} as ${c.as} count ${c.asCount}`);
    for (const m of c.mappings) {
      out.push(
        `    ${hex(m.va)}-${hex(m.va + m.size)} bo #${m.boId}${m.heap ? " heap" : ""}${m.exec ? " exec" : ""}${m.active ? "" : " (unmapped)"}`,
      );
    }
  }
  out.push("files:");
  for (const f of d.files) {
    out.push(
      `  client ${f.clientId} "${f.name}": ctx ${f.ctx} as ${f.as} handles ${f.handles} resident ${f.resident} purgeable ${f.purgeable} heap ${f.heapRss} jobs ${f.jobs.completed}/${f.jobs.submitted} failed ${f.jobs.failed} faults ${f.faults}`,
    );
  }
  out.push(`faults (${d.faults.length}):`);
  for (const r of d.faults) out.push(formatFault(r).replace(/^/gm, "  "));
  out.push("counters:");
  for (const [k, v] of Object.entries(d.counters)) out.push(`  ${k} = ${v}`);
  return out.join("\n");
}
