/**
 * The aarch64 scenario: the main scenario on a GPU whose SoC forces AArch64 4K page tables
 * (ARM_64_LPAE_S1 instead of the Mali LPAE format), plus the probe refusal on a GPU whose MMU
 * lacks that mode.
 */
import { createPlatform } from "@panmmu/hw";
import { PanfrostDevice } from "@panmmu/panfrost";
import { CollectingWarningSink, EINVAL, errnoName } from "@panmmu/uapi";
import { GPU_CHOICES } from "../stack/gpus.js";
import { check } from "./check.js";
import { gpuOf, ScenarioOptionError } from "./common.js";
import { runMain } from "./main.js";
import type { Scenario, ScenarioOptions, ScenarioReport } from "./types.js";

/** Page-table format the driver picks when AArch64 tables are forced. */
const AARCH64_FORMAT = "ARM_64_LPAE_S1";

/** Runs the aarch64 scenario. */
export function runAarch64(o: ScenarioOptions): ScenarioReport {
  const gpu = gpuOf(o.gpu);
  if (gpu.probe.forceAarch64Pgtable !== true) {
    // Any other choice would run the Mali LPAE format and fail the scenario's first check:
    // that is a usage error, not a driver failure.
    const fit = GPU_CHOICES.filter((g) => g.probe.forceAarch64Pgtable === true).map((g) => g.name);
    throw new ScenarioOptionError(
      `aarch64 needs a GPU whose SoC forces AArch64 page tables (${fit.join(", ")}), not "${gpu.name}"`,
    );
  }
  // Probing a Midgard GPU (no AArch64 MMU mode) with the quirk must be refused.
  const t860 = createPlatform("t860", { seed: o.seed, warnings: new CollectingWarningSink() });
  const refused = PanfrostDevice.probe(t860.platform, { forceAarch64Pgtable: true });
  return runMain("aarch64", o, (stack) => [
    check(
      "the driver runs this GPU with AArch64 4K page tables",
      gpu.probe.forceAarch64Pgtable === true && stack.dev.pgtableFormat === AARCH64_FORMAT,
      `${gpu.name}: ${stack.dev.pgtableFormat}`,
    ),
    check(
      "forcing AArch64 tables on a Mali-T860 (no AArch64 MMU) is refused with -EINVAL",
      refused === -EINVAL,
      typeof refused === "number" ? `probe returned -${errnoName(refused)}` : "probe succeeded",
    ),
  ]);
}

/** The aarch64 scenario. */
export const AARCH64_SCENARIO: Scenario = {
  name: "aarch64",
  summary: "the main scenario on a Mali-G57 with forced AArch64 4K page tables",
  defaults: { gpu: "mali-g57-aarch64", clients: 12, jobsPerClient: 6 },
  run: runAarch64,
};
