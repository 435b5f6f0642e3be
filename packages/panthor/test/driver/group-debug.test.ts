/**
 * Debug views of groups and heaps: fdinfo's `panthor-resident-memory` / `panthor-active-memory`
 * count the file's group kernel BOs (active while the group is on a CSG slot) and its VMs' heap
 * pools (active while the VM holds an AS), as panthor_show_internal_memory_stats() does; the
 * device dump lists each file's groups and queues and the firmware's counters.
 */
import { describe, expect, it } from "vitest";
import { formatPanthorDump, panthorDeviceDump } from "../../src/debug/device-dump.js";
import { fileMemoryStats, formatFdinfo } from "../../src/debug/fdinfo.js";
import { dumpGroups, formatGroupDump } from "../../src/debug/group-dump.js";
import { fwDevice } from "../helpers/fw-device.js";
import { heapCreate } from "../helpers/heap-rig.js";

const SZ_128K = 0x2_0000;

describe("group and heap debug views", () => {
  it("fdinfo's internal memory adds the groups' kernel BOs and the heap pools", () => {
    const t = fwDevice();
    const vm = t.client.vmCreate();
    const base = fileMemoryStats(t.client.handle).internal;
    expect(base).toEqual({ resident: 0, active: 0 });
    const g = t.client.groupCreate(vm.id, [{ ringbufSize: 4096 }]);
    expect(g.ret).toBe(0);
    const group = t.client.handle.priv.groups.get(g.handle);
    const kbo = group?.kboSizes ?? 0;
    expect(kbo).toBe(0x2000 * 2 + 4096 + 4096 + 8192 + 4096);
    let st = fileMemoryStats(t.client.handle);
    expect(st.internal).toEqual({ resident: kbo, active: 0 }); // on no CSG slot yet
    const h = heapCreate(t.client, vm.id, 2, SZ_128K, 4);
    expect(h.ret).toBe(0);
    st = fileMemoryStats(t.client.handle);
    // The heap pool: its 8 KiB context BO and two 128 KiB chunks; the VM holds no AS.
    expect(st.internal).toEqual({ resident: kbo + 0x2000 + 2 * SZ_128K, active: 0 });
    const vmObj = t.client.handle.priv.vms.entries()[0]?.[1];
    if (vmObj === undefined) throw new Error("no vm");
    expect(t.dev.mmu.vmActive(vmObj)).toBe(0);
    st = fileMemoryStats(t.client.handle);
    expect(st.internal.active).toBe(0x2000 + 2 * SZ_128K);
    expect(formatFdinfo(st).split("\n")).toContain(
      `panthor-resident-memory:\t${(kbo + 0x2000 + 2 * SZ_128K) / 1024} KiB`,
    );
    t.dev.mmu.vmIdle(vmObj);
  });

  it("the group dump lists each group and queue; the device dump carries it and the firmware counters", () => {
    const t = fwDevice();
    const vm = t.client.vmCreate();
    t.client.groupCreate(vm.id, [{ ringbufSize: 4096 }, { ringbufSize: 8192, priority: 3 }]);
    t.client.groupCreate(vm.id, [{ ringbufSize: 16384 }], { priority: 1 });
    const groups = dumpGroups(t.client.handle.priv);
    expect(groups.map((g) => [g.handle, g.vmId, g.state, g.csgId, g.priority])).toEqual([
      [1, vm.id, "Created", -1, 0],
      [2, vm.id, "Created", -1, 1],
    ]);
    expect(
      groups[0]?.queues.map((q) => [q.priority, q.ringbufSize, q.insert, q.extract, q.doorbell]),
    ).toEqual([
      [0, 4096, 0, 0, -1],
      [3, 8192, 0, 0, -1],
    ]);
    const text = formatGroupDump(groups);
    expect(text.split("\n")[0]).toMatch(/^group 1: vm 1 Created csg -1 prio 0 kbo \d+ B$/);
    expect(text).toContain("  queue 1: prio 3 ring 0x");
    const dump = panthorDeviceDump(t.dev);
    expect(dump.groups).toEqual([{ file: "fw-client", groups }]);
    expect(dump.counters["fw.boots"]).toBe(1);
    const all = formatPanthorDump(dump);
    expect(all).toContain('groups of "fw-client":');
    expect(all).toContain("fw.boots = 1");
  });
});
