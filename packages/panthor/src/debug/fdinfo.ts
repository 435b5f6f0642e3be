/**
 * fdinfo-style per-file memory statistics: the `drm-*-memory` keys drm_show_memory_stats()
 * computes over a file's GEM handles, panthor's `panthor-*-memory` keys for kernel objects the
 * file owns, and (beyond fdinfo) what each of the file's VMs maps and holds in page tables.
 */
import { DmaResv, DmaResvUsage, type DrmGemObject } from "@panmmu/drm";
import type { PanthorFileHandle } from "../device/device.js";
import type { PanthorFilePriv } from "../file/file-priv.js";
import { PanthorBo } from "../gem/bo.js";
import type { PanthorKernelBo } from "../gem/kernel-bo.js";
import { panthorVmHeapsSizes } from "../heap/vm-heap-pool.js";
import {
  PANTHOR_DEVICE_PROFILING_ALL,
  PANTHOR_DEVICE_PROFILING_CYCLES,
  PANTHOR_DEVICE_PROFILING_TIMESTAMP,
} from "../sched/job-instrs.js";
import { groupMemInfo } from "./group-dump.js";

/** GEM status bit: the object has its pages. Mirrors DRM_GEM_OBJECT_RESIDENT. */
export const DRM_GEM_OBJECT_RESIDENT = 1 << 0;
/** GEM status bit: the object may be purged. Mirrors DRM_GEM_OBJECT_PURGEABLE. */
export const DRM_GEM_OBJECT_PURGEABLE = 1 << 1;
/** GEM status bit: the object is in use by the GPU. Mirrors DRM_GEM_OBJECT_ACTIVE. */
export const DRM_GEM_OBJECT_ACTIVE = 1 << 2;

/** Byte totals over a set of objects. Mirrors `struct drm_memory_stats`. */
export interface DrmMemoryStats {
  /** Objects with more than one handle, or exported. */
  shared: number;
  /** The other objects. */
  private: number;
  /** Objects with their pages. */
  resident: number;
  /** Resident objects that could be purged now. */
  purgeable: number;
  /** Objects with unsignalled fences. */
  active: number;
}

/** What one of the file's VMs holds. */
export interface VmMemoryStats {
  /** The VM's id in the file's pool. */
  readonly id: number;
  /** AS slot, or -1. */
  readonly as: number;
  /** Number of mappings (gpuvas). */
  readonly mappings: number;
  /** Bytes mapped. */
  readonly mappedBytes: number;
  /** Page-table pages the VM holds: the root plus the tables io-pgtable took and kept. */
  readonly ptPages: number;
}

/** A file's memory statistics. */
export interface FileMemoryStats {
  /** Driver name (`drm-driver`). */
  readonly driver: string;
  /** DRM client id (`drm-client-id`). */
  readonly clientId: number;
  /** The file's name. */
  readonly name: string;
  /** Over the file's GEM handles (`drm-*-memory`). */
  readonly memory: DrmMemoryStats;
  /** DRM_GEM_OBJECT_* bits any object reported: which of the keys are printed. */
  readonly supportedStatus: number;
  /** Kernel objects the file owns (`panthor-resident-memory`, `panthor-active-memory`). */
  readonly internal: { resident: number; active: number };
  /** The file's VMs by id. */
  readonly vms: readonly VmMemoryStats[];
}

/** The object's status bits: resident when imported or holding pages. Mirrors panthor_gem_status(). */
export function panthorGemStatus(obj: DrmGemObject): number {
  if (obj instanceof PanthorBo) {
    return obj.imported || obj.pages !== null ? DRM_GEM_OBJECT_RESIDENT : 0;
  }
  return 0;
}

/**
 * Adds up a file's GEM handles the way fdinfo does: total split into shared (more than one
 * handle, or exported) and private; resident; active (an unsignalled fence a write would wait
 * for); purgeable (resident, idle and reported purgeable — panthor never does).
 * Mirrors drm_show_memory_stats().
 */
export function drmMemoryStats(objects: Iterable<DrmGemObject>): {
  stats: DrmMemoryStats;
  supportedStatus: number;
} {
  const stats: DrmMemoryStats = { shared: 0, private: 0, resident: 0, purgeable: 0, active: 0 };
  let supported = 0;
  for (const obj of objects) {
    let s = panthorGemStatus(obj);
    supported |= s;
    const add = obj.size;
    if (obj.handleCount > 1 || obj.dmaBuf !== null) stats.shared += obj.size;
    else stats.private += obj.size;
    if ((s & DRM_GEM_OBJECT_RESIDENT) !== 0) stats.resident += add;
    else s &= ~DRM_GEM_OBJECT_PURGEABLE;
    if (obj.resv instanceof DmaResv && !obj.resv.testSignaled(DmaResvUsage.READ)) {
      stats.active += add;
      supported |= DRM_GEM_OBJECT_ACTIVE;
      s &= ~DRM_GEM_OBJECT_PURGEABLE;
    }
    if ((s & DRM_GEM_OBJECT_PURGEABLE) !== 0) stats.purgeable += add;
  }
  return { stats, supportedStatus: supported };
}

/**
 * The file's memory statistics: its GEM handles as fdinfo counts them, the kernel objects it
 * owns (`internal`: its groups' kernel BOs — active while the group is on a CSG slot — and its
 * VMs' heap pools — active while the VM holds an AS —, plus any `extra` kernel BOs, active
 * while their VM holds an AS), and its VMs. Mirrors panthor_show_fdinfo()'s memory part
 * (panthor_show_internal_memory_stats()).
 */
export function fileMemoryStats(
  handle: PanthorFileHandle,
  extra: readonly PanthorKernelBo[] = [],
): FileMemoryStats {
  const objs = handle.file.objectIdr.entries().map(([, o]) => o);
  const { stats, supportedStatus } = drmMemoryStats(objs);
  const groups = groupMemInfo(handle.priv);
  const heaps = panthorVmHeapsSizes(handle.priv);
  let iResident = groups.resident + heaps.resident;
  let iActive = groups.active + heaps.active;
  for (const k of extra) {
    iResident += k.obj.size;
    if (k.vm.asId >= 0) iActive += k.obj.size;
  }
  const vms = handle.priv.vms.entries().map(([id, vm]): VmMemoryStats => {
    let mapped = 0;
    const maps = vm.mappings();
    for (const m of maps) mapped += Number(m.range);
    return {
      id,
      as: vm.asId,
      mappings: maps.length,
      mappedBytes: mapped,
      ptPages: (vm.rootPageTable === null ? 0 : 1) + vm.ptStats.used - vm.ptStats.freed,
    };
  });
  return {
    driver: handle.file.dev.driver.name,
    clientId: handle.file.clientId,
    name: handle.priv.name,
    memory: stats,
    supportedStatus,
    internal: { resident: iResident, active: iActive },
    vms,
  };
}

/**
 * One fdinfo size line: the value in the largest of B/KiB/MiB it divides exactly.
 * Mirrors drm_fdinfo_print_size().
 */
export function fdinfoSizeLine(prefix: string, stat: string, region: string, size: number): string {
  const units = ["", " KiB", " MiB"];
  let u = 0;
  let sz = size;
  while (u < units.length - 1 && sz !== 0 && sz % 1024 === 0) {
    sz /= 1024;
    u++;
  }
  return `${prefix}-${stat}-${region}:\t${sz}${units[u]}`;
}

/** The GPU-usage lines of a file's fdinfo. */
export interface FileEngineStats {
  /** GPU time of the file's profiled jobs in ns (`drm-engine-panthor`), or null when timestamps are not profiled. */
  readonly timeNs: number | null;
  /** GPU cycles of its profiled jobs (`drm-cycles-panthor`), or null when cycles are not profiled. */
  readonly cycles: number | null;
  /** The GPU clock's highest rate (`drm-maxfreq-panthor`). */
  readonly maxFreqHz: number;
  /** Its current rate (`drm-curfreq-panthor`). */
  readonly curFreqHz: number;
}

/**
 * Moves the usage each of the file's groups accumulated since the last call into the file's
 * totals (the groups' counters start again from 0). Mirrors panthor_fdinfo_gather_group_samples().
 */
export function panthorFdinfoGatherGroupSamples(priv: PanthorFilePriv): void {
  for (const [, g] of priv.groups.entries()) {
    priv.stats.cycles += g.usage.cycles;
    priv.stats.time += g.usage.time;
    g.usage.cycles = 0;
    g.usage.time = 0;
  }
}

/**
 * The file's GPU usage as fdinfo prints it: with profiling on (`profileMask`, the device's
 * sysfs `profiling` knob) the groups' samples are gathered first; time is converted from
 * system-counter ticks (`timestampHz`) to ns, rounded up; the clock's rates are `clockHz` (no
 * devfreq: the rate never changes). Mirrors panthor_gpu_show_fdinfo().
 */
export function fileEngineStats(
  priv: PanthorFilePriv,
  profileMask: number,
  timestampHz: number,
  clockHz: number,
): FileEngineStats {
  if ((profileMask & PANTHOR_DEVICE_PROFILING_ALL) !== 0) panthorFdinfoGatherGroupSamples(priv);
  return {
    timeNs:
      (profileMask & PANTHOR_DEVICE_PROFILING_TIMESTAMP) !== 0
        ? Math.ceil((priv.stats.time * 1e9) / timestampHz)
        : null,
    cycles: (profileMask & PANTHOR_DEVICE_PROFILING_CYCLES) !== 0 ? priv.stats.cycles : null,
    maxFreqHz: clockHz,
    curFreqHz: clockHz,
  };
}

/**
 * The memory part of the file's fdinfo, line for line: driver and client id, panthor's
 * internal memory, then drm_print_memory_stats() (total, shared, and active/resident/purgeable
 * only when some object reports that status), with the GPU-usage keys of `engine` after the
 * client id when given. Mirrors drm_show_fdinfo() + panthor_show_fdinfo().
 */
export function formatFdinfo(s: FileMemoryStats, engine: FileEngineStats | null = null): string {
  const out = [`drm-driver:\t${s.driver}`, `drm-client-id:\t${s.clientId}`];
  if (engine !== null) {
    if (engine.timeNs !== null) out.push(`drm-engine-${s.driver}:\t${engine.timeNs} ns`);
    if (engine.cycles !== null) out.push(`drm-cycles-${s.driver}:\t${engine.cycles}`);
    out.push(`drm-maxfreq-${s.driver}:\t${engine.maxFreqHz} Hz`);
    out.push(`drm-curfreq-${s.driver}:\t${engine.curFreqHz} Hz`);
  }
  out.push(fdinfoSizeLine(s.driver, "resident", "memory", s.internal.resident));
  out.push(fdinfoSizeLine(s.driver, "active", "memory", s.internal.active));
  const m = s.memory;
  out.push(fdinfoSizeLine("drm", "total", "memory", m.private + m.shared));
  out.push(fdinfoSizeLine("drm", "shared", "memory", m.shared));
  if ((s.supportedStatus & DRM_GEM_OBJECT_ACTIVE) !== 0)
    out.push(fdinfoSizeLine("drm", "active", "memory", m.active));
  if ((s.supportedStatus & DRM_GEM_OBJECT_RESIDENT) !== 0)
    out.push(fdinfoSizeLine("drm", "resident", "memory", m.resident));
  if ((s.supportedStatus & DRM_GEM_OBJECT_PURGEABLE) !== 0)
    out.push(fdinfoSizeLine("drm", "purgeable", "memory", m.purgeable));
  return out.join("\n");
}
