/**
 * The isolation scenario: every file has its own GPU address space. The same VA holds a
 * different buffer in each file; a BO shared between two files is reachable from both, each at
 * its own VA; a job reaching for another file's buffer faults and changes nothing.
 */
import { drmGemFlink, drmGemOpen } from "@panmmu/drm";
import { ProgramBuilder } from "@panmmu/hw";
import type { PanfrostClient } from "@panmmu/panfrost";
import { PANFROST_BO_NOEXEC } from "@panmmu/uapi";
import { type ClientRow, clientFigures, clientTable } from "../observe/client-table.js";
import { driverCountersTable, presentSlots, tlbTable } from "../observe/counters-table.js";
import { faultTable } from "../observe/fault-table.js";
import { slotTable } from "../observe/slot-table.js";
import { hex } from "../report/format.js";
import { ScenarioRng } from "../stack/rng.js";
import { buildStack, type Stack } from "../stack/stack.js";
import { type JobTally, newTally, type PendingJob, submitJob, waitJobs } from "../workload/jobs.js";
import { ProgressCounter } from "../workload/rounds.js";
import { check } from "./check.js";
import { closeAndCheck, describeGpu, gpuOf, ScenarioOptionError } from "./common.js";
import type { Scenario, ScenarioOptions, ScenarioReport } from "./types.js";

const MIB = 1024 * 1024;
/** Size of each tenant's vault buffer. */
const VAULT_BYTES = 4 * MIB;

/** A file with a tag buffer (and, for tenants, a vault). */
interface Party {
  /** File name. */
  readonly name: string;
  /** Its ioctl helper. */
  readonly client: PanfrostClient;
  /** Its job counts. */
  readonly tally: JobTally;
  /** Handle of its one-page tag buffer. */
  readonly tagHandle: number;
  /** GPU VA of the tag buffer in its own address space. */
  readonly tagVa: number;
  /** The value it writes there. */
  readonly tag: number;
  /** Its vault (handle, VA, fill value), tenants only. */
  readonly vault: { handle: number; va: number; secret: number } | null;
}

/** Opens a file with its tag buffer (and a vault when `vault`). */
function openParty(stack: Stack, name: string, rng: ScenarioRng, vault: boolean): Party {
  const client = stack.open(name);
  const tag = client.createBo(4096, PANFROST_BO_NOEXEC);
  if (tag.ret < 0) throw new Error(`${name}: CREATE_BO failed (${tag.ret})`);
  let v: Party["vault"] = null;
  if (vault) {
    const bo = client.createBo(VAULT_BYTES, PANFROST_BO_NOEXEC);
    if (bo.ret < 0) throw new Error(`${name}: CREATE_BO failed (${bo.ret})`);
    v = { handle: bo.handle, va: bo.offset, secret: rng.pattern() };
  }
  return {
    name,
    client,
    tally: newTally(),
    tagHandle: tag.handle,
    tagVa: tag.offset,
    tag: rng.pattern(),
    vault: v,
  };
}

/** Reads `bytes` at the start of BO `handle` of `c` and tells whether every word is `value`. */
function holds(c: PanfrostClient, handle: number, bytes: number, value: number): boolean {
  const view = c.map(handle);
  if (typeof view === "number") return false;
  const b = view.read(0, bytes);
  view.munmap();
  return new Uint32Array(b.buffer, b.byteOffset, bytes / 4).every((w) => w === value);
}

/** Runs the isolation scenario. */
export function runIsolation(o: ScenarioOptions): ScenarioReport {
  if (o.clients < 3) throw new ScenarioOptionError("isolation needs at least 3 clients");
  const hostStart = performance.now();
  const gpu = gpuOf(o.gpu);
  const stack = buildStack(gpu, o.seed);
  const rng = new ScenarioRng(o.seed);
  const tenants: Party[] = [];
  for (let i = 0; i < o.clients - 1; i++) tenants.push(openParty(stack, `t${i + 1}`, rng, true));
  const prowler = openParty(stack, "prowler", rng, false);
  const [t1, t2] = tenants as [Party, Party];

  // A BO of t1, shared with t2 by name (flink / open): each file maps it at its own VA.
  const shared = t1.client.createBo(4096, PANFROST_BO_NOEXEC);
  // t2 maps a scratch buffer first, so the shared BO lands at a different VA in its space.
  t2.client.createBo(8192, PANFROST_BO_NOEXEC);
  const name = drmGemFlink(t1.client.handle.file, shared.handle);
  const opened = drmGemOpen(t2.client.handle.file, name);
  if (shared.ret < 0 || typeof opened === "number") throw new Error("sharing the BO failed");
  const sharedVa2 = t2.client.getBoOffset(opened.handle).offset;
  const sharedValue = rng.pattern();

  const total = tenants.length * 2 + 2 + tenants.length;
  const progress = new ProgressCounter(total, o.progress);
  const run = (jobs: ReadonlyArray<PendingJob | null>): void =>
    waitJobs(
      jobs.filter((j): j is PendingJob => j !== null),
      () => progress.tick(),
    );
  const start = stack.sim.loop.now;

  // 1. Everyone writes its tag at its tag VA (the same VA in every file); tenants fill vaults.
  run(
    [...tenants, prowler].map((p) => {
      const prog = new ProgramBuilder().write32(p.tagVa, p.tag).check32(p.tagVa, p.tag);
      const handles = [p.tagHandle];
      if (p.vault !== null) {
        prog.fill32(p.vault.va, VAULT_BYTES, p.vault.secret);
        handles.push(p.vault.handle);
      }
      return submitJob(p.client, p.tally, prog.end().buildBytes(), handles, () => {});
    }),
  );
  // 2. t2 writes the shared BO at its VA; then t1 checks it at its own VA.
  let sharedSeen: number | null = null;
  run([
    submitJob(
      t2.client,
      t2.tally,
      new ProgramBuilder().write32(sharedVa2, sharedValue).end().buildBytes(),
      [opened.handle],
      () => {},
    ),
  ]);
  run([
    submitJob(
      t1.client,
      t1.tally,
      new ProgramBuilder().check32(shared.offset, sharedValue).end().buildBytes(),
      [shared.handle],
      (e) => {
        sharedSeen = e;
      },
    ),
  ]);
  // 3. The prowler writes where each tenant's vault is, in the tenant's address space.
  const pryErrors: Array<number | null> = [];
  const pryVas: number[] = [];
  for (const t of tenants) {
    const va = (t.vault?.va ?? 0) + MIB + rng.int(0, (2 * MIB) / 4 - 1) * 4;
    pryVas.push(va);
    run([
      submitJob(
        prowler.client,
        prowler.tally,
        new ProgramBuilder().write32(va, 0xbad0_bad0).end().buildBytes(),
        [prowler.tagHandle],
        (e) => {
          pryErrors.push(e);
        },
      ),
    ]);
  }
  // 4. A last, good job of the prowler: its file still works after its faults.
  run([
    submitJob(
      prowler.client,
      prowler.tally,
      new ProgramBuilder().check32(prowler.tagVa, prowler.tag).end().buildBytes(),
      [prowler.tagHandle],
      () => {},
    ),
  ]);
  stack.finish();
  const end = stack.sim.loop.now;

  const parties = [...tenants, prowler];
  const sameVa = parties.every((p) => p.tagVa === prowler.tagVa);
  const ownTags = parties.filter((p) => holds(p.client, p.tagHandle, 4, p.tag)).length;
  const vaultsIntact = tenants.filter(
    (t) => t.vault !== null && holds(t.client, t.vault.handle, VAULT_BYTES, t.vault.secret),
  ).length;
  const sharedCpu = holds(t1.client, shared.handle, 4, sharedValue);
  const faults = [...stack.dev.mmu.faultLog.records];
  const figures = clientFigures(stack);
  const rows: ClientRow[] = [
    ...tenants.map((t) => ({ name: t.name, role: "tenant (tag + 4 MiB vault)", tally: t.tally })),
    { name: prowler.name, role: "reaches for others' vaults", tally: prowler.tally },
  ];
  const tables = [
    clientTable(stack, rows, figures),
    faultTable(faults),
    slotTable(stack.slots, presentSlots(stack), start, end, 4),
    tlbTable(stack).table,
    driverCountersTable(stack),
  ];
  const checks = [
    check(
      "the same VA holds a different buffer in each file",
      sameVa && ownTags === parties.length,
      `tag VA ${hex(prowler.tagVa)} in ${sameVa ? "every" : "not every"} file; ${ownTags}/${parties.length} files read back their own tag`,
    ),
    check(
      "a shared BO is reachable from both files, each at its own VA",
      sharedSeen === 0 && sharedCpu,
      `t2 wrote at ${hex(sharedVa2)}, t1 read it at ${hex(shared.offset)}: GPU check ${sharedSeen === 0 ? "ok" : "failed"}, CPU ${sharedCpu ? "ok" : "mismatch"}`,
    ),
    check(
      "every reach into another file's buffer faulted, reported as the prowler's",
      pryErrors.length === tenants.length &&
        pryErrors.every((e) => e !== 0 && e !== null) &&
        faults.length === tenants.length &&
        faults.every(
          (f, i) => f.fileName === prowler.name && f.va === pryVas[i] && f.target.kind === "none",
        ),
      `${pryErrors.filter((e) => e !== 0).length}/${tenants.length} jobs failed, ${faults.length} faults logged`,
    ),
    check(
      "no tenant's memory changed",
      vaultsIntact === tenants.length,
      `${vaultsIntact}/${tenants.length} vaults intact`,
    ),
    check(
      "tenants' jobs all succeeded and the prowler's file still works after its faults",
      tenants.every((t) => t.tally.failed === 0 && t.tally.ok === t.tally.submitted) &&
        prowler.tally.ok === 2,
      `prowler: ${prowler.tally.ok} ok, ${prowler.tally.failed} failed`,
    ),
    ...closeAndCheck(
      stack,
      parties.map((p) => p.client),
    ),
  ];
  return {
    scenario: "isolation",
    gpu: gpu.name,
    seed: o.seed,
    clients: parties.length,
    narrative: [
      describeGpu(stack),
      `${tenants.length} tenants each map a tag buffer and a 4 MiB vault; t1 shares one BO with t2 by name. The prowler, with only a tag buffer, writes at each tenant's vault address.`,
    ],
    tables,
    checks,
    slotHistory: stack.slots.tenures,
    virtualNs: end,
    hostMs: performance.now() - hostStart,
  };
}

/** The isolation scenario. */
export const ISOLATION_SCENARIO: Scenario = {
  name: "isolation",
  summary:
    "per-file address spaces: same VA, different buffers; shared BOs; other files' memory faults",
  defaults: { clients: 5, jobsPerClient: 1 },
  run: runIsolation,
};
