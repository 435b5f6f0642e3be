/**
 * Every concrete command the README shows runs and exits 0: its `panmmu …` lines, and the
 * `pnpm demo` / `pnpm --filter @panmmu/example exec panmmu …` lines (which run the same CLI).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

/** The CLI arguments a README command line runs, or null when it is no CLI command. */
function cliArgs(line: string): string[] | null {
  const words = line.split(/\s+/);
  if (line === "pnpm demo") return ["demo"];
  if (words[0] === "panmmu") return words.slice(1);
  const exec = ["pnpm", "--filter", "@panmmu/example", "exec", "panmmu"];
  if (exec.every((w, i) => words[i] === w)) return words.slice(exec.length);
  return null;
}

/** CLI commands of the README's code blocks (not synopses with `<…>` or `[…]`). */
function readmeCommands(): string[][] {
  const text = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const out: string[][] = [];
  let inBlock = false;
  for (const raw of text.split("\n")) {
    if (raw.startsWith("```")) {
      inBlock = !inBlock;
      continue;
    }
    const line = raw.replace(/#.*$/, "").trim();
    if (!inBlock || /[<[]/.test(line)) continue;
    const args = cliArgs(line);
    if (args !== null) out.push(args);
  }
  return out;
}

describe("README commands", () => {
  it("shows the panthor scenario's commands, the demo and --help", () => {
    const cmds = readmeCommands().map((c) => c.join(" "));
    expect(cmds).toContain("scenario panthor");
    expect(cmds).toContain("scenario panthor --clients 6 --seed 7 --json");
    expect(cmds).toContain("scenario panthor --jobs 6 --seed 11");
    expect(cmds).toContain("demo");
    expect(cmds).toContain("--help");
  });

  it.each(readmeCommands().map((c) => [c.join(" "), c]))("panmmu %s", async (_name, args) => {
    const r = await runCli(args as string[]);
    expect(r.code ?? 0).toBe(0);
    expect(r.out.length).toBeGreaterThan(0);
    if (args.includes("--json")) expect(JSON.parse(r.out)).toHaveProperty("checks");
  });
});
