/**
 * What the command-stream interpreter needs of the GPU around it, its timing knobs, and how a
 * stream run is started and reported.
 */
import type { GpuMemoryPort } from "../../mmu/gpu-access.js";
import type { EventLoop, PhysicalMemory } from "../../platform/interfaces.js";
import type { CsSnapshot } from "./cs-suspend.js";

/** Virtual-time costs of the interpreter (ns). */
export interface CsTiming {
  /** One synchronous instruction (fetch, decode, register work). Default 100. */
  instrNs: number;
  /** An asynchronous memory operation (SYNC_*, STORE_STATE, LOAD/STORE_MULTIPLE slot). Default 1000. */
  memNs: number;
  /** A cache flush of FLUSH_CACHE2 that is not skipped. Default 5000. */
  flushNs: number;
  /** An endpoint task (RUN_*) or FINISH_FRAGMENT. Default 10000. */
  runNs: number;
  /**
   * How often a stream blocked in SYNC_WAIT re-reads its object (CPU writes wake no one).
   * Default 100000. 0: never — the stream then re-reads it when another stream's SYNC_*
   * completes or its doorbell rings, and the event loop can go idle while it waits.
   */
  syncPollNs: number;
  /** Work done per event before virtual time advances (the interleaving granularity). Default 10000. */
  sliceNs: number;
}

/** The default timing: 0.1 µs per instruction, 1 µs per memory op, 5 µs per flush, 10 µs per RUN_*. */
export const DEFAULT_CS_TIMING: Readonly<CsTiming> = Object.freeze({
  instrNs: 100,
  memNs: 1000,
  flushNs: 5000,
  runNs: 10_000,
  syncPollNs: 100_000,
  sliceNs: 10_000,
});

/** The GPU around the interpreter. */
export interface CsHost {
  /** Event loop (virtual time). */
  readonly loop: EventLoop;
  /** Physical memory. */
  readonly memory: PhysicalMemory;
  /** The MMU: every stream access is translated through the stream's AS. */
  readonly port: GpuMemoryPort;
  /** LATEST_FLUSH_ID now. */
  latestFlushId(): number;
  /** Counts one completed cache flush (`full`: L2 and LSC cleaned and invalidated). */
  flushDone(full: boolean): void;
  /** GPU_TIMESTAMP now, as [lo, hi] (STORE_STATE TIMESTAMP). */
  timestamp(): [number, number];
  /** GPU_CYCLE_COUNT now, as [lo, hi] (STORE_STATE CYCLE_COUNT). */
  cycleCount(): [number, number];
}

/** How a stream run ended. */
export enum CsEndStatus {
  /** The buffer ran to its end and every asynchronous operation completed. */
  Done = 0,
  /** A FATAL error stopped the stream; see {@link CsEndResult.exception}. */
  Fatal = 1,
  /** Terminated from outside (CSG TERMINATE, reset). */
  Terminated = 2,
  /** Suspended on request, its state in {@link CsEndResult.snapshot}. */
  Suspended = 3,
}

/** The result of a stream run. */
export interface CsEndResult {
  /** How it ended. */
  readonly status: CsEndStatus;
  /** The FATAL exception type (0 unless `status` is Fatal). */
  readonly exception: number;
  /** FATAL info: the faulting VA, or the instruction's address (`fatal_info`). */
  readonly info: number;
  /** Instructions executed. */
  readonly instructions: number;
  /** Virtual time of the end (ns). */
  readonly endNs: number;
  /** The stream's state, when it was suspended. */
  readonly snapshot?: CsSnapshot;
}

/** Options of a stream run started by a host. */
export interface CsStartOptions {
  /** Address space the stream's accesses go through (the CSG's AS). */
  readonly as: number;
  /** GPU VA of the first instruction (8-aligned). */
  readonly va: number;
  /** Length of the buffer in bytes (a multiple of 8). */
  readonly length: number;
  /** Registers of the stream (CS_FEATURES work registers; default 96). */
  readonly regCount?: number;
  /** FAULTSTATUS source id of the stream's accesses (default 0). */
  readonly sourceId?: number;
  /** Called (as an event) when the run ends. */
  readonly onEnd: (result: CsEndResult) => void;
  /** Called when a system-scope SYNC_ADD/SYNC_SET completed (the CSG's SYNC_UPDATE event). */
  readonly onSyncUpdate?: () => void;
  /**
   * Run the stream from a ring buffer instead of `[va, va + length)` (then ignored): the
   * stream fetches from `extract` up to `insert`, goes idle when they meet (until
   * `CsExecution.kick()`, a user doorbell) and never ends by itself.
   */
  readonly ring?: CsRing;
  /** Resume a suspended stream: its state instead of a fresh one (ring position included). */
  readonly restore?: CsSnapshot;
  /**
   * Called when the stream stopped for tiler memory ({@link CsExecution.requestTilerOom}); it
   * waits until `CsExecution.resolveTilerOom()`.
   */
  readonly onTilerOom?: () => void;
  /** Called when the stream's idleness changes (ring empty, blocked in SYNC_WAIT, or busy again). */
  readonly onIdleChange?: (idle: CsIdleKind) => void;
  /** Trace sink: one line per instruction executed ("cs <source id> <pc> <opcode name>"). */
  readonly trace?: (line: string) => void;
}

/** Why a stream counts as idle for its group's IDLE event (the CS IDLE_* configuration picks which count). */
export enum CsIdleKind {
  /** Not idle: it has work. */
  Busy = 0,
  /** A ring stream that caught up with its insert position (counted under IDLE_EMPTY). */
  Empty = 1,
  /** Blocked in SYNC_WAIT (counted under IDLE_SYNC_WAIT). */
  SyncWait = 2,
  /** Waiting for tiler heap memory (counted under IDLE_RESOURCE_REQ). */
  Resource = 3,
}

/** A ring buffer a stream fetches its instructions from (positions are byte counts, wrapping at `size`). */
export interface CsRing {
  /** GPU VA of the ring (in the stream's AS). */
  readonly base: number;
  /** Size in bytes (a power of two, a multiple of 8). */
  readonly size: number;
  /** Position of the next instruction to fetch; the stream advances it as it retires instructions. */
  extract: number;
  /** Reads the host's insert position (-1 when it cannot be read now). */
  readInsert(): number;
  /** Publishes the extract position (the firmware writes it to the ring's output page). */
  writeExtract(position: number): void;
}

/** A stream run as its engine sees it. */
export interface CsRunHandle {
  /** A SYNC object changed: a stream in SYNC_WAIT re-reads its own. */
  syncChanged(): void;
  /** Ends the run from outside. */
  terminate(): void;
}

/** What a stream run needs of the engine that started it. */
export interface CsRunContext {
  /** The GPU around the interpreter. */
  readonly host: CsHost;
  /** The timing in use. */
  readonly timing: CsTiming;
  /** Runs not yet ended. */
  readonly runs: Set<CsRunHandle>;
  /** Streams blocked in SYNC_WAIT. */
  readonly syncWaiters: Set<CsRunHandle>;
  /** A SYNC object was updated: wakes every stream in SYNC_WAIT. */
  syncUpdated(): void;
  /** Test hook: whether the RUN_TILING/RUN_IDVS a stream (by source id) issues runs out of tiler heap memory. */
  readonly tilerOomHook: ((sourceId: number) => boolean) | null;
}
