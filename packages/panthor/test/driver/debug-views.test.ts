/**
 * Debug views: the gpuva dump of a VM, fdinfo-style per-file memory statistics, the page-table
 * dump, and the whole-device dump and its text.
 */
import { DmaFenceContext, DmaResv, DmaResvUsage } from "@panmmu/drm";
import { createPlatform, GpuAccessKind } from "@panmmu/hw";
import { dumpIoPgtable } from "@panmmu/iopgtable";
import {
  CollectingWarningSink,
  DRM_PANTHOR_BO_NO_MMAP,
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_READONLY,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { formatPanthorDump, panthorDeviceDump } from "../../src/debug/device-dump.js";
import { fdinfoSizeLine, fileMemoryStats, formatFdinfo } from "../../src/debug/fdinfo.js";
import {
  dumpVm,
  dumpVmPageTable,
  formatPageTableDump,
  formatVmDump,
} from "../../src/debug/vm-dump.js";
import { PanthorDevice } from "../../src/device/device.js";
import type { PanthorBo } from "../../src/gem/bo.js";
import { panthorKernelBoCreate, panthorKernelBoDestroy } from "../../src/gem/kernel-bo.js";
import { PANTHOR_VM_KERNEL_AUTO_VA } from "../../src/vm/vm-types.js";

const RO = DRM_PANTHOR_VM_BIND_OP_MAP_READONLY;
const NX = DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC;

function stack() {
  const warnings = new CollectingWarningSink();
  const sim = createPlatform("g610", { seed: 11, warnings });
  const dev = PanthorDevice.probe(sim.platform);
  if (typeof dev === "number") throw new Error(`probe: ${dev}`);
  const open = (name: string): PanthorClient => {
    const c = PanthorClient.open(dev, name);
    if (typeof c === "number") throw new Error(`open: ${c}`);
    return c;
  };
  const c = open("app");
  const vmId = c.vmCreate().id;
  const vm = c.handle.priv.vms.get(vmId);
  if (vm === null) throw new Error("no VM");
  vm.put();
  const bo = (client: PanthorClient, handle: number): PanthorBo =>
    client.handle.file.objectIdr.entries().find(([h]) => h === handle)?.[1] as PanthorBo;
  return { sim, dev, warnings, open, c, vmId, vm, bo };
}

describe("debug views", () => {
  it("dumpVm lists the gpuvas with BO ids, handles, labels, offsets and flags, the kernel VA nodes and the page-table pages held", () => {
    const s = stack();
    const a = s.c.boCreate(0x4000n);
    const b = s.c.boCreate(0x1_0000n);
    expect(s.c.boSetLabel(b.handle, "texture")).toBe(0);
    expect(
      s.c.vmBind(s.vmId, [
        { boHandle: a.handle, va: 0x10_0000n, size: 0x4000n },
        { flags: RO | NX, boHandle: b.handle, boOffset: 0x8000n, va: 0x20_0000n, size: 0x8000n },
      ]).ret,
    ).toBe(0);
    const kbo = panthorKernelBoCreate(
      s.dev.drm,
      s.vm,
      0x2000,
      DRM_PANTHOR_BO_NO_MMAP,
      NX,
      PANTHOR_VM_KERNEL_AUTO_VA,
      "ring",
    );
    if (typeof kbo === "number") throw new Error(`kbo ${kbo}`);
    const handleOf = (obj: object): number =>
      s.c.handle.file.objectIdr.entries().find(([, o]) => o === obj)?.[0] ?? 0;
    const d = dumpVm(s.vm, handleOf);
    expect(d.mappings).toEqual([
      {
        va: 0x10_0000,
        size: 0x4000,
        boId: s.bo(s.c, a.handle).id,
        handle: a.handle,
        label: null,
        offset: 0,
        flags: 0,
      },
      {
        va: 0x20_0000,
        size: 0x8000,
        boId: s.bo(s.c, b.handle).id,
        handle: b.handle,
        label: "texture",
        offset: 0x8000,
        flags: RO | NX,
      },
      {
        va: kbo.gpuVa,
        size: 0x2000,
        boId: kbo.obj.id,
        handle: 0,
        label: "ring",
        offset: 0,
        flags: NX,
      },
    ]);
    expect(d.kernelVaNodes).toEqual([{ start: kbo.gpuVa, size: 0x2000 }]);
    expect(d.name).toBe("panthor-GPU-VM");
    expect(d.as).toBe(-1);
    expect(d.lockedRegion).toEqual({ start: 0, size: 0 });
    // Page-table pages held = the root + every table the walk finds.
    const tables = dumpIoPgtable(s.vm.pgtable).filter((r) => r.kind === "table").length;
    expect(d.ptPages).toBe(1 + tables);
    expect(tables).toBeGreaterThan(3);
    // A locked region and the state flags show up.
    expect(s.vm.lockRegion(0x30_0000n, 0x1000n)).toBe(0);
    const locked = dumpVm(s.vm);
    expect(locked.lockedRegion.size).toBeGreaterThan(0);
    expect(locked.lockedRegion.start).toBeLessThanOrEqual(0x30_0000);
    expect(formatVmDump(locked)).toContain(
      `locked region: 0x${locked.lockedRegion.start.toString(16)}+0x${locked.lockedRegion.size.toString(16)}`,
    );
    s.vm.unlockRegion();
    s.vm.declareUnusable();
    const text = formatVmDump(dumpVm(s.vm, handleOf));
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "DRM GPU VA space (panthor-GPU-VM) [0x0000000000000000;0x0001000000000000]",
    );
    expect(lines[1]).toBe("Kernel reserved node [0x0000000000000000;0x0000000000000000]");
    expect(lines[5]).toBe(
      `     | 0x0000000000100000 | 0x0000000000004000 | 0x0000000000104000 | ${`bo #${d.mappings[0]?.boId} h${a.handle}`.padEnd(18)} | 0x0000000000000000 flags 0x0`,
    );
    expect(lines[6]).toContain(`h${b.handle} "texture" | 0x0000000000008000 flags 0x3`);
    expect(text).toContain("state: user, AS -1, active 0, UNUSABLE");
    expect(text).toContain(`nodes: 0x${kbo.gpuVa.toString(16)}+0x2000`);
    expect(text).toContain(`page tables: ${d.ptPages} pages held`);
    panthorKernelBoDestroy(kbo);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("fileMemoryStats counts total/shared/resident/active as drm_show_memory_stats() does, and prints fdinfo lines", () => {
    const s = stack();
    const other = s.open("viewer");
    const mapped = s.c.boCreate(0x3_0000n); // pinned by its mapping: resident
    expect(s.c.boCreate(0x1800n).ret).toBe(0); // never used: no pages, rounded to 8 KiB
    const shared = s.c.boCreate(0x1_0000n); // a second handle in another file
    expect(
      s.c.vmBind(s.vmId, [{ boHandle: mapped.handle, va: 0x10_0000n, size: 0x3_0000n }]).ret,
    ).toBe(0);
    const sharedBo = s.bo(s.c, shared.handle);
    expect(other.handle.file.gemHandleCreate(sharedBo)).toBeGreaterThan(0);
    let st = fileMemoryStats(s.c.handle);
    expect(st.memory).toEqual({
      private: 0x3_0000 + 0x2000,
      shared: 0x1_0000,
      resident: 0x3_0000,
      purgeable: 0,
      active: 0,
    });
    expect(st.vms).toEqual([
      { id: 1, as: -1, mappings: 1, mappedBytes: 0x3_0000, ptPages: st.vms[0]?.ptPages },
    ]);
    expect(st.vms[0]?.ptPages).toBe(
      1 + dumpIoPgtable(s.vm.pgtable).filter((r) => r.kind === "table").length,
    );
    expect(formatFdinfo(st)).toBe(
      [
        "drm-driver:\tpanthor",
        `drm-client-id:\t${s.c.handle.file.clientId}`,
        "panthor-resident-memory:\t0",
        "panthor-active-memory:\t0",
        "drm-total-memory:\t264 KiB",
        "drm-shared-memory:\t64 KiB",
        "drm-resident-memory:\t192 KiB",
      ].join("\n"),
    );
    // An unsignalled fence on the mapped BO makes it active; a kernel BO counts as internal,
    // active while its VM holds an AS.
    const fences = new DmaFenceContext(s.sim.platform.loop, "test", "t");
    const fence = fences.createFence();
    const resv = s.bo(s.c, mapped.handle).resv;
    if (!(resv instanceof DmaResv)) throw new Error("no resv");
    resv.reserveFences(1);
    resv.addFence(fence, DmaResvUsage.WRITE);
    const kbo = panthorKernelBoCreate(s.dev.drm, s.vm, 0x20_0000, 0, NX, -1, "heap");
    if (typeof kbo === "number") throw new Error(`kbo ${kbo}`);
    expect(s.dev.mmu.vmActive(s.vm)).toBe(0);
    st = fileMemoryStats(s.c.handle, [kbo]);
    expect(st.memory.active).toBe(0x3_0000);
    expect(st.internal).toEqual({ resident: 0x20_0000, active: 0x20_0000 });
    const lines = formatFdinfo(st).split("\n");
    expect(lines).toContain("panthor-resident-memory:\t2 MiB");
    expect(lines).toContain("drm-active-memory:\t192 KiB");
    // The other file counts the same object as shared.
    expect(fileMemoryStats(other.handle).memory).toMatchObject({ shared: 0x1_0000, private: 0 });
    fence.signal();
    expect(fileMemoryStats(s.c.handle).memory.active).toBe(0);
    s.dev.mmu.vmIdle(s.vm);
    panthorKernelBoDestroy(kbo);
    expect(other.close()).toBe(0);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("fdinfo sizes use the largest unit that divides them, as drm_fdinfo_print_size() does", () => {
    expect(fdinfoSizeLine("drm", "total", "memory", 0)).toBe("drm-total-memory:\t0");
    expect(fdinfoSizeLine("drm", "total", "memory", 1536)).toBe("drm-total-memory:\t1536");
    expect(fdinfoSizeLine("drm", "total", "memory", 2048)).toBe("drm-total-memory:\t2 KiB");
    expect(fdinfoSizeLine("drm", "total", "memory", 3 << 20)).toBe("drm-total-memory:\t3 MiB");
    expect(fdinfoSizeLine("drm", "total", "memory", 2 ** 30)).toBe("drm-total-memory:\t1024 MiB");
    expect(fdinfoSizeLine("panthor", "active", "memory", 0x1800)).toBe(
      "panthor-active-memory:\t6 KiB",
    );
  });

  it("the page-table dump is the VM's canonical io-pgtable dump, and formats one line per entry", () => {
    const s = stack();
    const a = s.c.boCreate(0x1000n);
    expect(s.c.vmBind(s.vmId, [{ boHandle: a.handle, va: 0x4000_1000n, size: 0x1000n }]).ret).toBe(
      0,
    );
    const rows = dumpVmPageTable(s.vm);
    expect(rows).toEqual(dumpIoPgtable(s.vm.pgtable));
    expect(rows.map((r) => [r.level, r.index, r.kind])).toEqual([
      [0, 0, "table"],
      [1, 1, "table"],
      [2, 0, "table"],
      [3, 1, "page"],
    ]);
    const text = formatPageTableDump(rows).split("\n");
    expect(text[0]).toBe(`L0[0] 0x0000000000000000 ${rows[0]?.desc} table -> table 1`);
    expect(text[3]).toBe(`      L3[1] 0x0000000040001000 ${rows[3]?.desc} page`);
    expect(s.c.close()).toBe(0);
    expect(dumpVmPageTable(s.vm)).toEqual([]);
    expect(s.warnings.warnings).toEqual([]);
  });

  it("the device dump shows AS holders, the VMs of every file, their fdinfo and the faults", () => {
    const s = stack();
    const a = s.c.boCreate(0x1000n);
    expect(s.c.vmBind(s.vmId, [{ boHandle: a.handle, va: 0x10_0000n, size: 0x1000n }]).ret).toBe(0);
    expect(s.dev.mmu.vmActive(s.vm)).toBe(0);
    const run = s.sim.gpu.accessProbe.start({
      as: s.vm.asId,
      accesses: [{ va: 0x10_2000, kind: GpuAccessKind.Read, size: 4 }],
    });
    s.sim.loop.runUntil(() => run.done, 1_000_000);
    const d = panthorDeviceDump(s.dev);
    const holder = `client ${s.c.handle.file.clientId} vm 1`;
    expect(d.slots.slice(0, 3)).toEqual([
      { as: 0, holder: "MCU", activeCnt: 1, faulty: false },
      { as: 1, holder, activeCnt: 1, faulty: true },
      { as: 2, holder: null, activeCnt: 0, faulty: false },
    ]);
    expect(d.vms.map((v) => v.holder)).toEqual(["MCU", holder]);
    expect(d.files.map((f) => f.name)).toEqual(["app"]);
    expect(d.faults.length).toBe(1);
    expect(d.counters["mmu.faults"]).toBe(1);
    const text = formatPanthorDump(d);
    expect(text).toContain(`  AS1: ${holder} active 1 FAULTY`);
    expect(text).toContain(`VM ${holder}:\n  DRM GPU VA space (panthor-GPU-VM)`);
    expect(text).toContain('file "app":\n  drm-driver:\tpanthor');
    expect(text).toContain("  Unhandled Page fault in AS1 at VA 0x0000000000102000");
    s.dev.mmu.vmIdle(s.vm);
    expect(s.c.close()).toBe(0);
    expect(s.warnings.warnings).toEqual([]);
  });
});
