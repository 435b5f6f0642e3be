/**
 * The firmware's doorbell fan-out, events and idleness against a hand-programmed host
 * (fw-rig.ts): FW-PROTO-2/3/5 (two groups behind one doorbell 0, one interrupt bit per event,
 * a user doorbell with nothing new), the CSG IDLE event and status, the global IDLE event
 * after idle_timer, the tiler-OOM protocol (heap_start answer, exception handler, FATAL OOM,
 * across a suspension), and a deterministic trace.
 */
import { CsAssembler, CsCondition } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  CS_FATAL,
  CS_STATE_STOP,
  CS_TILER_OOM,
  CSF_CS_INPUT,
  CSF_CS_OUTPUT,
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSF_G610_FIRMWARE,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSG_IDLE,
  CSG_STATE_MASK,
  CSG_STATE_RESUME,
  CSG_STATE_START,
  CSG_STATE_SUSPEND,
  CSG_STATUS_STATE_IS_IDLE,
  csfDoorbell,
  csfIfaceLayout,
  EXCEPTION_CS_INSTR_INVALID,
  EXCEPTION_OOM,
  fwUpdateReqs,
  GLB_IDLE,
  GLB_IDLE_EN,
  JOB_INT_CLEAR,
  JOB_INT_GLOBAL_IF,
  JOB_INT_RAWSTAT,
} from "../../src/index.js";
import { BO_VA, fwRig, QUEUE, SUSPEND_VA } from "./fw-rig.js";

const HEAP_CTX = 0x0080_0000;
const CHUNK = 0x00a0_0000;

/** A stream that sets its heap context, waits until BO word 1 > 0, then stores 7 in BO word 0. */
function heapJob(prologue?: (a: CsAssembler) => void): CsAssembler {
  const a = new CsAssembler();
  prologue?.(a);
  return a
    .move48(40, HEAP_CTX)
    .heapSet(40)
    .move48(44, BO_VA + 4)
    .move32(46, 0)
    .syncWait32(CsCondition.GT, 44, 46)
    .move48(48, BO_VA)
    .move32(50, 7)
    .storeMultiple(50, 48, 1)
    .wait(0xff);
}

describe("FW-PROTO: doorbells and interrupts with several groups", () => {
  it("FW-PROTO-2: doorbell 0 with two CSGs pending processes both", () => {
    const r = fwRig();
    const g0 = r.group(0);
    const g1 = r.group(1);
    g0.program();
    g1.program();
    r.ringGroups(0b11);
    for (const g of [g0, g1]) {
      expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_START);
    }
    expect(r.rd(r.glbOut + CSF_GLB_OUTPUT.doorbell_ack)).toBe(
      r.rd(r.glbIn + CSF_GLB_INPUT.doorbell_req),
    );
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0b11); // each group's state change, under its mask
  });

  it("FW-PROTO-3: a CS event raises exactly one JOB_IRQ bit, its group's", () => {
    const r = fwRig();
    const g1 = r.group(1);
    r.group(0).start();
    g1.start();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    g1.submit(new CsAssembler().raw(0xffn << 56n));
    expect(r.rd(g1.csOut + CSF_CS_OUTPUT.fatal) & 0xff).toBe(EXCEPTION_CS_INSTR_INVALID);
    const pending = r.rd(g1.csIn + CSF_CS_INPUT.req) ^ r.rd(g1.csOut + CSF_CS_OUTPUT.ack);
    expect(pending & CS_FATAL).toBe(CS_FATAL);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(1 << 1);
  });

  it("FW-PROTO-5: a user doorbell with an unchanged insert position is a no-op", () => {
    const r = fwRig({ trace: { mmio: false } });
    const g = r.group(0);
    g.start();
    g.submit(new CsAssembler().move48(40, BO_VA).move32(42, 5).storeMultiple(42, 40, 1).wait(0xff));
    expect(r.bo(0)).toBe(5);
    const exec = r.fw.groups[0]?.stream(QUEUE);
    const instructions = exec?.instructions;
    const extract = g.extract();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    const trace = r.sim.gpu.trace;
    const lines = trace?.lines.length ?? 0;
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.settle();
    expect(exec?.instructions).toBe(instructions);
    expect(g.extract()).toBe(extract);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0);
    expect(trace?.lines.slice(lines)).toEqual([`${trace?.lines[lines]?.split(" ")[0]} doorbell 1`]);
  });
});

describe("FW-IF: interface layout for other profiles", () => {
  it("32 streams per group: no two blocks overlap, and stream 31 runs from its ring and takes requests through doorbell bit 31", () => {
    const profile = { ...CSF_G610_FIRMWARE, groupNum: 3, streamNum: 32 };
    const layout = csfIfaceLayout(profile);
    const spans: [number, number][] = [
      [0x40, 0x40 + 32 * 0x10],
      [layout.csgInput, layout.csgInput + 0x80],
      [layout.csgOutput, layout.csgOutput + 0x40],
      [layout.csInput, layout.csInput + 32 * 0x80],
      [layout.csOutput, layout.csOutput + 32 * 0x100],
    ];
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] as number);
    }
    expect(spans[spans.length - 1]?.[1]).toBeLessThanOrEqual(layout.groupStride);
    const r = fwRig({ profile });
    const g = r.group(0, 31);
    g.start();
    g.submit(new CsAssembler().move48(40, BO_VA).move32(42, 0x31).storeMultiple(42, 40, 1));
    expect(r.bo(0)).toBe(0x31);
    r.wr(
      g.csIn + CSF_CS_INPUT.req,
      fwUpdateReqs(r.rd(g.csIn + CSF_CS_INPUT.req), CS_STATE_STOP, 7),
    );
    const csgDb = g.csgIn + CSF_CSG_INPUT.doorbell_req;
    r.wr(csgDb, r.rd(csgDb) ^ (1 << 31));
    r.ringGroups(1);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.ack) & 7).toBe(CS_STATE_STOP);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.doorbell_ack)).toBe(r.rd(csgDb));
    expect(r.fw.groups[0]?.stream(31)).toBeNull();
  });
});

describe("IDLE events", () => {
  it("a group whose streams caught up with their rings is idle (status_state, CSG IDLE); work clears it, the event waits for its ack", () => {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    const status = (): number => r.rd(g.csgOut + CSF_CSG_OUTPUT.status_state);
    const pending = (): number =>
      (r.rd(g.csgIn + CSF_CSG_INPUT.req) ^ r.rd(g.csgOut + CSF_CSG_OUTPUT.ack)) & CSG_IDLE;
    expect(status()).toBe(CSG_STATUS_STATE_IS_IDLE);
    expect(pending()).toBe(CSG_IDLE);
    // The host acknowledges the event, then submits a long loop.
    r.wr(
      g.csgIn + CSF_CSG_INPUT.req,
      fwUpdateReqs(
        r.rd(g.csgIn + CSF_CSG_INPUT.req),
        r.rd(g.csgOut + CSF_CSG_OUTPUT.ack),
        CSG_IDLE,
      ),
    );
    const a = new CsAssembler().move32(0, 1000);
    const top = a.label();
    a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
    g.submit(a, false);
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.sim.loop.advance(50_000);
    expect(status()).toBe(0);
    expect(pending()).toBe(0);
    expect(r.fw.groups[0]?.idle).toBe(false);
    r.settle();
    expect(status()).toBe(CSG_STATUS_STATE_IS_IDLE);
    expect(pending()).toBe(CSG_IDLE);
  });

  it("a stream blocked in SYNC_WAIT counts as idle under IDLE_SYNC_WAIT, and stays idle while it re-checks its object", () => {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    g.submit(heapJob());
    expect(r.fw.groups[0]?.stream(QUEUE)?.blocked).toBe(true);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.status_state)).toBe(CSG_STATUS_STATE_IS_IDLE);
    r.sim.loop.advance(1_000_000); // ten polls of the object
    expect(r.fw.groups[0]?.idle).toBe(true);
    r.sim.memory.write32(r.userPa.get(BO_VA) as number, 0);
    r.sim.memory.write32((r.userPa.get(BO_VA) as number) + 4, 1);
    r.settle();
    expect(r.bo(0)).toBe(7);
    expect(r.fw.groups[0]?.idle).toBe(true);
  });

  it("with syncPollNs 0 the event loop goes idle while a stream waits in SYNC_WAIT; its doorbell makes it re-read the object", () => {
    const r = fwRig({ csTiming: { syncPollNs: 0 } });
    const g = r.group(0);
    g.start();
    g.submit(heapJob(), false);
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.sim.loop.runUntilIdle();
    expect(r.fw.groups[0]?.stream(QUEUE)?.blocked).toBe(true);
    r.sim.memory.write32((r.userPa.get(BO_VA) as number) + 4, 1);
    r.sim.loop.runUntilIdle();
    expect(r.bo(0)).toBe(0); // a CPU write alone wakes nobody
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.sim.loop.runUntilIdle();
    expect(r.bo(0)).toBe(7);
  });

  it("the global IDLE event follows idle_timer (units of 1024 system-counter ticks) once every group is idle, once per idle period", () => {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    r.wr(r.glbIn + CSF_GLB_INPUT.idle_timer, 24); // 24 × 1024 / 24 MHz = 1.024 ms
    r.wr(r.glbIn + CSF_GLB_INPUT.ack_irq_mask, GLB_IDLE | GLB_IDLE_EN);
    const req = r.rd(r.glbIn + CSF_GLB_INPUT.req);
    r.wr(r.glbIn + CSF_GLB_INPUT.req, fwUpdateReqs(req, GLB_IDLE_EN, GLB_IDLE_EN));
    r.mmio.write32(csfDoorbell(0), 1);
    const pending = (): number =>
      (r.rd(r.glbIn + CSF_GLB_INPUT.req) ^ r.rd(r.glbOut + CSF_GLB_OUTPUT.ack)) & GLB_IDLE;
    r.sim.loop.advance(1_000_000);
    expect(r.fw.config.idleEnabled).toBe(true);
    expect(pending()).toBe(0);
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    r.sim.loop.advance(30_000);
    expect(pending()).toBe(GLB_IDLE);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(JOB_INT_GLOBAL_IF);
    // Acknowledged, and still idle: not raised again without a busy period.
    r.wr(
      r.glbIn + CSF_GLB_INPUT.req,
      fwUpdateReqs(
        r.rd(r.glbIn + CSF_GLB_INPUT.req),
        r.rd(r.glbOut + CSF_GLB_OUTPUT.ack),
        GLB_IDLE,
      ),
    );
    r.sim.loop.advance(5_000_000);
    expect(pending()).toBe(0);
    // Busy, then idle again: raised after another idle_timer.
    g.submit(new CsAssembler().nop().nop(), false);
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.sim.loop.advance(100_000);
    expect(pending()).toBe(0);
    r.sim.loop.advance(1_000_000);
    expect(pending()).toBe(GLB_IDLE);
  });

  it("no global IDLE event while a group is busy", () => {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    const a = new CsAssembler().move32(0, 200_000);
    const top = a.label();
    a.bind(top).addImm32(0, 0, -1).branch(CsCondition.GT, 0, top);
    g.submit(a, false);
    r.mmio.write32(csfDoorbell(g.doorbell), 1);
    r.wr(r.glbIn + CSF_GLB_INPUT.idle_timer, 24);
    const req = r.rd(r.glbIn + CSF_GLB_INPUT.req);
    r.wr(r.glbIn + CSF_GLB_INPUT.req, fwUpdateReqs(req, GLB_IDLE_EN, GLB_IDLE_EN));
    r.mmio.write32(csfDoorbell(0), 1);
    r.sim.loop.advance(20_000_000);
    expect(r.fw.groups[0]?.idle).toBe(false);
    expect(r.rd(r.glbOut + CSF_GLB_OUTPUT.ack) & GLB_IDLE).toBe(0);
  });
});

describe("tiler OOM", () => {
  /** A started group whose stream waits in SYNC_WAIT after HEAP_SET, and an OOM injected. */
  function oomRig(prologue?: (a: CsAssembler) => void) {
    const r = fwRig();
    const g = r.group(0);
    g.start();
    g.submit(heapJob(prologue));
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    const slot = r.fw.groups[0];
    expect(slot?.injectTilerOom(QUEUE, { vtStart: 3, vtEnd: 2, fragEnd: 1 })).toBe(true);
    r.settle();
    /** The host's answer: heap_start/heap_end, TILER_OOM acknowledged, the group's doorbell. */
    const answer = (chunk: number): void => {
      r.wr(g.csIn + CSF_CS_INPUT.heap_start, chunk);
      r.wr(g.csIn + CSF_CS_INPUT.heap_end, chunk);
      const ack = r.rd(g.csOut + CSF_CS_OUTPUT.ack);
      r.wr(
        g.csIn + CSF_CS_INPUT.req,
        fwUpdateReqs(r.rd(g.csIn + CSF_CS_INPUT.req), ack, CS_TILER_OOM),
      );
      r.ringGroups(1);
    };
    const release = (): void => {
      r.sim.memory.write32((r.userPa.get(BO_VA) as number) + 4, 1);
      r.settle();
    };
    return { r, g, answer, release, exec: () => slot?.stream(QUEUE) ?? null };
  }

  it("HEAP-OOM (hw): the event publishes the heap context and counters, and a chunk lets the stream go on", () => {
    const { r, g, answer, release, exec } = oomRig();
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.heap_address)).toBe(HEAP_CTX);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.heap_vt_start)).toBe(3);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.heap_vt_end)).toBe(2);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.heap_frag_end)).toBe(1);
    const pending = r.rd(g.csIn + CSF_CS_INPUT.req) ^ r.rd(g.csOut + CSF_CS_OUTPUT.ack);
    expect(pending & CS_TILER_OOM).toBe(CS_TILER_OOM);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.cs_irq_req) & 1).toBe(1);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(1);
    expect(exec()?.waitingForHeap).toBe(true);
    // Released meanwhile, the stream still waits for memory.
    release();
    expect(r.bo(0)).toBe(0);
    answer(CHUNK);
    expect(exec()?.waitingForHeap).toBe(false);
    expect(exec()?.heapChunks).toEqual([CHUNK]);
    r.settle();
    expect(r.bo(0)).toBe(7);
  });

  it("no chunk (heap_start 0) runs the tiler-OOM exception handler, which returns to the stream", () => {
    const HANDLER = BO_VA + 0x2000;
    const handler = new CsAssembler()
      .move48(60, BO_VA + 8)
      .move32(62, 0x4f4f)
      .storeMultiple(62, 60, 1)
      .wait(0xff);
    const { r, answer, release, exec } = oomRig((a) =>
      a.move48(56, HANDLER).move32(58, handler.bytes().length).setExceptionHandler(2, 56, 58),
    );
    r.sim.memory.writeBytes(r.userPa.get(HANDLER) as number, handler.bytes());
    answer(0);
    r.settle();
    expect(r.bo(2)).toBe(0x4f4f);
    expect(exec()?.done).toBe(false);
    release();
    expect(r.bo(0)).toBe(7);
  });

  it("no chunk and no handler: the stream ends with FATAL OOM (0x60)", () => {
    const { r, g, answer } = oomRig();
    answer(0);
    expect(r.rd(g.csOut + CSF_CS_OUTPUT.fatal) & 0xff).toBe(EXCEPTION_OOM);
    const pending = r.rd(g.csIn + CSF_CS_INPUT.req) ^ r.rd(g.csOut + CSF_CS_OUTPUT.ack);
    expect(pending & CS_FATAL).toBe(CS_FATAL);
    expect(r.fw.groups[0]?.stream(QUEUE)).toBeNull();
  });

  it("an OOM wait survives a suspension: the resumed stream waits for memory again and takes the answer", () => {
    const { r, g, answer, release, exec } = oomRig();
    g.setState(CSG_STATE_SUSPEND);
    expect(r.rd(g.csgOut + CSF_CSG_OUTPUT.ack) & CSG_STATE_MASK).toBe(CSG_STATE_SUSPEND);
    expect(r.rd(SUSPEND_VA + QUEUE * 1024 + 4 * 160)).toBe(1);
    g.setState(CSG_STATE_RESUME);
    expect(exec()?.waitingForHeap).toBe(true);
    answer(CHUNK);
    release();
    expect(r.bo(0)).toBe(7);
  });

  it("an injection for a stream that does not run is refused", () => {
    const r = fwRig();
    expect(r.fw.groups[0]?.injectTilerOom(QUEUE)).toBe(false);
  });
});

describe("trace", () => {
  const scenario = (): string[] => {
    const r = fwRig({ trace: { mmio: false } });
    const g = r.group(0);
    g.start();
    g.submit(new CsAssembler().move48(40, BO_VA).move32(42, 1).syncAdd32(40, 42).wait(1));
    r.ringGroups(1);
    return r.sim.gpu.trace?.lines ?? [];
  };

  it("requests, acknowledgements, doorbells, events and instructions are traced; the same inputs give a byte-identical trace", () => {
    const a = scenario();
    const b = scenario();
    expect(a.join("\n")).toBe(b.join("\n"));
    const text = a.join("\n");
    for (const needle of [
      "fw Running",
      "doorbell 0",
      "doorbell 1",
      "csg 0 req 0x",
      "cs 0.0 start ring 0x100000",
      "csg 0 event 0x20000000", // IDLE
      "csg 0 event 0x10000000", // SYNC_UPDATE
      "cs 0 0x100000 MOVE48",
      "cs 0 0x100010 SYNC_ADD32",
      "cs 0 0x100018 WAIT",
    ]) {
      expect(text).toContain(needle);
    }
  });
});
