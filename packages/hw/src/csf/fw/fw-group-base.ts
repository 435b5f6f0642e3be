/**
 * What every CSG slot of the firmware model shares: how it reaches the MCU's memory, its
 * stream slots, and the output side of the interface — group and stream events (toggled ack
 * bits, cs_irq_req, the job interrupt), the IDLE status, STATUS_UPDATE, user doorbells.
 * {@link CsfGroupSlot} builds the request processing on it.
 */
import type { CsEngine } from "../cs/cs-engine.js";
import type { CsExecution } from "../cs/cs-exec.js";
import { type CsEndResult, CsIdleKind } from "../cs/cs-types.js";
import {
  CS_IDLE_EMPTY,
  CS_IDLE_RESOURCE_REQ,
  CS_IDLE_SYNC_WAIT,
  CSG_IDLE,
  CSG_STATE_START,
  CSG_STATE_TERMINATE,
  CSG_STATUS_STATE_IS_IDLE,
} from "../iface-constants.js";
import { jobIntCsgIf } from "../iface-macros.js";
import { CSF_CS_INPUT, CSF_CS_OUTPUT, CSF_CSG_INPUT, CSF_CSG_OUTPUT } from "../iface-structs.js";
import {
  type CsfFirmwareProfile,
  type CsfIfaceLayout,
  FW_CS_INPUT_STRIDE,
  FW_CS_OUTPUT_STRIDE,
} from "./fw-profile.js";

/** 2^32. */
export const TWO32 = 0x1_0000_0000;

/** The low `n` bits set (a doorbell mask of `n` slots; every bit from 32 up). */
export function slotMask(n: number): number {
  return n >= 32 ? 0xffff_ffff : (1 << n) - 1;
}

/** How the group model reaches memory and the rest of the GPU. */
export interface FwGroupIo {
  /** Reads an MCU word (-1 when the access failed; the firmware then retries or stops). */
  read(va: number): number;
  /** Writes MCU words (address, value pairs); false when an access failed. */
  write(words: readonly number[]): boolean;
  /** Raises JOB_IRQ bits. */
  raiseJobIrq(bits: number): void;
  /** The command-stream interpreter. */
  readonly cs: CsEngine;
  /** What the firmware reports. */
  readonly profile: CsfFirmwareProfile;
  /** Where the group's blocks are in its page. */
  readonly layout: CsfIfaceLayout;
  /** A group's idleness (CSG status_state IS_IDLE) or state changed (the global IDLE event). */
  groupIdleChanged(): void;
  /** Trace sink, when tracing. */
  readonly trace: ((line: string) => void) | undefined;
  /** Trace sink of the streams' instructions, when tracing them. */
  readonly traceInstructions: ((line: string) => void) | undefined;
}

/** Heap counters a tiler OOM reports (CS output heap_vt_start, heap_vt_end, heap_frag_end). */
export interface TilerOomCounters {
  /** Vertex/tiling operations started. */
  readonly vtStart: number;
  /** Vertex/tiling operations completed. */
  readonly vtEnd: number;
  /** Fragment operations completed. */
  readonly fragEnd: number;
}

/** CS req bits that make a blocked state count as idle, per idleness kind. */
export const IDLE_CONFIG_BIT: Readonly<Record<CsIdleKind, number>> = {
  [CsIdleKind.Busy]: 0,
  [CsIdleKind.Empty]: CS_IDLE_EMPTY,
  [CsIdleKind.SyncWait]: CS_IDLE_SYNC_WAIT,
  [CsIdleKind.Resource]: CS_IDLE_RESOURCE_REQ,
};

/** One stream slot of a group. */
export interface StreamSlot {
  /** The running stream, or null. */
  exec: CsExecution | null;
  /** Its doorbell (CS config bits 15:8). */
  doorbell: number;
  /** Called when the stream's suspension completed. */
  suspending: ((r: CsEndResult) => void) | null;
  /** The CS req IDLE_* bits: which blocked states count as idle. */
  idleConfig: number;
}

/** The shared half of a CSG slot. */
export abstract class CsfGroupBase {
  /** CSG state as last acknowledged (CSG_STATE_*). */
  state = CSG_STATE_TERMINATE;
  /** The AS the group's streams run in (CSG config). */
  as = -1;
  /** endpoint_req as last configured. */
  endpointReq = 0;
  /** Streams ended by a FATAL error, with their results. */
  readonly fatals: CsEndResult[] = [];
  /** CSG status_state IS_IDLE as last published: every started stream idle per its IDLE_* configuration. */
  idle = false;
  /** The stream slots. */
  protected readonly streams: StreamSlot[];
  /** MCU VA of the group's input block. */
  protected readonly csgIn: number;
  /** MCU VA of the group's output block. */
  protected readonly csgOut: number;

  /**
   * @param index - the slot number (its JOB_IRQ bit).
   * @param page - MCU VA of its page in the shared section.
   * @param io - memory, interrupts and the interpreter.
   */
  constructor(
    readonly index: number,
    readonly page: number,
    protected readonly io: FwGroupIo,
  ) {
    this.streams = Array.from({ length: io.profile.streamNum }, () => ({
      exec: null,
      doorbell: 0,
      suspending: null,
      idleConfig: 0,
    }));
    this.csgIn = page + io.layout.csgInput;
    this.csgOut = page + io.layout.csgOutput;
  }

  /** MCU VA of stream `j`'s input block. */
  protected csIn(j: number): number {
    return this.page + this.io.layout.csInput + j * FW_CS_INPUT_STRIDE;
  }

  /** MCU VA of stream `j`'s output block. */
  protected csOut(j: number): number {
    return this.page + this.io.layout.csOutput + j * FW_CS_OUTPUT_STRIDE;
  }

  /** The running stream of slot `j`, or null. */
  stream(j: number): CsExecution | null {
    return this.streams[j]?.exec ?? null;
  }

  /**
   * Raises CS event `bit` of stream `j` after writing `words`: the ack bit toggles unless the
   * host has not acknowledged the previous one, `cs_irq_req` bit j toggles, and the group's
   * job interrupt rises.
   */
  protected csEvent(j: number, bit: number, words: number[]): void {
    const io = this.io;
    const out = this.csOut(j);
    const ack = io.read(out + CSF_CS_OUTPUT.ack);
    const req = io.read(this.csIn(j) + CSF_CS_INPUT.req);
    const csgOut = this.csgOut;
    const irqReq = io.read(csgOut + CSF_CSG_OUTPUT.cs_irq_req);
    if (ack < 0 || req < 0 || irqReq < 0) return;
    words.push(csgOut + CSF_CSG_OUTPUT.cs_irq_req, (irqReq ^ (1 << j)) >>> 0);
    // An event not yet acknowledged by the host is not raised again.
    if (((req ^ ack) & bit) === 0) words.push(out + CSF_CS_OUTPUT.ack, (ack ^ bit) >>> 0);
    this.trace(`cs ${this.index}.${j} event 0x${bit.toString(16)}`);
    if (io.write(words)) io.raiseJobIrq(jobIntCsgIf(this.index));
  }

  /**
   * Re-evaluates the group's idleness: a started group is idle when every started stream is
   * blocked in a way its IDLE_* configuration counts (ring empty, SYNC_WAIT, heap wait).
   * Becoming idle sets status_state IS_IDLE and raises the CSG IDLE event; work arriving
   * clears IS_IDLE.
   */
  protected updateIdle(): void {
    let idle = this.state === CSG_STATE_START;
    for (const s of this.streams) {
      if (s.exec !== null && (IDLE_CONFIG_BIT[s.exec.idleKind] & s.idleConfig) === 0) idle = false;
    }
    if (idle === this.idle) return;
    this.idle = idle;
    const status = this.csgOut + CSF_CSG_OUTPUT.status_state;
    if (!this.io.write([status, idle ? CSG_STATUS_STATE_IS_IDLE : 0])) return;
    if (idle) this.event(CSG_IDLE);
    this.io.groupIdleChanged();
  }

  protected trace(line: string): void {
    this.io.trace?.(line);
  }

  /** Reads a 64-bit MCU value (-1 on failure). */
  protected read64(va: number): number {
    const lo = this.io.read(va);
    const hi = this.io.read(va + 4);
    return lo < 0 || hi < 0 ? -1 : hi * TWO32 + lo;
  }

  /** Raises a group event (toggles its ack bit unless still unacknowledged), with the interrupt under ack_irq_mask. */
  protected event(bit: number): void {
    const io = this.io;
    const inp = this.csgIn;
    const out = this.csgOut;
    const req = io.read(inp + CSF_CSG_INPUT.req);
    const ack = io.read(out + CSF_CSG_OUTPUT.ack);
    const irqMask = io.read(inp + CSF_CSG_INPUT.ack_irq_mask);
    if (req < 0 || ack < 0 || irqMask < 0 || ((req ^ ack) & bit) !== 0) return;
    this.trace(`csg ${this.index} event 0x${bit.toString(16)}`);
    if (!io.write([out + CSF_CSG_OUTPUT.ack, (ack ^ bit) >>> 0])) return;
    if ((bit & irqMask) !== 0) io.raiseJobIrq(jobIntCsgIf(this.index));
  }

  /**
   * STATUS_UPDATE: each running stream's pc, wait state, blocked reason, scoreboards and sync
   * wait; a stream that does not run reports itself unblocked with nothing pending.
   */
  protected publishStatus(): boolean {
    const words: number[] = [];
    for (let j = 0; j < this.streams.length; j++) {
      const e = this.streams[j]?.exec;
      const out = this.csOut(j);
      if (e === null || e === undefined) {
        words.push(
          out + CSF_CS_OUTPUT.status_wait,
          0,
          out + CSF_CS_OUTPUT.status_blocked_reason,
          0,
          out + CSF_CS_OUTPUT.status_scoreboards,
          0,
        );
        continue;
      }
      words.push(
        out + CSF_CS_OUTPUT.status_cmd_ptr,
        e.pc >>> 0,
        out + CSF_CS_OUTPUT.status_cmd_ptr + 4,
        Math.floor(e.pc / TWO32) >>> 0,
        out + CSF_CS_OUTPUT.status_wait,
        e.statusWait >>> 0,
        out + CSF_CS_OUTPUT.status_blocked_reason,
        e.blockedReason,
        out + CSF_CS_OUTPUT.status_scoreboards,
        e.scoreboards,
        out + CSF_CS_OUTPUT.status_wait_sync_ptr,
        e.waitSyncVa >>> 0,
        out + CSF_CS_OUTPUT.status_wait_sync_ptr + 4,
        Math.floor(e.waitSyncVa / TWO32) >>> 0,
        out + CSF_CS_OUTPUT.status_wait_sync_value,
        e.waitSyncValue[0] >>> 0,
        out + CSF_CS_OUTPUT.status_wait_sync_value_hi,
        e.waitSyncValue[1] >>> 0,
      );
    }
    return this.io.write(words);
  }

  /** A user doorbell: the running streams configured with it re-read their insert position. */
  userDoorbell(n: number): void {
    for (const s of this.streams) if (s.exec !== null && s.doorbell === n) s.exec.kick();
  }
}
