/**
 * The GPU_CONTROL register block (offsets 0x000-0xfff): identification registers, the GPU
 * interrupt registers, GPU_CMD (resets, cache flushes, counters) and the power domains.
 */
import type { EventLoop } from "../platform/interfaces.js";
import {
  CSF_GPU_CMD_TYPE_FLUSH_CACHES,
  GPU_CMD_CLEAN_CACHES,
  GPU_CMD_CLEAN_INV_CACHES,
  GPU_CMD_CYCLE_COUNT_START,
  GPU_CMD_CYCLE_COUNT_STOP,
  GPU_CMD_HARD_RESET,
  GPU_CMD_PERFCNT_CLEAR,
  GPU_CMD_PERFCNT_SAMPLE,
  GPU_CMD_SOFT_RESET,
  GPU_IRQ_CLEAN_CACHES_COMPLETED,
  GPU_IRQ_MCU_STATUS_CHANGED,
  GPU_IRQ_PERFCNT_SAMPLE_COMPLETED,
  GPU_IRQ_POWER_CHANGED,
  GPU_IRQ_POWER_CHANGED_ALL,
  GPU_IRQ_RESET_COMPLETED,
} from "../regs/gpu-control.js";
import { CSF_GPU_REGS, JM_GPU_REGS } from "../regs/gpu-control-offsets.js";
import { type GpuPreset, mmuFeaturesOf } from "./presets.js";

/**
 * Frequency of the system counter that drives a CSF GPU's GPU_TIMESTAMP (the Arm generic timer,
 * CNTFRQ): 24 MHz, as on RK3588 and most arm64 boards. The virtual clock counts ns, so the
 * counter reads `floor(now × 24e6 / 1e9)` plus GPU_TIMESTAMP_OFFSET.
 */
export const SYSTEM_COUNTER_FREQUENCY_HZ = 24_000_000;

/**
 * Frequency of the GPU cycle counter (GPU_CYCLE_COUNT, the core clock): 1 GHz, one cycle per
 * virtual ns.
 */
export const GPU_CYCLE_COUNTER_HZ = 1_000_000_000;

/** Latencies (virtual ns) of GPU_CONTROL operations. */
export interface GpuControlTiming {
  /** From GPU_CMD soft/hard reset to RESET_COMPLETED. */
  resetNs: number;
  /** From a PWRON/PWROFF write to the READY change and POWER_CHANGED interrupts. */
  powerNs: number;
  /** From a cache clean/flush command to CLEAN_CACHES_COMPLETED. */
  cacheFlushNs: number;
}

/** Hooks the block calls into the rest of the GPU. */
export interface GpuControlHooks {
  /** GPU interrupt level may have changed. */
  onIrqChange(): void;
  /** A soft or hard reset starts: every other block returns to its power-on state. */
  onReset(hard: boolean): void;
  /** Optional event log. */
  trace?: (message: string) => void;
  /**
   * CSF: MCU_CONTROL took effect (after the power latency) with `control` (0 disable, 1 enable,
   * 2 auto); the firmware model boots or stops.
   */
  onMcuControl?: (control: number) => void;
}

/** Power domains: shader, tiler, L2 and (JM) core stacks; READY masks per 64-bit register. */
interface PowerDomain {
  /** Offset of the READY low word. */
  readonly ready: number;
  /** Offset of the PWRON low word. */
  readonly pwron: number;
  /** Offset of the PWROFF low word. */
  readonly pwroff: number;
  /** Offset of the PWRTRANS low word. */
  readonly pwrtrans: number;
  /** Offset of the PWRACTIVE low word (undefined for stacks). */
  readonly pwractive: number | undefined;
  /** Offset of the PRESENT low word. */
  readonly present: number;
  /** Powered-up bits, low and high words. */
  readonly on: Uint32Array;
  /** Bits in transition, low and high words. */
  readonly trans: Uint32Array;
}

function domain(
  ready: number,
  present: number,
  pwractive: number | undefined,
  stride: number,
): PowerDomain {
  return {
    ready,
    pwron: ready + stride,
    pwroff: ready + 2 * stride,
    pwrtrans: ready + 3 * stride,
    pwractive,
    present,
    on: new Uint32Array(2),
    trans: new Uint32Array(2),
  };
}

/** The GPU_CONTROL block of a simulated GPU. */
export class GpuControlBlock {
  /** GPU_INT_RAWSTAT. */
  rawstat = 0;
  /** GPU_INT_MASK (kept across resets so the RESET_COMPLETED interrupt can be delivered). */
  mask = 0;
  /** Cache flushes requested through GPU_CMD. */
  cacheFlushes = 0;
  /** Resets requested through GPU_CMD. */
  resets = 0;
  /** GPU_CMD values this model does not act on (ignored, counted). */
  unknownCommands = 0;
  private readonly csf: boolean;
  private readonly ids = new Map<number, number>();
  private readonly rw = new Map<number, number>();
  private readonly domains: PowerDomain[];
  private latestFlushId = 0;
  private cycleCounting = false;
  private mcuControl = 0;
  private mcuStatus = 0;
  private resetPending = false;

  /**
   * @param preset - the GPU model.
   * @param loop - the event loop.
   * @param timing - operation latencies.
   * @param hooks - see {@link GpuControlHooks}.
   */
  constructor(
    preset: GpuPreset,
    private readonly loop: EventLoop,
    private readonly timing: GpuControlTiming,
    private readonly hooks: GpuControlHooks,
  ) {
    this.csf = preset.csf;
    const R = this.csf ? CSF_GPU_REGS : JM_GPU_REGS;
    this.ids.set(R.GPU_ID, preset.gpuId >>> 0);
    this.ids.set(R.GPU_MMU_FEATURES, mmuFeaturesOf(preset));
    this.ids.set(R.GPU_AS_PRESENT, preset.asPresent >>> 0);
    if (!this.csf) this.ids.set(JM_GPU_REGS.GPU_JS_PRESENT, preset.jsPresent >>> 0);
    for (const [k, v] of Object.entries(preset.idRegisters)) this.ids.set(Number(k), v >>> 0);
    const rwRegs = this.csf
      ? [
          CSF_GPU_REGS.GPU_L2_CONFIG,
          CSF_GPU_REGS.GPU_PWR_OVERRIDE0,
          CSF_GPU_REGS.GPU_PWR_OVERRIDE1,
          CSF_GPU_REGS.GPU_TIMESTAMP_OFFSET,
          CSF_GPU_REGS.GPU_TIMESTAMP_OFFSET + 4,
          CSF_GPU_REGS.GPU_COHERENCY_PROTOCOL,
          CSF_GPU_REGS.GPU_ASN_HASH_BASE,
          CSF_GPU_REGS.GPU_ASN_HASH_BASE + 4,
          CSF_GPU_REGS.GPU_ASN_HASH_BASE + 8,
        ]
      : [
          JM_GPU_REGS.GPU_PWR_OVERRIDE0,
          JM_GPU_REGS.GPU_PWR_OVERRIDE1,
          JM_GPU_REGS.GPU_PERFCNT_BASE_LO,
          JM_GPU_REGS.GPU_PERFCNT_BASE_HI,
          JM_GPU_REGS.GPU_PERFCNT_CFG,
          JM_GPU_REGS.GPU_PRFCNT_JM_EN,
          JM_GPU_REGS.GPU_PRFCNT_SHADER_EN,
          JM_GPU_REGS.GPU_PRFCNT_TILER_EN,
          JM_GPU_REGS.GPU_PRFCNT_MMU_L2_EN,
          JM_GPU_REGS.GPU_JM_CONFIG,
          JM_GPU_REGS.GPU_SHADER_CONFIG,
          JM_GPU_REGS.GPU_TILER_CONFIG,
          JM_GPU_REGS.GPU_L2_MMU_CONFIG,
        ];
    for (const r of rwRegs) this.rw.set(r, 0);
    this.domains = [
      domain(0x140, 0x100, 0x240, 0x40),
      domain(0x150, 0x110, 0x250, 0x40),
      domain(0x160, 0x120, 0x260, 0x40),
    ];
    // Core stacks (JM Bifrost and later): READY 0xe10, PWRON 0xe20, PWROFF 0xe30, PWRTRANS 0xe40.
    if (!this.csf) this.domains.push(domain(0xe10, 0xe00, undefined, 0x10));
  }

  /** Level of the GPU interrupt line. */
  get irqLevel(): boolean {
    return (this.rawstat & this.mask) !== 0;
  }

  /** Sets GPU_INT_RAWSTAT bits. */
  raise(bits: number): void {
    const before = this.rawstat;
    this.rawstat = (this.rawstat | bits) >>> 0;
    if (before !== this.rawstat) this.hooks.onIrqChange();
  }

  private setRaw(v: number): void {
    const before = this.rawstat;
    this.rawstat = v >>> 0;
    if (before !== this.rawstat) this.hooks.onIrqChange();
  }

  /** Reads a GPU_CONTROL register; undefined when nothing is there. */
  readReg(offset: number): number | undefined {
    const id = this.ids.get(offset);
    if (id !== undefined) return id;
    const rw = this.rw.get(offset);
    if (rw !== undefined) return rw;
    switch (offset) {
      case 0x20:
        return this.rawstat;
      case 0x24:
        return 0;
      case 0x28:
        return this.mask;
      case 0x2c:
        return (this.rawstat & this.mask) >>> 0;
      case 0x30:
        return 0;
      case 0x34:
        return 0;
      case 0x3c:
      case 0x40:
      case 0x44:
        return 0;
      case 0x90:
        return this.cycles() >>> 0;
      case 0x94:
        return Math.floor(this.cycles() / 4294967296) >>> 0;
      case 0x98:
        return Number(this.timestamp() & 0xffff_ffffn);
      case 0x9c:
        return Number(this.timestamp() >> 32n);
    }
    if (!this.csf && offset === JM_GPU_REGS.GPU_LATEST_FLUSH_ID) return this.latestFlushId;
    if (this.csf && offset === CSF_GPU_REGS.MCU_CONTROL) return this.mcuControl;
    if (this.csf && offset === CSF_GPU_REGS.MCU_STATUS) return this.mcuStatus;
    for (const d of this.domains) {
      const hi = (offset & 4) !== 0 ? 1 : 0;
      const base = offset & ~4;
      if (base === d.present) return 0;
      if (base === d.ready) return d.on[hi];
      if (base === d.pwrtrans) return d.trans[hi];
      if (base === d.pwractive) return d.on[hi];
      if (base === d.pwron || base === d.pwroff) return 0;
    }
    return undefined;
  }

  /** Writes a GPU_CONTROL register; false when nothing writable is there. */
  writeReg(offset: number, value: number): boolean {
    const v = value >>> 0;
    if (this.rw.has(offset)) {
      this.rw.set(offset, v);
      return true;
    }
    switch (offset) {
      case 0x20:
        this.raise(v);
        return true;
      case 0x24:
        this.setRaw(this.rawstat & ~v);
        return true;
      case 0x28: {
        const before = this.mask;
        this.mask = v;
        if (before !== v) this.hooks.onIrqChange();
        return true;
      }
      case 0x30:
        this.command(v);
        return true;
      case CSF_GPU_REGS.GPU_PWR_KEY:
        return true;
    }
    if (this.csf && offset === CSF_GPU_REGS.MCU_CONTROL) {
      this.mcuControl = v & 0x3;
      this.loop.schedule(
        this.timing.powerNs,
        () => {
          this.mcuStatus = this.mcuControl === 0 ? 0 : 1;
          this.raise(GPU_IRQ_MCU_STATUS_CHANGED);
          this.hooks.onMcuControl?.(this.mcuControl);
        },
        "gpu:mcu",
      );
      return true;
    }
    for (const d of this.domains) {
      const hi = (offset & 4) !== 0 ? 1 : 0;
      const base = offset & ~4;
      if (base === d.pwron || base === d.pwroff) {
        this.power(d, hi, v, base === d.pwron);
        return true;
      }
    }
    return false;
  }

  private power(d: PowerDomain, hi: number, bits: number, on: boolean): void {
    const present = this.ids.get(d.present + hi * 4) ?? 0;
    const mask = (bits & present) >>> 0;
    if (mask === 0) return;
    d.trans[hi] = ((d.trans[hi] as number) | mask) >>> 0;
    this.loop.schedule(
      this.timing.powerNs,
      () => {
        d.trans[hi] = ((d.trans[hi] as number) & ~mask) >>> 0;
        d.on[hi] = (on ? (d.on[hi] as number) | mask : (d.on[hi] as number) & ~mask) >>> 0;
        let busy = false;
        for (const x of this.domains)
          if ((x.trans[0] as number) !== 0 || (x.trans[1] as number) !== 0) busy = true;
        this.raise(
          busy ? GPU_IRQ_POWER_CHANGED : GPU_IRQ_POWER_CHANGED | GPU_IRQ_POWER_CHANGED_ALL,
        );
      },
      "gpu:power",
    );
  }

  private command(cmd: number): void {
    this.hooks.trace?.(`gpu cmd=0x${cmd.toString(16)}`);
    if (this.csf) {
      const type = cmd & 0xff;
      const payload = cmd >>> 8;
      if (type === 1 && (payload === 1 || payload === 2)) this.reset(payload === 2);
      else if (type === CSF_GPU_CMD_TYPE_FLUSH_CACHES) {
        // A full flush (L2 and LSC cleaned and invalidated) advances LATEST_FLUSH_ID.
        this.flushCaches((payload & 0x33) === 0x33);
      } else this.unknownCommands++;
      return;
    }
    switch (cmd) {
      case GPU_CMD_SOFT_RESET:
      case GPU_CMD_HARD_RESET:
        this.reset(cmd === GPU_CMD_HARD_RESET);
        return;
      case GPU_CMD_CLEAN_CACHES:
      case GPU_CMD_CLEAN_INV_CACHES:
        this.flushCaches(true);
        return;
      case GPU_CMD_PERFCNT_SAMPLE:
        this.loop.schedule(
          this.timing.cacheFlushNs,
          () => this.raise(GPU_IRQ_PERFCNT_SAMPLE_COMPLETED),
          "gpu:perfcnt",
        );
        return;
      case GPU_CMD_PERFCNT_CLEAR:
        return;
      case GPU_CMD_CYCLE_COUNT_START:
        this.cycleCounting = true;
        return;
      case GPU_CMD_CYCLE_COUNT_STOP:
        this.cycleCounting = false;
        return;
      default:
        this.unknownCommands++;
    }
  }

  /** MCU_STATUS now (CSF). */
  get mcuStatusValue(): number {
    return this.mcuStatus;
  }

  /** Sets MCU_STATUS (the firmware halted or failed) and raises MCU_STATUS_CHANGED. */
  setMcuStatus(status: number): void {
    if (this.mcuStatus === status) return;
    this.mcuStatus = status;
    this.raise(GPU_IRQ_MCU_STATUS_CHANGED);
  }

  /** LATEST_FLUSH_ID now (the count of completed full cache flushes). */
  get latestFlushIdValue(): number {
    return this.latestFlushId;
  }

  /**
   * Counts a cache flush a command stream performed (FLUSH_CACHE2): a full one advances
   * LATEST_FLUSH_ID, as GPU_COMMAND FLUSH_CACHES does.
   */
  countStreamFlush(full: boolean): void {
    this.cacheFlushes++;
    if (full) this.latestFlushId = (this.latestFlushId + 1) >>> 0;
  }

  /** GPU_TIMESTAMP now as [lo, hi]. */
  timestampWords(): [number, number] {
    const t = this.timestamp();
    return [Number(t & 0xffff_ffffn), Number(t >> 32n)];
  }

  /** GPU_CYCLE_COUNT now as [lo, hi]. */
  cycleCountWords(): [number, number] {
    const c = this.cycles();
    return [c >>> 0, Math.floor(c / 0x1_0000_0000) >>> 0];
  }

  /**
   * CSF USER page read at byte `offset` of the page: LATEST_FLUSH_ID at 0, 0 elsewhere (nothing
   * else is defined there).
   */
  userPageRead(offset: number): number {
    return offset === 0 ? this.latestFlushId : 0;
  }

  /** Runs a cache flush; `advancesFlushId`: it counts in the latest flush id when done. */
  private flushCaches(advancesFlushId: boolean): void {
    this.cacheFlushes++;
    this.loop.schedule(
      this.timing.cacheFlushNs,
      () => {
        if (advancesFlushId) this.latestFlushId = (this.latestFlushId + 1) >>> 0;
        this.raise(GPU_IRQ_CLEAN_CACHES_COMPLETED);
      },
      "gpu:flush-caches",
    );
  }

  private reset(hard: boolean): void {
    this.resets++;
    this.hooks.onReset(hard);
    for (const d of this.domains) {
      d.on.fill(0);
      d.trans.fill(0);
    }
    for (const k of this.rw.keys()) this.rw.set(k, 0);
    this.mcuControl = 0;
    this.mcuStatus = 0;
    this.cycleCounting = false;
    this.setRaw(0);
    if (this.resetPending) return;
    this.resetPending = true;
    this.loop.schedule(
      this.timing.resetNs,
      () => {
        this.resetPending = false;
        this.raise(GPU_IRQ_RESET_COMPLETED);
      },
      hard ? "gpu:hard-reset" : "gpu:soft-reset",
    );
  }

  private cycles(): number {
    return this.cycleCounting || this.csf ? this.loop.now : 0;
  }

  /** GPU_TIMESTAMP as a u64 (wraps like the 64-bit register). */
  private timestamp(): bigint {
    if (!this.csf) return BigInt(Math.floor(this.loop.now));
    const lo = this.rw.get(CSF_GPU_REGS.GPU_TIMESTAMP_OFFSET) ?? 0;
    const hi = this.rw.get(CSF_GPU_REGS.GPU_TIMESTAMP_OFFSET + 4) ?? 0;
    const ticks =
      (BigInt(Math.floor(this.loop.now)) * BigInt(SYSTEM_COUNTER_FREQUENCY_HZ)) / 1_000_000_000n;
    return (ticks + (BigInt(hi) << 32n) + BigInt(lo)) & 0xffff_ffff_ffff_ffffn;
  }
}
