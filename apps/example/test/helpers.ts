import { buildProgram, type CliIo, type Scenario } from "../src/index.js";

/** Captured output and exit status of one CLI run. */
export interface CliRun {
  out: string;
  err: string;
  code: number | undefined;
}

/** Runs the CLI with `args` (after `panmmu`), capturing everything; commander errors throw. */
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
  await program.parseAsync(["node", "panmmu", ...args]);
  return run;
}

/** Strips ANSI colour codes. */
export function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
