/**
 * The second half of the panthor scenario runs on its own board: a stock Mali-G610 (AS_PRESENT
 * 0xff: AS0 for the MCU, 7 user AS slots) probed with the reference CSF firmware, so the
 * firmware boots, the CSG scheduler runs groups and the MMU hands AS slots to their VMs. The
 * app watches the CSG and AS slots between simulation events (the event loop's `onRun`
 * observer), as the driver keeps no history of them.
 */
import { buildCsfFirmwareImage } from "@panmmu/fixtures";
import { createPlatform, EventLoopSim, type SimPlatform } from "@panmmu/hw";
import { PanthorClient, PanthorDevice, type PanthorVm } from "@panmmu/panthor";
import { CollectingWarningSink, errnoName } from "@panmmu/uapi";
import { StackError } from "../../stack/stack.js";

/** Where the probe asks the firmware store for the G610's image. */
const G610_FW_PATH = "arm/mali/arch10.8/mali_csffw.bin";

/** The reference firmware image, built once per process. */
let image: Uint8Array | null = null;

/** One holder of a slot, from one time to the next change (null: still held at the end). */
export interface SlotHold {
  /** Slot number (CSG slot or AS). */
  readonly slot: number;
  /** Process (or `MCU`) whose group or VM held it. */
  readonly holder: string;
  /** Virtual time (ns) it was seen taking the slot. */
  readonly from: number;
  /** Virtual time it was seen losing it, or null. */
  to: number | null;
}

/** What the slot watcher saw. */
export interface SlotActivity {
  /** CSG slot tenures, in order. */
  readonly csg: SlotHold[];
  /** AS slot tenures, in order. */
  readonly as: SlotHold[];
  /** Most groups bound to CSG slots at once. */
  maxGroups: number;
  /** Most distinct VMs of the groups on CSG slots at once. */
  maxGroupVms: number;
  /** Most user AS slots bound at once. */
  maxUserAs: number;
}

/** The firmware board. */
export interface FwRig {
  /** The simulated platform. */
  readonly sim: SimPlatform;
  /** The probed driver (firmware booted, scheduler up). */
  readonly dev: PanthorDevice;
  /** WARN_ON reports of every layer of this board. */
  readonly warnings: CollectingWarningSink;
  /** Pages allocated right after probe. */
  readonly basePages: number;
  /** User AS slots (AS_PRESENT minus AS0). */
  readonly userSlots: number;
  /** Every AS of AS_PRESENT, AS0 (the MCU's) first. */
  readonly asSlots: readonly number[];
  /** CSG slots the firmware offers. */
  readonly csgSlots: number;
  /** What the slot watcher saw. */
  readonly activity: SlotActivity;
  /** Opens a file named `name`; throws {@link StackError} if the driver refuses. */
  open(name: string): PanthorClient;
  /** Names the process owning a VM (for the slot watcher). */
  nameVm(vm: PanthorVm, name: string): void;
  /** Takes a last look at the slots (call at the end of the run). */
  sample(): void;
}

/** Builds the firmware board (platform seeded by `seed`); throws {@link StackError} if probe fails. */
export function buildFwRig(seed: number): FwRig {
  image ??= buildCsfFirmwareImage();
  const fw = image;
  const warnings = new CollectingWarningSink();
  let watch: ((now: number) => void) | null = null;
  const loop = new EventLoopSim({ seed, onRun: (_ev, now) => watch?.(now) });
  const sim = createPlatform("g610", { seed, loop, warnings });
  const dev = PanthorDevice.probe(sim.platform, {
    firmware: (path) => (path === G610_FW_PATH ? fw : null),
  });
  if (typeof dev === "number") throw new StackError(`panthor probe failed: ${errnoName(-dev)}`);
  const sched = dev.sched;
  if (sched === null) throw new StackError("panthor probe left no scheduler (no firmware?)");
  const asPresent = sim.gpu.preset.asPresent;
  const asSlots: number[] = [];
  for (let as = 0; as < 32; as++) if (((asPresent >>> as) & 1) !== 0) asSlots.push(as);
  const userSlots = asSlots.filter((as) => as > 0).length;
  const names = new Map<object, string>([[dev.mcuVm, "MCU"]]);
  const activity: SlotActivity = { csg: [], as: [], maxGroups: 0, maxGroupVms: 0, maxUserAs: 0 };
  const openCsg = new Map<number, SlotHold>();
  const openAs = new Map<number, SlotHold>();
  const track = (
    list: SlotHold[],
    open: Map<number, SlotHold>,
    slot: number,
    holder: string | null,
    time: number,
  ): void => {
    const cur = open.get(slot);
    if ((cur?.holder ?? null) === holder) return;
    if (cur !== undefined) cur.to = time;
    open.delete(slot);
    if (holder === null) return;
    const hold: SlotHold = { slot, holder, from: time, to: null };
    list.push(hold);
    open.set(slot, hold);
  };
  // State seen before an event is the state the previous event left: date it then.
  let last = loop.now;
  const sample = (time: number): void => {
    const vms = new Set<object>();
    let groups = 0;
    sched.csgSlots.forEach((s, i) => {
      const g = s.group;
      if (g !== null) {
        groups++;
        vms.add(g.vm);
      }
      track(activity.csg, openCsg, i, g === null ? null : (names.get(g.vm) ?? "?"), time);
    });
    let userAs = 0;
    for (const as of asSlots) {
      const vm = dev.mmu.slots[as] ?? null;
      if (vm !== null && as > 0) userAs++;
      track(activity.as, openAs, as, vm === null ? null : (names.get(vm) ?? "?"), time);
    }
    activity.maxGroups = Math.max(activity.maxGroups, groups);
    activity.maxGroupVms = Math.max(activity.maxGroupVms, vms.size);
    activity.maxUserAs = Math.max(activity.maxUserAs, userAs);
  };
  sample(loop.now);
  watch = (now) => {
    sample(last);
    last = now;
  };
  return {
    sim,
    dev,
    warnings,
    basePages: sim.memory.allocatedPages,
    userSlots,
    asSlots,
    csgSlots: sched.csgSlotCount,
    activity,
    open(name: string): PanthorClient {
      const c = PanthorClient.open(dev, name);
      if (typeof c === "number") throw new StackError(`open of ${name} failed: ${errnoName(-c)}`);
      return c;
    },
    nameVm(vm: PanthorVm, name: string): void {
      names.set(vm, name);
    },
    sample(): void {
      sample(loop.now);
    },
  };
}
