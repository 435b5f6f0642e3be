/**
 * Bad input to the CSF model gives the documented reaction, never a JS exception or a hung
 * event loop: unknown request bits and invalid CSG states are not acknowledged, a ring insert
 * more than a ring ahead is CS_CONFIG_FAULT, an insert behind extract and a doorbell nobody
 * listens to are ignored; random instruction streams and random interface writes (fast-check)
 * never throw and leave the model in a defined state. Also the CSG state-transition latency
 * and the RUN_TILING tiler-OOM hook.
 */
import { CsAssembler } from "@panmmu/fixtures";
import { CollectingWarningSink } from "@panmmu/uapi";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CS_TILER_OOM,
  CSF_CS_INPUT,
  CSF_CS_OUTPUT,
  CSF_CSG_OUTPUT,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSF_RINGBUF_INPUT,
  CSG_STATE_MASK,
  CSG_STATE_START,
  CsEndStatus,
  CsfFirmwareState,
  csfDoorbell,
  EXCEPTION_CS_CONFIG_FAULT,
  GLB_PING,
  JOB_INT_CLEAR,
  JOB_INT_RAWSTAT,
} from "../../src/index.js";
import { CODE_VA, csRig } from "./cs-rig.js";
import { fwRig, QUEUE } from "./fw-rig.js";

/** Opcodes of the subset plus a few outside it. */
const OPCODES = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 16, 17, 18, 20, 21, 22, 23, 24, 25, 32, 33, 34, 36, 37, 38, 39,
  40, 41, 42, 43, 44, 47, 48, 49, 50, 51, 52, 53, 10, 63, 0xff,
];

describe("bad input to the firmware", () => {
  it("request bits outside the global request mask are not acknowledged; the known ones still are", () => {
    const r = fwRig();
    const req = r.rd(r.glbIn + CSF_GLB_INPUT.req);
    r.wr(r.glbIn + CSF_GLB_INPUT.req, req ^ (GLB_PING | 0x0000_0800 | 0x0100_0000));
    r.mmio.write32(csfDoorbell(0), 1);
    r.settle();
    const ack = r.rd(r.glbOut + CSF_GLB_OUTPUT.ack);
    expect((ack ^ req) & GLB_PING).toBe(GLB_PING);
    expect(ack & 0x0100_0800).toBe(0); // outside GLB_REQ_MASK (0x7ff)
    expect(r.fw.state).toBe(CsfFirmwareState.Running);
  });

  it("an invalid CSG state value (4..7) is not acknowledged and starts nothing", () => {
    const r = fwRig();
    const g = r.group(0);
    g.program();
    g.setState(5);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(0);
    expect(r.fw.groups[0]?.stream(QUEUE)).toBeNull();
  });

  it("a ring insert more than a ring ahead of extract is CS_CONFIG_FAULT with the insert position; one behind extract is ignored", () => {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    g.submit(new CsAssembler().nop());
    const exec = r.fw.groups[0]?.stream(QUEUE);
    r.wr(g.ringIn + CSF_RINGBUF_INPUT.insert, 0); // behind extract (8)
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.settle();
    expect(exec?.idle).toBe(true);
    expect(exec?.instructions).toBe(1);
    r.wr(g.ringIn + CSF_RINGBUF_INPUT.insert, 8 + 4096 + 8);
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.settle();
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.fatal) & 0xff).toBe(EXCEPTION_CS_CONFIG_FAULT);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.fatal_info)).toBe(8 + 4096 + 8);
    expect(r.fw.groups[0]?.stream(QUEUE)).toBeNull();
  });

  it("a doorbell no stream is configured with is ignored", () => {
    const r = fwRig();
    r.group(0).start();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    r.mmio.write32(csfDoorbell(9), 1);
    r.settle();
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0);
    expect(r.fw.doorbells).toBeGreaterThan(0);
  });

  it("a CSG state transition takes csgNs (10 µs by default) after the doorbell latency", () => {
    const r = fwRig();
    const g = r.group(0);
    g.program();
    r.ringGroups(1, false);
    r.sim.loop.advance(1000 + 9999);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(0);
    expect(r.rd(r.glbOut + CSF_GLB_OUTPUT.doorbell_ack)).not.toBe(
      r.rd(r.glbIn + CSF_GLB_INPUT.doorbell_req),
    );
    r.sim.loop.advance(1);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_START);
    expect(r.rd(r.glbOut + CSF_GLB_OUTPUT.doorbell_ack)).toBe(
      r.rd(r.glbIn + CSF_GLB_INPUT.doorbell_req),
    );
  });

  it("the RUN_TILING hook makes the tiler run out of memory: TILER_OOM with the stream's own heap counters", () => {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    const cs = r.sim.gpu.cs;
    if (cs === undefined) throw new Error("no CS engine");
    const seen: number[] = [];
    cs.tilerOomHook = (source) => {
      seen.push(source);
      return true;
    };
    g.submit(
      new CsAssembler()
        .heapOperation(0)
        .heapOperation(0)
        .heapOperation(1)
        .wait(0xff)
        .emit("RUN_TILING")
        .nop(),
    );
    expect(seen).toEqual([0]);
    const pending = r.rd(g.csIn + CSF_CS_INPUT.req) ^ r.rd(g.csOut + CSF_CS_OUTPUT.ack);
    expect(pending & CS_TILER_OOM).toBe(CS_TILER_OOM);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.heap_vt_start)).toBe(2);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.heap_vt_end)).toBe(1);
    expect(r.fw.groups[0]?.stream(QUEUE)?.waitingForHeap).toBe(true);
  });
});

describe("fuzzing", () => {
  it("random instruction streams never throw: each run ends, or waits (blocked, stalled on the MMU) with the loop idle", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom(...OPCODES),
            fc.nat({ max: 0xff_ffff }),
            fc.nat({ max: 0xffff_ffff }),
          ),
          { minLength: 1, maxLength: 40 },
        ),
        (words) => {
          const r = csRig();
          const a = new CsAssembler().move48(0, 0x20_0000).move48(2, CODE_VA).move32(4, 64);
          for (const [opcode, mid, lo] of words) {
            a.raw((BigInt((opcode << 24) | mid) << 32n) | BigInt(lo));
          }
          const { run, ended } = r.start(a);
          const events = r.sim.loop.runUntilIdle(200_000);
          if (ended.length > 0) {
            expect([CsEndStatus.Done, CsEndStatus.Fatal]).toContain(ended[0]?.status);
          } else if (events < 200_000) {
            // The loop went idle without an end: the stream waits on the MMU (an unhandled fault).
            expect(run.stalled).toBe(true);
          } else {
            // The event cap stopped an endless loop or a SYNC_WAIT that re-reads its object.
            expect(run.done).toBe(false);
          }
          const sink = r.sim.warnings;
          expect(sink instanceof CollectingWarningSink ? sink.warnings : null).toEqual([]);
        },
      ),
      { numRuns: 150, seed: 14 },
    );
  });

  it("random writes to the interface blocks and random doorbells never throw and leave the firmware in a defined state", () => {
    const r = fwRig();
    r.group(0).start();
    r.group(1).start();
    const blocks = [
      r.glbIn,
      r.fw.groupVa(0) + 0x100,
      r.fw.groupVa(0) + 0x400,
      r.fw.groupVa(1) + 0x100,
      r.fw.groupVa(1) + 0x400,
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat({ max: blocks.length - 1 }),
            fc.nat({ max: 0x7f }),
            fc.nat({ max: 0xffff_ffff }),
            fc.nat({ max: 66 }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (writes) => {
          for (const [b, word, value, doorbell] of writes) {
            r.wr((blocks[b] as number) + 4 * word, value);
            if (doorbell < 64) r.mmio.write32(csfDoorbell(doorbell), 1);
          }
          r.sim.loop.advance(200_000);
          expect([
            CsfFirmwareState.Running,
            CsfFirmwareState.Halted,
            CsfFirmwareState.Fatal,
          ]).toContain(r.fw.state);
        },
      ),
      { numRuns: 60, seed: 14 },
    );
  });
});
