/**
 * What a GPU access probe is asked to do and what it reports: the access list, the run options,
 * one result per completed (or failed) access, and the run's counters. The probe itself is in
 * `access-probe.ts`; this module also checks a request before anything starts.
 */
import { GpuAccessKind } from "../../mmu/gpu-access.js";

/** Virtual time (ns) one probe access takes from issue to completion unless told otherwise. */
export const DEFAULT_PROBE_LATENCY_NS = 100;
/** Largest size (bytes) of one probe access. */
export const MAX_PROBE_ACCESS_BYTES = 65536;
/** How many access results a run keeps unless told otherwise (later ones are only counted). */
export const DEFAULT_PROBE_MAX_RESULTS = 65536;

/** One access of a probe's list. */
export interface ProbeAccess {
  /** GPU virtual address of the first byte (unaligned is fine; a page-crossing access is split). */
  va: number;
  /** Read, Write, or Execute (a read checked against the execute permission). */
  kind: GpuAccessKind;
  /** Bytes accessed, 1..{@link MAX_PROBE_ACCESS_BYTES}. */
  size: number;
  /**
   * What a write stores (required for writes, ignored for reads): a non-negative integer
   * stored little-endian in `size` bytes (`size` <= 8, value below 2^(8·size) and 2^53), or
   * exactly `size` bytes.
   */
  value?: number | Uint8Array;
}

/** The result of one access. */
export interface ProbeAccessResult {
  /** Index of the access in the run's list. */
  index: number;
  /** Loop iteration (0-based) the access belongs to. */
  iteration: number;
  /** The access's VA. */
  va: number;
  /** The access's kind. */
  kind: GpuAccessKind;
  /** The access's size in bytes. */
  size: number;
  /** 1 (DONE) when the access completed, else the exception code it failed with (the run then ended). */
  status: number;
  /** Physical address its first byte was translated to; -1 when it failed. */
  pa: number;
  /** Bytes 0..3 read or written, little-endian (0 past `size`, and when it failed). */
  lo: number;
  /** Bytes 4..7 read or written, little-endian (0 past `size`, and when it failed). */
  hi: number;
  /** `lo + hi · 2^32`: the value of an access of up to 8 bytes (exact below 2^53). */
  value: number;
  /** Copy of the bytes read by a read of more than 8 bytes; null otherwise. */
  data: Uint8Array | null;
  /** Virtual time (ns) the access was first issued. */
  issuedNs: number;
  /** Virtual time (ns) it completed (or failed). */
  completedNs: number;
  /** Times it got TRANSLATE_LOCKED and waited for an unlock. */
  lockWaits: number;
  /** Times it faulted and waited for the fault to be cleared. */
  faultWaits: number;
}

/** Counters of a probe run. */
export interface ProbeCounters {
  /** Accesses issued (a retried access counts once). */
  issued: number;
  /** Accesses completed. */
  completed: number;
  /** Accesses that were refused by a locked region at least once. */
  stalledOnLock: number;
  /** Accesses that faulted at least once. */
  faulted: number;
  /** TRANSLATE_LOCKED answers in all (each one a wait for an unlock). */
  lockWaits: number;
  /** Faults in all (each one a wait for MMU_INT_CLEAR or a disable). */
  faultWaits: number;
  /** Accesses that failed (aborted by the MMU, or a bus fault): 0 or 1, the run ends there. */
  failed: number;
  /** Results completed but not kept because `maxResults` were already kept. */
  droppedResults: number;
}

/** Options of `GpuAccessProbe.start`. */
export interface ProbeOptions {
  /** Address space the accesses go through (0..15; an absent one fails with JOB_CONFIG_FAULT). */
  as: number;
  /** The accesses, run in order, one at a time (the list is copied). */
  accesses: readonly ProbeAccess[];
  /** Virtual time (ns) from an access's (successful) issue to its completion. Default {@link DEFAULT_PROBE_LATENCY_NS}. */
  latencyNs?: number;
  /** Minimum time (ns) between the starts of two iterations of the list. Default 0 (back to back). */
  periodNs?: number;
  /** Iterations of the list: a positive integer, or `Infinity` to run until stopped. Default 1. */
  repeat?: number;
  /** FAULTSTATUS.SOURCE_ID of the accesses (0..0xffff). Default 0. */
  sourceId?: number;
  /** Delay (ns) before the first access is issued. Default 0. */
  startDelayNs?: number;
  /** Results kept in `ProbeRun.results`. Default {@link DEFAULT_PROBE_MAX_RESULTS}. */
  maxResults?: number;
  /** Called with every result as the access completes or fails (inside that event). */
  onAccess?: (result: ProbeAccessResult) => void;
  /** Called once, as an event of its own, after the run ended. */
  onDone?: (status: number) => void;
}

/** An access as the probe runs it: the bytes a write stores, resolved once. */
export interface NormalizedProbeAccess {
  /** The access's VA. */
  readonly va: number;
  /** The access's kind. */
  readonly kind: GpuAccessKind;
  /** The access's size in bytes. */
  readonly size: number;
  /** The bytes a write stores; null for reads. */
  readonly bytes: Uint8Array | null;
}

const TWO32 = 0x1_0000_0000;

function check(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`access probe: ${what}`);
}

function isNonNegative(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0;
}

/** The little-endian bytes of a write's `value`, or a RangeError. */
function writeBytes(a: ProbeAccess, i: number): Uint8Array {
  const v = a.value;
  if (v instanceof Uint8Array) {
    check(v.length === a.size, `access ${i}: value has ${v.length} bytes, size is ${a.size}`);
    return Uint8Array.from(v);
  }
  check(
    typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && a.size <= 8,
    `access ${i}: a write needs a non-negative integer value (size <= 8) or size bytes`,
  );
  const n = v as number;
  check(a.size >= 7 || n < 2 ** (8 * a.size), `access ${i}: value does not fit ${a.size} bytes`);
  const out = new Uint8Array(a.size);
  const lo = n % TWO32;
  const hi = Math.floor(n / TWO32);
  for (let b = 0; b < a.size; b++) out[b] = (b < 4 ? lo >>> (8 * b) : hi >>> (8 * (b - 4))) & 0xff;
  return out;
}

/**
 * Checks a probe request and resolves its accesses; throws RangeError (and starts nothing) on
 * a malformed one.
 */
export function normalizeProbeOptions(options: ProbeOptions): NormalizedProbeAccess[] {
  const { as } = options;
  check(Number.isInteger(as) && as >= 0 && as <= 15, `bad address space ${String(as)}`);
  check(Array.isArray(options.accesses) && options.accesses.length > 0, "no accesses");
  const latency = options.latencyNs ?? DEFAULT_PROBE_LATENCY_NS;
  const period = options.periodNs ?? 0;
  const repeat = options.repeat ?? 1;
  check(isNonNegative(latency), "latencyNs must be a finite number >= 0");
  check(isNonNegative(period), "periodNs must be a finite number >= 0");
  check(isNonNegative(options.startDelayNs ?? 0), "startDelayNs must be a finite number >= 0");
  check(
    repeat === Number.POSITIVE_INFINITY || (Number.isInteger(repeat) && repeat >= 1),
    "repeat must be a positive integer or Infinity",
  );
  check(
    repeat !== Number.POSITIVE_INFINITY || latency > 0 || period > 0,
    "an endless loop needs latencyNs or periodNs > 0 (virtual time must pass)",
  );
  const sid = options.sourceId ?? 0;
  check(Number.isInteger(sid) && sid >= 0 && sid <= 0xffff, "sourceId must be in 0..0xffff");
  const keep = options.maxResults ?? DEFAULT_PROBE_MAX_RESULTS;
  check(Number.isInteger(keep) && keep >= 0, "maxResults must be an integer >= 0");
  return options.accesses.map((a, i) => {
    check(
      Number.isInteger(a.size) && a.size >= 1 && a.size <= MAX_PROBE_ACCESS_BYTES,
      `access ${i}: size must be 1..${MAX_PROBE_ACCESS_BYTES}`,
    );
    check(
      Number.isSafeInteger(a.va) && a.va >= 0 && Number.isSafeInteger(a.va + a.size),
      `access ${i}: bad va`,
    );
    check(
      a.kind === GpuAccessKind.Read ||
        a.kind === GpuAccessKind.Write ||
        a.kind === GpuAccessKind.Execute,
      `access ${i}: bad kind`,
    );
    const bytes = a.kind === GpuAccessKind.Write ? writeBytes(a, i) : null;
    return { va: a.va, kind: a.kind, size: a.size, bytes };
  });
}
