/**
 * The terminal-fault log: every GPU page fault the driver could not resolve, decoded, with the
 * file, BO and offset it hit (or the nearest mapping), as data and as text.
 */

/** Where a faulting address landed in the faulting context's address space. */
export type FaultTarget =
  | {
      /** The address is inside a BO mapping. */
      kind: "bo";
      /** GEM object id of the BO. */
      boId: number;
      /** Handle of the BO in the owning file (0 if the file no longer has one). */
      handle: number;
      /** BO size in bytes. */
      boSize: number;
      /** Whether the BO is a heap BO. */
      heap: boolean;
      /** Whether the BO is executable. */
      exec: boolean;
      /** Byte offset of the fault inside the BO. */
      offset: number;
      /** GPU VA of the BO in this context. */
      boVa: number;
      /** The BO's label, if any. */
      label: string;
    }
  | {
      /** No mapping covers the address. */
      kind: "none";
      /** Distance in bytes to the nearest mapping, or null when the context has none. */
      nearestDistance: number | null;
      /** GPU VA of the nearest mapping's start, or null. */
      nearestVa: number | null;
      /** GEM object id of the nearest mapping's BO, or null. */
      nearestBoId: number | null;
    }
  | {
      /** The AS was not bound to any context (a stale or spurious fault). */
      kind: "unbound";
    };

/** One terminal GPU fault. */
export interface FaultRecord {
  /** Sequence number (1-based) in the log. */
  seq: number;
  /** Virtual time of the report (ns). */
  time: number;
  /** AS slot. */
  as: number;
  /** Faulting GPU VA. */
  va: number;
  /** Raw AS_FAULTSTATUS. */
  faultStatus: number;
  /** Exception type (bits 7:0). */
  exceptionType: number;
  /** Its name. */
  exceptionName: string;
  /** Access type (bits 9:8). */
  accessType: number;
  /** Its name. */
  accessName: string;
  /** Source id (bits 31:16). */
  sourceId: number;
  /** Decoder fault (bit 10) rather than slave fault. */
  decoder: boolean;
  /** The MMU IRQ reported a bus error rather than a page fault. */
  busError: boolean;
  /** Id of the MMU context bound to the AS, or null. */
  ctxId: number | null;
  /** Name of the file owning that context, or null. */
  fileName: string | null;
  /** DRM client id of that file, or null. */
  clientId: number | null;
  /** Why it was not handled (e.g. "not a heap BO", "no mapping", "out of memory"). */
  reason: string;
  /** What the address hit. */
  target: FaultTarget;
}

const hex = (v: number, width = 0): string =>
  `0x${v.toString(16).toUpperCase().padStart(width, "0")}`;

/** Describes where a fault landed, in words. */
export function describeTarget(t: FaultTarget): string {
  switch (t.kind) {
    case "bo":
      return (
        `BO #${t.boId}${t.label ? ` "${t.label}"` : ""} (handle ${t.handle}, ${t.boSize} bytes` +
        `${t.heap ? ", heap" : ""}${t.exec ? "" : ", noexec"}) at offset ${hex(t.offset)} ` +
        `(BO VA ${hex(t.boVa)})`
      );
    case "none":
      return t.nearestDistance === null
        ? "no mapping in this address space"
        : `no mapping within ${t.nearestDistance} bytes of the address (nearest: BO #${t.nearestBoId} at ${hex(t.nearestVa ?? 0)})`;
    default:
      return "address space not bound to any file";
  }
}

/** Formats one record the way the kernel logs an unhandled fault, with the reason filled in. */
export function formatFault(r: FaultRecord): string {
  const who =
    r.fileName === null ? "no file" : `file "${r.fileName}" (client ${r.clientId}, ctx ${r.ctxId})`;
  return [
    `Unhandled Page fault in AS${r.as} at VA ${hex(r.va, 16)}`,
    `Reason: ${r.reason}: ${describeTarget(r.target)}; ${who}`,
    `raw fault status: ${hex(r.faultStatus)}`,
    `decoded fault status: ${r.decoder ? "DECODER FAULT" : "SLAVE FAULT"}${r.busError ? " (bus error)" : ""}`,
    `exception type ${hex(r.exceptionType)}: ${r.exceptionName}`,
    `access type ${hex(r.accessType)}: ${r.accessName}`,
    `source id ${hex(r.sourceId)}`,
  ].join("\n");
}

/** A bounded log of terminal faults (oldest dropped first). */
export class FaultLog {
  private readonly entries: FaultRecord[] = [];
  private seq = 0;
  /** Total faults ever recorded (including dropped ones). */
  total = 0;

  /** @param capacity - most records kept. */
  constructor(readonly capacity = 256) {}

  /** Appends a record (its `seq` is assigned here) and returns it. */
  add(r: Omit<FaultRecord, "seq">): FaultRecord {
    const rec = { ...r, seq: ++this.seq };
    this.entries.push(rec);
    this.total++;
    if (this.entries.length > this.capacity) this.entries.shift();
    return rec;
  }

  /** Records kept, oldest first. */
  get records(): readonly FaultRecord[] {
    return this.entries;
  }

  /** Every kept record as text, separated by blank lines. */
  toText(): string {
    return this.entries.map(formatFault).join("\n\n");
  }
}
