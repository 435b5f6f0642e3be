/**
 * The VM core on the simulated G610: page tables the hardware walker reads, cache flushes and
 * lock commands the hardware completes, GPU accesses through the bound AS.
 */
import { GpuAccessKind } from "@panmmu/hw";
import { DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { makeHwStack, SysBo } from "../helpers/hw-stack.js";

const SZ_2M = 0x20_0000;

describe("panthor VM core on a simulated Mali-G610", () => {
  it("a bound VM's mappings are what GPU reads see, before and after a partial huge-page unmap", () => {
    const s = makeHwStack();
    const base = s.sim.memory.allocatedPages;
    const vm = s.userVm();
    expect(s.mmu.vmActive(vm)).toBe(0);
    expect(vm.asId).toBe(1);
    const bo = new SysBo(s.sim, 2 * SZ_2M, true);
    for (let i = 0; i < bo.pages.length; i++) {
      s.sim.memory.writeBytes(bo.pages[i] as number, new Uint8Array([i & 0xff, i >> 8, 0, 0]));
    }
    const lookup = (h: number): SysBo | null => (h === 1 ? bo : null);
    const va = 0x4000_0000;
    const map = {
      flags: 0,
      boHandle: 1,
      boOffset: 0n,
      va: BigInt(va),
      size: BigInt(bo.size),
      syncsCount: 0,
    };
    expect(vm.bindExecSyncOp(lookup, map)).toBe(0);
    expect(s.gpu.counters.flushes).toBeGreaterThan(0);
    const read = (off: number): number => {
      const run = s.sim.gpu.accessProbe.start({
        as: vm.asId,
        accesses: [{ va: va + off, kind: GpuAccessKind.Read, size: 4 }],
      });
      s.sim.loop.runUntil(() => run.done, 1_000_000);
      expect(run.status).toBe(1);
      return run.results[0]?.value ?? -1;
    };
    expect(read(0)).toBe(0);
    expect(read(5 * 4096)).toBe(5);
    expect(read(SZ_2M + 7 * 4096)).toBe(512 + 7);
    // Unmap one page inside the first 2 MiB folio: the block is widened, unmapped and the rest
    // mapped back; reads of the neighbours still see their pages.
    const unmap = {
      flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
      boHandle: 0,
      boOffset: 0n,
      va: BigInt(va + 3 * 4096),
      size: 4096n,
      syncsCount: 0,
    };
    expect(vm.bindExecSyncOp(lookup, unmap)).toBe(0);
    expect(vm.mappings().map((m) => [Number(m.addr), Number(m.range)])).toEqual([
      [va, 3 * 4096],
      [va + 4 * 4096, 2 * SZ_2M - 4 * 4096],
    ]);
    expect(read(2 * 4096)).toBe(2);
    expect(read(4 * 4096)).toBe(4);
    expect(read(SZ_2M)).toBe(512);
    // The unmapped page faults: unhandled, the AS is disabled and the VM flagged.
    const stray = s.sim.gpu.accessProbe.start({
      as: vm.asId,
      accesses: [{ va: va + 3 * 4096, kind: GpuAccessKind.Read, size: 4 }],
    });
    s.sim.loop.runUntil(() => stray.done, 1_000_000);
    expect(stray.status).not.toBe(1);
    expect(s.mmu.faults.map((f) => [f.as, f.va])).toEqual([[1, va + 3 * 4096]]);
    expect(vm.unhandledFault).toBe(true);
    expect(s.mmu.faultyMask).toBe(1 << 1);
    vm.destroy();
    expect(vm.isFreed).toBe(true);
    bo.release();
    expect(bo.pins).toBe(0);
    expect(s.cache.live).toBe(0);
    expect(s.sim.memory.allocatedPages).toBe(base);
    expect(s.warnings.warnings).toEqual([]);
    expect(s.resets).toBe(0);
  });

  it("destroying an active VM tells the scheduler hook first; the freed hook runs at the last put", () => {
    const s = makeHwStack();
    const vm = s.userVm();
    const events: string[] = [];
    vm.hooks = {
      prepareForDestruction: () => events.push(`prepare active=${vm.activeCnt}`),
      freed: () => events.push(`freed as=${vm.asId}`),
    };
    expect(s.mmu.vmActive(vm)).toBe(0);
    vm.get();
    vm.destroy();
    expect(events).toEqual(["prepare active=1"]);
    expect(vm.isFreed).toBe(false);
    s.mmu.vmIdle(vm);
    vm.put();
    expect(events).toEqual(["prepare active=1", "freed as=-1"]);
    // An idle VM is destroyed without the scheduler hook.
    const idle = s.userVm();
    const seen: string[] = [];
    idle.hooks = { prepareForDestruction: () => seen.push("prepare") };
    idle.destroy();
    expect(seen).toEqual([]);
    expect(idle.isFreed).toBe(true);
    expect(s.warnings.warnings).toEqual([]);
  });
});
