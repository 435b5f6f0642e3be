/** The README example, run as written, with its commented values asserted. */
import { expect, it } from "vitest";
import {
  ArrayPageTableMemory,
  allocIoPgtableOps,
  decodeDescriptor,
  dumpIoPgtable,
  IOMMU_READ,
  IOMMU_WRITE,
  type IoPgtableCfg,
  IoPgtableFormat,
  SZ_1G,
  SZ_2M,
  SZ_4K,
} from "../src/index.js";

it("README example", () => {
  const memory = new ArrayPageTableMemory();
  const cfg: IoPgtableCfg<null> = {
    pgsizeBitmap: SZ_4K | SZ_2M | SZ_1G,
    ias: 48,
    oas: 40,
    coherentWalk: true,
    memory,
  };
  const ops = allocIoPgtableOps(IoPgtableFormat.ARM_MALI_LPAE, cfg, null)!;
  expect(cfg.mali?.transtab.toString(16)).toBe("80000017");
  expect(ops.mapPages(0x10000, 0x4000_0000, SZ_4K, 1, IOMMU_READ | IOMMU_WRITE)).toBe(0);
  expect(ops.mapped).toBe(4096);
  expect(ops.iovaToPhys(0x10123)).toBe(0x40000123);
  const leaf = dumpIoPgtable(ops).at(-1)!;
  expect(leaf).toMatchObject({ level: 3, desc: "0x00000000400002c1", kind: "page" });
  const d = BigInt(leaf.desc);
  expect(decodeDescriptor(ops.fmt, 3, Number(d & 0xffffffffn), Number(d >> 32n))).toMatchObject({
    kind: "page",
    address: 0x40000000,
    read: true,
    write: true,
  });
  expect(ops.unmapPages(0x10000, SZ_4K, 1, null)).toBe(4096);
  ops.free();
  expect(memory.livePages).toBe(0);
});
