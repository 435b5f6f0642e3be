/** Building checks. */
import type { ScenarioCheck } from "./types.js";

/** A check named `name` that holds when `ok`, with the observed values in `detail`. */
export function check(name: string, ok: boolean, detail: string): ScenarioCheck {
  return { name, ok, detail };
}
