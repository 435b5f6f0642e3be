import { Command, InvalidArgumentError, Option } from "commander";
import { SCENARIOS } from "../scenarios/registry.js";
import type { Scenario } from "../scenarios/types.js";
import { GPU_CHOICES } from "../stack/gpus.js";
import { type CliIo, EXIT_USAGE, processIo } from "./io.js";
import { runScenario } from "./run.js";

/** What {@link buildProgram} can be given (tests inject outputs and extra scenarios). */
export interface ProgramOptions {
  /** Outputs and exit status (default: the process's). */
  readonly io?: CliIo;
  /** Scenarios offered (default: every built-in scenario). */
  readonly scenarios?: readonly Scenario[];
}

/** Parses a non-negative integer option value. */
function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError("not a whole number");
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be between ${min} and ${max}`);
    return n;
  };
}

/** Options of `demo` and `scenario`, as commander parses them. */
interface RunFlags {
  /** `--gpu`. */
  gpu?: string;
  /** `--clients`. */
  clients?: number;
  /** `--seed`. */
  seed?: number;
  /** `--jobs`. */
  jobs?: number;
  /** `--json`. */
  json?: boolean;
}

/** Adds the run options to `cmd` (`--clients` and `--jobs` only where the workload is chosen). */
function runOptions(cmd: Command, withWorkload: boolean): Command {
  cmd
    .addOption(new Option("--gpu <preset>", "GPU to simulate (see `panmmu list`)"))
    .addOption(
      new Option("--seed <n>", "seed of every random choice").argParser(intOption(0, 0xffff_ffff)),
    );
  if (withWorkload) {
    cmd
      .addOption(new Option("--clients <n>", "clients (open files)").argParser(intOption(1, 64)))
      .addOption(new Option("--jobs <n>", "jobs (rounds) per client").argParser(intOption(1, 64)));
  }
  return cmd.option("--json", "print the report as JSON only");
}

/** Builds the `panmmu` command-line program. */
export function buildProgram(options: ProgramOptions = {}): Command {
  const io = options.io ?? processIo;
  const scenarios = options.scenarios ?? SCENARIOS;
  const program = new Command("panmmu")
    .description("Narrated scenarios on a simulated Arm Mali GPU and its Linux-style drivers.")
    .configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) })
    .showHelpAfterError();

  const demo = program
    .command("demo")
    .description("run the main scenario (12 clients on a Mali-T860's 8 AS slots)");
  runOptions(demo, false).action((flags: RunFlags) => {
    const main = scenarios.find((s) => s.name === "main");
    if (main === undefined) {
      io.err("panmmu: no main scenario\n");
      io.setExitCode(EXIT_USAGE);
      return;
    }
    runScenario(
      main,
      { gpu: flags.gpu, seed: flags.seed },
      { json: flags.json === true, banner: true },
      io,
    );
  });

  program
    .command("list")
    .description("list the scenarios and the GPUs they can run on")
    .action(() => {
      const w = Math.max(...scenarios.map((s) => s.name.length));
      const lines = ["scenarios:"];
      for (const s of scenarios) lines.push(`  ${s.name.padEnd(w)}  ${s.summary}`);
      lines.push("", "GPUs (--gpu):");
      const g = Math.max(...GPU_CHOICES.map((c) => c.name.length));
      for (const c of GPU_CHOICES) lines.push(`  ${c.name.padEnd(g)}  ${c.summary}`);
      io.out(`${lines.join("\n")}\n`);
    });

  const scenario = program
    .command("scenario")
    .description("run a named scenario (see `panmmu list`)")
    .argument("<name>", "scenario name");
  runOptions(scenario, true).action((name: string, flags: RunFlags) => {
    const s = scenarios.find((x) => x.name === name);
    if (s === undefined) {
      io.err(
        `panmmu: unknown scenario "${name}"; known: ${scenarios.map((x) => x.name).join(", ")}\n`,
      );
      io.setExitCode(EXIT_USAGE);
      return;
    }
    runScenario(
      s,
      { gpu: flags.gpu, clients: flags.clients, seed: flags.seed, jobsPerClient: flags.jobs },
      { json: flags.json === true, banner: flags.json !== true },
      io,
    );
  });
  return program;
}
