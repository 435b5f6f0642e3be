/**
 * The MMU fault log: a GPU access to an unmapped VA (or a write to a read-only mapping) is
 * logged in panthor_mmu_irq_handler()'s format with the file, VM, BO and offset it hit or the
 * nearest mapping; the AS is disabled and the VM flagged.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packagedGoldenRoot } from "@panmmu/fixtures";
import {
  AS_TRANSCFG_ADRMODE_UNMAPPED,
  AS_TRANSCFG_LO,
  asReg,
  createPlatform,
  GpuAccessKind,
} from "@panmmu/hw";
import { CollectingWarningSink, DRM_PANTHOR_VM_BIND_OP_MAP_READONLY } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { formatPanthorFault } from "../../src/debug/fault-log.js";
import { PanthorDevice } from "../../src/device/device.js";
import { panthorExceptionName } from "../../src/device/exceptions.js";

function stack() {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 9, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const c = PanthorClient.open(dev, "faulty-app");
  if (typeof c === "number") throw new Error(`open: ${c}`);
  const vmId = c.vmCreate().id;
  const vm = c.handle.priv.vms.get(vmId);
  if (vm === null) throw new Error("no VM");
  vm.put();
  const access = (va: number, kind: GpuAccessKind, value?: number): number => {
    expect(dev.mmu.vmActive(vm)).toBe(0);
    const run = sim.gpu.accessProbe.start({
      as: vm.asId,
      accesses: [{ va, kind, size: 4, ...(value === undefined ? {} : { value }) }],
    });
    sim.loop.runUntil(() => run.done, 1_000_000);
    return run.status;
  };
  return { sim, dev, warnings, c, vmId, vm, access };
}

describe("MMU fault log", () => {
  it("a read of an unmapped VA is logged in the kernel's format naming the file and the nearest mapping; AS disabled, VM flagged", () => {
    const s = stack();
    // Two handles so the mapped BO's handle (2) is not a lucky default.
    s.c.boCreate(0x1000n);
    const bo = s.c.boCreate(0x4000n);
    expect(s.c.boSetLabel(bo.handle, "vertex buffer")).toBe(0);
    expect(s.c.vmBind(s.vmId, [{ boHandle: bo.handle, va: 0x10_0000n, size: 0x4000n }]).ret).toBe(
      0,
    );
    const va = 0x10_4000 + 0x230;
    expect(s.access(va, GpuAccessKind.Read)).not.toBe(1);
    const recs = s.dev.faultLog.records;
    expect(recs.length).toBe(1);
    const r = recs[0];
    if (r === undefined) throw new Error("no record");
    expect(r.as).toBe(1);
    expect(r.va).toBe(va);
    expect(r.faultStatus).toBe(s.dev.mmu.faults[0]?.status);
    expect(r.exceptionType & 0xf8).toBe(0xc0);
    expect(r.owner).toEqual({
      fileName: "faulty-app",
      clientId: s.c.handle.file.clientId,
      vmId: 1,
      // A probe access, not a group's stream: no group was running on the VM.
      groups: [],
    });
    const boId = s.c.handle.file.objectIdr.entries()[1]?.[1].id;
    expect(r.target).toEqual({
      kind: "none",
      nearestDistance: 0x231,
      nearestVa: 0x10_0000,
      nearestBoId: boId,
      nearestLabel: "vertex buffer",
    });
    const text = s.dev.faultLog.toText();
    expect(text).toBe(
      [
        "Unhandled Page fault in AS1 at VA 0x0000000000104230",
        `raw fault status: 0x${r.faultStatus.toString(16).toUpperCase()}`,
        "decoded fault status: SLAVE FAULT",
        `exception type 0x${r.exceptionType.toString(16).toUpperCase()}: TRANSLATION_FAULT_${r.exceptionType - 0xc0}`,
        "access type 0x2: READ",
        `source id 0x${(r.faultStatus >>> 16).toString(16).toUpperCase()}`,
        `hit: no mapping within 561 bytes of the address (nearest: BO #${boId} "vertex buffer" at 0x100000)`,
        `owner: file "faulty-app" (client ${s.c.handle.file.clientId}, VM 1)`,
        "groups: none of the VM's groups on a CSG slot",
      ].join("\n"),
    );
    // The AS is disabled (UNMAPPED), marked faulty, and the VM flagged for the scheduler.
    expect(s.sim.platform.mmio.read32(asReg(1, AS_TRANSCFG_LO)) & 0xf).toBe(
      AS_TRANSCFG_ADRMODE_UNMAPPED,
    );
    expect(s.dev.mmu.faultyMask).toBe(1 << 1);
    expect(s.vm.unhandledFault).toBe(true);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("a write to a read-only mapping names the BO, its handle and the offset hit", () => {
    const s = stack();
    const bo = s.c.boCreate(0x2_0000n);
    const ro = DRM_PANTHOR_VM_BIND_OP_MAP_READONLY;
    expect(
      s.c.vmBind(s.vmId, [
        { flags: ro, boHandle: bo.handle, boOffset: 0x1_0000n, va: 0x40_0000n, size: 0x1_0000n },
      ]).ret,
    ).toBe(0);
    let scheduled = 0;
    s.dev.mmu.onFault = () => scheduled++;
    expect(s.access(0x40_2004, GpuAccessKind.Write, 7)).not.toBe(1);
    const r = s.dev.faultLog.records[0];
    if (r === undefined) throw new Error("no record");
    expect(r.exceptionName).toMatch(/^PERM_FAULT_[0-3]$/);
    expect(r.accessName).toBe("WRITE");
    expect(r.target).toMatchObject({
      kind: "bo",
      handle: bo.handle,
      offset: 0x1_2004,
      mapVa: 0x40_0000,
      mapSize: 0x1_0000,
      mapFlags: ro,
      boSize: 0x2_0000,
    });
    expect(formatPanthorFault(r)).toContain(
      `(handle ${bo.handle}, 131072 bytes) at offset 0x12004`,
    );
    expect(scheduled).toBe(1);
    expect(s.vm.unhandledFault).toBe(true);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("names every exception code as panthor_exception_name() does", () => {
    const golden = JSON.parse(
      readFileSync(join(packagedGoldenRoot(), "regs", "exceptions.json"), "utf8"),
    ) as { panthor: { code: number; name: string; in_name_table?: boolean }[] };
    const named = golden.panthor.filter((e) => e.in_name_table !== false);
    expect(named.length).toBeGreaterThan(40);
    for (const e of named) expect(panthorExceptionName(e.code)).toBe(e.name);
    const known = new Set(named.map((e) => e.code));
    for (let code = 0; code < 256; code++) {
      if (!known.has(code)) expect(panthorExceptionName(code)).toBe("Unknown exception type");
    }
  });
});
