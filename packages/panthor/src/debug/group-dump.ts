/**
 * A file's scheduling groups as a debug view: per group its VM, state, CSG slot, flags and
 * kernel-object bytes; per queue its priority, ring size and positions, doorbell and
 * profiling slots — what the kernel's debugfs and fdinfo tell about groups.
 */
import type { PanthorFilePriv } from "../file/file-priv.js";
import { type PanthorGroup, PanthorGroupState } from "../sched/group.js";

/** One queue in the dump. */
export interface QueueDump {
  /** Index in the group. */
  readonly index: number;
  /** Priority inside the group. */
  readonly priority: number;
  /** Ring bytes. */
  readonly ringbufSize: number;
  /** GPU VA of the ring. */
  readonly ringbufVa: number;
  /** `insert` (bytes written by the driver). */
  readonly insert: number;
  /** `extract` (bytes retired by the firmware). */
  readonly extract: number;
  /** Doorbell, or -1 when the group is on no CSG slot. */
  readonly doorbell: number;
  /** Profiling slots. */
  readonly profilingSlots: number;
}

/** One group in the dump. */
export interface GroupDump {
  /** Handle in the file's pool. */
  readonly handle: number;
  /** The id of its VM in the file's pool, or -1 once the VM left the pool. */
  readonly vmId: number;
  /** Life-cycle state name. */
  readonly state: string;
  /** CSG slot, or -1. */
  readonly csgId: number;
  /** Priority (0 LOW .. 3 REALTIME). */
  readonly priority: number;
  /** TIMEDOUT / FATAL / INNOCENT / DESTROYED flags that are set. */
  readonly flags: readonly string[];
  /** Queues with a fatal error, idle, blocked (bit per queue). */
  readonly fatalQueues: number;
  /** Idle queues. */
  readonly idleQueues: number;
  /** Blocked queues. */
  readonly blockedQueues: number;
  /** Bytes of the group's kernel BOs (fdinfo's `kbo_sizes`). */
  readonly kboSizes: number;
  /** Its queues. */
  readonly queues: readonly QueueDump[];
}

/** The groups of a file, by handle. */
export function dumpGroups(priv: PanthorFilePriv): GroupDump[] {
  const vmIds = new Map(priv.vms.entries().map(([id, vm]) => [vm, id] as const));
  return priv.groups.entries().map(([handle, g]) => dumpGroup(handle, g, vmIds.get(g.vm) ?? -1));
}

function dumpGroup(handle: number, g: PanthorGroup, vmId: number): GroupDump {
  const flags: string[] = [];
  if (g.timedout) flags.push("TIMEDOUT");
  if (g.fatalQueues !== 0) flags.push("FATAL");
  if (g.innocent) flags.push("INNOCENT");
  if (g.destroyed) flags.push("DESTROYED");
  return {
    handle,
    vmId,
    state: PanthorGroupState[g.state] ?? String(g.state),
    csgId: g.csgId,
    priority: g.priority,
    flags,
    fatalQueues: g.fatalQueues,
    idleQueues: g.idleQueues,
    blockedQueues: g.blockedQueues,
    kboSizes: g.kboSizes,
    queues: g.queues.map((q, index) => ({
      index,
      priority: q.priority,
      ringbufSize: q.ringbuf.size,
      ringbufVa: q.ringbuf.gpuVa,
      insert: q.insert,
      extract: q.extract,
      doorbell: q.doorbellId,
      profilingSlots: q.profilingSlotCount,
    })),
  };
}

/** The groups as text, one line per group and per queue. */
export function formatGroupDump(groups: readonly GroupDump[]): string {
  const hex = (v: number): string => `0x${v.toString(16)}`;
  const out: string[] = [];
  for (const g of groups) {
    const flags = g.flags.length === 0 ? "" : ` ${g.flags.join("|")}`;
    out.push(
      `group ${g.handle}: vm ${g.vmId} ${g.state} csg ${g.csgId} prio ${g.priority}${flags} kbo ${g.kboSizes} B`,
    );
    for (const q of g.queues) {
      out.push(
        `  queue ${q.index}: prio ${q.priority} ring ${hex(q.ringbufVa)}+${q.ringbufSize} insert ${q.insert} extract ${q.extract} doorbell ${q.doorbell}`,
      );
    }
  }
  return out.join("\n");
}

/**
 * Bytes of the file's group kernel objects: all of them resident, those of groups on a CSG
 * slot active. Mirrors panthor_fdinfo_gather_group_mem_info().
 */
export function groupMemInfo(priv: PanthorFilePriv): { resident: number; active: number } {
  let resident = 0;
  let active = 0;
  for (const [, g] of priv.groups.entries()) {
    resident += g.kboSizes;
    if (g.csgId >= 0) active += g.kboSizes;
  }
  return { resident, active };
}
