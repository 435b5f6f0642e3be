/** Progress lines on stderr for long runs, so stdout stays clean for the report (and JSON). */

/** A progress callback printing at most every `everyMs` of host time, and only for runs that last. */
export function stderrProgress(label: string, everyMs = 500): (done: number, total: number) => void {
  const start = Date.now();
  let last = start;
  return (done, total) => {
    const now = Date.now();
    if (now - last < everyMs && done < total) return;
    if (now - start < everyMs) return;
    last = now;
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    process.stderr.write(`${label}: ${done}/${total} (${pct}%)\n`);
  };
}
