/**
 * The MMU fault log: every fault the MMU interrupt reported (all are unhandled in panthor),
 * decoded and printed in the kernel's format, with the file, VM, BO and offset it hit — or the
 * nearest mapping — as panfrost's fault log reports them, and the file's groups that were
 * running on that VM (CSG slot, queues with jobs in flight).
 */
import type { DrmFile } from "@panmmu/drm";
import { accessTypeName, decodeFaultStatus } from "@panmmu/hw";
import { panthorExceptionName } from "../device/exceptions.js";
import type { PanthorFilePriv } from "../file/file-priv.js";
import type { MmuFaultRecord } from "../mmu/as-manager.js";
import type { PanthorGroup } from "../sched/group.js";
import { PanthorVm } from "../vm/vm.js";

/** Who owns a faulting VM. */
export interface PanthorFaultOwner {
  /** Name of the owning file, or "MCU" for the firmware's VM. */
  readonly fileName: string;
  /** DRM client id of the file (0 for the MCU). */
  readonly clientId: number;
  /** The VM's id in the file's pool (0 for the MCU). */
  readonly vmId: number;
  /** Handle of a GEM object in the file, or 0 when the file has none for it. */
  handleOf(obj: object): number;
  /** The file's groups on the faulting VM that were on a CSG slot (whose streams could fault). */
  readonly groups: readonly PanthorFaultGroup[];
}

/** A group that was running on the faulting VM. */
export interface PanthorFaultGroup {
  /** Its handle in the owning file. */
  readonly handle: number;
  /** The CSG slot it was on. */
  readonly csgId: number;
  /** Its queues with jobs in flight (whose streams could have made the access). */
  readonly queues: readonly number[];
}

/** Where a faulting address landed in the faulting VM. */
export type PanthorFaultTarget =
  | {
      /** The address is inside a mapping. */
      readonly kind: "bo";
      /** GEM object id of the mapped BO (-1 if it has none). */
      readonly boId: number;
      /** Handle of the BO in the owning file (0: none, e.g. a kernel BO). */
      readonly handle: number;
      /** The BO's label, or null. */
      readonly label: string | null;
      /** BO size in bytes. */
      readonly boSize: number;
      /** Byte offset of the fault inside the BO. */
      readonly offset: number;
      /** Start of the mapping (gpuva). */
      readonly mapVa: number;
      /** Size of the mapping. */
      readonly mapSize: number;
      /** The mapping's READONLY/NOEXEC/UNCACHED flags. */
      readonly mapFlags: number;
    }
  | {
      /** No mapping covers the address. */
      readonly kind: "none";
      /** Distance in bytes to the nearest mapped byte, or null when the VM maps nothing. */
      readonly nearestDistance: number | null;
      /** Start of the nearest mapping, or null. */
      readonly nearestVa: number | null;
      /** GEM object id of its BO, or null. */
      readonly nearestBoId: number | null;
      /** Label of its BO, or null. */
      readonly nearestLabel: string | null;
    }
  | {
      /** The AS was bound to no VM. */
      readonly kind: "unbound";
    };

/** One logged fault. */
export interface PanthorFaultRecord {
  /** Sequence number (1-based). */
  readonly seq: number;
  /** Virtual time of the interrupt (ns). */
  readonly time: number;
  /** AS slot. */
  readonly as: number;
  /** AS_FAULTADDRESS. */
  readonly va: number;
  /** Raw AS_FAULTSTATUS. */
  readonly faultStatus: number;
  /** Exception type (bits 7:0). */
  readonly exceptionType: number;
  /** Its name (panthor_exception_name()). */
  readonly exceptionName: string;
  /** Access type (bits 9:8). */
  readonly accessType: number;
  /** Its name. */
  readonly accessName: string;
  /** Source id (bits 31:16). */
  readonly sourceId: number;
  /** Bit 10: decoder fault rather than slave fault. */
  readonly decoder: boolean;
  /** Owner of the faulting VM, or null (unbound AS, or a VM no file holds any more). */
  readonly owner: {
    readonly fileName: string;
    readonly clientId: number;
    readonly vmId: number;
    /** The file's groups on the VM that were on a CSG slot. */
    readonly groups: readonly PanthorFaultGroup[];
  } | null;
  /** What the address hit. */
  readonly target: PanthorFaultTarget;
}

const hex = (v: number, width = 0): string =>
  `0x${v.toString(16).toUpperCase().padStart(width, "0")}`;

const boId = (obj: object): number => ("id" in obj && typeof obj.id === "number" ? obj.id : -1);
const boLabel = (obj: object): string | null =>
  "label" in obj && typeof obj.label === "string" ? obj.label : null;

/**
 * Where `va` lands in `vm`: the mapping and BO offset, or the nearest mapping and its distance.
 * `handleOf` names the BO's handle in the owning file.
 */
export function resolveFaultTarget(
  vm: PanthorVm,
  va: number,
  handleOf: (obj: object) => number,
): PanthorFaultTarget {
  let nearest: { d: number; va: number; obj: object | null } | null = null;
  for (const m of vm.mappings()) {
    const start = Number(m.addr);
    const end = start + Number(m.range);
    if (va >= start && va < end) {
      const obj = m.obj;
      if (obj === null) break;
      return {
        kind: "bo",
        boId: boId(obj),
        handle: handleOf(obj),
        label: boLabel(obj),
        boSize: obj.size,
        offset: Number(m.offset) + va - start,
        mapVa: start,
        mapSize: end - start,
        mapFlags: m.mapFlags,
      };
    }
    const d = va < start ? start - va : va - (end - 1);
    if (nearest === null || d < nearest.d) nearest = { d, va: start, obj: m.obj };
  }
  return {
    kind: "none",
    nearestDistance: nearest?.d ?? null,
    nearestVa: nearest?.va ?? null,
    nearestBoId: nearest?.obj ? boId(nearest.obj) : null,
    nearestLabel: nearest?.obj ? boLabel(nearest.obj) : null,
  };
}

/** Describes a fault target in words. */
export function describeFaultTarget(t: PanthorFaultTarget): string {
  switch (t.kind) {
    case "bo":
      return (
        `BO #${t.boId}${t.label === null ? "" : ` "${t.label}"`} (handle ${t.handle}, ` +
        `${t.boSize} bytes) at offset ${hex(t.offset)} (mapping ${hex(t.mapVa)}+${hex(t.mapSize)}, ` +
        `flags ${hex(t.mapFlags)})`
      );
    case "none":
      return t.nearestDistance === null
        ? "no mapping in this VM"
        : `no mapping within ${t.nearestDistance} bytes of the address (nearest: BO #${t.nearestBoId}` +
            `${t.nearestLabel === null ? "" : ` "${t.nearestLabel}"`} at ${hex(t.nearestVa ?? 0)})`;
    default:
      return "AS bound to no VM";
  }
}

/**
 * A record as text: the kernel's drm_err() lines of panthor_mmu_irq_handler(), then what the
 * address hit and who owns the VM.
 */
export function formatPanthorFault(r: PanthorFaultRecord): string {
  const who =
    r.owner === null
      ? "no owner"
      : `file "${r.owner.fileName}" (client ${r.owner.clientId}, VM ${r.owner.vmId})`;
  return [
    `Unhandled Page fault in AS${r.as} at VA ${hex(r.va, 16)}`,
    `raw fault status: ${hex(r.faultStatus)}`,
    `decoded fault status: ${r.decoder ? "DECODER FAULT" : "SLAVE FAULT"}`,
    `exception type ${hex(r.exceptionType)}: ${r.exceptionName}`,
    `access type ${hex(r.accessType)}: ${r.accessName}`,
    `source id ${hex(r.sourceId)}`,
    `hit: ${describeFaultTarget(r.target)}`,
    `owner: ${who}`,
    `groups: ${describeFaultGroups(r.owner?.groups ?? [])}`,
  ].join("\n");
}

/** The groups that could have made a faulting access, in words. */
export function describeFaultGroups(groups: readonly PanthorFaultGroup[]): string {
  if (groups.length === 0) return "none of the VM's groups on a CSG slot";
  return groups
    .map(
      (g) =>
        `group ${g.handle} on CSG ${g.csgId}` +
        (g.queues.length === 0 ? " (no job in flight)" : ` (queues ${g.queues.join(", ")} busy)`),
    )
    .join("; ");
}

/**
 * Finds the owner of `vm` among open files (the MCU's VM is "MCU"): file name, client id, the
 * VM's pool id and a handle lookup in that file.
 */
export function findFaultOwner(
  files: readonly DrmFile<PanthorFilePriv>[],
  mcuVm: PanthorVm | null,
  vm: PanthorVm,
  resident: readonly (PanthorGroup | null)[] = [],
): PanthorFaultOwner | null {
  if (vm === mcuVm) return { fileName: "MCU", clientId: 0, vmId: 0, handleOf: () => 0, groups: [] };
  for (const f of files) {
    const priv = f.driverPriv;
    if (priv === null) continue;
    for (const [id, v] of priv.vms.entries()) {
      if (v !== vm) continue;
      const groups: PanthorFaultGroup[] = [];
      for (const [handle, g] of priv.groups.entries()) {
        if (g.vm !== vm || g.csgId < 0 || resident[g.csgId] !== g) continue;
        const queues: number[] = [];
        g.queues.forEach((q, i) => {
          if (q.inFlight.length > 0) queues.push(i);
        });
        groups.push({ handle, csgId: g.csgId, queues });
      }
      return {
        fileName: priv.name,
        clientId: f.clientId,
        vmId: id,
        groups,
        handleOf: (obj) => {
          for (const [h, o] of f.objectIdr.entries()) if (o === obj) return h;
          return 0;
        },
      };
    }
  }
  return null;
}

/** A bounded log of MMU faults (oldest dropped first). */
export class PanthorFaultLog {
  private readonly entries: PanthorFaultRecord[] = [];
  private seq = 0;
  /** Faults ever logged (including dropped ones). */
  total = 0;

  /**
   * @param owner - finds who owns a faulting VM.
   * @param capacity - most records kept.
   */
  constructor(
    private readonly owner: (vm: PanthorVm) => PanthorFaultOwner | null,
    readonly capacity = 256,
  ) {}

  /**
   * Logs one fault the MMU interrupt saw (call it from the handler, before the mappings change):
   * decodes the status and resolves the address in the faulting VM.
   */
  report(f: MmuFaultRecord): PanthorFaultRecord {
    const d = decodeFaultStatus(f.status);
    const vm = f.vm instanceof PanthorVm ? f.vm : null;
    const owner = vm === null ? null : this.owner(vm);
    const rec: PanthorFaultRecord = {
      seq: ++this.seq,
      time: f.time,
      as: f.as,
      va: f.va,
      faultStatus: f.status,
      exceptionType: d.exceptionType,
      exceptionName: panthorExceptionName(d.exceptionType),
      accessType: d.accessType,
      accessName: accessTypeName(d.accessType, true),
      sourceId: d.sourceId,
      decoder: d.decoder,
      owner:
        owner === null
          ? null
          : {
              fileName: owner.fileName,
              clientId: owner.clientId,
              vmId: owner.vmId,
              groups: owner.groups,
            },
      target:
        vm === null
          ? { kind: "unbound" }
          : resolveFaultTarget(vm, f.va, owner?.handleOf ?? (() => 0)),
    };
    this.entries.push(rec);
    this.total++;
    if (this.entries.length > this.capacity) this.entries.shift();
    return rec;
  }

  /** Records kept, oldest first. */
  get records(): readonly PanthorFaultRecord[] {
    return this.entries;
  }

  /** Every kept record as text, separated by blank lines. */
  toText(): string {
    return this.entries.map(formatPanthorFault).join("\n\n");
  }
}
