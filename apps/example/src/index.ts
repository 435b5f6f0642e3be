/**
 * @panmmu/example — the `panmmu` CLI: narrated scenarios on a simulated Mali GPU.
 *
 * @packageDocumentation
 */
export { banner } from "./cli/banner.js";
export { type CliIo, EXIT_CHECK_FAILED, EXIT_USAGE, processIo } from "./cli/io.js";
export { COMPOSED_PACKAGE_NAMES, type ComposedPackage, composedPackages } from "./cli/packages.js";
export { buildProgram, type ProgramOptions } from "./cli/program.js";
export { type RunPresentation, runScenario } from "./cli/run.js";
export { stderrProgress } from "./report/progress.js";
export { renderJson, renderText, reportPassed } from "./report/render.js";
export { runAarch64 } from "./scenarios/aarch64.js";
export { ScenarioOptionError } from "./scenarios/common.js";
export { runFault } from "./scenarios/fault.js";
export { runHeap } from "./scenarios/heap.js";
export { runIsolation } from "./scenarios/isolation.js";
export { runMain } from "./scenarios/main.js";
export { PANTHOR_GPU, runPanthor } from "./scenarios/panthor/scenario.js";
export {
  DEFAULT_SEED,
  type OptionOverrides,
  resolveOptions,
  SCENARIOS,
} from "./scenarios/registry.js";
export type {
  ReportTable,
  Scenario,
  ScenarioCheck,
  ScenarioOptions,
  ScenarioReport,
} from "./scenarios/types.js";
export { DEFAULT_GPU, findGpu, GPU_CHOICES, type GpuChoice } from "./stack/gpus.js";
export { ScenarioRng } from "./stack/rng.js";
export {
  type ContextNamer,
  type SlotEvent,
  SlotHistory,
  type SlotTenure,
} from "./stack/slot-history.js";
export { buildStack, type Stack, StackError } from "./stack/stack.js";
