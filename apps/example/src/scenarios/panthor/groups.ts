/**
 * One process of the panthor scenario's second half: an open file on the firmware board with a
 * VM, a command BO, two 4 KiB window BOs (the first mapped at creation, the second mapped by an
 * async VM_BIND while the groups run), one group with one queue, and the jobs it submitted.
 */
import type { CsAssembler } from "@panmmu/fixtures";
import type { PanthorClient, PanthorGroup, PanthorVm, SyncOp } from "@panmmu/panthor";
import {
  DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ,
  DRM_PANTHOR_SYNC_OP_WAIT,
  DRM_PANTHOR_VM_BIND_ASYNC,
  DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
  errnoName,
} from "@panmmu/uapi";
import type { ScenarioRng } from "../../stack/rng.js";
import { StackError } from "../../stack/stack.js";
import type { FwRig } from "./fw-rig.js";
import { SIGNAL } from "./process.js";
import type { LoopSpec } from "./streams.js";
import { fenceOf, newSyncobj } from "./sync.js";

/** GPU VA of every process's command BO. */
export const CMD_VA = 0x10_0000;
/** Bytes of the command BO. */
const CMD_BYTES = 0x1_0000;
/** Bytes of each window BO. */
export const WIN_BYTES = 0x1000;
/** Wait on a binary syncobj. */
const WAIT = DRM_PANTHOR_SYNC_OP_HANDLE_TYPE_SYNCOBJ | DRM_PANTHOR_SYNC_OP_WAIT;

/** What a process does besides its stores. */
export type GroupRole = "stores" | "tiler heap" | "faulting";

/** One job a process submitted (or tried to). */
export interface GroupJob {
  /** Round. */
  readonly round: number;
  /** What it computes. */
  readonly spec: LoopSpec;
  /** VA it stores to. */
  readonly va: number;
  /** Window (0: the first BO, 1: the second) and word it stores to; null for a stray store. */
  readonly target: { readonly win: number; readonly word: number } | null;
  /** Its done syncobj. */
  readonly syncobj: number;
  /** GROUP_SUBMIT's result. */
  readonly ret: number;
}

/** One async VM_BIND a process queued. */
export interface GroupBind {
  /** `map` of the second window, or `unmap` of the first (waiting on the round-0 job). */
  readonly kind: "map" | "unmap";
  /** Its syncobj. */
  readonly syncobj: number;
  /** VM_BIND's result. */
  readonly ret: number;
  /** Groups on CSG slots when it was queued. */
  readonly groupsOnSlots: number;
  /** Whether the process's own group was on a CSG slot then. */
  readonly ownOnSlot: boolean;
  /** The process's jobs not yet done then. */
  readonly ownInFlight: number;
}

/** A process with one group. */
export class GroupProcess {
  /** Jobs, in submission order. */
  readonly jobs: GroupJob[] = [];
  /** Async binds, in order. */
  readonly binds: GroupBind[] = [];
  private cursor = 0;

  private constructor(
    readonly name: string,
    readonly role: GroupRole,
    readonly rig: FwRig,
    readonly client: PanthorClient,
    readonly vmId: number,
    readonly vm: PanthorVm,
    readonly groupHandle: number,
    readonly cmd: number,
    readonly windows: readonly number[],
    readonly windowVas: readonly number[],
  ) {}

  /** Opens `name`'s file, creates its VM, BOs (the first window mapped) and group. */
  static create(rig: FwRig, name: string, role: GroupRole, rng: ScenarioRng): GroupProcess {
    const c = rig.open(name);
    const vm = c.vmCreate();
    if (vm.ret !== 0) throw new StackError(`VM_CREATE failed: ${errnoName(-vm.ret)}`);
    const obj = c.handle.priv.vms.get(vm.id);
    if (obj === null) throw new StackError("VM_CREATE gave no VM");
    obj.put();
    rig.nameVm(obj, name);
    const bo = (bytes: number): number => {
      const r = c.boCreate(BigInt(bytes));
      if (r.ret !== 0) throw new StackError(`BO_CREATE failed: ${errnoName(-r.ret)}`);
      return r.handle;
    };
    const cmd = bo(CMD_BYTES);
    const windows = [bo(WIN_BYTES), bo(WIN_BYTES)];
    const va0 = 0x100_0000 + rng.int(0, 255) * 0x1_0000;
    const windowVas = [va0, va0 + 0x100_0000];
    const r = c.vmBind(vm.id, [
      { boHandle: cmd, va: BigInt(CMD_VA), size: BigInt(CMD_BYTES) },
      { boHandle: windows[0] as number, va: BigInt(va0), size: BigInt(WIN_BYTES) },
    ]);
    if (r.ret !== 0) throw new StackError(`VM_BIND failed: ${errnoName(-r.ret)}`);
    const g = c.groupCreate(vm.id, [{ ringbufSize: 4096 }]);
    if (g.ret !== 0) throw new StackError(`GROUP_CREATE failed: ${errnoName(-g.ret)}`);
    return new GroupProcess(name, role, rig, c, vm.id, obj, g.handle, cmd, windows, windowVas);
  }

  /** The driver's group object (null once destroyed). */
  get group(): PanthorGroup | null {
    return this.client.handle.priv.groups.get(this.groupHandle);
  }

  /** Writes `a` into the command BO (64-byte aligned): its VA and size. */
  private stream(a: CsAssembler): { streamAddr: bigint; streamSize: number } {
    const bytes = a.bytes();
    if (this.cursor + bytes.length > CMD_BYTES) throw new StackError("command BO full");
    const map = this.client.map(this.cmd);
    if (typeof map === "number") throw new StackError(`mmap failed: ${errnoName(-map)}`);
    map.write(this.cursor, bytes);
    map.munmap();
    const addr = BigInt(CMD_VA + this.cursor);
    this.cursor += Math.ceil(bytes.length / 64) * 64;
    return { streamAddr: addr, streamSize: bytes.length };
  }

  /**
   * Submits `program` (computing `spec`, storing at `va`) to the group, waiting on
   * `waitOn` syncobjs and signalling a new one; records it and returns GROUP_SUBMIT's result.
   */
  submit(
    round: number,
    spec: LoopSpec,
    va: number,
    target: GroupJob["target"],
    program: CsAssembler,
    waitOn: readonly number[] = [],
  ): number {
    const syncobj = newSyncobj(this.client);
    const syncs: SyncOp[] = [
      ...waitOn.map((handle) => ({ flags: WAIT, handle })),
      { flags: SIGNAL, handle: syncobj },
    ];
    const ret = this.client.groupSubmit(this.groupHandle, [{ ...this.stream(program), syncs }]);
    this.jobs.push({ round, spec, va, target, syncobj, ret });
    return ret;
  }

  /** Whether the process's group is bound to a CSG slot now. */
  get onSlot(): boolean {
    return (this.group?.csgId ?? -1) >= 0;
  }

  /** Accepted jobs whose fence has not signalled. */
  get inFlight(): number {
    return this.jobs.filter(
      (j) => j.ret === 0 && fenceOf(this.client, j.syncobj)?.signaled !== true,
    ).length;
  }

  /**
   * Queues the two async binds of the run: MAP of the second window, and UNMAP of the first
   * once the round-0 job (`after`) is done. Records what ran on the GPU meanwhile.
   */
  queueBinds(after: number): void {
    const groupsOnSlots = this.rig.dev.sched?.csgSlots.filter((s) => s.group !== null).length ?? 0;
    const under = { groupsOnSlots, ownOnSlot: this.onSlot, ownInFlight: this.inFlight };
    const map = newSyncobj(this.client);
    const m = this.client.vmBind(
      this.vmId,
      [
        {
          boHandle: this.windows[1] as number,
          va: BigInt(this.windowVas[1] as number),
          size: BigInt(WIN_BYTES),
          syncs: [{ flags: SIGNAL, handle: map }],
        },
      ],
      DRM_PANTHOR_VM_BIND_ASYNC,
    );
    this.binds.push({ kind: "map", syncobj: map, ret: m.ret, ...under });
    const unmap = newSyncobj(this.client);
    const u = this.client.vmBind(
      this.vmId,
      [
        {
          flags: DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP,
          va: BigInt(this.windowVas[0] as number),
          size: BigInt(WIN_BYTES),
          syncs: [
            { flags: WAIT, handle: after },
            { flags: SIGNAL, handle: unmap },
          ],
        },
      ],
      DRM_PANTHOR_VM_BIND_ASYNC,
    );
    this.binds.push({ kind: "unmap", syncobj: unmap, ret: u.ret, ...under });
  }

  /** The syncobj of bind `kind` (0 before it was queued). */
  bindSyncobj(kind: GroupBind["kind"]): number {
    return this.binds.find((b) => b.kind === kind)?.syncobj ?? 0;
  }

  /** Word `word` of window `win`, read through a CPU mapping. */
  readWord(win: number, word: number): number {
    const map = this.client.map(this.windows[win] as number);
    if (typeof map === "number") throw new StackError(`mmap failed: ${errnoName(-map)}`);
    const v = map.readU32(word * 4);
    map.munmap();
    return v;
  }
}
