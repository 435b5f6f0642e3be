/**
 * The GPUs a scenario can run on: a name on the command line, the hw preset behind it and the
 * probe options the SoC would give the driver (e.g. the forced-AArch64 page-table quirk).
 */
import type { GpuPresetName } from "@panmmu/hw";
import type { PanfrostProbeOptions } from "@panmmu/panfrost";

/** One GPU choice of the `--gpu` option. */
export interface GpuChoice {
  /** Name on the command line, e.g. `mali-t860`. */
  readonly name: string;
  /** The hw preset it builds. */
  readonly preset: GpuPresetName;
  /** Probe options handed to the driver. */
  readonly probe: PanfrostProbeOptions;
  /** One line for `panmmu list`. */
  readonly summary: string;
}

/** Every GPU choice, the default first. Only Job Manager GPUs: panfrost drives those. */
export const GPU_CHOICES: readonly GpuChoice[] = [
  {
    name: "mali-t860",
    preset: "t860",
    probe: {},
    summary: "Midgard, 8 AS, Mali LPAE page tables (the demo's GPU)",
  },
  {
    name: "mali-g52",
    preset: "g52",
    probe: {},
    summary: "Bifrost, 8 AS, Mali LPAE page tables",
  },
  {
    name: "mali-g57",
    preset: "g57",
    probe: {},
    summary: "Valhall (Job Manager), 8 AS, Mali LPAE page tables",
  },
  {
    name: "mali-g57-aarch64",
    preset: "g57",
    probe: { forceAarch64Pgtable: true },
    summary: "Valhall with the SoC quirk forcing AArch64 4K page tables",
  },
];

/** The default GPU. */
export const DEFAULT_GPU = "mali-t860";

/**
 * Looks a GPU up by its name; the `mali-` prefix may be left out (`t860`, `g57-aarch64`).
 * Returns undefined for unknown names.
 */
export function findGpu(name: string): GpuChoice | undefined {
  const key = name.toLowerCase();
  return GPU_CHOICES.find((g) => g.name === key || g.name === `mali-${key}`);
}
