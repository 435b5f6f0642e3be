/**
 * The interfaces a driver programs the hardware through. Drivers depend on these, never on the
 * simulator classes, so they can run on another hardware model that implements them.
 */
import type { WarningSink } from "@panmmu/uapi";

/** A scheduled event; pass it to {@link EventLoop.cancel}. */
export interface EventHandle {
  /** Unique, increasing id of the event within its loop. */
  readonly id: number;
  /** Virtual time (ns) at which the event is due. */
  readonly due: number;
  /** Label given at scheduling time (shown in traces). */
  readonly label: string;
}

/**
 * One virtual-time event loop per simulated platform. Everything the kernel does concurrently
 * (IRQ delivery, job progress, MMU command latency, work items, scheduler work) is an event.
 */
export interface EventLoop {
  /** Current virtual time in nanoseconds. */
  readonly now: number;
  /** Runs `fn` at `now + delayNs` (delay >= 0). Events due at the same time run in a seeded order. */
  schedule(delayNs: number, fn: () => void, label: string): EventHandle;
  /** Cancels a pending event; returns false if it already ran or was cancelled. */
  cancel(handle: EventHandle): boolean;
  /** Runs the next due event (advancing time to it); false when no event is pending. */
  step(): boolean;
  /** Runs events until none is pending (or `maxEvents` ran); returns how many ran. */
  runUntilIdle(maxEvents?: number): number;
  /** Runs every event due within `ns` from now, then sets time to `now + ns`. */
  advance(ns: number): void;
  /**
   * Runs events until `done()` is true or `timeoutNs` of virtual time has passed; returns
   * whether `done()` became true. Time stops at the event that made it true, or at the deadline.
   */
  runUntil(done: () => boolean, timeoutNs: number): boolean;
  /** Number of events pending. */
  readonly pending: number;
}

/** A memory-pressure client (the core of a kernel shrinker). */
export interface MemoryShrinker {
  /** Name shown in statistics. */
  readonly name: string;
  /** How many pages it could free now (`count_objects`). */
  count(): number;
  /** Tries to free up to `pages` pages; returns how many it freed (`scan_objects`). */
  scan(pages: number): number;
}

/** Page size of system memory and of the GPU MMU's smallest page. */
export const PAGE_SIZE = 4096;

/**
 * Page reservations: pages set aside up front (all or nothing) and allocated later without
 * failing, as a `kmem_cache_alloc_bulk()` of worst-case page-table pages is used by a VM
 * operation. A reservation counts as allocated memory until it is allocated or given back.
 */
export interface PageReservations {
  /** Sets aside `pages` pages, all or nothing; false (nothing set aside) when they cannot be had. */
  reservePages(pages: number): boolean;
  /** Allocates one zeroed page out of a reservation; its address (null only on misuse: none reserved). */
  allocReservedPage(): number | null;
  /** Gives back `pages` reserved pages that were not allocated. */
  unreservePages(pages: number): void;
}

/**
 * Physical memory shared by CPU and GPU (Mali SoCs are unified), in 4 KiB pages. Also the
 * page-table memory of `@panmmu/iopgtable` (`allocPage`/`freePage`/`pageU32`), structurally.
 */
export interface PhysicalMemory extends PageReservations {
  /** Allocates one zeroed 4 KiB page; its physical address, or null when none can be had. */
  allocPage(): number | null;
  /** Frees one page allocated by {@link allocPage} or as part of a contiguous run. */
  freePage(pa: number): void;
  /**
   * Allocates `pages` physically contiguous zeroed pages aligned to `alignPages` pages (e.g. a
   * 2 MiB run: 512, 512); the first page's address, or null. Pages are freed one by one.
   */
  allocContiguous(pages: number, alignPages: number): number | null;
  /** The 1024-word view of the page at page-aligned `pa` (the page must be allocated). */
  pageU32(pa: number): Uint32Array;
  /** The 4096-byte view of the page at page-aligned `pa` (the page must be allocated). */
  pageU8(pa: number): Uint8Array;
  /** Whether `pa` lies in an allocated page. */
  isAllocated(pa: number): boolean;
  /** Pages currently allocated. */
  readonly allocatedPages: number;
  /** Pages that can still be allocated before the memory is exhausted. */
  readonly freePages: number;
  /** Registers a shrinker asked to free pages when an allocation finds memory exhausted; returns an unregister function. */
  registerShrinker(shrinker: MemoryShrinker): () => void;
}

/** 32-bit memory-mapped register access, offsets in bytes from the GPU's register base. */
export interface MmioBus {
  /** Reads the 32-bit register at `offset`. */
  read32(offset: number): number;
  /** Writes the 32-bit register at `offset`. */
  write32(offset: number, value: number): void;
}

/** Names of the three Mali interrupt lines. */
export type IrqName = "gpu" | "job" | "mmu";

/**
 * A level-triggered interrupt line. The level is `RAWSTAT & MASK != 0` of its block; when it
 * rises, the registered handler runs as an event on the loop (threaded-IRQ style).
 */
export interface IrqLine {
  /** Which line this is. */
  readonly name: IrqName;
  /** Current level. */
  readonly level: boolean;
  /** Registers the handler (one per line); replaces any earlier one. */
  setHandler(handler: () => void): void;
  /** Removes the handler. */
  clearHandler(): void;
}

/** Everything a driver is given at probe time. */
export interface GpuPlatform {
  /** The GPU's register window. */
  readonly mmio: MmioBus;
  /** The three interrupt lines. */
  readonly irqs: Readonly<Record<IrqName, IrqLine>>;
  /** System memory. */
  readonly memory: PhysicalMemory;
  /** The platform's event loop and virtual clock. */
  readonly loop: EventLoop;
  /** Where `WARN_ON()`-style reports go. */
  readonly warnings: WarningSink;
  /** Whether GPU page-table walks and accesses are IO-coherent with the CPU (dma-coherent). */
  readonly coherent: boolean;
}
