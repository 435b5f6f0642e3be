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
  CS_IDLE_EMPTY,
  CS_IDLE_RESOURCE_REQ,
  CS_IDLE_SYNC_WAIT,
  CS_REQ_MASK,
  CS_STATE_MASK,
  CS_STATE_START,
  CS_STATE_STOP,
  CS_TILER_OOM,
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
  CsfGroupBase,
  type StreamSlot,
  slotMask,
  type TilerOomCounters,
  TWO32,
} from "./fw-group-base.js";

/** One CSG slot: its requests (state, ENDPOINT_CONFIG, STATUS_UPDATE, streams), suspension and tiler OOM. */
export class CsfGroupSlot extends CsfGroupBase {
  /** Counters an injected tiler OOM reports, per stream (null: the stream's own). */
  private readonly oomCounters: (TilerOomCounters | null)[] = [];

  /** Whether the host asked for a CSG state change not yet acknowledged. */
  stateChangePending(): boolean {
    const req = this.io.read(this.csgIn + CSF_CSG_INPUT.req);
    const ack = this.io.read(this.csgOut + CSF_CSG_OUTPUT.ack);
    return req >= 0 && ack >= 0 && ((req ^ ack) & CSG_STATE_MASK) !== 0;
  }

  /**
   * The group's requests (the host rang doorbell 0 with this group's bit toggled): the state
   * field, ENDPOINT_CONFIG and STATUS_UPDATE, then the streams whose doorbell bits are
   * toggled. False when an MCU access failed (the whole doorbell is retried or the firmware
   * stopped).
   */
  process(): boolean {
    const io = this.io;
    const inp = this.csgIn;
    const out = this.csgOut;
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
    const csBits = ((dbReq ^ dbAck) & slotMask(this.streams.length)) >>> 0;
    for (let j = 0; j < this.streams.length; j++) {
      if (j < 32 && ((csBits >>> j) & 1) !== 0 && !this.processStream(j)) return false;
      if (!this.answerTilerOom(j)) return false;
    }
    newAck >>>= 0;
    if (((newAck ^ ack) & CSG_STATE_MASK) !== 0) this.io.groupIdleChanged();
    this.trace(`csg ${this.index} req 0x${req.toString(16)} ack 0x${newAck.toString(16)}`);
    const words = [out + CSF_CSG_OUTPUT.ack, newAck];
    if (csBits !== 0) words.push(out + CSF_CSG_OUTPUT.doorbell_ack, (dbAck ^ csBits) >>> 0);
    if (!io.write(words)) return false;
    if (((newAck ^ ack) & irqMask) !== 0) io.raiseJobIrq(jobIntCsgIf(this.index));
    this.updateIdle();
    return true;
  }

  /** A stream's requests: its state (START/STOP) and configuration bits, acknowledged by copy. */
  private processStream(j: number): boolean {
    const io = this.io;
    const req = io.read(this.csIn(j) + CSF_CS_INPUT.req);
    const ack = io.read(this.csOut(j) + CSF_CS_OUTPUT.ack);
    if (req < 0 || ack < 0) return false;
    const state = req & CS_STATE_MASK;
    const slot = this.streams[j] as StreamSlot;
    slot.idleConfig = req & (CS_IDLE_EMPTY | CS_IDLE_SYNC_WAIT | CS_IDLE_RESOURCE_REQ);
    if (((req ^ ack) & CS_STATE_MASK) !== 0) {
      if (state === CS_STATE_START && this.state === CSG_STATE_START) {
        if (!this.startStream(j)) return false;
      } else if (state === CS_STATE_STOP) {
        this.stopStream(j);
      }
    }
    const newAck = ((ack & ~CS_REQ_MASK) | (req & CS_REQ_MASK)) >>> 0;
    this.trace(`cs ${this.index}.${j} req 0x${req.toString(16)} ack 0x${newAck.toString(16)}`);
    if (!io.write([this.csOut(j) + CSF_CS_OUTPUT.ack, newAck])) return false;
    this.updateIdle();
    return true;
  }

  /**
   * The tiler of stream `j` ran out of heap memory (the model's hook for a RUN_TILING that
   * needs a chunk): at its next instruction boundary the stream stops, and the firmware
   * publishes the heap context and `counters` (default: the stream's own heap counters) in the
   * CS output, toggles TILER_OOM and `cs_irq_req` bit j, and raises the group's job interrupt.
   * The host answers with `heap_start`, acknowledges TILER_OOM and rings the group's doorbell.
   * False when stream `j` is not running or already waiting for memory.
   */
  injectTilerOom(j: number, counters?: TilerOomCounters): boolean {
    const exec = this.streams[j]?.exec ?? null;
    if (exec === null) return false;
    this.oomCounters[j] = counters ?? null;
    return exec.requestTilerOom();
  }

  /** Stream `j` stopped for heap memory: the TILER_OOM event with the heap state. */
  private tilerOom(j: number, exec: CsExecution): void {
    const c = this.oomCounters[j] ?? exec.heap;
    const out = this.csOut(j);
    const words = [
      out + CSF_CS_OUTPUT.heap_address,
      exec.heapContext >>> 0,
      out + CSF_CS_OUTPUT.heap_address + 4,
      Math.floor(exec.heapContext / TWO32) >>> 0,
      out + CSF_CS_OUTPUT.heap_vt_start,
      c.vtStart >>> 0,
      out + CSF_CS_OUTPUT.heap_vt_end,
      c.vtEnd >>> 0,
      out + CSF_CS_OUTPUT.heap_frag_end,
      c.fragEnd >>> 0,
    ];
    this.csEvent(j, CS_TILER_OOM, words);
  }

  /**
   * A stream waiting for heap memory whose TILER_OOM the host acknowledged takes its answer:
   * `heap_start` (a chunk, or 0 for none). False when an MCU access failed.
   */
  private answerTilerOom(j: number): boolean {
    const exec = this.streams[j]?.exec ?? null;
    if (exec === null || !exec.waitingForHeap) return true;
    const req = this.io.read(this.csIn(j) + CSF_CS_INPUT.req);
    const ack = this.io.read(this.csOut(j) + CSF_CS_OUTPUT.ack);
    if (req < 0 || ack < 0) return false;
    if (((req ^ ack) & CS_TILER_OOM) !== 0) return true;
    const chunk = this.read64(this.csIn(j) + CSF_CS_INPUT.heap_start);
    if (chunk < 0) return false;
    this.trace(`cs ${this.index}.${j} heap 0x${chunk.toString(16)}`);
    this.oomCounters[j] = null;
    exec.resolveTilerOom(chunk);
    return true;
  }

  /**
   * SUSPEND: every running stream stops at an instruction boundary once its asynchronous
   * operations completed; its state goes to its record in the suspend buffer at `buf` (MCU VA)
   * and its ring's extract is published; then the state change is acknowledged (with the
   * group's interrupt under its ack_irq_mask).
   */
  private suspend(buf: number): void {
    // The streams' state at the suspension is what the host reads once it is acknowledged.
    this.publishStatus();
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
      const inp = this.csgIn;
      const out = this.csgOut;
      const ack = io.read(out + CSF_CSG_OUTPUT.ack);
      const irqMask = io.read(inp + CSF_CSG_INPUT.ack_irq_mask);
      if (ack < 0 || irqMask < 0) return;
      const newAck = ((ack & ~CSG_STATE_MASK) | CSG_STATE_SUSPEND) >>> 0;
      if (!io.write([out + CSF_CSG_OUTPUT.ack, newAck])) return;
      if (((newAck ^ ack) & irqMask) !== 0) io.raiseJobIrq(jobIntCsgIf(this.index));
      this.updateIdle();
      io.groupIdleChanged();
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
    const req = io.read(inp + CSF_CS_INPUT.req);
    if (base < 0 || size < 0 || ringIn < 0 || ringOut < 0 || config < 0 || req < 0) return false;
    const extract = restore?.ring.extract ?? this.read64(ringIn + CSF_RINGBUF_INPUT.extract);
    if (extract < 0) return false;
    this.stopStream(j);
    const slot = this.streams[j] as StreamSlot;
    slot.doorbell = (config >>> 8) & 0xff;
    slot.idleConfig = req & (CS_IDLE_EMPTY | CS_IDLE_SYNC_WAIT | CS_IDLE_RESOURCE_REQ);
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
      onTilerOom: () => this.tilerOom(j, exec),
      onIdleChange: () => this.updateIdle(),
      ...(io.traceInstructions === undefined ? {} : { trace: io.traceInstructions }),
      ...(restore === null ? {} : { restore }),
    });
    slot.exec = exec;
    this.trace(
      `cs ${this.index}.${j} ${restore === null ? "start" : "resume"} ring 0x${base.toString(16)}`,
    );
    this.updateIdle();
    return true;
  }

  /** Stops stream `j` (its run is terminated). */
  private stopStream(j: number): void {
    const slot = this.streams[j] as StreamSlot;
    const exec = slot.exec;
    if (exec === null) return;
    slot.exec = null;
    this.trace(`cs ${this.index}.${j} stop`);
    exec.terminate();
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
    const out = this.csOut(j);
    this.csEvent(j, CS_FATAL, [
      out + CSF_CS_OUTPUT.fatal,
      (r.exception & 0xff) >>> 0,
      out + CSF_CS_OUTPUT.fatal_info,
      r.info >>> 0,
      out + CSF_CS_OUTPUT.fatal_info + 4,
      Math.floor(r.info / TWO32) >>> 0,
    ]);
    this.updateIdle();
  }

  /** Firmware stop or reset: every stream is terminated, the slot is back to TERMINATE. */
  stopAll(): void {
    for (let j = 0; j < this.streams.length; j++) this.stopStream(j);
    this.state = CSG_STATE_TERMINATE;
    this.idle = false;
  }
}
