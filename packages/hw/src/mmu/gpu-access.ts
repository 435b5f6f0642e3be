/**
 * How GPU work (job chains, memory programs, CSF queues) reaches memory: every access goes
 * through an address space's TLB and page-table walker. This is the contract between the MMU
 * model and the engines that run GPU work.
 */

/** Kind of GPU access, as the MMU's permission check and FAULTSTATUS.ACCESS_TYPE see it. */
export enum GpuAccessKind {
  /** Instruction fetch / execute (FAULTSTATUS access type EX). */
  Execute = 1,
  /** Data read (access type READ). */
  Read = 2,
  /** Data write (access type WRITE). */
  Write = 3,
}

/** {@link GpuMemoryPort.translate} result: the access faulted; the AS stalls until the fault is cleared or the AS disabled. */
export const TRANSLATE_FAULTED = -1;
/** {@link GpuMemoryPort.translate} result: the address is inside a locked region; the access waits for the unlock. */
export const TRANSLATE_LOCKED = -2;

/**
 * The MMU as seen by a GPU engine. Engines translate one page at a time; on a negative result
 * they stop and call {@link GpuMemoryPort.waitRetry}, then translate again when resumed.
 */
export interface GpuMemoryPort {
  /**
   * Translates `va` for an access of `kind` through address space `as`. Returns the physical
   * address (>= 0) on success; {@link TRANSLATE_FAULTED} when the access faulted (the fault is
   * recorded in the AS registers and its MMU IRQ raised); {@link TRANSLATE_LOCKED} when `va`
   * lies in the AS's locked region. `sourceId` is reported in FAULTSTATUS.SOURCE_ID.
   */
  translate(as: number, va: number, kind: GpuAccessKind, sourceId: number): number;
  /**
   * Registers a one-shot continuation for a stalled or blocked access of AS `as`: `resume()`
   * runs (as an event) once the access may be retried — the fault was cleared through
   * MMU_INT_CLEAR or the locked region was unlocked; `abort(exceptionCode)` runs instead when
   * the AS was disabled (UNMAPPED + UPDATE) or the GPU was reset, with the exception code the
   * job must fail with (the recorded fault's code).
   */
  waitRetry(as: number, resume: () => void, abort: (exceptionCode: number) => void): void;
}
