/** Running one scenario for the CLI: options, progress, rendering and the exit status. */

import { stderrProgress } from "../report/progress.js";
import { renderJson, renderText, reportPassed } from "../report/render.js";
import { ScenarioOptionError } from "../scenarios/common.js";
import { type OptionOverrides, resolveOptions } from "../scenarios/registry.js";
import type { Scenario, ScenarioReport } from "../scenarios/types.js";
import { StackError } from "../stack/stack.js";
import { banner } from "./banner.js";
import { type CliIo, EXIT_CHECK_FAILED, EXIT_USAGE } from "./io.js";

/** How to present a run. */
export interface RunPresentation {
  /** Print the report as JSON only. */
  readonly json: boolean;
  /** Print the banner first (text mode only). */
  readonly banner: boolean;
}

/**
 * Runs `scenario` with the given options, prints its report, sets the exit status (0 when
 * every check held, 1 when one failed, 2 when the options or the stack were unusable) and
 * returns the report (null when it could not run).
 */
export function runScenario(
  scenario: Scenario,
  given: OptionOverrides,
  how: RunPresentation,
  io: CliIo,
): ScenarioReport | null {
  const options = resolveOptions(
    scenario,
    given,
    stderrProgress(scenario.name, (t) => io.err(t)),
  );
  if (!how.json && how.banner) io.out(`${banner()}\n\n`);
  let report: ScenarioReport;
  try {
    report = scenario.run(options);
  } catch (e) {
    if (e instanceof ScenarioOptionError || e instanceof StackError) {
      io.err(`panmmu: ${e.message}\n`);
      io.setExitCode(EXIT_USAGE);
      return null;
    }
    throw e;
  }
  io.out(`${how.json ? renderJson(report) : renderText(report)}\n`);
  io.setExitCode(reportPassed(report) ? 0 : EXIT_CHECK_FAILED);
  return report;
}
