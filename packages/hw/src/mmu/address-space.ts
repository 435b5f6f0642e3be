/**
 * The state of one hardware address-space slot: its registers, the configuration the last
 * UPDATE made live, its TLB, lock region, fault latch and stalled accesses.
 */
import type { EventHandle } from "../platform/interfaces.js";
import { AsConfig } from "./as-config.js";
import { AsCounters } from "./counters.js";
import { Tlb } from "./tlb.js";

/** A stalled or blocked GPU access waiting for the MMU (see GpuMemoryPort.waitRetry). */
export interface AccessWaiter {
  /** Runs when the access may be retried. */
  readonly resume: () => void;
  /** Runs instead when the access is terminated, with the exception code to fail with. */
  readonly abort: (exceptionCode: number) => void;
}

/** One address-space slot. */
export class AddressSpace {
  /** Slot number. */
  readonly index: number;
  /** AS_TRANSTAB, AS_MEMATTR and AS_TRANSCFG register values as written (lo/hi words: 0-1, 2-3, 4-5). */
  readonly regs = new Uint32Array(6);
  /** AS_LOCKADDR low word. */
  lockaddrLo = 0;
  /** AS_LOCKADDR high word. */
  lockaddrHi = 0;
  /** AS_FAULTSTATUS. */
  faultStatus = 0;
  /** AS_FAULTADDRESS low word. */
  faultAddressLo = 0;
  /** AS_FAULTADDRESS high word. */
  faultAddressHi = 0;
  /** AS_FAULTEXTRA low word. */
  faultExtraLo = 0;
  /** AS_FAULTEXTRA high word. */
  faultExtraHi = 0;
  /** The live configuration (latched by the last completed UPDATE). */
  readonly cfg = new AsConfig();
  /** The configuration an in-flight UPDATE will make live. */
  readonly pendingCfg = new AsConfig();
  /** The TLB. */
  readonly tlb: Tlb;
  /** AS_STATUS.AS_ACTIVE. */
  active = false;
  /** The command in flight (-1 when none). */
  activeCommand = -1;
  /** Completion event of the command in flight. */
  activeEvent: EventHandle | undefined;
  /** Whether a lock region is in force. */
  locked = false;
  /** First byte of the locked region. */
  lockStart = 0;
  /** End (exclusive) of the locked region. */
  lockEnd = 0;
  /** Whether a faulting access is stalled, waiting for MMU_INT_CLEAR or a disable. */
  stalled = false;
  /** Accesses waiting for the fault to be cleared. */
  faultWaiters: AccessWaiter[] = [];
  /** Accesses waiting for the region to be unlocked. */
  lockWaiters: AccessWaiter[] = [];
  /** Fault injection: the next command with this code (or any, with 256) keeps AS_ACTIVE set; -1 = off. */
  stuckCommand = -1;
  /** Fault injection: extra latency (ns) added to every command. */
  extraLatencyNs = 0;
  /** Fault injection: how many upcoming page-table walks report a bus fault. */
  injectedBusFaults = 0;
  /** Statistics. */
  readonly counters: AsCounters;

  /** Creates slot `index` with a TLB of `tlbEntries` entries. */
  constructor(index: number, tlbEntries: number) {
    this.index = index;
    this.tlb = new Tlb(tlbEntries);
    this.counters = new AsCounters(this.tlb);
  }
}
