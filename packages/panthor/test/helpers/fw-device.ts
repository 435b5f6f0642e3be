/**
 * A G610 platform whose firmware store holds the reference image (built by
 * `@panmmu/fixtures`), the panthor device probed with it, and an open file.
 */
import { buildCsfFirmwareImage } from "@panmmu/fixtures";
import { createPlatform, type PlatformOptions } from "@panmmu/hw";
import { CollectingWarningSink } from "@panmmu/uapi";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice, type PanthorProbeOptions } from "../../src/device/device.js";

/** The reference firmware image, built once. */
export const REFERENCE_IMAGE = buildCsfFirmwareImage();

/**
 * Probes a G610 with the reference firmware and opens one file (`privileged` as asked);
 * `platform` overrides the platform's options (timing, seed, ...).
 */
export function fwDevice(
  options: PanthorProbeOptions = {},
  privileged = false,
  platform: Omit<PlatformOptions, "warnings"> = {},
) {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 7, ...platform, warnings });
  const dev = PanthorDevice.probe(sim.platform, {
    firmware: (path) => (path === "arm/mali/arch10.8/mali_csffw.bin" ? REFERENCE_IMAGE : null),
    ...options,
  });
  if (typeof dev === "number") throw new Error(`probe failed: ${dev}`);
  const client = PanthorClient.open(dev, "fw-client", privileged);
  if (typeof client === "number") throw new Error(`open failed: ${client}`);
  return { sim, dev, client, warnings };
}
