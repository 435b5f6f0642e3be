/** Progress lines on stderr for long runs, so stdout stays clean for the report (and JSON). */

/**
 * A progress callback that writes `label: done/total (pct%)` through `write`, at most every
 * `everyMs` of host time, and only once the run has lasted `everyMs` (short runs stay quiet).
 * The last line is written when `done` reaches `total`, if anything was written before.
 */
export function stderrProgress(
  label: string,
  write: (text: string) => void = (t) => process.stderr.write(t),
  everyMs = 500,
  now: () => number = () => performance.now(),
): (done: number, total: number) => void {
  const start = now();
  let last = start;
  let shown = false;
  return (done, total) => {
    const t = now();
    const finished = done >= total;
    if (finished ? !shown : t - last < everyMs || t - start < everyMs) return;
    last = t;
    shown = true;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    write(`${label}: ${done}/${total} jobs (${pct}%)\n`);
  };
}
