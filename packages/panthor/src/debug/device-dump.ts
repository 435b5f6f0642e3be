/**
 * The whole debug view of a panthor device — AS slots, VMs (gpuva lists), files (fdinfo
 * memory), faults, counters — as data and as text, like panfrost's `deviceDump`/`formatDump`.
 */
import { GPU_CYCLE_COUNTER_HZ, SYSTEM_COUNTER_FREQUENCY_HZ } from "@panmmu/hw";
import type { PanthorDevice } from "../device/device.js";
import { formatPanthorFault, type PanthorFaultRecord } from "./fault-log.js";
import {
  type FileEngineStats,
  type FileMemoryStats,
  fileEngineStats,
  fileMemoryStats,
  formatFdinfo,
} from "./fdinfo.js";
import { dumpGroups, formatGroupDump, type GroupDump } from "./group-dump.js";
import { dumpVm, formatVmDump, type VmDump } from "./vm-dump.js";

/** One AS slot. */
export interface AsSlotDump {
  /** Slot number. */
  readonly as: number;
  /** Who holds it: "MCU", `client <id> vm <id>`, "(unknown VM)", or null when free. */
  readonly holder: string | null;
  /** Active users of the VM holding it. */
  readonly activeCnt: number;
  /** Disabled by an unhandled fault. */
  readonly faulty: boolean;
}

/** Everything {@link panthorDeviceDump} reports. */
export interface PanthorDeviceDump {
  /** Virtual time (ns). */
  readonly now: number;
  /** AS slots present. */
  readonly slots: readonly AsSlotDump[];
  /** Idle VMs holding a slot, eviction order first, by holder name. */
  readonly lru: readonly string[];
  /** The MCU VM and every file's VMs, each with its holder name. */
  readonly vms: readonly { readonly holder: string; readonly dump: VmDump }[];
  /** Every open file's memory statistics. */
  readonly files: readonly FileMemoryStats[];
  /** Every open file's GPU usage (fdinfo's engine/cycles/frequency keys), in `files`' order; empty without firmware. */
  readonly engines: readonly FileEngineStats[];
  /** Every open file's groups, by file name. */
  readonly groups: readonly { readonly file: string; readonly groups: readonly GroupDump[] }[];
  /** Faults kept in the log. */
  readonly faults: readonly PanthorFaultRecord[];
  /** Counters. */
  readonly counters: Readonly<Record<string, number>>;
}

/** The device's debug view as data. */
export function panthorDeviceDump(dev: PanthorDevice): PanthorDeviceDump {
  const names = new Map<object, string>([[dev.mcuVm, "MCU"]]);
  const vms: { holder: string; dump: VmDump }[] = [{ holder: "MCU", dump: dumpVm(dev.mcuVm) }];
  const files: FileMemoryStats[] = [];
  const engines: FileEngineStats[] = [];
  const groups: { file: string; groups: GroupDump[] }[] = [];
  for (const file of [...dev.drm.files].reverse()) {
    const priv = file.driverPriv;
    if (priv === null) continue;
    const handleOf = (obj: object): number => {
      for (const [h, o] of file.objectIdr.entries()) if (o === obj) return h;
      return 0;
    };
    for (const [id, vm] of priv.vms.entries()) {
      const holder = `client ${file.clientId} vm ${id}`;
      names.set(vm, holder);
      vms.push({ holder, dump: dumpVm(vm, handleOf) });
    }
    files.push(fileMemoryStats({ file, priv }));
    if (dev.fw !== null) {
      engines.push(
        fileEngineStats(priv, dev.profileMask, SYSTEM_COUNTER_FREQUENCY_HZ, GPU_CYCLE_COUNTER_HZ),
      );
    }
    groups.push({ file: priv.name, groups: dumpGroups(priv) });
  }
  const name = (vm: object): string => names.get(vm) ?? "(unknown VM)";
  const slots: AsSlotDump[] = [];
  for (let as = 0; as < 32; as++) {
    if (((dev.mmu.env.asPresent >>> as) & 1) === 0) continue;
    const vm = dev.mmu.slots[as] ?? null;
    slots.push({
      as,
      holder: vm === null ? null : name(vm),
      activeCnt: vm?.activeCnt ?? 0,
      faulty: ((dev.mmu.faultyMask >>> as) & 1) !== 0,
    });
  }
  return {
    now: dev.platform.loop.now,
    slots,
    lru: dev.mmu.lru.map((vm) => name(vm)),
    vms,
    files,
    engines,
    groups,
    faults: dev.faultLog.records,
    counters: {
      "gpu.flushes": dev.gpu.counters.flushes,
      "gpu.flushTimeouts": dev.gpu.counters.flushTimeouts,
      "gpu.irqs": dev.gpu.counters.irqs,
      "mmu.faults": dev.faultLog.total,
      "device.resetRequests": dev.resetRequests,
      "fw.boots": dev.fw?.counters.boots ?? 0,
      "fw.pings": dev.fw?.counters.pings ?? 0,
      "fw.pingTimeouts": dev.fw?.counters.pingTimeouts ?? 0,
      "fw.irqs": dev.fw?.counters.irqs ?? 0,
      "ptCache.live": dev.ptCache.live,
      "memory.allocatedPages": dev.platform.memory.allocatedPages,
    },
  };
}

/** The debug view as text: AS slots, LRU, each VM's gpuva dump, each file's fdinfo, faults, counters. */
export function formatPanthorDump(d: PanthorDeviceDump): string {
  const out: string[] = [`panthor device, t=${d.now} ns`, "AS slots:"];
  for (const s of d.slots) {
    out.push(
      `  AS${s.as}: ${s.holder ?? "free"}${s.holder === null ? "" : ` active ${s.activeCnt}`}${s.faulty ? " FAULTY" : ""}`,
    );
  }
  out.push(`LRU (evicted first): ${d.lru.join(", ") || "(empty)"}`);
  for (const v of d.vms) {
    out.push(`VM ${v.holder}:`);
    out.push(formatVmDump(v.dump).replace(/^/gm, "  "));
  }
  d.files.forEach((f, i) => {
    out.push(`file "${f.name}":`);
    out.push(formatFdinfo(f, d.engines[i] ?? null).replace(/^/gm, "  "));
  });
  for (const g of d.groups) {
    if (g.groups.length === 0) continue;
    out.push(`groups of "${g.file}":`);
    out.push(formatGroupDump(g.groups).replace(/^/gm, "  "));
  }
  out.push(`faults (${d.faults.length}):`);
  for (const r of d.faults) out.push(formatPanthorFault(r).replace(/^/gm, "  "));
  out.push("counters:");
  for (const [k, v] of Object.entries(d.counters)) out.push(`  ${k} = ${v}`);
  return out.join("\n");
}
