/**
 * Probe: identification, page-table format choice, IRQs unmasked.
 */
import { createPlatform, ProgramBuilder } from "@panmmu/hw";
import { CollectingWarningSink, EINVAL, ENODEV, PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { submitProgram, waitSubmission } from "../../src/client/program.js";
import { PanfrostDevice } from "../../src/device/device.js";
import { aarch64Transcfg } from "../../src/mmu/pure/memattr.js";
import { AS_TRANSCFG_LO, AS_TRANSTAB_LO, JOB_INT_MASK, MMU_INT_MASK } from "../../src/regs.js";
import { makeStack } from "../helpers/stack.js";

describe("probe", () => {
  it("Mali-T860: Mali LPAE tables, features read, IRQs unmasked", () => {
    const s = makeStack("t860");
    expect(s.dev.pgtableFormat).toBe("ARM_MALI_LPAE");
    expect(s.dev.features).toMatchObject({
      id: 0x860,
      name: "Mali-T860",
      asPresent: 0xff,
      jsPresent: 0x7,
      vaBits: 48,
      paBits: 40,
    });
    expect(s.sim.platform.mmio.read32(JOB_INT_MASK)).toBe(0x70007);
    expect(s.sim.platform.mmio.read32(MMU_INT_MASK) >>> 0).toBe(0xffffffff);
  });

  it("forced AArch64 on Mali-G57: ARM_64_LPAE_S1 tables and AArch64 TRANSCFG on the AS", () => {
    const s = makeStack("g57", { forceAarch64Pgtable: true });
    expect(s.dev.pgtableFormat).toBe("ARM_64_LPAE_S1");
    const c = s.open();
    const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
    const sub = submitProgram(c, new ProgramBuilder().write32(bo.offset, 1).end().buildBytes(), [
      bo.handle,
    ]);
    expect(waitSubmission(c, sub, 100_000_000)).toBe(true);
    expect(c.fenceError(sub.outSync)).toBe(0);
    const as = c.handle.priv.ctx.as;
    const mmio = s.sim.platform.mmio;
    expect(mmio.read32(AS_TRANSCFG_LO(as)) >>> 0).toBe(aarch64Transcfg(48, false).lo);
    expect(mmio.read32(AS_TRANSTAB_LO(as)) & 0xf).toBe(0);
    c.close();
  });

  it("without forcing, Mali-G57 keeps the legacy Mali LPAE format", () => {
    expect(makeStack("g57").dev.pgtableFormat).toBe("ARM_MALI_LPAE");
  });

  it("forcing AArch64 tables where the model has no AArch64 MMU (T860, G52) is -EINVAL", () => {
    for (const preset of ["t860", "g52"] as const) {
      const sim = createPlatform(preset, { warnings: new CollectingWarningSink() });
      expect(PanfrostDevice.probe(sim.platform, { forceAarch64Pgtable: true })).toBe(-EINVAL);
    }
  });

  it("a CSF GPU (no job slots) is not a panfrost device: -ENODEV", () => {
    const sim = createPlatform("g610", { warnings: new CollectingWarningSink() });
    expect(PanfrostDevice.probe(sim.platform)).toBe(-ENODEV);
  });
});
