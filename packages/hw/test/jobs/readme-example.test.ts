/** Runs the "Jobs and memory programs" README example verbatim (minus the import path). */
import { expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_STATUS,
  AS_TRANSTAB_LO,
  AS_TRANSTAB_LPAE_ADRMODE_IDENTITY,
  asReg,
  createPlatform,
  encodeProgramJob,
  JsCommand,
  JsReg,
  jsRegOffset,
  ProgramBuilder,
} from "../../src/index.js";

it("README jobs example", () => {
  // --- README example start
  const { platform, memory, loop } = createPlatform("g52");
  const { mmio } = platform;
  // AS 1 in identity mode (VA = PA) keeps the example short; page tables work the same way.
  mmio.write32(asReg(1, AS_TRANSTAB_LO), AS_TRANSTAB_LPAE_ADRMODE_IDENTITY);
  mmio.write32(asReg(1, AS_COMMAND), AS_COMMAND_UPDATE);
  loop.runUntil(() => (mmio.read32(asReg(1, AS_STATUS)) & 1) === 0, 1_000_000); // AS_ACTIVE clear
  const jobVa = memory.allocPage() ?? 0;
  const dataVa = memory.allocPage() ?? 0;

  const code = new ProgramBuilder()
    .fill32(dataVa, 4096, 0x5a5a5a5a)
    .write32(dataVa + 8, 0x600dcafe)
    .check32(dataVa + 8, 0x600dcafe)
    .buildBytes();
  const job = new Uint8Array(48);
  encodeProgramJob(job, 0, {
    header: { index: 1 },
    programVa: jobVa + 0x100,
    programLength: code.length,
  });
  memory.writeBytes(jobVa, job);
  memory.writeBytes(jobVa + 0x100, code);

  // As panfrost_job_hw_submit(): the _NEXT registers, then START, here on job slot 1.
  mmio.write32(0x1008, 0xffffffff); // JOB_INT_MASK
  mmio.write32(0x1000 + jsRegOffset(1, JsReg.HEAD_NEXT_LO), jobVa);
  mmio.write32(0x1000 + jsRegOffset(1, JsReg.CONFIG_NEXT), 1); // AS 1
  mmio.write32(0x1000 + jsRegOffset(1, JsReg.COMMAND_NEXT), JsCommand.START);
  loop.runUntilIdle();

  mmio.read32(0x1000); // JOB_INT_RAWSTAT: 0b10, slot 1 done
  mmio.read32(0x1000 + jsRegOffset(1, JsReg.STATUS)); // 1 (DONE)
  memory.read32(jobVa); // 1: exception_status written back
  memory.read32(dataVa + 8); // 0x600dcafe
  // --- README example end
  expect(mmio.read32(0x1000)).toBe(0b10);
  expect(mmio.read32(0x1000 + jsRegOffset(1, JsReg.STATUS))).toBe(1);
  expect(memory.read32(jobVa)).toBe(1);
  expect(memory.read32(dataVa + 8)).toBe(0x600dcafe);
  expect(memory.read32(dataVa + 12)).toBe(0x5a5a5a5a);
});
