/** What the panthor scenario's special steps found (the data behind its checks and tables). */
import type { LeafCount } from "./pages.js";

/** What happened to the huge page. */
export interface HugeOutcome {
  /** Leaves of the BO's range before the partial unmap. */
  readonly before: LeafCount;
  /** Leaves of the BO's range after it. */
  readonly after: LeafCount;
  /** gpuva list of the range after. */
  readonly gpuvas: string[];
  /** Reads of survivors while the unmap ran (a failed run counts one). */
  readonly racingReads: number;
  /** Of those, reads that returned the survivor's data. */
  readonly racingRight: number;
  /** Survivor words read back right after the unmap. */
  readonly afterRight: number;
  /** Survivor words read after the unmap. */
  readonly afterReads: number;
  /** What reading the hole gave (negative: minus the exception code). */
  readonly holeRead: number;
  /** VM_GET_STATE after. */
  readonly state: number;
}

/** What happened to the VM made unusable. */
export interface VictimOutcome {
  /** Leaves of its block-mapped BO's range before its partial unmap. */
  readonly before: LeafCount;
  /** Leaves after it. */
  readonly after: LeafCount;
  /** gpuva list of the range after. */
  readonly gpuvas: string[];
  /** The unmap fence's error. */
  readonly fenceError: number;
  /** VM_GET_STATE after. */
  readonly state: number;
  /** An async MAP after: the ioctl's result. */
  readonly asyncMap: number;
  /** A sync MAP after: the ioctl's result. */
  readonly syncMap: number;
  /** Whether a GPU read of a word it kept mapped returned its data before the unmap. */
  readonly readBeforeRight: boolean;
  /** Whether its AS was disabled (TRANSCFG ADRMODE_UNMAPPED) after. */
  readonly asDisabled: boolean;
}
