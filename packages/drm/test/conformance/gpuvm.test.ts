/**
 * drm_gpuvm golden conformance: every case of `golden/gpuvm` (or `$PANMMU_GOLDEN_ROOT/gpuvm`)
 * is replayed request by request on one VM, comparing return codes, every step (all fields, in
 * order), the ops-create lists, the lookups and the resulting mapping list.
 */

import { goldenBigInt, loadGoldenCases } from "@panmmu/fixtures";
import { CollectingWarningSink } from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import { checkIntervalTree, GpuVm, type GpuVmGemObject, u64Hex } from "../../src/gpuvm/index.js";
import {
  applyingOps,
  type MRecord,
  mappingRecords,
  removeAll,
  type StepContext,
  type StepRecord,
  stepContext,
  stepRecord,
  TestGem,
  vaRecord,
} from "../gpuvm/harness.js";

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(o: Json, key: string): unknown {
  if (!(key in o)) throw new Error(`golden record lacks "${key}": ${JSON.stringify(o)}`);
  return o[key];
}

function big(o: Json, key: string): bigint {
  return goldenBigInt(field(o, key));
}

function hex(v: unknown): string {
  return u64Hex(goldenBigInt(v));
}

/** Golden mapping record with integers re-rendered canonically. */
function normM(v: unknown): MRecord | null {
  if (v === null) return null;
  if (!isRecord(v)) throw new Error(`bad mapping record ${JSON.stringify(v)}`);
  const obj = field(v, "obj");
  if (obj !== null && typeof obj !== "number") throw new Error(`bad obj ${String(obj)}`);
  const m: MRecord = {
    addr: hex(field(v, "addr")),
    range: hex(field(v, "range")),
    obj,
    offset: hex(field(v, "offset")),
  };
  if (v.kernel_reserved === true) m.kernel_reserved = true;
  return m;
}

function normUnmap(v: unknown): { va: MRecord; keep: boolean } {
  if (!isRecord(v)) throw new Error("bad unmap");
  const va = normM(field(v, "va"));
  const keep = field(v, "keep");
  if (va === null || typeof keep !== "boolean") throw new Error("bad unmap");
  return { va, keep };
}

function normStep(v: unknown): StepRecord {
  if (!isRecord(v)) throw new Error("bad step");
  switch (field(v, "op")) {
    case "map": {
      const map = normM(field(v, "map"));
      if (map === null) throw new Error("bad map step");
      return { op: "map", map };
    }
    case "unmap":
      return { op: "unmap", unmap: normUnmap(field(v, "unmap")) };
    case "remap": {
      const ur = field(v, "unmap_range");
      if (!isRecord(ur)) throw new Error("bad unmap_range");
      return {
        op: "remap",
        prev: normM(field(v, "prev")),
        next: normM(field(v, "next")),
        unmap: normUnmap(field(v, "unmap")),
        unmap_range: { addr: hex(field(ur, "addr")), range: hex(field(ur, "range")) },
      };
    }
    default:
      throw new Error(`unknown step op ${String(v.op)}`);
  }
}

function normList<T>(v: unknown, f: (x: unknown) => T): T[] {
  if (!Array.isArray(v)) throw new Error("expected a list");
  return v.map(f);
}

function replayCase(data: unknown): void {
  if (!isRecord(data)) throw new Error("case is not an object");
  const init = field(data, "init");
  const requests = field(data, "requests");
  if (!isRecord(init) || !Array.isArray(requests)) throw new Error("bad case");

  const warnings = new CollectingWarningSink();
  let freed = 0;
  const vm = GpuVm.init<StepContext>(
    "golden",
    big(init, "mm_start"),
    big(init, "mm_range"),
    big(init, "reserve_offset"),
    big(init, "reserve_range"),
    { ...applyingOps, vmFree: () => freed++ },
    { warnings },
  );
  const objects = new Map<number, TestGem>();
  const objOf = (v: unknown): GpuVmGemObject | null => {
    if (v === null) return null;
    if (typeof v !== "number") throw new Error(`bad obj ${String(v)}`);
    let o = objects.get(v);
    if (o === undefined) {
      o = new TestGem(v);
      objects.set(v, o);
    }
    return o;
  };
  const lookup = (va: ReturnType<typeof vm.findFirst>): MRecord | null =>
    va === null ? null : vaRecord(vm, va);

  requests.forEach((r: unknown, i: number) => {
    if (!isRecord(r)) throw new Error(`request ${i} is not an object`);
    const where = `request #${i} ${JSON.stringify(r).slice(0, 160)}`;
    const kind = field(r, "req");
    switch (kind) {
      case "map":
      case "unmap": {
        const addr = big(r, "addr");
        const range = big(r, "range");
        const obj = kind === "map" ? objOf(field(r, "obj")) : null;
        const offset = kind === "map" ? big(r, "offset") : 0n;

        const listed =
          kind === "map"
            ? vm.smMapOpsCreate(addr, range, obj, offset)
            : vm.smUnmapOpsCreate(addr, range);
        const listedRc = typeof listed === "number" ? listed : 0;
        const listedSteps = typeof listed === "number" ? [] : listed.map(stepRecord);

        const ctx = stepContext(vm);
        const rc =
          kind === "map" ? vm.smMap(ctx, addr, range, obj, offset) : vm.smUnmap(ctx, addr, range);

        const oc = field(r, "ops_create");
        if (!isRecord(oc)) throw new Error("bad ops_create");
        expect({ rc, steps: ctx.log }, where).toEqual({
          rc: field(r, "rc"),
          steps: normList(field(r, "steps"), normStep),
        });
        expect(listedRc, `${where} ops_create rc`).toBe(field(oc, "rc"));
        if (field(oc, "same_as_steps") === true) {
          expect(listedSteps, `${where} ops_create steps`).toEqual(ctx.log);
        }
        expect(mappingRecords(vm), `${where} mappings`).toEqual(
          normList(field(r, "mappings"), normM),
        );
        expect(checkIntervalTree(vm.tree), where).toBeNull();
        break;
      }
      case "range_valid":
        expect(vm.rangeValid(big(r, "addr"), big(r, "range")), where).toBe(field(r, "result"));
        break;
      case "interval_empty":
        expect(vm.intervalEmpty(big(r, "addr"), big(r, "range")), where).toBe(field(r, "result"));
        break;
      case "find_first":
        expect(lookup(vm.findFirst(big(r, "addr"), big(r, "range"))), where).toEqual(
          normM(field(r, "result")),
        );
        break;
      case "find":
        expect(lookup(vm.find(big(r, "addr"), big(r, "range"))), where).toEqual(
          normM(field(r, "result")),
        );
        break;
      case "find_prev":
        expect(lookup(vm.findPrev(big(r, "start"))), where).toEqual(normM(field(r, "result")));
        break;
      case "find_next":
        expect(lookup(vm.findNext(big(r, "end"))), where).toEqual(normM(field(r, "result")));
        break;
      default:
        throw new Error(`unknown request kind ${String(kind)}`);
    }
  });

  // Teardown as the harness that produced the vectors did: nothing may leak.
  removeAll(vm);
  expect(vm.vaCount).toBe(vm.kernelAllocNode.inTree ? 1 : 0);
  expect(vm.extobjList.size + vm.evictList.size).toBe(0);
  for (const o of objects.values()) {
    expect(o.gpuva.size, `object ${o.id} vm_bos`).toBe(0);
    expect(o.refs, `object ${o.id} refs`).toBe(1);
  }
  expect(vm.refcount).toBe(1);
  vm.put();
  expect(freed).toBe(1);
  // Only the init-time overflow warnings of the kernel may appear.
  for (const w of warnings.warnings) expect(w.where).toBe("drm_gpuvm_init");
}

describe("drm_gpuvm golden vectors", () => {
  for (const c of loadGoldenCases("gpuvm")) {
    it(c.title, () => replayCase(c.data));
  }
});
