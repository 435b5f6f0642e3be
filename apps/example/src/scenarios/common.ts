/** Pieces every scenario shares: GPU lookup, the GPU line of the narrative, the closing checks. */
import type { PanfrostClient } from "@panmmu/panfrost";
import { DEFAULT_GPU, findGpu, type GpuChoice } from "../stack/gpus.js";
import type { Stack } from "../stack/stack.js";
import { check } from "./check.js";
import type { ScenarioCheck } from "./types.js";

/** Error for options a scenario cannot run with (reported without a stack trace). */
export class ScenarioOptionError extends Error {}

/** The GPU choice named `name`; throws {@link ScenarioOptionError} for unknown names. */
export function gpuOf(name: string): GpuChoice {
  const g = findGpu(name === "" ? DEFAULT_GPU : name);
  if (g === undefined) throw new ScenarioOptionError(`unknown GPU "${name}" (see panmmu list)`);
  return g;
}

/** One line describing the GPU, its page-table format and slots. */
export function describeGpu(stack: Stack): string {
  const f = stack.dev.features;
  const as = stack.dev.mmu.slots.snapshot().length;
  return `${f.name} (product 0x${f.id.toString(16)}, ${stack.gpu.name}), ${stack.dev.pgtableFormat} page tables, ${f.vaBits}-bit VA / ${f.paBits}-bit PA, ${as} AS slots.`;
}

/**
 * Closes every client, then checks what must hold once all files are gone: every page back,
 * and no WARN_ON from any layer during the run.
 */
export function closeAndCheck(stack: Stack, clients: readonly PanfrostClient[]): ScenarioCheck[] {
  for (const c of clients) c.close();
  stack.sim.loop.runUntilIdle();
  const pages = stack.sim.memory.allocatedPages;
  const warnings = stack.warnings.warnings;
  return [
    check(
      "no page leaked once every file closed",
      pages === stack.basePages,
      `${pages} pages allocated, ${stack.basePages} after probe`,
    ),
    check(
      "no WARN_ON from any layer",
      warnings.length === 0,
      warnings.length === 0
        ? "warning sink empty"
        : warnings
            .slice(0, 3)
            .map((w) => `${w.where}: ${w.message}`)
            .join("; "),
    ),
  ];
}
