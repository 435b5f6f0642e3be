/** The panthor scenario's checks. */
import { DRM_PANTHOR_VM_STATE_UNUSABLE, EINVAL } from "@panmmu/uapi";
import { hex } from "../../report/format.js";
import { check } from "../check.js";
import type { ScenarioCheck } from "../types.js";
import type { HugeOutcome, VictimOutcome } from "./outcome.js";
import { describeLeaves } from "./pages.js";
import type { PanthorProcess } from "./process.js";
import type { PanthorRig } from "./rig.js";

/** What the checks look at besides the rig and the processes. */
export interface PanthorFindings {
  /** The huge page's partial unmap (null if it did not run). */
  readonly hugeOut: HugeOutcome | null;
  /** The unusable VM's story (null if it did not run). */
  readonly victimOut: VictimOutcome | null;
  /** VM_GET_STATE of every process's VM at the end. */
  readonly states: readonly number[];
  /** The last pass of window reads of every usable VM. */
  readonly finalReads: ReadonlyMap<PanthorProcess, { right: number; total: number }>;
  /** The process whose VM was made unusable. */
  readonly victim: PanthorProcess;
  /** Rounds run. */
  readonly rounds: number;
}

/** Where the WARN_ONs of a refused partial unmap of a 2 MiB block come from. */
const SPLIT_WARNINGS = ["__arm_lpae_unmap", "panthor_vm_unmap_pages"];

/** Every check of the run, before the files are closed. */
export function panthorChecks(
  rig: PanthorRig,
  procs: readonly PanthorProcess[],
  f: PanthorFindings,
): ScenarioCheck[] {
  const got = new Set(rig.events.filter((e) => e.kind !== "reenable").map((e) => e.client));
  const steals = rig.events.filter((e) => e.kind === "steal").length;
  const reads = procs.reduce((n, p) => n + p.tally.reads, 0);
  const bad = procs.reduce((n, p) => n + p.tally.readsBad, 0);
  const olds = procs.reduce((n, p) => n + p.tally.readsOld, 0);
  const news = procs.reduce((n, p) => n + p.tally.readsNew, 0);
  const waits = procs.reduce((n, p) => n + p.tally.lockWaits, 0);
  const others = procs.filter((p) => p !== f.victim);
  const bindsOk = others.every(
    (p) => p.tally.bindsDone === p.tally.bindsQueued && p.tally.bindsRefused === 0,
  );
  const othersBinds = others.reduce((n, p) => n + p.tally.bindsDone, 0);
  const h = f.hugeOut;
  const v = f.victimOut;
  const unusable = f.states.filter((s) => s === DRM_PANTHOR_VM_STATE_UNUSABLE).length;
  const victimIdx = procs.indexOf(f.victim);
  const finals = [...f.finalReads.values()];
  const finalRight = finals.reduce((n, x) => n + x.right, 0);
  const finalTotal = finals.reduce((n, x) => n + x.total, 0);
  const faults = rig.dev.mmu.faults;
  const hugeVm = procs[0]?.vm;
  return [
    check(
      "more VMs than user AS slots, and every VM got a slot (idle VMs' slots stolen)",
      procs.length > rig.userSlots && procs.every((p) => got.has(p.name)) && steals > 0,
      `${procs.length} VMs on ${rig.userSlots} user AS slots; ${got.size} got one, ${steals} steals`,
    ),
    check(
      "async binds raced GPU reads: every read saw the old or the new BO data, never a hole",
      reads > 0 && bad === 0 && olds > 0 && news > 0 && waits > 0,
      `${reads} reads: ${olds} old, ${news} new, ${bad} neither; ${waits} waited on a locked region`,
    ),
    check(
      "every async bind of the usable VMs completed",
      bindsOk && othersBinds > 0,
      `${othersBinds} binds done on ${others.length} VMs, ${others.reduce((n, p) => n + p.tally.bindsRefused, 0)} refused`,
    ),
    check(
      "the partial unmap of the huge page widened to its block, unmapped it and re-mapped the survivors",
      h !== null &&
        h.before.blocks === 2 &&
        h.before.pages === 0 &&
        h.after.blocks === 1 &&
        h.after.pages === 512 - 4 &&
        h.gpuvas.length === 2 &&
        h.state === 0,
      h === null
        ? "did not run"
        : `${describeLeaves(h.before)} → ${describeLeaves(h.after)}; gpuvas ${h.gpuvas.join(" ")}`,
    ),
    check(
      "the survivors read back their data during and after the unmap; the unmapped pages fault",
      h !== null &&
        h.racingReads > 0 &&
        h.racingRight === h.racingReads &&
        h.afterRight === h.afterReads &&
        h.holeRead < 0,
      h === null
        ? "did not run"
        : `${h.racingRight}/${h.racingReads} racing reads right, ${h.afterRight}/${h.afterReads} survivors right after; the hole read gave exception 0x${(-h.holeRead).toString(16)}`,
    ),
    check(
      "a partial unmap of a block of 4 KiB folios made exactly that VM unusable: MAP refused, its AS disabled",
      v !== null &&
        unusable === 1 &&
        f.states[victimIdx] === DRM_PANTHOR_VM_STATE_UNUSABLE &&
        v.state === DRM_PANTHOR_VM_STATE_UNUSABLE &&
        v.before.blocks === 1 &&
        v.after.blocks === 1 &&
        v.asyncMap === -EINVAL &&
        v.syncMap === -EINVAL &&
        v.readBeforeRight &&
        v.asDisabled,
      v === null
        ? "did not run"
        : `${unusable} unusable VM (${f.victim.name}); block kept (${describeLeaves(v.after)}); MAP async ${v.asyncMap}, sync ${v.syncMap}; read before ${v.readBeforeRight ? "right" : "wrong"}; AS TRANSCFG after: ${v.asDisabled ? "UNMAPPED" : "still translating"}`,
    ),
    check(
      "the other VMs went on: usable, and every word of their windows reads back at the end",
      others.every((p) => f.states[procs.indexOf(p)] === 0) &&
        finalRight === finalTotal &&
        finalTotal > 0,
      `${others.length} VMs usable; ${finalRight}/${finalTotal} words right`,
    ),
    check(
      "the MMU IRQ reported exactly one fault: the read of the unmapped pages",
      faults.length === 1 && faults[0]?.vm === hugeVm,
      faults.map((x) => `AS${x.as} ${hex(x.va)}`).join(", ") || "none",
    ),
  ];
}

/** The checks once every file is closed: pages back, no WARN_ON but the refused split's. */
export function closingChecks(rig: PanthorRig): ScenarioCheck[] {
  const pages = rig.sim.memory.allocatedPages;
  const w = rig.warnings.warnings;
  return [
    check(
      "no page leaked once every file closed",
      pages === rig.basePages,
      `${pages} pages allocated, ${rig.basePages} after probe`,
    ),
    check(
      "the only WARN_ONs are the kernel's own for the refused block split (io-pgtable, panthor_vm_unmap_pages)",
      w.length > 0 && w.every((x) => SPLIT_WARNINGS.includes(x.where)),
      w.length === 0 ? "warning sink empty" : warningSummary(w),
    ),
  ];
}

/** `3 × where: message; …`, each distinct warning once with its count. */
function warningSummary(w: readonly { where: string; message: string }[]): string {
  const counts = new Map<string, number>();
  for (const x of w) {
    const key = `${x.where}: ${x.message}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} × ${k}`).join("; ");
}
