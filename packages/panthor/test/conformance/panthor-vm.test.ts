/**
 * panthor-vm golden vectors (Linux 6.18.y panthor_mmu.c with the atomic page-table update
 * series, run end to end): every synchronous VM_BIND op's return value, AS register writes in
 * order, page-table pages reserved/used/returned/freed, gpuva list, table count and leaf dump,
 * then the VM's teardown. One test per case.
 */
import { goldenBigInt, goldenNumber, loadGoldenCases } from "@panmmu/fixtures";
import { describe, expect, it } from "vitest";
import { PanthorMmu } from "../../src/mmu/as-manager.js";
import { PtCache } from "../../src/vm/pt-cache.js";
import type { PtStats } from "../../src/vm/vm-types.js";
import { createUserVm } from "../helpers/hw-stack.js";
import { bindOp, consistent, GoldenBo, goldenEnv, hex, leafRuns } from "../support/vm-golden.js";

type Json = Record<string, unknown>;

/** The register trace of a golden step as `[offset, value]` pairs. */
function regsOf(step: Json): Array<[string, string]> {
  return (step.regs as unknown[][]).map((r) => [String(r[1]), String(r[2])]);
}

function ptDelta(before: PtStats, after: PtStats): Json {
  return {
    reserved: after.reserved - before.reserved,
    used: after.used - before.used,
    returned: after.returned - before.returned,
    freed: after.freed - before.freed,
  };
}

function runCase(c: Json): void {
  const device = c.device as Json;
  const setup = c.setup as Json;
  const env = goldenEnv(device);
  const mmu = new PanthorMmu(env);
  expect(env.mmio.take(), "init regs").toEqual(regsOf({ regs: setup.initRegs }));
  const cache = new PtCache(env.memory);
  const bos = new Map<number, GoldenBo>();
  for (const b of c.bos as Json[])
    bos.set(goldenNumber(b.handle), new GoldenBo(goldenNumber(b.handle), b));
  const lookup = (h: number): GoldenBo | null => bos.get(h) ?? null;

  const vm = createUserVm(mmu, cache);
  expect(hex(vm.transtab), "transtab").toBe(setup.transtab);
  expect(hex((BigInt(vm.memattrHi) << 32n) | BigInt(vm.memattrLo)), "memattr").toBe(setup.memattr);
  const vm2 = c.secondVm === true ? createUserVm(mmu, cache) : null;
  if (vm2 !== null) expect(hex(vm2.transtab), "vm2 transtab").toBe(setup.vm2Transtab);
  expect(env.memory.livePages, "tables after create").toBe(
    goldenNumber(setup.tablePagesAfterCreate),
  );
  if (c.resident === true) {
    expect(mmu.vmActive(vm), "activeRet").toBe(goldenNumber(setup.activeRet));
  }
  expect(vm.asId, "asId after setup").toBe(goldenNumber(setup.asId));
  expect(env.mmio.take(), "setup regs").toEqual(regsOf(setup));

  (c.ops as Json[]).forEach((op, i) => {
    const input = op.input as Json;
    const what = `op ${i} ${JSON.stringify(input)}`;
    const before = { ...vm.ptStats };
    const warned = env.warnings.warnings.length;
    let ret: number;
    if (input.kind === "active") ret = mmu.vmActive(vm);
    else if (input.kind === "idle") {
      mmu.vmIdle(vm);
      ret = 0;
    } else if (input.kind === "evict") {
      if (vm2 === null) throw new Error("evict without a second VM");
      ret = mmu.vmActive(vm2);
      if (ret === 0) mmu.vmIdle(vm2);
    } else {
      ret = vm.bindExecSyncOp(lookup, bindOp(input));
    }
    expect(ret, `ret ${what}`).toBe(goldenNumber(op.ret));
    expect(env.mmio.take(), `regs ${what}`).toEqual(regsOf(op));
    expect(ptDelta(before, vm.ptStats), `pt ${what}`).toEqual(op.pt);
    expect(env.warnings.warnings.length > warned, `warned ${what}`).toBe(
      (op.warn as unknown[]).length > 0,
    );
    expect(vm.unusable, `unusable ${what}`).toBe(op.unusable);
    expect(vm.asId, `asId ${what}`).toBe(goldenNumber(op.asId));
    const gpuvas = vm.mappings().map((va) => ({
      va: hex(BigInt(va.addr)),
      range: hex(BigInt(va.range)),
      bo: (va.obj as GoldenBo).handle,
      offset: hex(BigInt(va.offset)),
      flags: va.mapFlags,
    }));
    expect(gpuvas, `gpuvas ${what}`).toEqual(op.gpuvas);
    const { leaves, tables } = leafRuns(vm);
    expect(tables, `tables ${what}`).toBe(goldenNumber(op.tables));
    expect(leaves, `leaves ${what}`).toEqual(
      (op.leaves as Json[]).map((l) => ({
        iova: hex(goldenBigInt(l.iova)),
        level: goldenNumber(l.level),
        pte: hex(goldenBigInt(l.pte)),
        n: goldenNumber(l.n),
      })),
    );
    expect(consistent(vm, leaves), `consistent ${what}`).toBe(op.consistent);
    expect(env.resets, `reset ${what}`).toBe(op.resetScheduled === true ? 1 : 0);
  });

  const teardown = c.teardown as Json;
  const before = { ...vm.ptStats };
  vm.destroy();
  expect(vm.isFreed, "VM freed").toBe(true);
  expect(env.mmio.take(), "teardown regs").toEqual(regsOf(teardown));
  expect(ptDelta(before, vm.ptStats), "teardown pt").toEqual(teardown.pt);
  vm2?.destroy();
  expect(env.memory.livePages, "page-table pages left").toBe(0);
  expect(cache.live, "cache pages left").toBe(0);
  for (const bo of bos.values()) expect(bo.pins, `BO ${bo.handle} pins`).toBe(0);
}

describe("panthor-vm golden vectors", () => {
  const cases = loadGoldenCases("panthor-vm");
  it.each(cases.map((c) => [c.title, c] as const))("%s", (_title, c) => {
    runCase(c.data as Json);
  });
});
