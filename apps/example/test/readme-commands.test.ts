/** Every concrete `panmmu …` command the README shows runs and exits 0. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

/** Lines of the README's code blocks that are `panmmu` commands (not synopses with `<…>` or `[…]`). */
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
    if (!inBlock || !line.startsWith("panmmu ") || /[<[]/.test(line)) continue;
    out.push(line.split(/\s+/).slice(1));
  }
  return out;
}

describe("README commands", () => {
  it("shows the panthor scenario's commands", () => {
    const cmds = readmeCommands().map((c) => c.join(" "));
    expect(cmds).toContain("scenario panthor");
    expect(cmds).toContain("scenario panthor --clients 6 --seed 7 --json");
  });

  it.each(readmeCommands().map((c) => [c.join(" "), c]))("panmmu %s", async (_name, args) => {
    const r = await runCli(args as string[]);
    expect(r.code ?? 0).toBe(0);
    expect(r.out.length).toBeGreaterThan(0);
    if (args.includes("--json")) expect(JSON.parse(r.out)).toHaveProperty("checks");
  });
});
