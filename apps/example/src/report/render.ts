/** Renders a scenario report for people (tables, colour) or machines (JSON). */
import Table from "cli-table3";
import pc from "picocolors";
import type { ReportTable, ScenarioReport } from "../scenarios/types.js";
import { formatNs } from "./format.js";

/** Widest a column gets (content included) before its cells wrap. */
const MAX_COLUMN = 64;

/** One table as text, titled; long columns wrap at {@link MAX_COLUMN}. */
function renderTable(t: ReportTable): string {
  const widths = t.head.map((h, i) => {
    let w = h.length;
    for (const row of t.rows) w = Math.max(w, String(row[i] ?? "").length);
    return Math.min(w + 2, MAX_COLUMN);
  });
  const table = new Table({
    head: t.head.map((h) => pc.bold(h)),
    colWidths: widths,
    wordWrap: true,
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const row of t.rows) table.push(row.map((c) => String(c)));
  return `${pc.underline(t.title)}\n${table.toString()}`;
}

/** The text form of a report. */
export function renderText(report: ScenarioReport): string {
  const out: string[] = [];
  out.push(
    `${pc.bold(`scenario ${report.scenario}`)} ${pc.dim(`(gpu ${report.gpu}, ${report.clients} client${report.clients === 1 ? "" : "s"}, seed ${report.seed})`)}`,
  );
  for (const line of report.narrative) out.push(`  ${line}`);
  for (const t of report.tables) out.push("", renderTable(t));
  out.push("", pc.underline("Checks"));
  for (const c of report.checks) {
    const mark = c.ok ? pc.green("✔") : pc.red("✘");
    out.push(`  ${mark} ${c.name} ${pc.dim(`(${c.detail})`)}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  out.push(
    "",
    failed === 0
      ? pc.green(`all ${report.checks.length} checks held`)
      : pc.red(`${failed} of ${report.checks.length} checks failed`),
    pc.dim(`virtual time ${formatNs(report.virtualNs)}, host time ${report.hostMs.toFixed(0)} ms`),
  );
  return out.join("\n");
}

/** The JSON form of a report. */
export function renderJson(report: ScenarioReport): string {
  return JSON.stringify(report, null, 2);
}

/** Whether every check of the report held. */
export function reportPassed(report: ScenarioReport): boolean {
  return report.checks.every((c) => c.ok);
}
