import { Command } from "commander";
import { banner } from "./banner.js";

/** Builds the `panmmu` command-line program. */
export function buildProgram(): Command {
  const program = new Command("panmmu")
    .description("Narrated scenarios on a simulated Arm Mali GPU and its Linux-style drivers.")
    .showHelpAfterError();
  program
    .command("demo")
    .description("run the main scenario")
    .action(() => {
      console.log(banner());
    });
  return program;
}
