import pc from "picocolors";
import { composedPackages } from "./packages.js";

/** The banner printed at the start of every scenario: the app and the packages it composes. */
export function banner(): string {
  const lines = [pc.bold("panmmu — the Arm Mali GPU memory-management stack, simulated")];
  for (const p of composedPackages()) {
    lines.push(`  ${pc.cyan(p.name.padEnd(18))} ${pc.dim(p.version.padEnd(7))} ${p.description}`);
  }
  return lines.join("\n");
}
