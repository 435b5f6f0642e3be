/** The README's example, kept runnable. */
import { expect, it } from "vitest";
import {
  AS_COMMAND,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_LO,
  AS_FAULTSTATUS,
  AS_MEMATTR_LO,
  AS_STATUS,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  asReg,
  createPlatform,
  GpuAccessKind,
  MMU_INT_RAWSTAT,
} from "../src/index.js";

it("README: map a page by hand and read the fault registers", () => {
  const { platform, gpu, memory, loop } = createPlatform("g52");
  const { mmio } = platform;
  const page = (): number => memory.allocPage() ?? Number.NaN;
  const [l0, l1, l2, l3, data] = [page(), page(), page(), page(), page()];
  const va = 0x1000_0000; // indices: level 0 → 0, level 1 → 0, level 2 → 128, level 3 → 0
  memory.write64(l0, (l1 | 3) >>> 0, 0); // table descriptors: next table | 0b11
  memory.write64(l1, (l2 | 3) >>> 0, 0);
  memory.write64(l2 + 128 * 8, (l3 | 3) >>> 0, 0);
  memory.write64(l3, (data | 0x2c1) >>> 0, 0); // Mali page: type 0b01 | read (6) | write (7) | SH outer
  // As panfrost_mmu_enable(): TRANSTAB = root | ADRMODE_TABLE | READ_INNER, MEMATTR, UPDATE.
  mmio.write32(asReg(1, AS_TRANSTAB_LO), (l0 | 0x7) >>> 0);
  mmio.write32(asReg(1, AS_TRANSTAB_HI), 0);
  mmio.write32(asReg(1, AS_MEMATTR_LO), 0x888d88);
  mmio.write32(asReg(1, AS_COMMAND), AS_COMMAND_UPDATE);
  loop.runUntil(() => (mmio.read32(asReg(1, AS_STATUS)) & 1) === 0, 1_000_000);

  expect(gpu.mmu.translate(1, va + 0x24, GpuAccessKind.Write, 0)).toBe(data + 0x24);
  expect(gpu.mmu.translate(1, va + 0x1000, GpuAccessKind.Read, 5)).toBe(-1); // TRANSLATE_FAULTED
  expect(mmio.read32(MMU_INT_RAWSTAT)).toBe(0b10); // AS 1
  expect(mmio.read32(asReg(1, AS_FAULTSTATUS)).toString(16)).toBe("502c3"); // source 5, READ, TRANSLATION_FAULT_3
  expect(mmio.read32(asReg(1, AS_FAULTADDRESS_LO)).toString(16)).toBe("10001000");
});
