/**
 * The trace recorder of {@link PanKmodClient}: every ioctl the client issues (name, the
 * arguments that identify it, its return value and the outputs it reads back), plus the
 * mmap()/munmap()/close() calls of the same file, in the order they happened, stamped with the
 * virtual time. Tests compare the stream with Mesa's; `format()` prints it.
 */

/** A value of a traced argument or output. */
export type PanKmodTraceValue = number | bigint | string | boolean;

/** What kind of call an entry records. */
export type PanKmodTraceKind = "ioctl" | "mmap" | "munmap" | "close";

/** One recorded call. */
export interface PanKmodTraceEntry {
  /** Position in the stream, from 0. */
  readonly seq: number;
  /** Virtual time (ns) when the call returned. */
  readonly at: number;
  /** Kind of call. */
  readonly kind: PanKmodTraceKind;
  /**
   * The call's name: the ioctl without its `DRM_IOCTL_` / `DRM_IOCTL_PANTHOR_` prefix
   * (`DEV_QUERY`, `SYNCOBJ_CREATE`, ...), or `mmap` / `munmap` / `close`.
   */
  readonly op: string;
  /**
   * What tells calls of the same name apart in an ordering check (the query type, `ASYNC`,
   * `SIGNALED`, the mapping's name...), or "" when nothing does.
   */
  readonly detail: string;
  /** `op(detail)`, or `op` when there is no detail. */
  readonly label: string;
  /** The key input arguments. */
  readonly args: Readonly<Record<string, PanKmodTraceValue>>;
  /** 0, or the negative errno the call returned. */
  readonly ret: number;
  /** The outputs the caller read back (empty on failure). */
  readonly out: Readonly<Record<string, PanKmodTraceValue>>;
}

/** What {@link PanKmodTrace.record} takes: an entry without its position, time and label. */
export interface PanKmodTraceCall {
  /** Kind of call. */
  readonly kind: PanKmodTraceKind;
  /** Name (see {@link PanKmodTraceEntry.op}). */
  readonly op: string;
  /** Distinguishing detail (see {@link PanKmodTraceEntry.detail}); default "". */
  readonly detail?: string;
  /** Key input arguments; default none. */
  readonly args?: Readonly<Record<string, PanKmodTraceValue>>;
  /** Return value. */
  readonly ret: number;
  /** Outputs read back; default none. */
  readonly out?: Readonly<Record<string, PanKmodTraceValue>>;
}

/** Called with every entry as it is recorded. */
export type PanKmodTraceListener = (entry: PanKmodTraceEntry) => void;

/** An ordered record of a client's calls. */
export class PanKmodTrace {
  /** The entries, oldest first. */
  readonly entries: PanKmodTraceEntry[] = [];
  private readonly listeners = new Set<PanKmodTraceListener>();

  /** @param now - the clock stamped on each entry (the platform's virtual clock). */
  constructor(private readonly now: () => number = () => 0) {}

  /** Appends one call and tells the listeners. */
  record(call: PanKmodTraceCall): PanKmodTraceEntry {
    const detail = call.detail ?? "";
    const entry: PanKmodTraceEntry = {
      seq: this.entries.length,
      at: this.now(),
      kind: call.kind,
      op: call.op,
      detail,
      label: detail === "" ? call.op : `${call.op}(${detail})`,
      args: call.args ?? {},
      ret: call.ret,
      out: call.out ?? {},
    };
    this.entries.push(entry);
    for (const l of [...this.listeners]) l(entry);
    return entry;
  }

  /** Registers `listener` for the entries recorded from now on; returns its remover. */
  listen(listener: PanKmodTraceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The position the next entry will get (a mark for {@link since}). */
  mark(): number {
    return this.entries.length;
  }

  /** The entries recorded from position `mark` on. */
  since(mark: number): PanKmodTraceEntry[] {
    return this.entries.slice(mark);
  }

  /** The labels of the entries from `mark` on (default: all), in order. */
  labels(mark = 0): string[] {
    return this.since(mark).map((e) => e.label);
  }

  /** The entries from `mark` on that failed (a negative return). */
  failures(mark = 0): PanKmodTraceEntry[] {
    return this.since(mark).filter((e) => e.ret < 0);
  }

  /** One line per entry from `mark` on: time, label, arguments, `= ret` and outputs. */
  format(mark = 0): string {
    const kv = (r: Readonly<Record<string, PanKmodTraceValue>>): string =>
      Object.entries(r)
        .map(([k, v]) => `${k}=${typeof v === "bigint" ? `0x${v.toString(16)}` : String(v)}`)
        .join(" ");
    return this.since(mark)
      .map((e) => {
        const args = kv(e.args);
        const out = kv(e.out);
        return `${e.at} ${e.label}${args === "" ? "" : ` {${args}}`} = ${e.ret}${out === "" ? "" : ` -> {${out}}`}`;
      })
      .join("\n");
  }
}
