/**
 * The firmware model against its interface, driven by a tiny test-only host that programs AS 0
 * by hand (FW-IF: the blocks the firmware writes at boot; FW-PROTO: the global request/ack
 * protocol, doorbells, interrupts, halt; and a boot that fails when the shared section is not
 * mapped).
 */
import { buildCsfFirmwareImage } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_LOCK,
  AS_COMMAND_UNLOCK,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  asReg,
  CSF_CS_CONTROL,
  CSF_CSG_CONTROL,
  CSF_G610_FIRMWARE,
  CSF_GLB_CONTROL,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSF_SHARED_SECTION_VA,
  CsfFirmwareState,
  createPlatform,
  csfDoorbell,
  csfIfaceVersion,
  fwReqsAcked,
  fwToggleReqs,
  fwUpdateReqs,
  GLB_CFG_ALLOC_EN,
  GLB_CFG_POWEROFF_TIMER,
  GLB_CFG_PROGRESS_TIMER,
  GLB_HALT,
  GLB_IDLE_EN,
  GLB_PING,
  JOB_INT_CLEAR,
  JOB_INT_GLOBAL_IF,
  JOB_INT_MASK,
  JOB_INT_RAWSTAT,
  MCU_CONTROL,
  MCU_CONTROL_AUTO,
  MCU_CONTROL_DISABLE,
  MCU_STATUS,
  MCU_STATUS_ENABLED,
  MCU_STATUS_FATAL,
  MCU_STATUS_HALT,
  MMU_INT_RAWSTAT,
  packLockRegion,
  parseCsfFirmwareImage,
  sharedSectionBytes,
} from "../../src/index.js";
import {
  A64_PAGE_RW,
  HandTables,
  programAarch64,
  waitReady,
  XN_HI,
} from "../helpers/hand-tables.js";

const S = CSF_SHARED_SECTION_VA;

/** A G610 whose MCU VM (AS 0) maps the shared section (unless `mapShared` is false). */
function mcuRig(mapShared = true, groupNum = CSF_G610_FIRMWARE.groupNum) {
  const profile = { ...CSF_G610_FIRMWARE, groupNum };
  const sim = createPlatform("g610", { firmwareProfile: profile });
  const { mmio } = sim.platform;
  const tables = new HandTables(sim.memory, 0);
  const pa = new Map<number, number>();
  if (mapShared) {
    for (let off = 0; off < sharedSectionBytes(profile); off += 4096) {
      const p = sim.memory.allocPage() as number;
      tables.map(S + off, p, 3, A64_PAGE_RW);
      pa.set(S + off, p);
    }
  }
  programAarch64(mmio, 0, tables.root);
  waitReady(mmio, sim.loop, 0);
  const fw = sim.gpu.firmware;
  if (fw === undefined) throw new Error("no firmware model");
  const paOf = (va: number): number => {
    const p = pa.get(va - (va % 4096));
    if (p === undefined) throw new Error(`0x${va.toString(16)} not mapped`);
    return p + (va % 4096);
  };
  const rd = (va: number): number => sim.memory.read32(paOf(va));
  const wr = (va: number, v: number): void => sim.memory.write32(paOf(va), v >>> 0);
  mmio.write32(JOB_INT_MASK, 0xffff_ffff);
  const boot = (): void => {
    mmio.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
    sim.loop.runUntilIdle();
  };
  const glbIn = S + 0x100;
  const glbOut = S + 0x200;
  /** Toggles `mask` in the global req word against the ack word, as the driver does. */
  const toggle = (mask: number): void =>
    wr(
      glbIn + CSF_GLB_INPUT.req,
      fwToggleReqs(rd(glbIn + CSF_GLB_INPUT.req), rd(glbOut + CSF_GLB_OUTPUT.ack), mask),
    );
  const ringGlobal = (): void => mmio.write32(csfDoorbell(0), 1);
  return { sim, mmio, fw, rd, wr, boot, glbIn, glbOut, toggle, ringGlobal, profile, tables };
}

/**
 * Loads the reference image's sections other than the shared one into fresh pages mapped at
 * their MCU VAs (as panthor's loader does) and gives the image to the MCU; `swap` maps the
 * first two pages of each section the wrong way round, `xn` maps them non-executable.
 */
function loadReferenceImage(r: ReturnType<typeof mcuRig>, swap = false, xn = false): void {
  const image = parseCsfFirmwareImage(buildCsfFirmwareImage());
  if (typeof image === "number") throw new Error(`reference image refused: ${image}`);
  for (const sec of image.sections) {
    if (sec.shared) continue;
    const pages: number[] = [];
    for (let off = 0; off < sec.vaEnd - sec.vaStart; off += 4096) {
      const p = r.sim.memory.allocPage() as number;
      r.sim.memory.writeBytes(p, sec.data.subarray(off, off + 4096));
      pages.push(p);
    }
    if (swap) [pages[0], pages[1]] = [pages[1] as number, pages[0] as number];
    pages.forEach((p, i) => {
      r.tables.map(sec.vaStart + i * 4096, p, 3, A64_PAGE_RW, xn ? XN_HI : 0);
    });
  }
  r.fw.image = image;
}

describe("FW-IF: the interface the firmware writes at boot", () => {
  it("FW-IF-1: MCU enabled: the control blocks appear in the shared section and the global interrupt rises", () => {
    const r = mcuRig();
    r.boot();
    expect(r.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_ENABLED);
    expect(r.fw.state).toBe(CsfFirmwareState.Running);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(JOB_INT_GLOBAL_IF);
    const glb = (o: number): number => r.rd(S + o);
    expect(glb(CSF_GLB_CONTROL.version)).toBe(csfIfaceVersion(1, 1, 0));
    expect(glb(CSF_GLB_CONTROL.group_num)).toBe(8);
    expect(glb(CSF_GLB_CONTROL.group_stride)).toBe(0x1000);
    expect(glb(CSF_GLB_CONTROL.input_va)).toBe(r.glbIn);
    expect(glb(CSF_GLB_CONTROL.output_va)).toBe(r.glbOut);
    for (let g = 0; g < 8; g++) {
      const page = S + 0x1000 + g * glb(CSF_GLB_CONTROL.group_stride);
      expect(r.rd(page + CSF_CSG_CONTROL.stream_num)).toBe(8);
      expect(r.rd(page + CSF_CSG_CONTROL.stream_stride)).toBe(0x10);
      expect(r.rd(page + CSF_CSG_CONTROL.suspend_size)).toBe(0x2000);
      const csgIn = r.rd(page + CSF_CSG_CONTROL.input_va);
      const csgOut = r.rd(page + CSF_CSG_CONTROL.output_va);
      const blocks = new Set([csgIn, csgOut]);
      for (let j = 0; j < 8; j++) {
        const cs = page + 0x40 + j * 0x10;
        expect(r.rd(cs + CSF_CS_CONTROL.features)).toBe(0x0007_085f);
        blocks.add(r.rd(cs + CSF_CS_CONTROL.input_va));
        blocks.add(r.rd(cs + CSF_CS_CONTROL.output_va));
      }
      // Every block is distinct and inside this group's page of the shared section.
      expect(blocks.size).toBe(18);
      for (const va of blocks) expect(va >= page && va < page + 0x1000).toBe(true);
    }
  });

  it("FW-IF-2: the profile decides what is reported (3 groups)", () => {
    const r = mcuRig(true, 3);
    r.boot();
    expect(r.rd(S + CSF_GLB_CONTROL.group_num)).toBe(3);
    expect(r.profile.groupNum).toBe(3);
  });

  it("FW-IF-3: out-of-range profiles (2 or 32 groups, 7 or 33 streams, version 0) are reported as they are — refusing them is the driver's job", () => {
    for (const over of [
      { groupNum: 2 },
      { groupNum: 32 },
      { streamNum: 7 },
      { streamNum: 33 },
      { version: 0 },
    ]) {
      const profile = { ...CSF_G610_FIRMWARE, ...over };
      const sim = createPlatform("g610", { firmwareProfile: profile });
      const tables = new HandTables(sim.memory, 0);
      const pa: number[] = [];
      for (let off = 0; off < sharedSectionBytes(profile); off += 4096) {
        const p = sim.memory.allocPage() as number;
        tables.map(S + off, p, 3, A64_PAGE_RW);
        pa.push(p);
      }
      programAarch64(sim.platform.mmio, 0, tables.root);
      waitReady(sim.platform.mmio, sim.loop, 0);
      sim.platform.mmio.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
      sim.loop.runUntilIdle();
      const glb = (o: number): number => sim.memory.read32((pa[0] as number) + o);
      expect(glb(CSF_GLB_CONTROL.version)).toBe(profile.version);
      expect(glb(CSF_GLB_CONTROL.group_num)).toBe(profile.groupNum);
      const page1 = (pa[1] as number) + CSF_CSG_CONTROL.stream_num;
      expect(sim.memory.read32(page1)).toBe(profile.streamNum);
    }
  });

  it("FW-IF-4: every interface VA the firmware publishes lies inside the shared section", () => {
    const r = mcuRig();
    r.boot();
    const end = S + sharedSectionBytes(r.profile);
    const vas = [r.rd(S + CSF_GLB_CONTROL.input_va), r.rd(S + CSF_GLB_CONTROL.output_va)];
    for (let g = 0; g < r.profile.groupNum; g++) {
      const page = S + 0x1000 + g * 0x1000;
      vas.push(r.rd(page + CSF_CSG_CONTROL.input_va), r.rd(page + CSF_CSG_CONTROL.output_va));
      for (let j = 0; j < r.profile.streamNum; j++) {
        const cs = page + 0x40 + j * 0x10;
        vas.push(r.rd(cs + CSF_CS_CONTROL.input_va), r.rd(cs + CSF_CS_CONTROL.output_va));
      }
    }
    expect(vas).toHaveLength(2 + 8 * 18);
    for (const va of vas) expect(va >= S && va < end).toBe(true);
  });

  it("FW-IMG-7: the MCU boots from the loaded reference image, reading its sections through AS 0", () => {
    const r = mcuRig();
    loadReferenceImage(r);
    r.boot();
    expect(r.fw.state).toBe(CsfFirmwareState.Running);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(JOB_INT_GLOBAL_IF);
  });

  it("FW-IMG-8: a section mapped at the wrong pages makes the boot fail visibly: MCU_STATUS FATAL, no interrupt", () => {
    const r = mcuRig();
    loadReferenceImage(r, true);
    r.boot();
    expect(r.fw.state).toBe(CsfFirmwareState.Fatal);
    expect(r.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_FATAL);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0);
  });

  it("FW-IMG-9: the executable section mapped non-executable faults the MCU's fetch in AS 0", () => {
    const r = mcuRig();
    loadReferenceImage(r, false, true);
    r.boot();
    expect(r.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_FATAL);
    expect(r.mmio.read32(MMU_INT_RAWSTAT) & 1).toBe(1);
  });

  it("CS-MMU-5: with the shared section unmapped in AS 0 the boot fails: MCU_STATUS FATAL, an AS 0 fault, no global interrupt", () => {
    const r = mcuRig(false);
    r.boot();
    expect(r.fw.state).toBe(CsfFirmwareState.Fatal);
    expect(r.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_FATAL);
    expect(r.mmio.read32(MMU_INT_RAWSTAT) & 1).toBe(1);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0);
  });
});

describe("FW-PROTO: the global request/acknowledge protocol", () => {
  it("FW-PROTO-1: toggled requests are acknowledged after doorbell 0, their fields latched; the interrupt follows ack_irq_mask", () => {
    const r = mcuRig();
    r.boot();
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    r.wr(r.glbIn + CSF_GLB_INPUT.progress_timer, 0x27_1000);
    r.wr(r.glbIn + CSF_GLB_INPUT.poweroff_timer, 0x8000_0010);
    r.wr(r.glbIn + CSF_GLB_INPUT.core_en_mask, 0x5_0005);
    r.wr(r.glbIn + CSF_GLB_INPUT.idle_timer, 0x20);
    r.wr(r.glbIn + CSF_GLB_INPUT.ack_irq_mask, GLB_PING);
    const req = r.rd(r.glbIn + CSF_GLB_INPUT.req);
    r.wr(r.glbIn + CSF_GLB_INPUT.req, fwUpdateReqs(req, GLB_IDLE_EN, GLB_IDLE_EN));
    const mask = GLB_CFG_ALLOC_EN | GLB_CFG_POWEROFF_TIMER | GLB_CFG_PROGRESS_TIMER;
    r.toggle(mask);
    const ack = (): number => r.rd(r.glbOut + CSF_GLB_OUTPUT.ack);
    // Nothing happens before the doorbell.
    r.sim.loop.advance(100_000);
    expect(fwReqsAcked(r.rd(r.glbIn + CSF_GLB_INPUT.req), ack(), mask)).toBe(false);
    r.ringGlobal();
    r.sim.loop.runUntilIdle();
    const reqNow = r.rd(r.glbIn + CSF_GLB_INPUT.req);
    expect(fwReqsAcked(reqNow, ack(), mask | GLB_IDLE_EN)).toBe(true);
    expect(r.fw.config).toMatchObject({
      progressTimer: 0x27_1000,
      poweroffTimer: 0x8000_0010,
      coreEnMask: 0x5_0005,
      idleTimer: 0x20,
      idleEnabled: true,
    });
    // None of those bits is in ack_irq_mask: no interrupt. A PING is.
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0);
    r.toggle(GLB_PING);
    r.ringGlobal();
    r.sim.loop.runUntilIdle();
    expect(fwReqsAcked(r.rd(r.glbIn + CSF_GLB_INPUT.req), ack(), GLB_PING)).toBe(true);
    expect(r.fw.config.pings).toBe(1);
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(JOB_INT_GLOBAL_IF);
    // A second doorbell with nothing new changes nothing and raises nothing.
    r.mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    r.ringGlobal();
    r.sim.loop.runUntilIdle();
    expect(r.mmio.read32(JOB_INT_RAWSTAT)).toBe(0);
    expect(r.fw.config.pings).toBe(1);
  });

  it("FW-PROTO-6: a doorbell is acted on after the doorbell latency (1 µs by default)", () => {
    const r = mcuRig();
    r.boot();
    r.toggle(GLB_PING);
    r.ringGlobal();
    r.sim.loop.advance(999);
    expect(r.fw.config.pings).toBe(0);
    r.sim.loop.advance(1);
    expect(r.fw.config.pings).toBe(1);
  });

  it("GLB_HALT halts the MCU: halt_status 0, MCU_STATUS HALT, the bit not acknowledged, later doorbells ignored", () => {
    const r = mcuRig();
    r.boot();
    const req = r.rd(r.glbIn + CSF_GLB_INPUT.req);
    r.wr(r.glbIn + CSF_GLB_INPUT.req, fwUpdateReqs(req, GLB_HALT, GLB_HALT));
    r.ringGlobal();
    r.sim.loop.runUntilIdle();
    expect(r.fw.state).toBe(CsfFirmwareState.Halted);
    expect(r.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_HALT);
    expect(r.rd(r.glbOut + CSF_GLB_OUTPUT.halt_status)).toBe(0);
    expect(r.rd(r.glbOut + CSF_GLB_OUTPUT.ack) & GLB_HALT).toBe(0);
    r.toggle(GLB_PING);
    r.ringGlobal();
    r.sim.loop.runUntilIdle();
    expect(r.fw.config.pings).toBe(0);
    // A restart (halt cleared first, as the driver does) boots again.
    r.wr(r.glbIn + CSF_GLB_INPUT.req, fwUpdateReqs(r.rd(r.glbIn + CSF_GLB_INPUT.req), 0, GLB_HALT));
    r.mmio.write32(MCU_CONTROL, MCU_CONTROL_DISABLE);
    r.sim.loop.runUntilIdle();
    expect(r.fw.state).toBe(CsfFirmwareState.Off);
    r.boot();
    expect(r.fw.state).toBe(CsfFirmwareState.Running);
  });

  it("an unresponsive firmware (test hook) leaves a PING unacknowledged, as the watchdog expects to notice", () => {
    const r = mcuRig();
    r.boot();
    r.fw.unresponsive = true;
    r.toggle(GLB_PING);
    r.ringGlobal();
    r.sim.loop.runUntilIdle();
    expect(
      fwReqsAcked(r.rd(r.glbIn + CSF_GLB_INPUT.req), r.rd(r.glbOut + CSF_GLB_OUTPUT.ack), GLB_PING),
    ).toBe(false);
  });

  it("an MCU access in a locked region of AS 0 waits for the unlock", () => {
    const r = mcuRig();
    r.boot();
    r.toggle(GLB_PING);
    const lock = packLockRegion(S, 0x1000);
    r.mmio.write32(asReg(0, AS_LOCKADDR_LO), lock.lo);
    r.mmio.write32(asReg(0, AS_LOCKADDR_HI), lock.hi);
    r.mmio.write32(asReg(0, AS_COMMAND), AS_COMMAND_LOCK);
    waitReady(r.mmio, r.sim.loop, 0);
    r.ringGlobal();
    r.sim.loop.advance(100_000);
    expect(r.fw.config.pings).toBe(0);
    r.mmio.write32(asReg(0, AS_COMMAND), AS_COMMAND_UNLOCK);
    r.sim.loop.runUntilIdle();
    expect(r.fw.config.pings).toBe(1);
    expect(r.fw.state).toBe(CsfFirmwareState.Running);
  });

  it("a GPU reset stops the firmware; the doorbell range reads 0 and decodes only doorbell pages", () => {
    const r = mcuRig();
    r.boot();
    const unknown = r.sim.gpu.mmioStats.unknownWrites;
    r.mmio.write32(csfDoorbell(1), 1);
    r.mmio.write32(csfDoorbell(1) + 4, 1);
    expect(r.sim.gpu.mmioStats.unknownWrites).toBe(unknown + 1);
    expect(r.mmio.read32(csfDoorbell(0))).toBe(0);
    r.mmio.write32(0x30, 0x101); // GPU_CMD soft reset (CSF)
    r.sim.loop.runUntilIdle();
    expect(r.fw.state).toBe(CsfFirmwareState.Off);
  });
});
