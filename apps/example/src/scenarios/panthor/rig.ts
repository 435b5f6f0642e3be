/**
 * The panthor scenario's stack: a simulated Mali-G610 with fewer user AS slots than the
 * scenario has VMs, a probed panthor device, the app's record of AS slot bindings (taken around
 * every `vmActive`, as the driver keeps none), and GPU reads through the access probe.
 */
import {
  createPlatform,
  EventLoopSim,
  GpuAccessKind,
  type ProbeRun,
  type SimPlatform,
} from "@panmmu/hw";
import { PanthorClient, PanthorDevice, type PanthorVm } from "@panmmu/panthor";
import { CollectingWarningSink, errnoName } from "@panmmu/uapi";
import { StackError } from "../../stack/stack.js";

/** ProbeRun status of a run stopped before its end. */
const PROBE_TERMINATED = 4;

/** AS_PRESENT of the scenario's G610: AS0 (the MCU's) and two user slots. */
export const PANTHOR_AS_PRESENT = 0x7;

/** One AS slot event the app saw around a `vmActive`. */
export interface PanthorSlotEvent {
  /** Virtual time (ns). */
  readonly time: number;
  /** AS slot number. */
  readonly as: number;
  /** `bind` (a free slot), `steal` (an idle VM's slot) or `reenable` (a faulty slot re-enabled). */
  readonly kind: "bind" | "steal" | "reenable";
  /** Client whose VM got the slot. */
  readonly client: string;
  /** For a steal: the client whose idle VM lost it. */
  readonly from?: string;
}

/** What one GPU read run saw. */
export interface ReadRun {
  /** Values read (one per completed access), in order. */
  readonly values: number[];
  /** VAs of those reads. */
  readonly vas: number[];
  /** 1 when every access completed, else the exception code the run ended with. */
  readonly status: number;
  /** Accesses that waited on a locked region (an update in progress). */
  readonly lockWaits: number;
}

/** The scenario's stack. */
export interface PanthorRig {
  /** The simulated platform. */
  readonly sim: SimPlatform;
  /** The probed driver. */
  readonly dev: PanthorDevice;
  /** WARN_ON reports of every layer. */
  readonly warnings: CollectingWarningSink;
  /** Pages allocated right after probe. */
  readonly basePages: number;
  /** Every slot binding seen, in order. */
  readonly events: PanthorSlotEvent[];
  /** User AS slots (AS_PRESENT minus AS0). */
  readonly userSlots: number;
  /** Opens a file named `name`; throws {@link StackError} if the driver refuses. */
  open(name: string): PanthorClient;
  /** Makes `vm` (of client `name`) active, recording the slot it got; 0 or -errno. */
  activate(vm: PanthorVm, name: string): number;
  /** Names the client owning a VM (for steal events). */
  nameVm(vm: PanthorVm, name: string): void;
}

/** Builds the rig (platform seeded by `seed`); throws {@link StackError} if probe fails. */
export function buildPanthorRig(seed: number): PanthorRig {
  const warnings = new CollectingWarningSink();
  const loop = new EventLoopSim({ seed });
  const sim = createPlatform("g610", {
    seed,
    loop,
    warnings,
    overrides: { asPresent: PANTHOR_AS_PRESENT },
  });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new StackError(`panthor probe failed: ${errnoName(-dev)}`);
  const owners = new Map<PanthorVm, string>();
  const events: PanthorSlotEvent[] = [];
  let userSlots = 0;
  for (let as = 1; as < 32; as++) if (((PANTHOR_AS_PRESENT >>> as) & 1) !== 0) userSlots++;
  return {
    sim,
    dev,
    warnings,
    basePages: sim.memory.allocatedPages,
    events,
    userSlots,
    open(name: string): PanthorClient {
      const c = PanthorClient.open(dev, name);
      if (typeof c === "number") throw new StackError(`open of ${name} failed: ${errnoName(-c)}`);
      return c;
    },
    nameVm(vm: PanthorVm, name: string): void {
      owners.set(vm, name);
    },
    activate(vm: PanthorVm, name: string): number {
      const before = vm.asId;
      const wasFaulty = before >= 0 && (dev.mmu.faultyMask & (1 << before)) !== 0;
      const victim = before < 0 ? dev.mmu.lru[0] : undefined;
      const ret = dev.mmu.vmActive(vm);
      if (ret !== 0 || (before >= 0 && !wasFaulty) || vm.activeCnt !== 1) return ret;
      const time = loop.now;
      if (before >= 0) {
        events.push({ time, as: vm.asId, kind: "reenable", client: name });
      } else if (victim !== undefined && victim.asId < 0 && dev.mmu.slots[vm.asId] === vm) {
        const from = owners.get(victim as PanthorVm) ?? "?";
        events.push({ time, as: vm.asId, kind: "steal", client: name, from });
      } else {
        events.push({ time, as: vm.asId, kind: "bind", client: name });
      }
      return ret;
    },
  };
}

/**
 * Starts reading 4 bytes at each of `vas` through AS `as` with the access probe, the whole list
 * `repeat` times, one pass every `periodNs`.
 */
export function startReads(
  rig: PanthorRig,
  as: number,
  vas: readonly number[],
  repeat: number,
  periodNs: number,
): ProbeRun {
  return rig.sim.gpu.accessProbe.start({
    as,
    accesses: vas.map((va) => ({ va, kind: GpuAccessKind.Read, size: 4 })),
    repeat,
    periodNs,
  });
}

/** Stops `probe` if it still runs and reports what it read. */
export function collectReads(rig: PanthorRig, probe: ProbeRun): ReadRun {
  if (!probe.done) probe.stop();
  rig.sim.loop.runUntil(() => probe.done, 1_000_000);
  const ok = probe.results.filter((r) => r.status === 1);
  return {
    values: ok.map((r) => r.value),
    vas: ok.map((r) => r.va),
    status: probe.status === PROBE_TERMINATED ? 1 : probe.status,
    lockWaits: probe.counters.lockWaits,
  };
}

/** Reads 4 bytes at `va` through AS `as`: the value, or -(exception code) when it failed. */
export function gpuRead(rig: PanthorRig, as: number, va: number): number {
  const faults = rig.dev.mmu.faults.length;
  const r = collectReads(rig, runReadsToEnd(rig, startReads(rig, as, [va], 1, 0)));
  if (r.status === 1 && r.values.length === 1) return r.values[0] as number;
  // Let the MMU interrupt be handled before the slot can change hands.
  rig.sim.loop.runUntil(() => rig.dev.mmu.faults.length > faults, 1_000_000);
  return -r.status;
}

function runReadsToEnd(rig: PanthorRig, probe: ProbeRun): ProbeRun {
  rig.sim.loop.runUntil(() => probe.done, 10_000_000);
  return probe;
}
