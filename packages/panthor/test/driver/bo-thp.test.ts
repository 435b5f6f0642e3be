/**
 * BOs on transparent huge pages: with the system's shmem huge-page policy on, a BO's 2 MiB runs
 * are 2 MiB folios, so a partial unmap inside a 2 MiB block widens and re-maps the survivors;
 * with it off (the default), the same unmap hits a block of 4 KiB folios and the VM becomes
 * unusable.
 */
import { createPlatform } from "@panmmu/hw";
import {
  CollectingWarningSink,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  DRM_PANTHOR_VM_STATE_UNUSABLE,
  DRM_PANTHOR_VM_STATE_USABLE,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";
import type { PanthorBo } from "../../src/gem/bo.js";

const SZ_2M = 0x20_0000;
const VA = 0x2_0000_0000;
const HOLE = VA + 0x10_0000;

function partialUnmap(huge: boolean) {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 2, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const base = sim.memory.allocatedPages;
  const c = PanthorClient.open(dev);
  if (typeof c === "number") throw new Error(`open: ${c}`);
  const vmId = c.vmCreate().id;
  const policy = dev.shmemHugeFolios;
  dev.shmemHugeFolios = huge;
  const bo = c.boCreate(BigInt(2 * SZ_2M)).handle;
  dev.shmemHugeFolios = policy;
  expect(c.vmBind(vmId, [{ boHandle: bo, va: BigInt(VA), size: BigInt(2 * SZ_2M) }]).ret).toBe(0);
  const vm = c.handle.priv.vms.get(vmId);
  if (vm === null) throw new Error("no VM");
  vm.put();
  const obj = c.handle.file.gemObjectLookup(bo) as PanthorBo;
  const pages = obj.pages ?? [];
  obj.put();
  const ret = c.vmBind(vmId, [
    { flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP, va: BigInt(HOLE), size: 0x4000n },
  ]).ret;
  const result = {
    ret,
    state: c.vmGetState(vmId).state,
    gpuvas: vm.mappings().map((m) => [Number(m.addr), Number(m.range)]),
    survivorsMapped: [HOLE - 0x1000, HOLE + 0x4000, VA + SZ_2M].every(
      (va) => vm.pgtable.iovaToPhys(va) === pages[(va - VA) / 0x1000],
    ),
    holeMapped: vm.pgtable.iovaToPhys(HOLE) !== 0,
    folio: obj.folioSizeAt(0x10_0000),
    warnings: warnings.warnings.map((w) => w.where),
  };
  expect(c.close()).toBe(0);
  sim.loop.runUntilIdle();
  expect(sim.memory.allocatedPages).toBe(base);
  return result;
}

describe("BOs on transparent huge pages (shmemHugeFolios)", () => {
  it("huge folios: a partial unmap inside a 2 MiB block widens, keeps the survivors, the VM stays usable", () => {
    const r = partialUnmap(true);
    expect(r.ret).toBe(0);
    expect(r.folio).toBe(SZ_2M);
    expect(r.state).toBe(DRM_PANTHOR_VM_STATE_USABLE);
    expect(r.gpuvas).toEqual([
      [VA, 0x10_0000],
      [HOLE + 0x4000, 2 * SZ_2M - 0x10_4000],
    ]);
    expect(r.survivorsMapped).toBe(true);
    expect(r.holeMapped).toBe(false);
    expect(r.warnings).toEqual([]);
  });

  it("4 KiB folios (the default): the same unmap is refused by io-pgtable and the VM becomes unusable", () => {
    const r = partialUnmap(false);
    expect(r.ret).toBe(0);
    expect(r.folio).toBe(0x1000);
    expect(r.state).toBe(DRM_PANTHOR_VM_STATE_UNUSABLE);
    expect(r.holeMapped).toBe(true);
    expect(r.warnings).toContain("__arm_lpae_unmap");
  });
});
