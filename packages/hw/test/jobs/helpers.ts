/**
 * Test rig for the job engine: the real event loop and system memory, with a small
 * table-driven GpuMemoryPort standing in for the MMU (faults recorded, stalls resumed or
 * aborted by the test).
 */
import { CollectingWarningSink } from "@panmmu/uapi";
import type { JobArch } from "../../src/jobs/arch.js";
import type { JobCostModel } from "../../src/jobs/cost-model.js";
import { splitU64 } from "../../src/jobs/descriptor.js";
import { JobControl } from "../../src/jobs/job-control.js";
import { JsCommand, JsReg, jsRegOffset } from "../../src/jobs/registers.js";
import { SystemMemory } from "../../src/memory/system-memory.js";
import {
  GpuAccessKind,
  type GpuMemoryPort,
  TRANSLATE_FAULTED,
  TRANSLATE_LOCKED,
} from "../../src/mmu/gpu-access.js";
import { PAGE_SIZE } from "../../src/platform/interfaces.js";
import { EventLoopSim } from "../../src/sim/event-loop.js";

/** A recorded fault. */
export interface TestFault {
  as: number;
  va: number;
  kind: GpuAccessKind;
  sourceId: number;
}

interface Waiter {
  as: number;
  resume: () => void;
  abort: (code: number) => void;
}

/** Table-driven MMU stand-in: per-AS page map with read-only pages and locked ranges. */
export class TablePort implements GpuMemoryPort {
  readonly maps = new Map<number, Map<number, number>>();
  readonly readOnly = new Map<number, Set<number>>();
  readonly faults: TestFault[] = [];
  readonly locks = new Map<number, [number, number]>();
  private waiters: Waiter[] = [];
  translations = 0;

  constructor(private readonly loop: EventLoopSim) {}

  map(as: number, va: number, pa: number, bytes: number, writable = true): void {
    let m = this.maps.get(as);
    if (m === undefined) {
      m = new Map();
      this.maps.set(as, m);
    }
    for (let off = 0; off < bytes; off += PAGE_SIZE) {
      m.set((va + off) / PAGE_SIZE, pa + off);
      if (!writable) {
        let ro = this.readOnly.get(as);
        if (ro === undefined) {
          ro = new Set();
          this.readOnly.set(as, ro);
        }
        ro.add((va + off) / PAGE_SIZE);
      }
    }
  }

  unmap(as: number, va: number, bytes: number): void {
    const m = this.maps.get(as);
    for (let off = 0; off < bytes; off += PAGE_SIZE) m?.delete((va + off) / PAGE_SIZE);
  }

  translate(as: number, va: number, kind: GpuAccessKind, sourceId: number): number {
    this.translations++;
    const lock = this.locks.get(as);
    if (lock !== undefined && va >= lock[0] && va < lock[1]) return TRANSLATE_LOCKED;
    const vpn = Math.floor(va / PAGE_SIZE);
    const pa = this.maps.get(as)?.get(vpn);
    if (
      pa === undefined ||
      (kind === GpuAccessKind.Write && this.readOnly.get(as)?.has(vpn) === true)
    ) {
      this.faults.push({ as, va, kind, sourceId });
      return TRANSLATE_FAULTED;
    }
    return pa + (va % PAGE_SIZE);
  }

  waitRetry(as: number, resume: () => void, abort: (exceptionCode: number) => void): void {
    this.waiters.push({ as, resume, abort });
  }

  /** Number of waiters parked on `as`. */
  waiting(as: number): number {
    return this.waiters.filter((w) => w.as === as).length;
  }

  /** Like MMU_INT_CLEAR / UNLOCK: resumes the waiters of `as` as events. */
  retry(as: number): void {
    const mine = this.waiters.filter((w) => w.as === as);
    this.waiters = this.waiters.filter((w) => w.as !== as);
    for (const w of mine) this.loop.schedule(0, w.resume, "test:resume");
  }

  /** Like disabling the AS: aborts the waiters of `as` with `code`, as events. */
  abortAs(as: number, code: number): void {
    const mine = this.waiters.filter((w) => w.as === as);
    this.waiters = this.waiters.filter((w) => w.as !== as);
    for (const w of mine) this.loop.schedule(0, () => w.abort(code), "test:abort");
  }
}

/** Rig options. */
export interface RigOptions {
  arch?: JobArch;
  jsCount?: number;
  cost?: Partial<JobCostModel>;
  seed?: number;
  trace?: (message: string) => void;
}

/** A job-control block on the test port, with helpers to place BOs and submit chains. */
export class Rig {
  readonly loop: EventLoopSim;
  readonly memory: SystemMemory;
  readonly port: TablePort;
  readonly jc: JobControl;
  readonly warnings = new CollectingWarningSink();
  irqChanges = 0;

  constructor(opts: RigOptions = {}) {
    this.loop = new EventLoopSim({ seed: opts.seed ?? 1 });
    this.memory = new SystemMemory({ size: 512 * 1024 * 1024 });
    this.port = new TablePort(this.loop);
    this.jc = new JobControl({
      loop: this.loop,
      memory: this.memory,
      port: this.port,
      jsCount: opts.jsCount ?? 3,
      onIrqChange: () => {
        this.irqChanges++;
      },
      arch: opts.arch ?? 7,
      warnings: this.warnings,
      ...(opts.cost !== undefined ? { cost: opts.cost } : {}),
      ...(opts.trace !== undefined ? { trace: opts.trace } : {}),
    });
    this.jc.write32(0x008, 0xffffffff);
  }

  /** Allocates and maps `bytes` (rounded up to pages) at `va` in `as`; returns the first PA. */
  bo(as: number, va: number, bytes: number, writable = true): number {
    const pages = Math.ceil(bytes / PAGE_SIZE);
    const pa = this.memory.allocContiguous(pages, 1);
    if (pa === null) throw new Error("out of memory");
    this.port.map(as, va, pa, pages * PAGE_SIZE, writable);
    return pa;
  }

  private pa(as: number, va: number): number {
    const pa = this.port.maps.get(as)?.get(Math.floor(va / PAGE_SIZE));
    if (pa === undefined) throw new Error(`va 0x${va.toString(16)} not mapped`);
    return pa + (va % PAGE_SIZE);
  }

  /** CPU write of `bytes` at `va` of `as`, page chunk by page chunk. */
  write(as: number, va: number, bytes: Uint8Array | Uint32Array): void {
    const b =
      bytes instanceof Uint8Array
        ? bytes
        : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let i = 0;
    while (i < b.length) {
      const pa = this.pa(as, va + i);
      const off = pa % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, b.length - i);
      this.memory.pageU8(pa - off).set(b.subarray(i, i + n), off);
      i += n;
    }
  }

  /** CPU read of `n` bytes at `va` of `as`. */
  read(as: number, va: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const pa = this.pa(as, va + i);
      const off = pa % PAGE_SIZE;
      const k = Math.min(PAGE_SIZE - off, n - i);
      out.set(this.memory.pageU8(pa - off).subarray(off, off + k), i);
      i += k;
    }
    return out;
  }

  /** CPU read of the u32 at `va`. */
  u32(as: number, va: number): number {
    const b = this.read(as, va, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** Queues a chain the way panfrost_job_hw_submit() does: _NEXT registers, then START. */
  submit(slot: number, jc: number, as: number, extraConfig = 0x3300 | (8 << 16)): void {
    const [lo, hi] = splitU64(jc);
    this.jc.write32(jsRegOffset(slot, JsReg.HEAD_NEXT_LO), lo);
    this.jc.write32(jsRegOffset(slot, JsReg.HEAD_NEXT_HI), hi);
    this.jc.write32(jsRegOffset(slot, JsReg.AFFINITY_NEXT_LO), 0xf);
    this.jc.write32(jsRegOffset(slot, JsReg.AFFINITY_NEXT_HI), 0);
    this.jc.write32(jsRegOffset(slot, JsReg.CONFIG_NEXT), as | extraConfig);
    this.jc.write32(jsRegOffset(slot, JsReg.COMMAND_NEXT), JsCommand.START);
  }

  /** Reads JS register `reg` of `slot`. */
  js(slot: number, reg: number): number {
    return this.jc.read32(jsRegOffset(slot, reg));
  }

  /** JOB_INT_RAWSTAT. */
  get rawstat(): number {
    return this.jc.read32(0x000);
  }

  /** Clears JOB_INT bits. */
  clear(bits: number): void {
    this.jc.write32(0x004, bits);
  }

  /** Runs until the slot's done or error bit is set, at most `timeoutNs` of virtual time. */
  runUntilSlotEnds(slot: number, timeoutNs = 1e9): boolean {
    const bits = (1 << slot) | (1 << (slot + 16));
    return this.loop.runUntil(() => (this.rawstat & bits) !== 0, timeoutNs);
  }
}

/** Index of the first differing byte of two arrays (or of the length mismatch), -1 if equal. */
export function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}
