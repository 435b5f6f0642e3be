/**
 * The GPU MMU: the MMU_INT registers, the address-space slots with their commands, and the
 * translation path every GPU access takes (TLB, walker, lock region, faults, stall and retry).
 */
import type { EventLoop } from "../platform/interfaces.js";
import {
  EXCEPTION_JOB_CONFIG_FAULT,
  EXCEPTION_TERMINATED,
  EXCEPTION_TRANSLATION_FAULT_0,
} from "../regs/exceptions.js";
import {
  AS_COMMAND,
  AS_COMMAND_FLUSH_MEM,
  AS_COMMAND_FLUSH_PT,
  AS_COMMAND_LOCK,
  AS_COMMAND_NOP,
  AS_COMMAND_UNLOCK,
  AS_COMMAND_UPDATE,
  AS_FAULTADDRESS_HI,
  AS_FAULTADDRESS_LO,
  AS_FAULTEXTRA_HI,
  AS_FAULTEXTRA_LO,
  AS_FAULTSTATUS,
  AS_FAULTSTATUS_DECODER_FAULT,
  AS_LOCK_REGION_MIN_SIZE,
  AS_LOCKADDR_HI,
  AS_LOCKADDR_LO,
  AS_MEMATTR_HI,
  AS_MEMATTR_LO,
  AS_STATUS,
  AS_STATUS_AS_ACTIVE,
  AS_TRANSCFG_HI,
  AS_TRANSCFG_LO,
  AS_TRANSTAB_HI,
  AS_TRANSTAB_LO,
  MMU_AS_BASE,
  MMU_AS_SHIFT,
  MMU_INT_CLEAR,
  MMU_INT_MASK,
  MMU_INT_RAWSTAT,
  MMU_INT_STAT,
  MMU_MAX_AS,
} from "../regs/mmu-regs.js";
import { type AccessWaiter, AddressSpace } from "./address-space.js";
import { type MmuCapabilities, TranslationMode } from "./as-config.js";
import {
  type GpuAccessKind,
  type GpuMemoryPort,
  TRANSLATE_FAULTED,
  TRANSLATE_LOCKED,
} from "./gpu-access.js";
import type { WalkMemory } from "./walk-memory.js";
import { PERM_FOR_KIND, permissionFault, WalkResult, walk } from "./walker.js";

/** Options of {@link Mmu}. */
export interface MmuOptions {
  /** The platform's event loop (command latency, resume/abort delivery). */
  loop: EventLoop;
  /** Memory the walker reads tables from. */
  memory: WalkMemory;
  /** Address sizes and supported modes. */
  caps: MmuCapabilities;
  /** Bitmask of implemented address spaces (GPU_AS_PRESENT). */
  asPresent: number;
  /** CSF generation: MMU_INT bits 16+n signal command completion instead of bus errors. */
  csf: boolean;
  /** Virtual time an AS command keeps AS_ACTIVE set (0 = completes within the register write). */
  commandLatencyNs: number;
  /** TLB entries per address space. */
  tlbEntries: number;
  /** Called whenever MMU_INT_RAWSTAT or MMU_INT_MASK changes. */
  onIrqChange: () => void;
  /** Optional event log (MMU commands and faults). */
  trace?: (message: string) => void;
}

/** A protocol error seen by the MMU (a command written while AS_ACTIVE, or an unknown command). */
export interface MmuProtocolError {
  /** Virtual time of the write. */
  readonly time: number;
  /** Address space. */
  readonly as: number;
  /** The command written. */
  readonly command: number;
  /** The command still running, or -1 for an unknown command code. */
  readonly running: number;
}

const WAITER_QUEUE_LABEL = "mmu:resume";
// Module-local copies of imports used on the translation path (see walker.ts).
const walkTables = walk;
const PERMS_FOR_KIND = PERM_FOR_KIND;
const MODE_IDENTITY: number = TranslationMode.Identity;
const FAULTED = TRANSLATE_FAULTED;
const LOCKED = TRANSLATE_LOCKED;

/**
 * The MMU model. Implements {@link GpuMemoryPort} for the engines that run GPU work, and the
 * MMU part of the register file (`readReg` / `writeReg` for offsets 0x2000-0x27ff).
 */
export class Mmu implements GpuMemoryPort {
  /** MMU_INT_RAWSTAT. */
  rawstat = 0;
  /** MMU_INT_MASK. */
  mask = 0;
  /** Address-space slots (undefined where not present). */
  readonly slots: (AddressSpace | undefined)[] = [];
  /** Accesses through an address space the GPU does not implement. */
  absentAsAccesses = 0;
  /** Protocol errors, in order. */
  readonly protocolErrors: MmuProtocolError[] = [];
  private readonly loop: EventLoop;
  private readonly memory: WalkMemory;
  private readonly caps: MmuCapabilities;
  private readonly hasTranscfg: boolean;
  private readonly csf: boolean;
  private readonly onIrqChange: () => void;
  private readonly trace: ((message: string) => void) | undefined;
  private readonly scratch = new WalkResult();
  /** Latency of every AS command (ns); may be changed at run time. */
  commandLatencyNs: number;

  /** Creates the MMU with every present AS unmapped. */
  constructor(options: MmuOptions) {
    this.loop = options.loop;
    this.memory = options.memory;
    this.caps = options.caps;
    this.hasTranscfg = options.caps.transcfg ?? options.caps.aarch64;
    this.csf = options.csf;
    this.onIrqChange = options.onIrqChange;
    this.trace = options.trace;
    this.commandLatencyNs = options.commandLatencyNs;
    for (let i = 0; i < MMU_MAX_AS; i++) {
      if ((options.asPresent & (1 << i)) === 0) {
        this.slots.push(undefined);
        continue;
      }
      const s = new AddressSpace(i, options.tlbEntries);
      s.cfg.clear(this.caps);
      s.pendingCfg.clear(this.caps);
      this.slots.push(s);
    }
  }

  /** Level of the MMU interrupt line. */
  get irqLevel(): boolean {
    return (this.rawstat & this.mask) !== 0;
  }

  /** The slot `as`; throws RangeError when it is not present. */
  slot(as: number): AddressSpace {
    const s = this.slots[as];
    if (s === undefined) throw new RangeError(`address space ${as} is not present`);
    return s;
  }

  // ---------------------------------------------------------------- translation (hot path)

  /**
   * Translates `va` for an access of `kind` in AS `as`; see {@link GpuMemoryPort.translate}.
   * An AS the GPU does not implement has no registers to report in: the access fails
   * ({@link TRANSLATE_FAULTED}) and its {@link waitRetry} aborts with JOB_CONFIG_FAULT.
   */
  translate(as: number, va: number, kind: GpuAccessKind, sourceId: number): number {
    const s = this.slots[as];
    if (s === undefined) {
      this.absentAsAccesses++;
      return FAULTED;
    }
    if (s.locked && va >= s.lockStart && va < s.lockEnd) {
      s.counters.lockedAccesses++;
      return LOCKED;
    }
    const tlb = s.tlb;
    const vpn = Math.floor(va / 4096);
    const i = vpn & tlb.mask;
    if (tlb.tags[i] === vpn) {
      tlb.hits++;
      if (((tlb.kinds[i] as number) & (1 << kind)) !== 0) {
        return (tlb.pas[i] as number) + (va & 0xfff);
      }
      return this.fault(s, permissionFault(tlb.levels[i] as number), va, kind, sourceId, false);
    }
    return this.miss(s, va, kind, sourceId);
  }

  private miss(s: AddressSpace, va: number, kind: GpuAccessKind, sourceId: number): number {
    s.counters.tlbMisses++;
    if (s.injectedBusFaults > 0) {
      s.injectedBusFaults--;
      return this.fault(s, 0xd0 + s.cfg.startLevel, va, kind, sourceId, false);
    }
    const r = this.scratch;
    s.counters.walks++;
    const code = walkTables(this.memory, s.cfg, va, r);
    s.counters.descriptorReads += r.reads;
    if (code !== 0) {
      return this.fault(s, code, va, kind, sourceId, (code & 0xf8) === 0xd0 && r.decoder);
    }
    if ((r.perms & (PERMS_FOR_KIND[kind] as number)) === 0) {
      return this.fault(s, permissionFault(r.level), va, kind, sourceId, false);
    }
    if (s.cfg.mode !== MODE_IDENTITY) {
      s.tlb.insert(Math.floor(va / 4096), r.pagePa, r.perms, r.level);
    }
    return r.pagePa + (va & 0xfff);
  }

  /**
   * Translates without side effects on the AS (no TLB fill, no fault recorded): the page-table
   * answer as a walk would give it now, or the negative exception code. For tests and tools.
   */
  probe(as: number, va: number): number {
    const s = this.slot(as);
    const r = new WalkResult();
    const code = walk(this.memory, s.cfg, va, r);
    return code !== 0 ? -code : r.pagePa + (va & 0xfff);
  }

  /**
   * Records a translation-path fault and stalls the AS. Every fault the walker or the TLB
   * reports, TRANSTAB_BUS_FAULT included, is a page fault on MMU_INT bit `as` in every
   * generation: Arm's kbase routes bits 0-15 to its page-fault worker, which is where it handles
   * the TRANSTAB_BUS_FAULT code. Bits 16-31 (bus errors on JM) are not walk faults.
   */
  private fault(
    s: AddressSpace,
    code: number,
    va: number,
    kind: GpuAccessKind,
    sourceId: number,
    decoder: boolean,
  ): number {
    s.counters.faults++;
    const as = s.index;
    const bit = (1 << as) >>> 0;
    if ((this.rawstat & this.faultBits(as)) === 0) {
      s.faultStatus =
        (code |
          (kind << 8) |
          (decoder ? AS_FAULTSTATUS_DECODER_FAULT : 0) |
          ((sourceId & 0xffff) << 16)) >>>
        0;
      s.faultAddressLo = va >>> 0;
      s.faultAddressHi = Math.floor(va / 4294967296) >>> 0;
    } else {
      s.counters.faultsWhileLatched++;
    }
    s.stalled = true;
    this.trace?.(
      `mmu as${as} fault code=0x${code.toString(16)} va=0x${va.toString(16)} kind=${kind}`,
    );
    this.setRawstat((this.rawstat | bit) >>> 0);
    return TRANSLATE_FAULTED;
  }

  /** MMU_INT bits that latch a fault of `as` (bus-error bit only on JM). */
  private faultBits(as: number): number {
    return (this.csf ? 1 << as : (1 << as) | (1 << (16 + as))) >>> 0;
  }

  /** Registers a continuation for a stalled or blocked access; see {@link GpuMemoryPort.waitRetry}. */
  waitRetry(as: number, resume: () => void, abort: (exceptionCode: number) => void): void {
    const s = this.slots[as];
    if (s === undefined) {
      this.loop.schedule(0, () => abort(EXCEPTION_JOB_CONFIG_FAULT), "mmu:abort");
      return;
    }
    const w: AccessWaiter = { resume, abort };
    const disabled =
      s.cfg.mode === TranslationMode.Unmapped || s.cfg.mode === TranslationMode.Unsupported;
    if (s.stalled && disabled && !(s.active && s.activeCommand === AS_COMMAND_UPDATE)) {
      this.deliverAbort(s, w, s.faultStatus & 0xff);
    } else if (s.stalled) {
      s.faultWaiters.push(w);
    } else if (s.locked) {
      s.lockWaiters.push(w);
    } else {
      this.deliverResume(s, w);
    }
  }

  private deliverResume(s: AddressSpace, w: AccessWaiter): void {
    s.counters.retries++;
    this.loop.schedule(0, w.resume, WAITER_QUEUE_LABEL);
  }

  private deliverAbort(s: AddressSpace, w: AccessWaiter, code: number): void {
    s.counters.aborts++;
    this.loop.schedule(0, () => w.abort(code), "mmu:abort");
  }

  private abortAll(s: AddressSpace, code: number): void {
    const waiters = [...s.faultWaiters, ...s.lockWaiters];
    s.faultWaiters = [];
    s.lockWaiters = [];
    s.stalled = false;
    for (const w of waiters) this.deliverAbort(s, w, code);
  }

  // ---------------------------------------------------------------- interrupts

  private setRawstat(value: number): void {
    const before = this.rawstat;
    this.rawstat = value >>> 0;
    if (before !== this.rawstat) this.onIrqChange();
  }

  /** MMU_INT_CLEAR: clears RAWSTAT bits; a cleared fault lets that AS's stalled accesses retry. */
  clear(bits: number): void {
    const v = bits >>> 0;
    this.setRawstat((this.rawstat & ~v) >>> 0);
    for (const s of this.slots) {
      if (s === undefined || !s.stalled || (v & this.faultBits(s.index)) === 0) continue;
      s.stalled = false;
      const waiters = s.faultWaiters;
      s.faultWaiters = [];
      for (const w of waiters) this.deliverResume(s, w);
    }
  }

  /** Raises MMU_INT_RAWSTAT bits directly (fault injection of interrupts). */
  raise(bits: number): void {
    this.setRawstat((this.rawstat | bits) >>> 0);
  }

  // ---------------------------------------------------------------- commands

  /** Handles a write of `cmd` to AS_COMMAND of `as`. */
  command(as: number, cmd: number): void {
    const s = this.slot(as);
    if (s.active || cmd > AS_COMMAND_FLUSH_MEM || cmd < 0) {
      s.counters.protocolErrors++;
      this.protocolErrors.push({
        time: this.loop.now,
        as,
        command: cmd,
        running: s.active ? s.activeCommand : -1,
      });
      this.trace?.(
        `mmu as${as} protocol-error cmd=${cmd} running=${s.active ? s.activeCommand : -1}`,
      );
      return;
    }
    s.counters.commands++;
    this.trace?.(`mmu as${as} cmd=${cmd}`);
    if (cmd === AS_COMMAND_UPDATE) {
      s.pendingCfg.raw.set(s.regs);
      s.pendingCfg.decode(this.caps);
    } else if (cmd === AS_COMMAND_LOCK) {
      s.counters.locks++;
      const [start, end] = this.lockRegion(s);
      s.locked = true;
      s.lockStart = start;
      s.lockEnd = end;
    }
    s.active = true;
    s.activeCommand = cmd;
    if (s.stuckCommand === 256 || s.stuckCommand === cmd) {
      s.stuckCommand = -1;
      this.trace?.(`mmu as${as} stuck cmd=${cmd}`);
      return;
    }
    const latency = this.commandLatencyNs + s.extraLatencyNs;
    if (latency <= 0) {
      this.complete(s);
    } else {
      s.activeEvent = this.loop.schedule(latency, () => this.complete(s), `mmu:as${as}:cmd${cmd}`);
    }
  }

  /** The region `[start, end)` encoded in AS_LOCKADDR (size 2^(width+1), naturally aligned, at least 32 KiB). */
  lockRegion(s: AddressSpace): [number, number] {
    const width = Math.max(s.lockaddrLo & 0x3f, Math.log2(AS_LOCK_REGION_MIN_SIZE) - 1);
    const size = 2 ** (width + 1);
    const addr = s.lockaddrHi * 4294967296 + ((s.lockaddrLo & 0xfffff000) >>> 0);
    const start = width >= 63 ? 0 : Math.floor(addr / size) * size;
    return [start, start + size];
  }

  private complete(s: AddressSpace): void {
    const cmd = s.activeCommand;
    s.activeEvent = undefined;
    s.counters.commandsCompleted++;
    switch (cmd) {
      case AS_COMMAND_UPDATE: {
        s.cfg.copyFrom(s.pendingCfg);
        s.counters.updates++;
        s.counters.tlbInvalidations += s.tlb.invalidateAll();
        const m = s.cfg.mode;
        if (m === TranslationMode.Unmapped || m === TranslationMode.Unsupported) {
          this.abortAll(s, s.stalled ? s.faultStatus & 0xff : EXCEPTION_TRANSLATION_FAULT_0);
        }
        break;
      }
      case AS_COMMAND_UNLOCK:
      case AS_COMMAND_FLUSH_PT:
      case AS_COMMAND_FLUSH_MEM: {
        if (s.locked) {
          s.counters.tlbInvalidations += s.tlb.invalidateRange(s.lockStart, s.lockEnd);
        } else {
          const [start, end] = this.lockRegion(s);
          s.counters.tlbInvalidations += s.tlb.invalidateRange(start, end);
        }
        s.counters.flushes++;
        if (cmd !== AS_COMMAND_UNLOCK) s.counters.cacheFlushes++;
        s.locked = false;
        const waiters = s.lockWaiters;
        s.lockWaiters = [];
        for (const w of waiters) this.deliverResume(s, w);
        break;
      }
      case AS_COMMAND_LOCK:
      case AS_COMMAND_NOP:
        break;
    }
    s.active = false;
    s.activeCommand = -1;
    this.trace?.(`mmu as${s.index} done cmd=${cmd}`);
    if (this.csf) this.setRawstat((this.rawstat | (1 << (16 + s.index))) >>> 0);
  }

  /** Returns every AS and the interrupt block to the power-on state (soft/hard reset). */
  reset(): void {
    for (const s of this.slots) {
      if (s === undefined) continue;
      if (s.activeEvent !== undefined) this.loop.cancel(s.activeEvent);
      s.activeEvent = undefined;
      s.active = false;
      s.activeCommand = -1;
      this.abortAll(s, s.stalled ? s.faultStatus & 0xff : EXCEPTION_TERMINATED);
      s.regs.fill(0);
      s.lockaddrLo = 0;
      s.lockaddrHi = 0;
      s.faultStatus = 0;
      s.faultAddressLo = 0;
      s.faultAddressHi = 0;
      s.faultExtraLo = 0;
      s.faultExtraHi = 0;
      s.cfg.clear(this.caps);
      s.pendingCfg.clear(this.caps);
      s.tlb.invalidateAll();
      s.locked = false;
      s.lockStart = 0;
      s.lockEnd = 0;
      s.stuckCommand = -1;
      s.extraLatencyNs = 0;
      s.injectedBusFaults = 0;
    }
    this.mask = 0;
    this.setRawstat(0);
    this.onIrqChange();
  }

  // ---------------------------------------------------------------- registers

  /** Reads an MMU register (absolute offset); undefined when nothing is there. */
  readReg(offset: number): number | undefined {
    switch (offset) {
      case MMU_INT_RAWSTAT:
        return this.rawstat;
      case MMU_INT_MASK:
        return this.mask;
      case MMU_INT_STAT:
        return (this.rawstat & this.mask) >>> 0;
      case MMU_INT_CLEAR:
        return 0;
    }
    const s = this.asFor(offset);
    if (s === undefined) return undefined;
    switch (offset & 0x3f) {
      case AS_TRANSTAB_LO:
        return s.regs[0];
      case AS_TRANSTAB_HI:
        return s.regs[1];
      case AS_MEMATTR_LO:
        return s.regs[2];
      case AS_MEMATTR_HI:
        return s.regs[3];
      case AS_LOCKADDR_LO:
        return s.lockaddrLo;
      case AS_LOCKADDR_HI:
        return s.lockaddrHi;
      case AS_COMMAND:
        return 0;
      case AS_FAULTSTATUS:
        return s.faultStatus;
      case AS_FAULTADDRESS_LO:
        return s.faultAddressLo;
      case AS_FAULTADDRESS_HI:
        return s.faultAddressHi;
      case AS_STATUS:
        return s.active ? AS_STATUS_AS_ACTIVE : 0;
      case AS_TRANSCFG_LO:
        return this.hasTranscfg ? s.regs[4] : undefined;
      case AS_TRANSCFG_HI:
        return this.hasTranscfg ? s.regs[5] : undefined;
      case AS_FAULTEXTRA_LO:
        return s.faultExtraLo;
      case AS_FAULTEXTRA_HI:
        return s.faultExtraHi;
      default:
        return undefined;
    }
  }

  /** Writes an MMU register (absolute offset); false when nothing writable is there. */
  writeReg(offset: number, value: number): boolean {
    const v = value >>> 0;
    switch (offset) {
      case MMU_INT_CLEAR:
        this.clear(v);
        return true;
      case MMU_INT_MASK: {
        const before = this.mask;
        this.mask = v;
        if (before !== v) this.onIrqChange();
        return true;
      }
      case MMU_INT_RAWSTAT:
        // Writing RAWSTAT sets bits, as in GPU_INT and JOB_INT (drivers' IRQ self-tests).
        this.raise(v);
        return true;
      case MMU_INT_STAT:
        return false;
    }
    const s = this.asFor(offset);
    if (s === undefined) return false;
    switch (offset & 0x3f) {
      case AS_TRANSTAB_LO:
        s.regs[0] = v;
        return true;
      case AS_TRANSTAB_HI:
        s.regs[1] = v;
        return true;
      case AS_MEMATTR_LO:
        s.regs[2] = v;
        return true;
      case AS_MEMATTR_HI:
        s.regs[3] = v;
        return true;
      case AS_LOCKADDR_LO:
        s.lockaddrLo = v;
        return true;
      case AS_LOCKADDR_HI:
        s.lockaddrHi = v;
        return true;
      case AS_COMMAND:
        this.command(s.index, v);
        return true;
      case AS_TRANSCFG_LO:
        if (!this.hasTranscfg) return false;
        s.regs[4] = v;
        return true;
      case AS_TRANSCFG_HI:
        if (!this.hasTranscfg) return false;
        s.regs[5] = v;
        return true;
      default:
        return false;
    }
  }

  private asFor(offset: number): AddressSpace | undefined {
    if (
      offset < MMU_AS_BASE ||
      offset >= MMU_AS_BASE + (MMU_MAX_AS << MMU_AS_SHIFT) ||
      (offset & 3) !== 0
    ) {
      return undefined;
    }
    return this.slots[(offset - MMU_AS_BASE) >>> MMU_AS_SHIFT];
  }

  // ---------------------------------------------------------------- fault injection

  /** Makes the next command on `as` (only `command` if given) keep AS_ACTIVE set until reset. */
  injectStuckActive(as: number, command?: number): void {
    this.slot(as).stuckCommand = command ?? 256;
  }

  /** Adds `ns` of latency to every command on `as`. */
  injectExtraLatency(as: number, ns: number): void {
    this.slot(as).extraLatencyNs = Math.max(0, ns);
  }

  /**
   * Makes the next `count` page-table walks on `as` fail with a bus fault (TRANSTAB_BUS_FAULT at
   * the start level). The AS's TLB is emptied so the next access walks.
   */
  injectBusFault(as: number, count = 1): void {
    const s = this.slot(as);
    s.injectedBusFaults += Math.max(0, Math.trunc(count));
    s.tlb.invalidateAll();
  }
}
