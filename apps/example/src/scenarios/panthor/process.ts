/**
 * One "process" of the panthor scenario: an open panthor file with a VM, two BOs of its data
 * (the old and the new contents of its window) filled through CPU mappings, and the tallies of
 * what its binds and GPU reads did.
 */
import { drmSyncobjCreate, drmSyncobjFindFence } from "@panmmu/drm";
import type { PanthorClient, PanthorVm } from "@panmmu/panthor";
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_SIGNAL,
  DRM_PANTHOR_VM_BIND_ASYNC,
  errnoName,
} from "@panmmu/uapi";
import type { ScenarioRng } from "../../stack/rng.js";
import { StackError } from "../../stack/stack.js";
import type { PanthorRig, ReadRun } from "./rig.js";

/** Bytes of a process's window (and of each of its two data BOs). */
export const WINDOW_BYTES = 0x10000;
/** Offset in each page of the word the GPU reads. */
export const PROBE_WORD = 0x100;
/** Signal a binary syncobj. */
export const SIGNAL = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_SIGNAL;

/** What a process did. */
export interface ProcessTally {
  /** Async binds accepted. */
  bindsQueued: number;
  /** Async binds whose fence signalled without error. */
  bindsDone: number;
  /** Binds the driver refused (negative errno). */
  bindsRefused: number;
  /** GPU reads that completed. */
  reads: number;
  /** Reads that returned the old data of their word. */
  readsOld: number;
  /** Reads that returned the new data of their word. */
  readsNew: number;
  /** Reads that returned neither (a hole or a torn update), or read runs that faulted. */
  readsBad: number;
  /** Reads that waited on a locked region (a bind in progress). */
  lockWaits: number;
}

/** One process: file, VM, data BOs, tallies. */
export class PanthorProcess {
  /** Tallies. */
  readonly tally: ProcessTally = {
    bindsQueued: 0,
    bindsDone: 0,
    bindsRefused: 0,
    reads: 0,
    readsOld: 0,
    readsNew: 0,
    readsBad: 0,
    lockWaits: 0,
  };
  /** Which data BO (0 or 1) the window maps now. */
  current = 0;
  /** Pending async binds: their syncobj and the generation they map. */
  private readonly pending: { syncobj: number; gen: number }[] = [];

  private constructor(
    readonly name: string,
    readonly client: PanthorClient,
    readonly vmId: number,
    readonly vm: PanthorVm,
    readonly windowVa: number,
    readonly bos: readonly number[],
    private readonly seed: number,
  ) {}

  /**
   * Opens a file named `name`, creates its VM and two 64 KiB BOs filled with its two
   * generations of data, and maps the first at a seeded window VA (a synchronous bind).
   */
  static create(rig: PanthorRig, name: string, rng: ScenarioRng): PanthorProcess {
    const client = rig.open(name);
    const vm = client.vmCreate();
    if (vm.ret !== 0) throw new StackError(`VM_CREATE failed: ${errnoName(-vm.ret)}`);
    const obj = client.handle.priv.vms.get(vm.id);
    if (obj === null) throw new StackError("VM_CREATE gave no VM");
    obj.put();
    rig.nameVm(obj, name);
    const windowVa = 0x1000_0000 + rng.int(0, 255) * 0x10_0000;
    const seed = rng.pattern();
    const bos: number[] = [];
    const p = new PanthorProcess(name, client, vm.id, obj, windowVa, bos, seed);
    for (const gen of [0, 1]) {
      const bo = client.boCreate(BigInt(WINDOW_BYTES));
      if (bo.ret !== 0) throw new StackError(`BO_CREATE failed: ${errnoName(-bo.ret)}`);
      bos.push(bo.handle);
      p.fill(bo.handle, (off) => p.expected(gen, off));
    }
    const r = client.vmBind(vm.id, [
      { boHandle: bos[0] as number, va: BigInt(windowVa), size: BigInt(WINDOW_BYTES) },
    ]);
    if (r.ret !== 0) throw new StackError(`VM_BIND failed: ${errnoName(-r.ret)}`);
    return p;
  }

  /** The data of generation `gen` at byte `off` of the window. */
  expected(gen: number, off: number): number {
    return (Math.imul(this.seed ^ (gen * 0x9e37_79b9), 0x0100_0193) + off * 0x2f) >>> 0 || 1;
  }

  /** Writes `value(off)` at the probe word of every page of BO `handle` through a CPU mapping. */
  fill(handle: number, value: (off: number) => number, bytes = WINDOW_BYTES): void {
    const map = this.client.map(handle);
    if (typeof map === "number") throw new StackError(`mmap failed: ${errnoName(-map)}`);
    for (let off = PROBE_WORD; off < bytes; off += 0x1000) map.writeU32(off, value(off));
    map.munmap();
  }

  /** The VAs the GPU reads in the window (one word per page). */
  windowVas(): number[] {
    const out: number[] = [];
    for (let off = PROBE_WORD; off < WINDOW_BYTES; off += 0x1000) out.push(this.windowVa + off);
    return out;
  }

  /** Queues an async VM_BIND mapping the other data BO over the window; the ioctl's result. */
  queueSwap(): number {
    const gen = 1 - this.current;
    const syncobj = drmSyncobjCreate(this.client.handle.file, 0);
    if (syncobj < 0) throw new StackError(`syncobj: ${errnoName(-syncobj)}`);
    const r = this.client.vmBind(
      this.vmId,
      [
        {
          boHandle: this.bos[gen] as number,
          va: BigInt(this.windowVa),
          size: BigInt(WINDOW_BYTES),
          syncs: [{ flags: SIGNAL, handle: syncobj }],
        },
      ],
      DRM_PANTHOR_VM_BIND_ASYNC,
    );
    if (r.ret !== 0) {
      this.tally.bindsRefused++;
      return r.ret;
    }
    this.tally.bindsQueued++;
    this.pending.push({ syncobj, gen });
    return 0;
  }

  /** Whether every queued bind's fence has signalled. */
  bindsSettled(): boolean {
    return this.pending.every((b) => this.fenceOf(b.syncobj)?.signaled === true);
  }

  /** Takes in signalled binds: counts them done and switches the window's generation. */
  settleBinds(): void {
    for (const b of this.pending.splice(0)) {
      const f = this.fenceOf(b.syncobj);
      if (f?.signaled === true && f.error === 0) {
        this.tally.bindsDone++;
        this.current = b.gen;
      }
    }
  }

  /**
   * Scores reads of the window made while the window went from generation `from` to `to`:
   * each must be the old or the new data of its word.
   */
  scoreWindowReads(run: ReadRun, from: number, to: number): void {
    this.tally.lockWaits += run.lockWaits;
    if (run.status !== 1) this.tally.readsBad++;
    for (let i = 0; i < run.values.length; i++) {
      const off = (run.vas[i] as number) - this.windowVa;
      const v = run.values[i] as number;
      this.tally.reads++;
      if (v === this.expected(to, off)) this.tally.readsNew++;
      else if (v === this.expected(from, off)) this.tally.readsOld++;
      else this.tally.readsBad++;
    }
  }

  /** The fence of binary syncobj `h` of this file, or null. */
  fenceOf(h: number) {
    const f = drmSyncobjFindFence(this.client.handle.file, h, 0, 0);
    return typeof f === "number" ? null : f;
  }
}
