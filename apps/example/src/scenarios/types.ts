/** What a scenario is, what it is given, and what it reports. */
import type { SlotTenure } from "../stack/slot-history.js";

/** Options every scenario accepts (from the command line). */
export interface ScenarioOptions {
  /** GPU preset name, e.g. `mali-t860`. */
  readonly gpu: string;
  /** Number of clients (open files), counting the heap and misbehaving ones where a scenario has them. */
  readonly clients: number;
  /** Seed of every random choice, so the same seed gives the same run. */
  readonly seed: number;
  /** Jobs each client submits. */
  readonly jobsPerClient: number;
  /** Called as the run progresses (done out of total units of work). */
  readonly progress: (done: number, total: number) => void;
}

/** One check a scenario makes; the app exits non-zero when any fails. */
export interface ScenarioCheck {
  /** What was checked, in words. */
  readonly name: string;
  /** Whether it held. */
  readonly ok: boolean;
  /** The observed values behind the verdict. */
  readonly detail: string;
}

/** A table of the report: a title, column headers and rows of cells. */
export interface ReportTable {
  /** Table title. */
  readonly title: string;
  /** Column headers. */
  readonly head: readonly string[];
  /** Rows, each as long as `head`. */
  readonly rows: readonly (readonly (string | number)[])[];
}

/** Everything a scenario run reports. */
export interface ScenarioReport {
  /** Scenario name. */
  readonly scenario: string;
  /** GPU choice it ran on (see `panmmu list`). */
  readonly gpu: string;
  /** Seed it ran with. */
  readonly seed: number;
  /** Clients it ran with. */
  readonly clients: number;
  /** One-paragraph narration of what happened. */
  readonly narrative: readonly string[];
  /** Tables to print. */
  readonly tables: readonly ReportTable[];
  /** Checks made; all must hold. */
  readonly checks: readonly ScenarioCheck[];
  /** Every AS slot binding seen during the run, in order (the data behind the slot table). */
  readonly slotHistory: readonly SlotTenure[];
  /** Virtual time the run took, in ns. */
  readonly virtualNs: number;
  /** Host time the run took, in ms. */
  readonly hostMs: number;
}

/** A named scenario. */
export interface Scenario {
  /** Name used on the command line. */
  readonly name: string;
  /** One line shown by `panmmu list`. */
  readonly summary: string;
  /** Defaults for options the user does not give. */
  readonly defaults: Partial<Omit<ScenarioOptions, "progress">>;
  /** Runs the scenario. */
  run(options: ScenarioOptions): ScenarioReport;
}
