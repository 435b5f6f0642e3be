import { CommanderError } from "commander";
import {
  buildProgram,
  type CliIo,
  resolveOptions,
  SCENARIOS,
  type Scenario,
  type ScenarioReport,
} from "../src/index.js";

/** Captured output and exit status of one CLI run. */
export interface CliRun {
  out: string;
  err: string;
  code: number | undefined;
}

/**
 * Runs the CLI with `args` (after `panmmu`), capturing everything. Commander's successful
 * early exits (`--help`) give code 0; its errors throw.
 */
export async function runCli(args: string[], scenarios?: readonly Scenario[]): Promise<CliRun> {
  const run: CliRun = { out: "", err: "", code: undefined };
  const io: CliIo = {
    out: (t) => {
      run.out += t;
    },
    err: (t) => {
      run.err += t;
    },
    setExitCode: (c) => {
      run.code = c;
    },
  };
  const program = buildProgram(scenarios === undefined ? { io } : { io, scenarios });
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync(["node", "panmmu", ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError) || e.exitCode !== 0) throw e;
    run.code = 0;
  }
  return run;
}

/** Strips ANSI colour codes. */
export function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** Runs scenario `name` with its defaults overridden by `over`; its report. */
export function runScenario(
  name: string,
  over: Parameters<typeof resolveOptions>[1] = {},
): ScenarioReport {
  const s = SCENARIOS.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no scenario ${name}`);
  return s.run(resolveOptions(s, over, () => {}));
}

/** The report's failing checks as `name: detail` lines (empty when all hold). */
export function failedChecks(r: ScenarioReport): string[] {
  return r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
}

/** The report's table whose title starts with `prefix`; throws when there is none. */
export function reportTable(r: ScenarioReport, prefix: string): ScenarioReport["tables"][number] {
  const t = r.tables.find((x) => x.title.startsWith(prefix));
  if (t === undefined) throw new Error(`no table ${prefix}`);
  return t;
}
