/**
 * Doorbell-to-first-instruction host latency through the firmware model, on the built package:
 * a G610 with the MCU booted and CSG 0 started on a ring (programmed by hand, as panthor's
 * scheduler does); each sample appends one NOP to the ring, publishes insert, rings the
 * queue's user doorbell and runs the event loop until the stream has executed it (firmware
 * doorbell latency, the stream's kick, the ring refill, the fetch through AS 1, the extract
 * write-back through AS 0). The median host µs per sample is printed at the end.
 */
import {
  CS_IDLE_EMPTY,
  CS_STATE_START,
  CSF_CS_INPUT,
  CSF_CSG_INPUT,
  CSF_GLB_INPUT,
  CSF_RINGBUF_INPUT,
  CSF_SHARED_SECTION_VA,
  CSG_STATE_START,
  createPlatform,
  csConfigDoorbell,
  csfDoorbell,
  JOB_INT_MASK,
  MCU_CONTROL,
  MCU_CONTROL_AUTO,
} from "@panmmu/hw";
import { afterAll, bench, describe } from "vitest";

const PTE_RW = 0xe43;
const RING_IO = 0x0500_0000;
const RING_VA = 0x10_0000;
const USER_AS = 1;

/** The rig: hand-written AArch64 tables for AS 0 (MCU) and AS 1 (the group's VM). */
function rig() {
  const sim = createPlatform("g610");
  const mem = sim.memory;
  const { mmio } = sim.platform;
  const page = (): number => {
    const p = mem.allocPage();
    if (p === null) throw new Error("out of memory");
    return p;
  };
  const tables = (): { root: number; map: (va: number, pa: number) => void } => {
    const root = page();
    const map = (va: number, pa: number): void => {
      let t = root;
      for (let level = 0; level < 3; level++) {
        const i = Math.floor(va / 2 ** (39 - 9 * level)) % 512;
        let next = (mem.read32(t + i * 8) & ~0xfff) >>> 0;
        if (next === 0) {
          next = page();
          mem.write32(t + i * 8, (next | 3) >>> 0);
        }
        t = next;
      }
      mem.write32(t + ((va >>> 12) & 511) * 8, (pa | PTE_RW) >>> 0);
    };
    return { root, map };
  };
  const program = (as: number, root: number): void => {
    const w = (o: number, v: number): void => mmio.write32(0x2400 + as * 0x40 + o, v);
    w(0x00, root);
    w(0x04, 0);
    w(0x08, 0x4848_4848);
    w(0x0c, 0x4848_4848);
    w(0x30, 6 | (7 << 6));
    w(0x34, 0);
    w(0x18, 1);
    sim.loop.runUntilIdle();
  };
  const mcu = tables();
  const mcuPa = new Map<number, number>();
  for (const [va, bytes] of [
    [CSF_SHARED_SECTION_VA, 0x9000],
    [RING_IO, 0x2000],
  ] as const) {
    for (let off = 0; off < bytes; off += 4096) {
      const p = page();
      mcu.map(va + off, p);
      mcuPa.set(va + off, p);
    }
  }
  program(0, mcu.root);
  const user = tables();
  const ring = page();
  user.map(RING_VA, ring);
  program(USER_AS, user.root);
  const pa = (va: number): number => (mcuPa.get(va - (va % 4096)) as number) + (va % 4096);
  const rd = (va: number): number => mem.read32(pa(va));
  const wr = (va: number, v: number): void => mem.write32(pa(va), v >>> 0);
  mmio.write32(JOB_INT_MASK, 0xffff_ffff);
  mmio.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
  sim.loop.runUntilIdle();
  const fw = sim.gpu.firmware;
  if (fw === undefined) throw new Error("no firmware");
  const groupPage = fw.groupVa(0);
  const csIn = groupPage + 0x400;
  wr(csIn + CSF_CS_INPUT.ringbuf_base, RING_VA);
  wr(csIn + CSF_CS_INPUT.ringbuf_size, 4096);
  wr(csIn + CSF_CS_INPUT.ringbuf_input, RING_IO);
  wr(csIn + CSF_CS_INPUT.ringbuf_output, RING_IO + 0x1000);
  wr(csIn + CSF_CS_INPUT.config, csConfigDoorbell(1));
  wr(csIn + CSF_CS_INPUT.req, CS_STATE_START | CS_IDLE_EMPTY);
  wr(groupPage + 0x100 + CSF_CSG_INPUT.config, USER_AS);
  wr(groupPage + 0x100 + CSF_CSG_INPUT.req, CSG_STATE_START);
  const glbIn = CSF_SHARED_SECTION_VA + 0x100;
  wr(glbIn + CSF_GLB_INPUT.doorbell_req, rd(glbIn + CSF_GLB_INPUT.doorbell_req) ^ 1);
  mmio.write32(csfDoorbell(0), 1);
  sim.loop.runUntilIdle();
  const exec = fw.groups[0]?.stream(0);
  if (exec === null || exec === undefined) throw new Error("the stream did not start");
  let insert = 0;
  /** Appends a NOP, rings doorbell 1 and runs until it executed; host µs. */
  const once = (): number => {
    mem.write32(ring + (insert % 4096), 0);
    mem.write32(ring + (insert % 4096) + 4, 0);
    insert += 8;
    wr(RING_IO + CSF_RINGBUF_INPUT.insert, insert);
    const before = exec.instructions;
    const t0 = performance.now();
    mmio.write32(csfDoorbell(1), 1);
    sim.loop.runUntilIdle();
    const us = (performance.now() - t0) * 1e3;
    if (exec.instructions !== before + 1) throw new Error("the NOP did not run");
    return us;
  };
  return { once };
}

const samples: number[] = [];
let recording = false;
const r = rig();

describe("CSF doorbell", () => {
  bench(
    "user doorbell to the first instruction (one NOP through the ring)",
    () => {
      const us = r.once();
      if (recording) samples.push(us);
    },
    {
      time: 1000,
      warmupTime: 500,
      setup: (_t: unknown, mode: "warmup" | "run") => {
        recording = mode === "run";
      },
    },
  );
});

afterAll(() => {
  const s = [...samples].sort((a, b) => a - b);
  const median = s[s.length >> 1] ?? Number.NaN;
  console.log(`\n| doorbell to first instruction, host µs (median) | ${median.toPrecision(3)} |\n`);
});
