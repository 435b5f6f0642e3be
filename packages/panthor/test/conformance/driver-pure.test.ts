import { goldenBigInt, goldenNumber, loadGoldenCases } from "@panmmu/fixtures";
import { encodeLockAddrU64, mairToMemattrU64 } from "@panmmu/hw";
import { pgsizeChunkU64 } from "@panmmu/iopgtable";
import { describe, expect, it } from "vitest";
import {
  flagsToProt,
  mapOpPtCount,
  packRegionRange,
  unmapOpPtCount,
  vmCreateCheckArgs,
  vmLockRegionStep,
  vmTranscfg,
} from "../../src/index.js";

type Json = Record<string, unknown>;
const hex = (v: bigint): string => `0x${v.toString(16)}`;
const hexOrNull = (v: bigint | null): string | null => (v === null ? null : hex(v));

/** Runs one golden case of a panthor driver-pure function family; returns the computed output. */
const families: Record<string, (input: Json) => Json> = {
  "flags_to_prot (panthor)": (i) => {
    const prot = flagsToProt(goldenNumber(i.flags));
    return { prot };
  },
  "get_pgsize (panthor)": (i) => {
    const r = pgsizeChunkU64(goldenBigInt(i.addr), goldenBigInt(i.size));
    return { pgsize: hex(r.pgsize), count: Number(r.count) };
  },
  "lock_region (panthor, seed revision)": (i) => {
    const size = goldenBigInt(i.size);
    if (size === 0n) {
      return {
        lock_issued: false,
        lockaddr: null,
        region_width: null,
        locked_start: null,
        locked_size: null,
      };
    }
    const r = encodeLockAddrU64(goldenBigInt(i.start), size);
    if (r === null) throw new Error("non-zero size gave no LOCK region");
    return {
      lock_issued: true,
      lockaddr: hex(r.lockaddr),
      region_width: r.width,
      locked_start: hex(r.lockedStart),
      locked_size: hex(r.lockedSize),
    };
  },
  "mair_to_memattr (panthor)": (i) => ({
    memattr: hex(mairToMemattrU64(goldenBigInt(i.mair), i.coherent === true)),
  }),
  "pack_region_range (panthor, atomic page table updates)": (i) => {
    const r = packRegionRange(goldenBigInt(i.start), goldenBigInt(i.size));
    return { lockaddr: hex(r.lockaddr), start: hex(r.start), size: hex(r.size), warned: r.warned };
  },
  "panthor_vm_active (AS_TRANSCFG value)": (i) => ({
    transcfg: hex(BigInt(vmTranscfg(goldenNumber(i.va_bits), i.coherent === true))),
  }),
  "panthor_vm_create_check_args + panthor_vm_create_get_user_va_range": (i) => {
    const r = vmCreateCheckArgs(
      goldenNumber(i.va_bits),
      goldenBigInt(i.user_va_range),
      goldenNumber(i.flags),
      goldenBigInt(i.task_size),
    );
    const ok = r.ret === 0;
    return {
      ret: r.ret,
      user_va_range: hex(r.userVaRange),
      kernel_va_start: ok ? hex(r.kernelVaStart) : null,
      kernel_va_range: ok ? hex(r.kernelVaRange) : null,
      reported_user_va_range: ok ? hex(r.reportedUserVaRange) : null,
    };
  },
  "panthor_vm_lock_region (decision logic)": (i) => {
    const status = goldenNumber(i.lock_cmd_status);
    const r = vmLockRegionStep(
      { start: goldenBigInt(i.locked_start), size: goldenBigInt(i.locked_size) },
      goldenNumber(i.as_id) >= 0,
      goldenBigInt(i.req_start),
      goldenBigInt(i.req_size),
      () => status,
    );
    return {
      ret: r.ret,
      already_locked: r.alreadyLocked,
      lock_issued: r.lockIssued,
      lockaddr: hexOrNull(r.lockaddr),
      locked_start: hex(r.locked.start),
      locked_size: hex(r.locked.size),
      warned_disjoint: r.warnedDisjoint,
    };
  },
  "panthor_vm_prepare_map_op_ctx (pt_count expression)": (i) => ({
    pt_count: Number(mapOpPtCount(goldenBigInt(i.va), goldenBigInt(i.size))),
  }),
  "panthor_vm_prepare_unmap_op_ctx (pt_count)": (i) => ({
    pt_count: unmapOpPtCount(goldenBigInt(i.va), goldenBigInt(i.size)),
  }),
};

/** Compares only the fields the golden output names (extra descriptive fields such as prot_names aside). */
function expectOutput(actual: Json, expected: Json): void {
  for (const [k, v] of Object.entries(actual)) {
    expect(k in expected, `golden output lacks ${k}`).toBe(true);
    const e = expected[k];
    if (typeof v === "string" && typeof e === "string")
      expect(goldenBigInt(v)).toBe(goldenBigInt(e));
    else expect(v, k).toEqual(e);
  }
}

// Every case of every panthor function family in the driver-pure area; a family we do not
// implement fails loudly instead of being skipped.
const cases = loadGoldenCases("driver-pure").filter((c) => {
  const fn = (c.document as Json).function;
  return typeof fn === "string" && fn.includes("panthor");
});

describe("driver-pure (panthor)", () => {
  it("has panthor cases", () => expect(cases.length).toBeGreaterThan(0));
  for (const c of cases) {
    it(c.title, () => {
      const fn = (c.document as Json).function as string;
      const run = families[fn];
      expect(run, `no implementation for ${fn}`).toBeDefined();
      const data = c.data as { input: Json; output: Json };
      expectOutput(run!(data.input), data.output);
    });
  }
});
