/**
 * The firmware, driver side (spec 3.2, FW-IMG/FW-IF against the driver): the probe loads the
 * image the platform's firmware store has into the MCU VM as kernel BOs at the sections' VAs,
 * boots the MCU, reads the interface from the shared section (DEV_QUERY's CSIF info comes from
 * it) and initialises the global interface; a bad image, a missing file, a refused interface
 * or an MCU that does not boot fail the probe and leave nothing behind; the ping watchdog,
 * halt and fast/slow restart, unplug.
 */
import {
  buildCsfFirmwareImage,
  CSF_IMAGE_CORRUPTIONS,
  type CsfImageCorruption,
  referenceCsfSections,
} from "@panmmu/fixtures";
import {
  AS_TRANSTAB_LO,
  asReg,
  CSF_G610_FIRMWARE,
  CSF_GLB_CONTROL,
  CSF_MCU_SHARED_REGION_START,
  type CsfFirmwareProfile,
  CsfFirmwareState,
  createPlatform,
  MCU_STATUS,
  MCU_STATUS_DISABLED,
  MCU_STATUS_ENABLED,
  parseCsfFirmwareImage,
  sharedSectionBytes,
} from "@panmmu/hw";
import { CollectingWarningSink, EINVAL, ENOENT, ETIMEDOUT } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorDevice } from "../../src/device/device.js";
import { PING_INTERVAL_NS, panthorFwConvTimeout } from "../../src/fw/fw.js";
import { panthorFwInitIfaces } from "../../src/fw/fw-iface.js";
import { panthorFwPath } from "../../src/fw/fw-load.js";

const G610_PATH = "arm/mali/arch10.8/mali_csffw.bin";

/** A G610 platform whose firmware store holds `image` at the G610's path. */
function rig(options: { image?: Uint8Array | null; profile?: CsfFirmwareProfile } = {}) {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", {
    seed: 3,
    warnings,
    ...(options.profile === undefined ? {} : { firmwareProfile: options.profile }),
  });
  // A shared section big enough for the profile's interface (64 KiB for the G610's).
  const profile = options.profile ?? CSF_G610_FIRMWARE;
  const sharedBytes = Math.ceil(sharedSectionBytes(profile) / 0x1_0000) * 0x1_0000;
  const sections = referenceCsfSections().map((s) =>
    s.name === "shared" ? { ...s, vaEnd: s.vaStart + sharedBytes } : s,
  );
  const image = options.image === undefined ? buildCsfFirmwareImage({ sections }) : options.image;
  const asked: string[] = [];
  const firmware = (path: string): Uint8Array | null => {
    asked.push(path);
    return path === G610_PATH ? image : null;
  };
  const pagesBefore = sim.memory.allocatedPages;
  const probe = () => PanthorDevice.probe(sim.platform, { firmware });
  return { sim, warnings, probe, asked, pagesBefore };
}

function probed(options: Parameters<typeof rig>[0] = {}) {
  const r = rig(options);
  const dev = r.probe();
  if (typeof dev === "number") throw new Error(`probe failed: ${dev}`);
  const fw = dev.fw;
  if (fw === null) throw new Error("no firmware");
  return { ...r, dev, fw };
}

/** After a failed probe: no GEM object, no page, AS 0 not programmed, the MCU off. */
function expectNothingLeft(r: ReturnType<typeof rig>): void {
  expect(r.sim.memory.allocatedPages).toBe(r.pagesBefore);
  expect(r.sim.platform.mmio.read32(asReg(0, AS_TRANSTAB_LO))).toBe(0);
  expect(r.sim.platform.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_DISABLED);
  expect(r.sim.gpu.firmware?.state).toBe(CsfFirmwareState.Off);
  expect(r.warnings.warnings).toEqual([]);
}

describe("FW-IMG (driver): loading the image", () => {
  it("FW-IMG-1: the reference image loads: sections as kernel BOs at their VAs, the MCU booted, the interface read", () => {
    const { dev, fw, sim, asked, warnings } = probed();
    expect(asked).toEqual([G610_PATH]);
    expect(panthorFwPath(sim.platform.mmio.read32(0))).toBe(G610_PATH);
    expect(fw.sections.map((s) => [s.name, s.mem.gpuVa, s.mem.size])).toEqual([
      ["text", 0, 0x1_0000],
      ["shared", CSF_MCU_SHARED_REGION_START, 0x1_0000],
    ]);
    for (const s of fw.sections) {
      expect(s.mem.obj.label).toBe("FW section");
      expect(s.mem.vm).toBe(dev.mcuVm);
    }
    expect(fw.shared.mem.kmap).not.toBeNull(); // the shared section stays vmapped
    expect(fw.booted).toBe(true);
    expect(sim.platform.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_ENABLED);
    expect(sim.gpu.firmware?.state).toBe(CsfFirmwareState.Running);
    expect(fw.iface?.profile.groupNum).toBe(8);
    expect(warnings.warnings).toEqual([]);
  });

  it("the MCU's own check of the loaded sections passes (the driver copied the right bytes to the right pages)", () => {
    const r = rig();
    const image = parseCsfFirmwareImage(buildCsfFirmwareImage());
    if (typeof image === "number") throw new Error("image");
    const hwFw = r.sim.gpu.firmware;
    if (hwFw === undefined) throw new Error("no hw firmware");
    hwFw.image = image;
    const dev = r.probe();
    expect(typeof dev).not.toBe("number");
    expect(hwFw.state).toBe(CsfFirmwareState.Running);
  });

  it("FW-IMG-2: no file at the GPU's path fails the probe with -ENOENT, nothing left behind", () => {
    const r = rig({ image: null });
    expect(r.probe()).toBe(-ENOENT);
    expectNothingLeft(r);
  });

  const refused = CSF_IMAGE_CORRUPTIONS.filter((c) => !c.accepted);
  it.each(refused.map((c) => [c.name, c] as const))(
    "FW-IMG-3..6: a corrupt image (%s) fails the probe with -EINVAL, nothing left behind",
    (_name, c) => {
      const r = rig({ image: buildCsfFirmwareImage({ corruption: c.name as CsfImageCorruption }) });
      expect(r.probe()).toBe(-EINVAL);
      expectNothingLeft(r);
    },
  );

  it("an image whose sections overlap fails with the kernel BO's error after the first section was made, nothing left behind", () => {
    const base = buildCsfFirmwareImage({
      sections: [
        { name: "a", flags: 0x5, vaStart: 0, vaEnd: 0x2000, data: new Uint8Array(16) },
        { name: "b", flags: 0x5, vaStart: 0x1000, vaEnd: 0x3000, data: new Uint8Array(16) },
        {
          name: "shared",
          flags: 0xc000_0013,
          vaStart: CSF_MCU_SHARED_REGION_START,
          vaEnd: CSF_MCU_SHARED_REGION_START + 0x1_0000,
          data: new Uint8Array(0),
        },
      ],
    });
    const r = rig({ image: base });
    const ret = r.probe();
    expect(ret).toBeLessThan(0);
    expect(ret).not.toBe(-EINVAL);
    expectNothingLeft(r);
  });
});

describe("FW-IF (driver): the interface the firmware publishes", () => {
  it("FW-IF-1: DEV_QUERY's CSIF info comes from the firmware's control blocks", () => {
    const { dev } = probed({ profile: { ...CSF_G610_FIRMWARE, groupNum: 5, streamNum: 9 } });
    expect(dev.queryCtx.csifInfo).toMatchObject({
      csg_slot_count: 5,
      cs_slot_count: 9,
      cs_reg_count: 96,
      scoreboard_slot_count: 8,
      unpreserved_cs_reg_count: 4,
    });
  });

  it.each([
    ["2 groups", { groupNum: 2 }],
    ["32 groups", { groupNum: 32 }],
    ["7 streams", { streamNum: 7 }],
    ["33 streams", { streamNum: 33 }],
    ["version 0", { version: 0 }],
  ] as const)(
    "FW-IF-2: a firmware reporting %s fails the probe with -EINVAL, nothing left behind",
    (_n, over) => {
      const r = rig({ profile: { ...CSF_G610_FIRMWARE, ...over } });
      expect(r.probe()).toBe(-EINVAL);
      expectNothingLeft(r);
    },
  );

  it("FW-IF-3: an interface VA outside the shared section is refused", () => {
    const { fw } = probed();
    const kmap = fw.shared.mem.kmap;
    if (kmap === null) throw new Error("shared section not mapped");
    expect(typeof panthorFwInitIfaces(fw.shared.mem)).toBe("object");
    kmap.writeU32(CSF_GLB_CONTROL.input_va, CSF_MCU_SHARED_REGION_START + 0x1_0000);
    expect(panthorFwInitIfaces(fw.shared.mem)).toBe(-EINVAL);
  });

  it("FW-IF-4: the global interface is initialised as panthor_fw_init_global_iface() does", () => {
    const { sim, dev } = probed();
    sim.loop.advance(1_000_000);
    const c = sim.gpu.firmware?.config;
    expect(c?.coreEnMask).toBe(Number(dev.queryCtx.gpuInfo.shader_present & 0xffff_ffffn));
    expect(c?.poweroffTimer).toBe(panthorFwConvTimeout(10_000, 24_000_000));
    expect(c?.poweroffTimer).toBe(235); // 10 ms × 24 MHz / 1024, rounded up
    expect(c?.progressTimer).toBe(2_560_000);
    expect(c?.idleEnabled).toBe(true);
    expect(c?.idleTimer).toBe(19); // 800 µs × 24 MHz / 1024, rounded up
    expect(c?.counterEnabled).toBe(true);
  });
});

describe("boot, watchdog, halt, restart, unplug", () => {
  it("an MCU that never signals (its image check fails) times the probe out after 1 s with -ETIMEDOUT, nothing left behind", () => {
    const r = rig();
    const hwFw = r.sim.gpu.firmware;
    if (hwFw === undefined) throw new Error("no hw firmware");
    const sections = referenceCsfSections().map((s) =>
      s.name === "text" ? { ...s, data: new Uint8Array(0x1_0000).fill(7) } : s,
    );
    const other = parseCsfFirmwareImage(buildCsfFirmwareImage({ sections }));
    if (typeof other === "number") throw new Error("image");
    hwFw.image = other;
    const t0 = r.sim.loop.now;
    expect(r.probe()).toBe(-ETIMEDOUT);
    expect(r.sim.loop.now - t0).toBeGreaterThanOrEqual(1_000_000_000);
    expect(r.sim.memory.allocatedPages).toBe(r.pagesBefore);
  });

  it("the watchdog pings every 12 s while the device is active; an unanswered ping schedules a reset, which reboots the firmware", () => {
    const { sim, dev, fw } = probed();
    // power/control = on: a runtime-suspended device has no watchdog (pm.test.ts).
    expect(dev.pm.rpm.forbid()).toBe(0);
    sim.loop.advance(PING_INTERVAL_NS + 1_000_000);
    expect(fw.counters.pings).toBe(1);
    sim.loop.advance(PING_INTERVAL_NS);
    expect(fw.counters.pings).toBe(2);
    const hwFw = sim.gpu.firmware;
    if (hwFw === undefined) throw new Error("no hw firmware");
    hwFw.unresponsive = true;
    // The ping goes unanswered for 100 ms; the reset work then runs (the hung MCU stopped,
    // the GPU reset, the firmware booted again from its reloaded sections).
    sim.loop.advance(PING_INTERVAL_NS + 200_000_000);
    expect(fw.counters.pingTimeouts).toBe(1);
    expect(dev.resetRequests).toBe(1);
    expect(dev.resetsDone).toBe(1);
    expect(fw.counters.boots).toBe(2);
    hwFw.unresponsive = false;
    sim.loop.advance(2 * PING_INTERVAL_NS);
    expect(fw.counters.pingTimeouts).toBe(1);
    expect(fw.counters.pings).toBe(4);
  });

  it("pre-reset halts the MCU (a fast restart then), post-reset boots it again and re-initialises the global interface", () => {
    const { sim, dev, fw } = probed();
    expect(dev.pm.rpm.forbid()).toBe(0);
    fw.preReset(false);
    expect(fw.fastReset).toBe(true);
    expect(sim.platform.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_DISABLED);
    expect(fw.postReset()).toBe(0);
    expect(fw.counters.boots).toBe(2);
    expect(sim.gpu.firmware?.state).toBe(CsfFirmwareState.Running);
    sim.loop.advance(PING_INTERVAL_NS + 1_000_000);
    expect(fw.counters.pings).toBe(1);
  });

  it("a reset for a hang skips the halt: the restart is slow and reloads every section", () => {
    const { sim, fw } = probed();
    const text = fw.sections[0];
    if (text === undefined) throw new Error("no text section");
    const pages = text.mem.obj.pages;
    if (pages === null) throw new Error("text section without pages");
    const firstWord = sim.memory.read32(pages[0] as number);
    sim.memory.write32(pages[0] as number, 0xdead); // a corrupted read-only section
    fw.preReset(true);
    expect(fw.fastReset).toBe(false);
    expect(fw.postReset()).toBe(0);
    expect(sim.memory.read32(pages[0] as number)).toBe(firstWord);
    expect(sim.gpu.firmware?.state).toBe(CsfFirmwareState.Running);
  });

  it("unplug stops the MCU and destroys every section; the watchdog never fires again", () => {
    const { sim, dev, fw } = probed();
    const objects = dev.drm.objects.size;
    dev.unplug();
    expect(sim.platform.mmio.read32(MCU_STATUS)).toBe(MCU_STATUS_DISABLED);
    expect(fw.sections).toHaveLength(0);
    expect(dev.drm.objects.size).toBe(objects - 2);
    sim.loop.advance(3 * PING_INTERVAL_NS);
    expect(fw.counters.pings).toBe(0);
  });
});
