/**
 * A simulated platform with a probed panfrost device on it, plus the app's observers: the AS
 * slot history sampled between events and the page count to check leaks against.
 */
import { createPlatform, EventLoopSim, type SimPlatform } from "@panmmu/hw";
import { PanfrostClient, PanfrostDevice } from "@panmmu/panfrost";
import { CollectingWarningSink, errnoName } from "@panmmu/uapi";
import type { GpuChoice } from "./gpus.js";
import { SlotHistory } from "./slot-history.js";

/** Everything a scenario runs on. */
export interface Stack {
  /** The GPU choice it was built from. */
  readonly gpu: GpuChoice;
  /** The simulated platform (GPU, memory, event loop). */
  readonly sim: SimPlatform;
  /** The probed driver. */
  readonly dev: PanfrostDevice;
  /** WARN_ON reports of every layer (must stay empty). */
  readonly warnings: CollectingWarningSink;
  /** Pages allocated right after probe: every file closed must bring memory back to this. */
  readonly basePages: number;
  /** AS slot history. */
  readonly slots: SlotHistory;
  /** Opens a file named `name`; throws if the driver refuses (a scenario cannot go on). */
  open(name: string): PanfrostClient;
  /** Takes a final slot sample (call when the run is over). */
  finish(): void;
}

/** Error thrown when the stack cannot be built or a client cannot be opened. */
export class StackError extends Error {}

/**
 * Builds the stack: platform from the preset (seeded), driver probed with the choice's
 * options. Throws {@link StackError} if probe fails.
 */
export function buildStack(gpu: GpuChoice, seed: number): Stack {
  const warnings = new CollectingWarningSink();
  let history: SlotHistory | null = null;
  let lastTime = 0;
  const loop = new EventLoopSim({
    seed,
    onRun: (_event, now) => {
      // The state seen now was produced at (or after) the previous event's time.
      history?.sample(lastTime);
      lastTime = now;
    },
  });
  const sim = createPlatform(gpu.preset, { seed, loop, warnings });
  const dev = PanfrostDevice.probe(sim.platform, gpu.probe);
  if (typeof dev === "number") {
    throw new StackError(`probe of ${gpu.name} failed: ${errnoName(-dev)}`);
  }
  const names = new Map<number, string>();
  const slots = new SlotHistory(dev.mmu.slots, (ctx) => names.get(ctx) ?? null);
  history = slots;
  return {
    gpu,
    sim,
    dev,
    warnings,
    basePages: sim.memory.allocatedPages,
    slots,
    open(name: string): PanfrostClient {
      const c = PanfrostClient.open(dev, name);
      if (typeof c === "number") throw new StackError(`open of ${name} failed: ${errnoName(-c)}`);
      names.set(c.handle.priv.ctx.id, name);
      return c;
    },
    finish(): void {
      slots.sample(loop.now);
    },
  };
}
