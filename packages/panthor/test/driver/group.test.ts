/**
 * GROUP_CREATE / GROUP_DESTROY / GROUP_GET_STATE (spec 1.8 and 1.11) on a device probed with
 * firmware: every check in kernel order with its errno and nothing left behind on failure;
 * the kernel objects a group and its queues get (suspend buffers and queue interfaces in the
 * MCU VM, sync objects, rings and profiling slots in the group's VM); destroy, file close and
 * the VM reference a group holds.
 */

import { createPlatform } from "@panmmu/hw";
import {
  DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC,
  DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED,
  EACCES,
  EBUSY,
  EINVAL,
  ENODEV,
  PANTHOR_GROUP_PRIORITY_HIGH,
  PANTHOR_GROUP_PRIORITY_MEDIUM,
  PANTHOR_GROUP_PRIORITY_REALTIME,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { PanthorClient } from "../../src/client/client.js";
import { PanthorDevice } from "../../src/device/device.js";
import type { PanthorGroup } from "../../src/sched/group.js";
import { fwDevice } from "../helpers/fw-device.js";

const Q4K = [{ ringbufSize: 4096 }];

function setup(privileged = false) {
  const t = fwDevice({}, privileged);
  const vm = t.client.vmCreate();
  expect(vm.ret).toBe(0);
  // Page-table pages stay with their VM after an unmap (io-pgtable frees tables only with
  // the VM), so "nothing left" is counted in GEM objects and mappings.
  // The pool's get() takes a reference; entries() does not.
  const vmOf = (id: number) => t.client.handle.priv.vms.entries().find(([i]) => i === id)?.[1];
  const counts = () => ({
    objects: t.dev.drm.objects.size,
    mappings: vmOf(vm.id)?.mappings().length ?? -1,
    mcuMappings: t.dev.mcuVm.mappings().length,
  });
  const group = (handle: number): PanthorGroup => {
    const g = t.client.handle.priv.groups.get(handle);
    if (g === null) throw new Error(`no group ${handle}`);
    return g;
  };
  return { ...t, vmId: vm.id, counts, group, vmOf };
}

describe("GROUP_CREATE", () => {
  it("creates a group with its kernel objects: suspend buffers and queue interfaces in the MCU VM, sync objects, ring and profiling slots in the group's VM", () => {
    const t = setup();
    const r = t.client.groupCreate(t.vmId, [
      { ringbufSize: 4096 },
      { ringbufSize: 64 * 1024, priority: 15 },
    ]);
    expect(r).toEqual({ ret: 0, handle: 1 });
    const g = t.group(1);
    const vm = t.vmOf(t.vmId);
    expect(g.vm).toBe(vm);
    for (const b of [g.suspendBuf, g.protmSuspendBuf]) {
      expect(b.vm).toBe(t.dev.mcuVm);
      expect(b.size).toBe(0x2000);
      expect(b.obj.label).toBe("FW suspend buffer");
    }
    expect(g.syncobjs.vm).toBe(vm);
    expect(g.syncobjs.obj.size).toBe(4096); // 2 queues × 16 bytes, in a page
    expect(g.syncobjs.kmap?.read(0, 32)).toEqual(new Uint8Array(32));
    expect(g.queues).toHaveLength(2);
    const [q0, q1] = g.queues;
    expect(q0?.ringbuf.size).toBe(4096);
    expect(q0?.ringbuf.obj.label).toBe("CS ring buffer");
    expect(q1?.ringbuf.size).toBe(64 * 1024);
    expect(q1?.priority).toBe(15);
    expect(q0?.iface.mem.vm).toBe(t.dev.mcuVm);
    expect(q0?.iface.mem.size).toBe(8192);
    expect(q0?.iface.outputFwVa).toBe((q0?.iface.inputFwVa ?? 0) + 4096);
    expect(q0?.profilingSlotCount).toBe(32);
    expect(q1?.profilingSlotCount).toBe(512);
    expect(q0?.name).toBe(`panthor-queue-${t.client.handle.file.clientId}-1-0`);
    // Ring and sync objects are mapped NOEXEC|UNCACHED at kernel auto-VAs of the group's VM.
    const flags = DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC | DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED;
    const flagsAt = (va: number): number | undefined =>
      vm?.mappings().find((m) => Number(m.addr) === va)?.mapFlags;
    expect(flagsAt(q0?.ringbuf.gpuVa ?? 0)).toBe(flags);
    expect(flagsAt(g.syncobjs.gpuVa)).toBe(flags);
    expect(g.idleQueues).toBe(0b11);
    // suspend ×2, sync objects, rings, interfaces ×2, profiling slots (1 KiB and 16 KiB, page-rounded)
    expect(g.kboSizes).toBe(0x2000 * 2 + 4096 + 4096 + 65536 + 8192 * 2 + 4096 + 16384);
    expect(t.client.groupGetState(1).out.state).toBe(0);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("handles count from 1 and the 129th live group of a file is -EBUSY", () => {
    const t = setup();
    for (let i = 1; i <= 128; i++) expect(t.client.groupCreate(t.vmId, Q4K).handle).toBe(i);
    const before = t.counts();
    expect(t.client.groupCreate(t.vmId, Q4K).ret).toBe(-EBUSY);
    expect(t.counts()).toEqual(before);
    expect(t.client.groupDestroy(17)).toBe(0);
    expect(t.client.groupCreate(t.vmId, Q4K).handle).toBe(17);
  });

  const bad: [string, number, (t: ReturnType<typeof setup>) => { ret: number }][] = [
    ["no queue", EINVAL, (t) => t.client.groupCreate(t.vmId, [])],
    [
      "33 queues",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, Array(33).fill({ ringbufSize: 4096 })),
    ],
    ["priority past REALTIME", EINVAL, (t) => t.client.groupCreate(t.vmId, Q4K, { priority: 4 })],
    [
      "HIGH without privilege",
      EACCES,
      (t) => t.client.groupCreate(t.vmId, Q4K, { priority: PANTHOR_GROUP_PRIORITY_HIGH }),
    ],
    [
      "REALTIME without privilege",
      EACCES,
      (t) => t.client.groupCreate(t.vmId, Q4K, { priority: PANTHOR_GROUP_PRIORITY_REALTIME }),
    ],
    ["a non-zero pad", EINVAL, (t) => t.client.groupCreate(t.vmId, Q4K, { pad: 1 })],
    [
      "a compute core not present",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, Q4K, { compute_core_mask: 1n << 40n }),
    ],
    [
      "a fragment core not present",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, Q4K, { fragment_core_mask: 1n << 63n }),
    ],
    [
      "a tiler not present",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, Q4K, { tiler_core_mask: 2n }),
    ],
    [
      "more compute cores than the mask has",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, Q4K, { compute_core_mask: 1n, max_compute_cores: 2 }),
    ],
    [
      "more tilers than the mask has",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, Q4K, { max_tiler_cores: 2 }),
    ],
    ["an unknown VM", EINVAL, (t) => t.client.groupCreate(t.vmId + 1, Q4K)],
    [
      "a queue pad",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, [{ ringbufSize: 4096, pad: [0, 1, 0] }]),
    ],
    ["a 2 KiB ring", EINVAL, (t) => t.client.groupCreate(t.vmId, [{ ringbufSize: 2048 }])],
    ["a 12 KiB ring", EINVAL, (t) => t.client.groupCreate(t.vmId, [{ ringbufSize: 12288 }])],
    ["a 128 KiB ring", EINVAL, (t) => t.client.groupCreate(t.vmId, [{ ringbufSize: 128 * 1024 }])],
    [
      "a queue priority of 16",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, [{ ringbufSize: 4096, priority: 16 }]),
    ],
    [
      "a bad second queue",
      EINVAL,
      (t) => t.client.groupCreate(t.vmId, [{ ringbufSize: 4096 }, { ringbufSize: 4095 }]),
    ],
  ];
  it.each(bad)("%s: %i, nothing created", (_what, errno, call) => {
    const t = setup();
    const before = t.counts();
    expect(call(t).ret).toBe(-errno);
    expect(t.counts()).toEqual(before);
    expect(t.client.handle.priv.groups.size).toBe(0);
    expect(t.warnings.warnings).toEqual([]);
  });

  it("HIGH and REALTIME are allowed to a privileged file; MEDIUM to anyone", () => {
    const t = setup(true);
    expect(
      t.client.groupCreate(t.vmId, Q4K, { priority: PANTHOR_GROUP_PRIORITY_REALTIME }).ret,
    ).toBe(0);
    expect(t.client.groupCreate(t.vmId, Q4K, { priority: PANTHOR_GROUP_PRIORITY_HIGH }).ret).toBe(
      0,
    );
    const u = setup();
    expect(u.client.groupCreate(u.vmId, Q4K, { priority: PANTHOR_GROUP_PRIORITY_MEDIUM }).ret).toBe(
      0,
    );
  });

  it("without firmware (probe without a firmware store) the group ioctls answer -ENODEV", () => {
    const sim = createPlatform("g610");
    const dev = PanthorDevice.probe(sim.platform);
    if (typeof dev === "number") throw new Error("probe");
    const c = PanthorClient.open(dev);
    if (typeof c === "number") throw new Error("open");
    const vm = c.vmCreate();
    expect(c.groupCreate(vm.id, Q4K).ret).toBe(-ENODEV);
  });
});

describe("GROUP_DESTROY, GROUP_GET_STATE, file close", () => {
  it("destroy frees every kernel object of the group; a second destroy, a bad pad or an unknown handle is -EINVAL", () => {
    const t = setup();
    const before = t.counts();
    const { handle } = t.client.groupCreate(t.vmId, [{ ringbufSize: 8192 }, { ringbufSize: 4096 }]);
    expect(t.counts().objects).toBe(before.objects + 3 + 2 * 3);
    expect(t.counts().mcuMappings).toBe(before.mcuMappings + 2 + 2);
    expect(t.client.groupDestroy(handle, 1)).toBe(-EINVAL);
    expect(t.client.groupDestroy(handle)).toBe(0);
    t.sim.loop.advance(1_000_000); // the termination and release run as work items
    expect(t.counts()).toEqual(before);
    expect(t.client.groupDestroy(handle)).toBe(-EINVAL);
    expect(t.client.groupDestroy(99)).toBe(-EINVAL);
  });

  it("GET_STATE rewrites the whole struct (the handle reads 0); a bad pad or handle is -EINVAL", () => {
    const t = setup();
    const { handle } = t.client.groupCreate(t.vmId, Q4K);
    const r = t.client.groupGetState(handle);
    expect(r.ret).toBe(0);
    expect(r.out).toEqual({ group_handle: 0, state: 0, fatal_queues: 0, pad: 0 });
    expect(t.client.groupGetState(handle, 1).ret).toBe(-EINVAL);
    expect(t.client.groupGetState(handle + 1).ret).toBe(-EINVAL);
    // Flags follow the group's state.
    const g = t.group(handle);
    g.timedout = true;
    g.fatalQueues = 1;
    expect(t.client.groupGetState(handle).out).toMatchObject({ state: 3, fatal_queues: 1 });
  });

  it("a group keeps its VM alive after VM_DESTROY; the VM goes with the group", () => {
    const t = setup();
    const { handle } = t.client.groupCreate(t.vmId, Q4K);
    const vm = t.group(handle).vm;
    expect(t.client.vmDestroy(t.vmId)).toBe(0);
    expect(vm.isFreed).toBe(false);
    expect(t.client.groupDestroy(handle)).toBe(0);
    t.sim.loop.advance(1_000_000);
    expect(vm.isFreed).toBe(true);
  });

  it("closing the file destroys its groups, then its VMs: nothing is left", () => {
    const t = setup();
    const base = t.sim.memory.allocatedPages;
    const objects = t.dev.drm.objects.size;
    for (let i = 0; i < 5; i++)
      t.client.groupCreate(t.vmId, [{ ringbufSize: 16384 }, { ringbufSize: 4096 }]);
    expect(t.dev.drm.objects.size).toBeGreaterThan(objects);
    expect(t.client.close()).toBe(0);
    t.sim.loop.advance(1_000_000);
    expect(t.dev.drm.objects.size).toBeLessThan(objects);
    expect(t.sim.memory.allocatedPages).toBeLessThan(base);
    expect(t.warnings.warnings).toEqual([]);
  });
});
