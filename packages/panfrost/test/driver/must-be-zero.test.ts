/**
 * Must-be-zero fields: every padding and reserved field of every panfrost ioctl, checked the way
 * Linux's panfrost_drv.c checks it. Each row sets one field non-zero on an otherwise valid call
 * and expects Linux's result: -EINVAL with no state change where the kernel validates the field,
 * or the valid call's result where it ignores it (GET_BO_OFFSET's pad).
 *
 * The table is keyed by ioctl and field and is checked for completeness against the uapi structs
 * of the driver's ioctl table: a new must-be-zero field needs a row here. The panthor driver's
 * ioctls get the same kind of table in that package (today it covers the VM_CREATE validation
 * panthor's helpers implement); the rows there grow with the driver.
 */
import { DmaResvUsage, drmSyncobjFind } from "@panmmu/drm";
import { igtNullJobImage, ProgramBuilder } from "@panmmu/hw";
import {
  type AnyStruct,
  DRM_IOCTL_PANFROST_CREATE_BO,
  DRM_IOCTL_PANFROST_GET_BO_OFFSET,
  DRM_IOCTL_PANFROST_GET_PARAM,
  DRM_IOCTL_PANFROST_JM_CTX_DESTROY,
  DRM_IOCTL_PANFROST_MMAP_BO,
  DRM_IOCTL_PANFROST_SET_LABEL_BO,
  DRM_IOCTL_PANFROST_SUBMIT,
  DRM_IOCTL_PANFROST_WAIT_BO,
  DRM_PANFROST_PARAM_GPU_PROD_ID,
  EINVAL,
  findIoctl,
  PANFROST_BO_NOEXEC,
  PANFROST_IOCTLS,
  PANFROST_JM_CTX_PRIORITY_LOW,
} from "@panmmu/uapi";
import { describe, expect, it } from "vitest";
import type { PanfrostClient } from "../../src/client/client.js";
import { submitProgram } from "../../src/client/program.js";
import { panfrostIoctls } from "../../src/ioctl/table.js";
import { makeStack, type Stack } from "../helpers/stack.js";

const MS = 1_000_000;

/** A file with one of everything a valid call of each ioctl needs. */
interface Env {
  s: Stack;
  c: PanfrostClient;
  /** An idle BO labelled "before". */
  bo: { handle: number; offset: number };
  /** A BO holding a null job, for SUBMIT's jc. */
  jobBo: { handle: number; offset: number };
  /** A BO a running job writes to 20 ms from now (busy until then). */
  busyBo: number;
  /** An unsignalled syncobj for SUBMIT's out_sync. */
  outSync: number;
  /** A LOW-priority JM context. */
  jmCtx: number;
  /** User pointer to the label "after". */
  label: bigint;
  /** User pointer to one u32: jobBo's handle. */
  jobBoHandles: bigint;
}

function makeEnv(): Env {
  const s = makeStack();
  const c = s.open();
  const bo = c.createBo(4096, PANFROST_BO_NOEXEC);
  const jobBo = c.createBo(4096);
  const view = c.map(jobBo.handle);
  if (typeof view === "number") throw new Error(`map: ${view}`);
  view.write(0, igtNullJobImage());
  view.munmap();
  const busy = c.createBo(4096, PANFROST_BO_NOEXEC);
  const writer = submitProgram(
    c,
    new ProgramBuilder()
      .delay(20 * MS)
      .write32(busy.offset, 1)
      .end()
      .buildBytes(),
    [busy.handle],
  );
  const outSync = c.syncobjCreate(0);
  const jmCtx = c.jmCtxCreate(PANFROST_JM_CTX_PRIORITY_LOW);
  const label = c.user.alloc(16, 8);
  c.user.write(label, new TextEncoder().encode("after\0"));
  const before = c.user.alloc(16, 8);
  c.user.write(before, new TextEncoder().encode("before\0"));
  const setup = [bo.ret, jobBo.ret, busy.ret, writer.ret, outSync.ret, jmCtx.ret];
  if (setup.some((r) => r !== 0)) throw new Error(`setup failed: ${setup.join(",")}`);
  const env: Env = {
    s,
    c,
    bo,
    jobBo,
    busyBo: busy.handle,
    outSync: outSync.handle,
    jmCtx: jmCtx.handle,
    label,
    jobBoHandles: c.u32Array([jobBo.handle]),
  };
  if (issue(env, DRM_IOCTL_PANFROST_SET_LABEL_BO, { handle: bo.handle, label: before }).ret !== 0) {
    throw new Error("setup: SET_LABEL_BO");
  }
  return env;
}

/** Everything an ioctl could change that the tests can see. */
function snapshot(env: Env): unknown {
  const { s, c } = env;
  const out = drmSyncobjFind(c.handle.file, env.outSync);
  const fence = out?.findFence(0);
  out?.put();
  return {
    now: s.sim.loop.now,
    pages: s.sim.memory.allocatedPages,
    bos: [...s.dev.bos].map((b) => ({
      size: b.size,
      flags: b.flags,
      label: b.label,
      madv: b.madv,
      gpuUsecount: b.gpuUsecount,
      mappings: b.mappings.length,
      idle: b.resv.testSignaled(DmaResvUsage.READ),
    })),
    jobs: { ...s.dev.jobs.counters },
    jmCtxs: [0, 1, 2, 3].map((h) => s.dev.jobs.jmCtxs.lookup(c.handle.priv, h) !== null),
    outSyncFence:
      fence === undefined || typeof fence === "number"
        ? fence
        : [fence.fence.context, fence.fence.seqno],
    warnings: [...s.warnings.warnings],
  };
}

/** Issues `request` with the zero struct overlaid by `fields`; the result and the struct as written back. */
function issue(
  env: Env,
  request: number,
  fields: Readonly<Record<string, number | bigint>>,
): { ret: number; out: Record<string, unknown> } {
  const desc = findIoctl(PANFROST_IOCTLS, request);
  if (desc === undefined) throw new Error(`unknown ioctl ${request.toString(16)}`);
  const codec = desc.codec as AnyStruct;
  const value = codec.zero() as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) {
    const f = codec.field(k);
    if (f === undefined) throw new Error(`${codec.name}.${k}: no such field`);
    value[k] = f.size === 8 ? BigInt(v) : Number(v);
  }
  const r = env.c.ioctl(request, codec, value as never);
  return { ret: r.ret, out: r.out as Record<string, unknown> };
}

/** One must-be-zero (or reserved) field of one ioctl. */
interface MustBeZeroRow {
  /** The ioctl's macro name. */
  readonly ioctl: string;
  /** Its request number. */
  readonly request: number;
  /** The field under test. */
  readonly field: string;
  /** Non-zero values to try (each on a fresh file). */
  readonly values: readonly number[];
  /** What Linux returns for them: a negative errno, or 0 when the kernel ignores the field. */
  readonly expected: number;
  /** Where Linux decides it. */
  readonly linux: string;
  /** The other fields of a valid call (its result is 0). */
  valid(env: Env): Record<string, number | bigint>;
}

/** The panfrost rows (panfrost_drv.c, newest upstream with JM contexts). */
/** A SUBMIT that succeeds: one job in the job BO, signalling the out syncobj. */
function validSubmit(e: Env): Record<string, number | bigint> {
  return {
    jc: e.jobBo.offset,
    bo_handles: e.jobBoHandles,
    bo_handle_count: 1,
    out_sync: e.outSync,
  };
}

const PANFROST_ROWS: readonly MustBeZeroRow[] = [
  {
    ioctl: "DRM_IOCTL_PANFROST_SUBMIT",
    request: DRM_IOCTL_PANFROST_SUBMIT,
    field: "pad",
    values: [1, 0x80000000],
    expected: -EINVAL,
    linux: "panfrost_ioctl_submit: first check, `if (args->pad) return -EINVAL`",
    valid: validSubmit,
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_SUBMIT",
    request: DRM_IOCTL_PANFROST_SUBMIT,
    field: "requirements",
    values: [1 << 2, 0x80000000],
    expected: -EINVAL,
    linux: "panfrost_ioctl_submit: bits outside PANFROST_JD_REQ_FS | PANFROST_JD_REQ_CYCLE_COUNT",
    valid: validSubmit,
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_SUBMIT",
    request: DRM_IOCTL_PANFROST_SUBMIT,
    field: "jm_ctx_handle",
    values: [7, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_submit: 0 is the default context; another value must name one",
    valid: validSubmit,
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_WAIT_BO",
    request: DRM_IOCTL_PANFROST_WAIT_BO,
    field: "pad",
    values: [1, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_wait_bo: `if (args->pad) return -EINVAL` before the lookup and wait",
    valid: (e) => ({ handle: e.busyBo, timeout_ns: e.s.sim.loop.now + 100 * MS }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_CREATE_BO",
    request: DRM_IOCTL_PANFROST_CREATE_BO,
    field: "pad",
    values: [1, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_create_bo: `!args->size || args->pad || flags & ~known`",
    valid: () => ({ size: 4096 }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_CREATE_BO",
    request: DRM_IOCTL_PANFROST_CREATE_BO,
    field: "flags",
    values: [1 << 3, 0x80000000],
    expected: -EINVAL,
    linux: "panfrost_ioctl_create_bo: flags outside NOEXEC | HEAP (| WB_MMAP)",
    valid: () => ({ size: 4096 }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_MMAP_BO",
    request: DRM_IOCTL_PANFROST_MMAP_BO,
    field: "flags",
    values: [1, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_mmap_bo: `if (args->flags != 0) return -EINVAL`",
    valid: (e) => ({ handle: e.bo.handle }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_GET_PARAM",
    request: DRM_IOCTL_PANFROST_GET_PARAM,
    field: "pad",
    values: [1, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_get_param: `if (param->pad != 0) return -EINVAL`",
    valid: () => ({ param: DRM_PANFROST_PARAM_GPU_PROD_ID }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_GET_BO_OFFSET",
    request: DRM_IOCTL_PANFROST_GET_BO_OFFSET,
    field: "pad",
    values: [1, 0xffffffff],
    expected: 0,
    linux: "panfrost_ioctl_get_bo_offset: never reads pad",
    valid: (e) => ({ handle: e.bo.handle }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_SET_LABEL_BO",
    request: DRM_IOCTL_PANFROST_SET_LABEL_BO,
    field: "pad",
    values: [1, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_set_label_bo: `if (args->pad) return -EINVAL` before the lookup",
    valid: (e) => ({ handle: e.bo.handle, label: e.label }),
  },
  {
    ioctl: "DRM_IOCTL_PANFROST_JM_CTX_DESTROY",
    request: DRM_IOCTL_PANFROST_JM_CTX_DESTROY,
    field: "pad",
    values: [1, 0xffffffff],
    expected: -EINVAL,
    linux: "panfrost_ioctl_jm_ctx_destroy: `if (args->pad) return -EINVAL`",
    valid: (e) => ({ handle: e.jmCtx }),
  },
];

describe("panfrost must-be-zero fields", () => {
  it("have a row for every must-be-zero field of every ioctl in the driver's table", () => {
    const s = makeStack();
    const table = panfrostIoctls(s.dev);
    const mustBeZero: string[] = [];
    for (const entry of table) {
      const desc = findIoctl(PANFROST_IOCTLS, entry.request);
      if (desc === undefined) throw new Error(`${entry.name}: not a panfrost uapi ioctl`);
      for (const f of (desc.codec as AnyStruct).fields) {
        if (f.mustBeZero === true) mustBeZero.push(`${entry.name}.${f.name}`);
      }
    }
    const rows = new Set(PANFROST_ROWS.map((r) => `${r.ioctl}.${r.field}`));
    expect(mustBeZero.length).toBeGreaterThanOrEqual(7);
    expect(mustBeZero.filter((f) => !rows.has(f))).toEqual([]);
    const names = new Set(table.map((e) => e.name));
    expect(PANFROST_ROWS.filter((r) => !names.has(r.ioctl)).map((r) => r.ioctl)).toEqual([]);
  });

  for (const row of PANFROST_ROWS) {
    describe(`${row.ioctl}.${row.field}`, () => {
      it("the call is valid with the field at zero", () => {
        const env = makeEnv();
        expect(issue(env, row.request, { ...row.valid(env), [row.field]: 0 }).ret).toBe(0);
      });

      for (const value of row.values) {
        it(`${value} gives ${row.expected} (${row.linux})`, () => {
          const baselineEnv = makeEnv();
          const baseline = issue(baselineEnv, row.request, row.valid(baselineEnv));
          const env = makeEnv();
          const before = snapshot(env);
          const r = issue(env, row.request, { ...row.valid(env), [row.field]: value });
          expect(r.ret).toBe(row.expected);
          if (row.expected < 0) {
            expect(snapshot(env)).toEqual(before);
          } else {
            // Ignored: the same outputs as the call with the field at zero.
            expect({ ...r.out, [row.field]: 0 }).toEqual({ ...baseline.out, [row.field]: 0 });
            expect(snapshot(env)).toEqual(snapshot(baselineEnv));
          }
        });
      }
    });
  }
});
