/**
 * A tiny test-only host for the firmware model: it maps the shared section, ring I/O pages and
 * suspend buffers in the MCU VM (AS 0) and the groups' rings and a BO in one user VM (AS 1),
 * boots the MCU, and programs CSG slots by hand the way panthor's scheduler does (stream input
 * block, CS START, CSG START, doorbell bits, doorbell 0, then the queue's user doorbell).
 */
import type { CsAssembler } from "@panmmu/fixtures";
import {
  CS_IDLE_EMPTY,
  CS_IDLE_SYNC_WAIT,
  CS_STATE_START,
  CSF_CS_INPUT,
  CSF_CSG_INPUT,
  CSF_G610_FIRMWARE,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSF_RINGBUF_INPUT,
  CSF_RINGBUF_OUTPUT,
  CSF_SHARED_SECTION_VA,
  CSG_STATE_MASK,
  CSG_STATE_START,
  type CsfFirmwareProfile,
  type CsfFirmwareTiming,
  type CsTiming,
  createPlatform,
  csConfigDoorbell,
  csfDoorbell,
  csfIfaceLayout,
  fwToggleReqs,
  fwUpdateReqs,
  JOB_INT_CLEAR,
  JOB_INT_MASK,
  MCU_CONTROL,
  MCU_CONTROL_AUTO,
  sharedSectionBytes,
} from "../../src/index.js";
import { A64_PAGE_RW, HandTables, programAarch64, waitReady } from "../helpers/hand-tables.js";

/** MCU VA of the shared section. */
export const S = CSF_SHARED_SECTION_VA;
/** MCU VA of group g's ring input page (+g·0x2000) and output page (+0x1000 more). */
export const RING_IO = 0x0500_0000;
/** MCU VA of group g's suspend buffer (+g·0x2000). */
export const SUSPEND_VA = 0x0510_0000;
/** The user VM's AS. */
export const USER_AS = 1;
/** GPU VA of group g's ring (+g·0x1000, 4 KiB each). */
export const RING_VA = 0x10_0000;
/** GPU VA of the BO (4 pages). */
export const BO_VA = 0x40_0000;
/** Queue (stream) used in every group. */
export const QUEUE = 0;

/** Options of {@link fwRig}. */
export interface FwRigOptions {
  /** Trace options given to the platform. */
  readonly trace?: { mmio?: boolean; instructions?: boolean; limit?: number };
  /** Firmware timing overrides. */
  readonly firmwareTiming?: Partial<CsfFirmwareTiming>;
  /** The firmware profile (default the G610's). */
  readonly profile?: CsfFirmwareProfile;
  /** Command-stream timing overrides. */
  readonly csTiming?: Partial<CsTiming>;
}

/** Builds the rig with the MCU booted and every job interrupt unmasked and cleared. */
export function fwRig(options: FwRigOptions = {}) {
  const profile = options.profile ?? CSF_G610_FIRMWARE;
  const layout = csfIfaceLayout(profile);
  const sim = createPlatform("g610", {
    firmwareProfile: profile,
    ...(options.csTiming === undefined ? {} : { csTiming: options.csTiming }),
    ...(options.trace === undefined ? {} : { trace: options.trace }),
    ...(options.firmwareTiming === undefined ? {} : { firmwareTiming: options.firmwareTiming }),
  });
  const { mmio } = sim.platform;
  const pa = new Map<number, number>();
  const mapInto = (t: HandTables, va: number, bytes: number, into: Map<number, number>): void => {
    for (let off = 0; off < bytes; off += 4096) {
      const p = sim.memory.allocPage() as number;
      t.map(va + off, p, 3, A64_PAGE_RW);
      into.set(va + off, p);
    }
  };
  const groups = profile.groupNum;
  const mcu = new HandTables(sim.memory, 0);
  mapInto(mcu, S, sharedSectionBytes(profile), pa);
  mapInto(mcu, RING_IO, 0x2000 * groups, pa);
  mapInto(mcu, SUSPEND_VA, 0x2000 * groups, pa);
  programAarch64(mmio, 0, mcu.root);
  waitReady(mmio, sim.loop, 0);
  const user = new HandTables(sim.memory, 0);
  const userPa = new Map<number, number>();
  mapInto(user, RING_VA, 0x1000 * groups, userPa);
  mapInto(user, BO_VA, 0x4000, userPa);
  programAarch64(mmio, USER_AS, user.root);
  waitReady(mmio, sim.loop, USER_AS);
  const mcuPa = (va: number): number => (pa.get(va - (va % 4096)) as number) + (va % 4096);
  const rd = (va: number): number => sim.memory.read32(mcuPa(va));
  const wr = (va: number, v: number): void => sim.memory.write32(mcuPa(va), v >>> 0);
  const fw = sim.gpu.firmware;
  if (fw === undefined) throw new Error("no firmware");
  mmio.write32(JOB_INT_MASK, 0xffff_ffff);
  mmio.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
  sim.loop.runUntilIdle();
  mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
  const glbIn = S + 0x100;
  const glbOut = S + 0x200;
  /**
   * Runs 5 ms of virtual time: streams blocked in SYNC_WAIT poll their object forever, so the
   * loop is never idle while one waits.
   */
  const settle = (): void => {
    sim.loop.advance(5_000_000);
  };

  /** Toggles the doorbell bits of the groups in `mask` and rings doorbell 0. */
  const ringGroups = (mask: number, run = true): void => {
    wr(
      glbIn + CSF_GLB_INPUT.doorbell_req,
      fwToggleReqs(
        rd(glbIn + CSF_GLB_INPUT.doorbell_req),
        rd(glbOut + CSF_GLB_OUTPUT.doorbell_ack),
        mask,
      ),
    );
    mmio.write32(csfDoorbell(0), 1);
    if (run) settle();
  };
  /** Reads a BO word. */
  const bo = (word: number): number =>
    sim.memory.read32((userPa.get(BO_VA + ((4 * word) & ~0xfff)) as number) + ((4 * word) & 0xfff));

  /** Group slot g's handles, driving its stream `queue`. */
  const group = (g: number, queue = QUEUE) => {
    const page = fw.groupVa(g);
    const csgIn = page + layout.csgInput;
    const csgOut = page + layout.csgOutput;
    const csIn = page + layout.csInput + queue * 0x80;
    const csOut = page + layout.csOutput + queue * 0x100;
    const ringIn = RING_IO + g * 0x2000;
    const ringOut = ringIn + 0x1000;
    const ringVa = RING_VA + g * 0x1000;
    const doorbell = g + 1;
    let insert = 0;
    /** Programs queue 0 (CS START with idle-on-empty/sync-wait) and requests CSG START, without ringing. */
    const program = (): void => {
      wr(csIn + CSF_CS_INPUT.ringbuf_base, ringVa);
      wr(csIn + CSF_CS_INPUT.ringbuf_base + 4, 0);
      wr(csIn + CSF_CS_INPUT.ringbuf_size, 4096);
      wr(csIn + CSF_CS_INPUT.ringbuf_input, ringIn);
      wr(csIn + CSF_CS_INPUT.ringbuf_output, ringOut);
      wr(csIn + CSF_CS_INPUT.config, csConfigDoorbell(doorbell));
      const csState = CS_STATE_START | CS_IDLE_EMPTY | CS_IDLE_SYNC_WAIT;
      wr(
        csIn + CSF_CS_INPUT.req,
        fwUpdateReqs(rd(csIn + CSF_CS_INPUT.req), csState, 7 | CS_IDLE_EMPTY | CS_IDLE_SYNC_WAIT),
      );
      wr(csgIn + CSF_CSG_INPUT.config, USER_AS);
      wr(csgIn + CSF_CSG_INPUT.suspend_buf, SUSPEND_VA + g * 0x2000);
      wr(csgIn + CSF_CSG_INPUT.ack_irq_mask, 0xffff_ffff);
      setStateReq(CSG_STATE_START);
    };
    /** Writes a CSG state request (not rung). */
    const setStateReq = (state: number): void => {
      wr(
        csgIn + CSF_CSG_INPUT.req,
        fwUpdateReqs(rd(csgIn + CSF_CSG_INPUT.req), state, CSG_STATE_MASK),
      );
    };
    /** Writes `asm` into the ring and publishes insert; rings the queue's doorbell and runs when `run`. */
    const submit = (asm: CsAssembler, run = true): number => {
      const bytes = asm.bytes();
      for (let i = 0; i < bytes.length; i += 4) {
        const off = (insert + i) % 4096;
        sim.memory.writeBytes((userPa.get(ringVa) as number) + off, bytes.subarray(i, i + 4));
      }
      insert += bytes.length;
      wr(ringIn + CSF_RINGBUF_INPUT.insert, insert);
      if (run) {
        mmio.write32(csfDoorbell(doorbell), 1);
        settle();
      }
      return insert;
    };
    return {
      index: g,
      csgIn,
      csgOut,
      csIn,
      csOut,
      ringIn,
      ringVa,
      doorbell,
      program,
      setStateReq,
      /** program() then ring this group's bit. */
      start: (): void => {
        program();
        ringGroups(1 << g);
      },
      /** A state request, rung. */
      setState: (state: number): void => {
        setStateReq(state);
        ringGroups(1 << g);
      },
      submit,
      extract: (): number => rd(ringOut + CSF_RINGBUF_OUTPUT.extract),
    };
  };
  return { sim, mmio, fw, rd, wr, glbIn, glbOut, ringGroups, group, bo, userPa, settle };
}
