/** Every named scenario, and option resolution (scenario defaults under command-line values). */
import { DEFAULT_GPU } from "../stack/gpus.js";
import { AARCH64_SCENARIO } from "./aarch64.js";
import { FAULT_SCENARIO } from "./fault.js";
import { HEAP_SCENARIO } from "./heap.js";
import { ISOLATION_SCENARIO } from "./isolation.js";
import { MAIN_SCENARIO } from "./main.js";
import { PANTHOR_SCENARIO } from "./panthor/scenario.js";
import type { Scenario, ScenarioOptions } from "./types.js";

/** The scenarios `panmmu list` shows, in that order. */
export const SCENARIOS: readonly Scenario[] = [
  MAIN_SCENARIO,
  HEAP_SCENARIO,
  FAULT_SCENARIO,
  ISOLATION_SCENARIO,
  AARCH64_SCENARIO,
  PANTHOR_SCENARIO,
];

/** Default seed when none is given. */
export const DEFAULT_SEED = 1;

/** Options as given on the command line (any may be missing). */
export interface OptionOverrides {
  /** `--gpu`. */
  gpu?: string | undefined;
  /** `--clients`. */
  clients?: number | undefined;
  /** `--seed`. */
  seed?: number | undefined;
  /** `--jobs`. */
  jobsPerClient?: number | undefined;
}

/** The options a run of `scenario` gets: command-line values, else its defaults, else globals. */
export function resolveOptions(
  scenario: Scenario,
  given: OptionOverrides,
  progress: ScenarioOptions["progress"],
): ScenarioOptions {
  return {
    gpu: given.gpu ?? scenario.defaults.gpu ?? DEFAULT_GPU,
    clients: given.clients ?? scenario.defaults.clients ?? 4,
    seed: given.seed ?? scenario.defaults.seed ?? DEFAULT_SEED,
    jobsPerClient: given.jobsPerClient ?? scenario.defaults.jobsPerClient ?? 4,
    progress,
  };
}
