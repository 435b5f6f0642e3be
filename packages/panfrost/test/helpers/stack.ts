import {
  createPlatform,
  type GpuPresetName,
  type PlatformOptions,
  type SimPlatform,
} from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { PanfrostClient } from "../../src/client/client.js";
import { PanfrostDevice, type PanfrostProbeOptions } from "../../src/device/device.js";

/** A simulated platform with a probed panfrost device on it. */
export interface Stack {
  sim: SimPlatform;
  dev: PanfrostDevice;
  warnings: CollectingWarningSink;
  /** Pages allocated right after probe (the leak baseline). */
  basePages: number;
  open(name?: string): PanfrostClient;
}

/** The presets the scenarios run on: the default format and a forced-AArch64 one. */
export const FORMAT_PRESETS: ReadonlyArray<{
  label: string;
  preset: GpuPresetName;
  probe: PanfrostProbeOptions;
}> = [
  { label: "Mali-T860 (Mali LPAE)", preset: "t860", probe: {} },
  { label: "Mali-G57 (forced AArch64 4K)", preset: "g57", probe: { forceAarch64Pgtable: true } },
];

export function makeStack(
  preset: GpuPresetName = "t860",
  probe: PanfrostProbeOptions = {},
  platform: PlatformOptions = {},
): Stack {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform(preset, { seed: 1, warnings, ...platform });
  const dev = PanfrostDevice.probe(sim.platform, probe);
  if (typeof dev === "number") throw new Error(`probe failed: ${dev}`);
  return {
    sim,
    dev,
    warnings,
    basePages: sim.memory.allocatedPages,
    open(name?: string): PanfrostClient {
      const c = PanfrostClient.open(dev, name);
      if (typeof c === "number") throw new Error(`open failed: ${c}`);
      return c;
    },
  };
}

/** Absolute virtual deadline `ns` from now (IGT's abs_timeout()). */
export function absTimeout(s: Stack, ns: number): number {
  return s.sim.loop.now + ns;
}
