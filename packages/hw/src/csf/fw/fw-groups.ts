/**
 * The group (CSG) and stream (CS) half of the firmware model: a CSG slot started by its host
 * starts the slot's streams that are in the START state, each fetching from its ring buffer in
 * the group's address space through the command-stream interpreter; user doorbells kick the
 * streams they belong to; a stream's FATAL error and a system-scope SYNC update come back as
 * events (toggled ack bits) with the job interrupt of the group.
 */
import type { CsEngine } from "../cs/cs-engine.js";
import type { CsExecution } from "../cs/cs-exec.js";
import {
  CS_SUSPEND_RECORD_BYTES,
  type CsSnapshot,
  decodeCsSnapshot,
  encodeCsSnapshot,
} from "../cs/cs-suspend.js";
import { type CsEndResult, CsEndStatus, type CsRing } from "../cs/cs-types.js";
import {
  CS_FATAL,
  CS_REQ_MASK,
  CS_STATE_MASK,
  CS_STATE_START,
  CS_STATE_STOP,
  CSG_ENDPOINT_CONFIG,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATE_TERMINATE,
  CSG_STATUS_UPDATE,
  CSG_SYNC_UPDATE,
} from "../iface-constants.js";
import { csFeaturesWorkRegs, jobIntCsgIf } from "../iface-macros.js";
import {
  CSF_CS_INPUT,
  CSF_CS_OUTPUT,
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSF_RINGBUF_INPUT,
  CSF_RINGBUF_OUTPUT,
} from "../iface-structs.js";
import {
  type CsfFirmwareProfile,
  FW_CS_INPUT,
  FW_CS_INPUT_STRIDE,
  FW_CS_OUTPUT,
  FW_CS_OUTPUT_STRIDE,
  FW_CSG_INPUT,
  FW_CSG_OUTPUT,
} from "./fw-profile.js";

const TWO32 = 0x1_0000_0000;

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
}

/** One stream slot of a group. */
interface StreamSlot {
  /** The running stream, or null. */
  exec: CsExecution | null;
  /** Its doorbell (CS config bits 15:8). */
  doorbell: number;
  /** Called when the stream's suspension completed. */
  suspending: ((r: CsEndResult) => void) | null;
}

/** One CSG slot. */
export class CsfGroupSlot {
  /** CSG state as last acknowledged (CSG_STATE_*). */
  state = CSG_STATE_TERMINATE;
  /** The AS the group's streams run in (CSG config). */
  as = -1;
  /** endpoint_req as last configured. */
  endpointReq = 0;
  /** Streams ended by a FATAL error, with their results. */
  readonly fatals: CsEndResult[] = [];
  private readonly streams: StreamSlot[];

  /**
   * @param index - the slot number (its JOB_IRQ bit).
   * @param page - MCU VA of its page in the shared section.
   * @param io - memory, interrupts and the interpreter.
   */
  constructor(
    readonly index: number,
    readonly page: number,
    private readonly io: FwGroupIo,
  ) {
    this.streams = Array.from({ length: io.profile.streamNum }, () => ({
      exec: null,
      doorbell: 0,
      suspending: null,
    }));
  }

  private csIn(j: number): number {
    return this.page + FW_CS_INPUT + j * FW_CS_INPUT_STRIDE;
  }

  private csOut(j: number): number {
    return this.page + FW_CS_OUTPUT + j * FW_CS_OUTPUT_STRIDE;
  }

  /** The running stream of slot `j`, or null. */
  stream(j: number): CsExecution | null {
    return this.streams[j]?.exec ?? null;
  }

  /**
   * The group's requests (the host rang doorbell 0 with this group's bit toggled): the state
   * field, ENDPOINT_CONFIG and STATUS_UPDATE, then the streams whose doorbell bits are
   * toggled. False when an MCU access failed (the whole doorbell is retried or the firmware
   * stopped).
   */
  process(): boolean {
    const io = this.io;
    const inp = this.page + FW_CSG_INPUT;
    const out = this.page + FW_CSG_OUTPUT;
    const req = io.read(inp + CSF_CSG_INPUT.req);
    const ack = io.read(out + CSF_CSG_OUTPUT.ack);
    const dbReq = io.read(inp + CSF_CSG_INPUT.doorbell_req);
    const dbAck = io.read(out + CSF_CSG_OUTPUT.doorbell_ack);
    const config = io.read(inp + CSF_CSG_INPUT.config);
    const endpoint = io.read(inp + CSF_CSG_INPUT.endpoint_req);
    const irqMask = io.read(inp + CSF_CSG_INPUT.ack_irq_mask);
    if (req < 0 || ack < 0 || dbReq < 0 || dbAck < 0 || config < 0 || endpoint < 0 || irqMask < 0) {
      return false;
    }
    let newAck = ack;
    const newState = req & CSG_STATE_MASK;
    if (((req ^ ack) & CSG_STATE_MASK) !== 0) {
      if (newState === CSG_STATE_START) {
        this.as = config & 0xf;
        this.endpointReq = endpoint;
        this.state = CSG_STATE_START;
        for (let j = 0; j < this.streams.length; j++) {
          const csReq = io.read(this.csIn(j) + CSF_CS_INPUT.req);
          const csAck = io.read(this.csOut(j) + CSF_CS_OUTPUT.ack);
          if (csReq < 0 || csAck < 0) return false;
          if ((csReq & CS_STATE_MASK) !== CS_STATE_START) continue;
          if (!this.startStream(j)) return false;
          const ackState = ((csAck & ~CS_STATE_MASK) | CS_STATE_START) >>> 0;
          if (!io.write([this.csOut(j) + CSF_CS_OUTPUT.ack, ackState])) return false;
        }
        newAck = (newAck & ~CSG_STATE_MASK) | newState;
      } else if (newState === CSG_STATE_TERMINATE) {
        for (let j = 0; j < this.streams.length; j++) this.stopStream(j);
        this.state = CSG_STATE_TERMINATE;
        newAck = (newAck & ~CSG_STATE_MASK) | newState;
      } else if (newState === CSG_STATE_SUSPEND && this.state === CSG_STATE_START) {
        // Acknowledged once every stream has stopped and its state is in the suspend buffer.
        const buf = this.read64(inp + CSF_CSG_INPUT.suspend_buf);
        if (buf < 0) return false;
        this.suspend(buf);
      } else if (newState === CSG_STATE_RESUME) {
        const buf = this.read64(inp + CSF_CSG_INPUT.suspend_buf);
        if (buf < 0) return false;
        this.as = config & 0xf;
        this.endpointReq = endpoint;
        for (let j = 0; j < this.streams.length; j++) {
          const csReq = io.read(this.csIn(j) + CSF_CS_INPUT.req);
          if (csReq < 0) return false;
          if ((csReq & CS_STATE_MASK) !== CS_STATE_START) continue;
          const words: number[] = [];
          for (let k = 0; k < CS_SUSPEND_RECORD_BYTES / 4; k++) {
            const v = io.read(buf + j * CS_SUSPEND_RECORD_BYTES + 4 * k);
            if (v < 0) return false;
            words.push(v);
          }
          const snap = decodeCsSnapshot(
            Uint32Array.from(words),
            csFeaturesWorkRegs(io.profile.csFeatures),
          );
          if (!this.startStream(j, snap)) return false;
        }
        this.state = CSG_STATE_START;
        newAck = (newAck & ~CSG_STATE_MASK) | newState;
      }
    }
    if (((req ^ ack) & CSG_ENDPOINT_CONFIG) !== 0) {
      this.endpointReq = endpoint;
      newAck ^= CSG_ENDPOINT_CONFIG;
    }
    if (((req ^ ack) & CSG_STATUS_UPDATE) !== 0) {
      if (!this.publishStatus()) return false;
      newAck ^= CSG_STATUS_UPDATE;
    }
    const csBits = (dbReq ^ dbAck) & ((1 << this.streams.length) - 1);
    for (let j = 0; j < this.streams.length; j++) {
      if (((csBits >>> j) & 1) !== 0 && !this.processStream(j)) return false;
    }
    newAck >>>= 0;
    const words = [out + CSF_CSG_OUTPUT.ack, newAck];
    if (csBits !== 0) words.push(out + CSF_CSG_OUTPUT.doorbell_ack, (dbAck ^ csBits) >>> 0);
    if (!io.write(words)) return false;
    if (((newAck ^ ack) & irqMask) !== 0) io.raiseJobIrq(jobIntCsgIf(this.index));
    return true;
  }

  /** A stream's requests: its state (START/STOP) and configuration bits, acknowledged by copy. */
  private processStream(j: number): boolean {
    const io = this.io;
    const req = io.read(this.csIn(j) + CSF_CS_INPUT.req);
    const ack = io.read(this.csOut(j) + CSF_CS_OUTPUT.ack);
    if (req < 0 || ack < 0) return false;
    const state = req & CS_STATE_MASK;
    if (((req ^ ack) & CS_STATE_MASK) !== 0) {
      if (state === CS_STATE_START && this.state === CSG_STATE_START) {
        if (!this.startStream(j)) return false;
      } else if (state === CS_STATE_STOP) {
        this.stopStream(j);
      }
    }
    const newAck = ((ack & ~CS_REQ_MASK) | (req & CS_REQ_MASK)) >>> 0;
    return io.write([this.csOut(j) + CSF_CS_OUTPUT.ack, newAck]);
  }

  /** Reads a 64-bit MCU value (-1 on failure). */
  private read64(va: number): number {
    const lo = this.io.read(va);
    const hi = this.io.read(va + 4);
    return lo < 0 || hi < 0 ? -1 : hi * TWO32 + lo;
  }

  /**
   * SUSPEND: every running stream stops at an instruction boundary once its asynchronous
   * operations completed; its state goes to its record in the suspend buffer at `buf` (MCU VA)
   * and its ring's extract is published; then the state change is acknowledged (with the
   * group's interrupt under its ack_irq_mask).
   */
  private suspend(buf: number): void {
    const running = this.streams.map((s, j) => [j, s.exec] as const).filter(([, e]) => e !== null);
    let left = running.length;
    const records: (CsSnapshot | null)[] = this.streams.map(() => null);
    const finish = (): void => {
      const io = this.io;
      for (let j = 0; j < this.streams.length; j++) {
        const snap = records[j] ?? null;
        const rec =
          snap === null ? new Uint32Array(CS_SUSPEND_RECORD_BYTES / 4) : encodeCsSnapshot(snap);
        const words: number[] = [];
        for (let k = 0; k < rec.length; k++) {
          words.push(buf + j * CS_SUSPEND_RECORD_BYTES + 4 * k, rec[k] as number);
        }
        if (!io.write(words)) return;
      }
      this.state = CSG_STATE_SUSPEND;
      const inp = this.page + FW_CSG_INPUT;
      const out = this.page + FW_CSG_OUTPUT;
      const ack = io.read(out + CSF_CSG_OUTPUT.ack);
      const irqMask = io.read(inp + CSF_CSG_INPUT.ack_irq_mask);
      if (ack < 0 || irqMask < 0) return;
      const newAck = ((ack & ~CSG_STATE_MASK) | CSG_STATE_SUSPEND) >>> 0;
      if (!io.write([out + CSF_CSG_OUTPUT.ack, newAck])) return;
      if (((newAck ^ ack) & irqMask) !== 0) io.raiseJobIrq(jobIntCsgIf(this.index));
    };
    if (left === 0) {
      finish();
      return;
    }
    for (const [j, exec] of running) {
      (this.streams[j] as StreamSlot).suspending = (r) => {
        records[j] = r.snapshot ?? null;
        if (--left === 0) finish();
      };
      exec?.requestSuspend();
    }
  }

  /** Starts stream `j` from its input block (ring, its pages, its doorbell), or from `restore`. */
  private startStream(j: number, restore: CsSnapshot | null = null): boolean {
    const io = this.io;
    const inp = this.csIn(j);
    const base = this.read64(inp + CSF_CS_INPUT.ringbuf_base);
    const size = io.read(inp + CSF_CS_INPUT.ringbuf_size);
    const ringIn = this.read64(inp + CSF_CS_INPUT.ringbuf_input);
    const ringOut = this.read64(inp + CSF_CS_INPUT.ringbuf_output);
    const config = io.read(inp + CSF_CS_INPUT.config);
    if (base < 0 || size < 0 || ringIn < 0 || ringOut < 0 || config < 0) return false;
    const extract = restore?.ring.extract ?? this.read64(ringIn + CSF_RINGBUF_INPUT.extract);
    if (extract < 0) return false;
    this.stopStream(j);
    const slot = this.streams[j] as StreamSlot;
    slot.doorbell = (config >>> 8) & 0xff;
    const ring: CsRing = {
      base,
      size,
      extract,
      readInsert: () => this.read64(ringIn + CSF_RINGBUF_INPUT.insert),
      writeExtract: (p) => {
        const lo = p >>> 0;
        const hi = Math.floor(p / TWO32) >>> 0;
        io.write([
          ringOut + CSF_RINGBUF_OUTPUT.extract,
          lo,
          ringOut + CSF_RINGBUF_OUTPUT.extract + 4,
          hi,
          ringIn + CSF_RINGBUF_INPUT.extract,
          lo,
          ringIn + CSF_RINGBUF_INPUT.extract + 4,
          hi,
        ]);
      },
    };
    if (!io.write([ringOut + CSF_RINGBUF_OUTPUT.active, 1])) return false;
    const exec: CsExecution = io.cs.start({
      as: this.as,
      va: base,
      length: 0,
      ring,
      regCount: csFeaturesWorkRegs(io.profile.csFeatures),
      sourceId: (this.index << 4) | j,
      onEnd: (r) => this.streamEnded(j, exec, r),
      onSyncUpdate: () => this.event(CSG_SYNC_UPDATE),
      ...(restore === null ? {} : { restore }),
    });
    slot.exec = exec;
    return true;
  }

  /** Stops stream `j` (its run is terminated). */
  private stopStream(j: number): void {
    const slot = this.streams[j] as StreamSlot;
    const exec = slot.exec;
    slot.exec = null;
    exec?.terminate();
  }

  /** A stream ended: a FATAL error becomes its FATAL event (fields, ack toggle, cs_irq_req). */
  private streamEnded(j: number, exec: CsExecution, r: CsEndResult): void {
    const slot = this.streams[j] as StreamSlot;
    if (slot.exec !== exec) return;
    if (r.status === CsEndStatus.Suspended) {
      slot.exec = null;
      const done = slot.suspending;
      slot.suspending = null;
      done?.(r);
      return;
    }
    if (r.status !== CsEndStatus.Fatal) return;
    slot.exec = null;
    this.fatals.push(r);
    const io = this.io;
    const out = this.csOut(j);
    const ack = io.read(out + CSF_CS_OUTPUT.ack);
    const req = io.read(this.csIn(j) + CSF_CS_INPUT.req);
    const csgOut = this.page + FW_CSG_OUTPUT;
    const irqReq = io.read(csgOut + CSF_CSG_OUTPUT.cs_irq_req);
    if (ack < 0 || req < 0 || irqReq < 0) return;
    const words = [
      out + CSF_CS_OUTPUT.fatal,
      (r.exception & 0xff) >>> 0,
      out + CSF_CS_OUTPUT.fatal_info,
      r.info >>> 0,
      out + CSF_CS_OUTPUT.fatal_info + 4,
      Math.floor(r.info / TWO32) >>> 0,
      csgOut + CSF_CSG_OUTPUT.cs_irq_req,
      (irqReq ^ (1 << j)) >>> 0,
    ];
    // An event not yet acknowledged by the host is not raised again.
    if (((req ^ ack) & CS_FATAL) === 0) words.push(out + CSF_CS_OUTPUT.ack, (ack ^ CS_FATAL) >>> 0);
    if (io.write(words)) io.raiseJobIrq(jobIntCsgIf(this.index));
  }

  /** Raises a group event (toggles its ack bit unless still unacknowledged), with the interrupt under ack_irq_mask. */
  private event(bit: number): void {
    const io = this.io;
    const inp = this.page + FW_CSG_INPUT;
    const out = this.page + FW_CSG_OUTPUT;
    const req = io.read(inp + CSF_CSG_INPUT.req);
    const ack = io.read(out + CSF_CSG_OUTPUT.ack);
    const irqMask = io.read(inp + CSF_CSG_INPUT.ack_irq_mask);
    if (req < 0 || ack < 0 || irqMask < 0 || ((req ^ ack) & bit) !== 0) return;
    if (!io.write([out + CSF_CSG_OUTPUT.ack, (ack ^ bit) >>> 0])) return;
    if ((bit & irqMask) !== 0) io.raiseJobIrq(jobIntCsgIf(this.index));
  }

  /** STATUS_UPDATE: each running stream's pc, wait state, blocked reason and scoreboards. */
  private publishStatus(): boolean {
    const words: number[] = [];
    for (let j = 0; j < this.streams.length; j++) {
      const e = this.streams[j]?.exec;
      if (e === null || e === undefined) continue;
      const out = this.csOut(j);
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
      );
    }
    return this.io.write(words);
  }

  /** A user doorbell: the running streams configured with it re-read their insert position. */
  userDoorbell(n: number): void {
    for (const s of this.streams) if (s.exec !== null && s.doorbell === n) s.exec.kick();
  }

  /** Firmware stop or reset: every stream is terminated, the slot is back to TERMINATE. */
  stopAll(): void {
    for (let j = 0; j < this.streams.length; j++) this.stopStream(j);
    this.state = CSG_STATE_TERMINATE;
  }
}
