/**
 * The CSF firmware model (the "MCU"): it executes no code, but behaves as the firmware does at
 * its interface. Enabled through MCU_CONTROL, it boots by writing its control blocks into the
 * shared section through AS 0 (a missing or wrong mapping of that section makes the boot fail
 * with MCU_STATUS FATAL), then raises the global job interrupt. Doorbell 0 makes it process
 * the global request word: requests are acknowledged by copying their bits into the ack word,
 * configuration fields are latched, GLB_HALT halts it, and acknowledged bits under
 * `ack_irq_mask` raise JOB_IRQ bit 31; then the groups whose doorbell bits the host toggled
 * process their requests ({@link CsfGroupSlot}). Doorbells 1 and up kick the streams
 * configured with them.
 */

import { GPU_CYCLE_COUNTER_HZ, SYSTEM_COUNTER_FREQUENCY_HZ } from "../../gpu/gpu-control-block.js";
import { type GpuMemoryPort, TRANSLATE_LOCKED } from "../../mmu/gpu-access.js";
import type { EventHandle, EventLoop, PhysicalMemory } from "../../platform/interfaces.js";
import type { CsEngine } from "../cs/cs-engine.js";
import {
  CSF_GROUP_CONTROL_OFFSET,
  CSF_STREAM_CONTROL_OFFSET,
  CSG_STATE_START,
  GLB_CFG_ALLOC_EN,
  GLB_CFG_POWEROFF_TIMER,
  GLB_CFG_PROGRESS_TIMER,
  GLB_COUNTER_EN,
  GLB_HALT,
  GLB_IDLE,
  GLB_IDLE_EN,
  GLB_PING,
  GLB_REQ_MASK,
  GLB_TIMER_SOURCE_GPU_COUNTER,
  JOB_INT_GLOBAL_IF,
  MCU_CONTROL_DISABLE,
  MCU_STATUS_FATAL,
  MCU_STATUS_HALT,
  PANTHOR_FW_HALT_OK,
} from "../iface-constants.js";
import {
  CSF_CS_CONTROL,
  CSF_CSG_CONTROL,
  CSF_GLB_CONTROL,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
} from "../iface-structs.js";
import { type FwGroupIo, slotMask } from "./fw-group-base.js";
import { CsfGroupSlot } from "./fw-groups.js";
import {
  CSF_G610_FIRMWARE,
  CSF_SHARED_SECTION_VA,
  type CsfFirmwareProfile,
  type CsfIfaceLayout,
  csfIfaceLayout,
  FW_CS_INPUT_STRIDE,
  FW_CS_OUTPUT_STRIDE,
  FW_GLB_CONTROL,
  FW_GLB_INPUT,
  FW_GLB_OUTPUT,
  FW_STREAM_STRIDE,
} from "./fw-profile.js";
import type { CsfFirmwareImage } from "./image-format.js";
import { MCU_AS, McuMemory } from "./mcu-memory.js";

/** Virtual-time costs of the firmware (ns). */
export interface CsfFirmwareTiming {
  /** From MCU enabled to the interface written and the global interrupt raised. Default 100000. */
  bootNs: number;
  /** From a doorbell to the firmware acting on it. Default 1000. */
  doorbellNs: number;
  /** A CSG state transition (START, SUSPEND, RESUME, TERMINATE) after the doorbell is acted on. Default 10000. */
  csgNs: number;
}

/** Default firmware timing: 100 µs boot, 1 µs doorbell latency, 10 µs per CSG state transition. */
export const DEFAULT_CSF_FIRMWARE_TIMING: Readonly<CsfFirmwareTiming> = Object.freeze({
  bootNs: 100_000,
  doorbellNs: 1000,
  csgNs: 10_000,
});

/** What the firmware needs of the GPU around it. */
export interface CsfFirmwareHost {
  /** Event loop. */
  readonly loop: EventLoop;
  /** Physical memory. */
  readonly memory: PhysicalMemory;
  /** The MMU (MCU accesses go through AS 0). */
  readonly port: GpuMemoryPort;
  /** Sets MCU_STATUS (raising MCU_STATUS_CHANGED). */
  setMcuStatus(status: number): void;
  /** Raises JOB_IRQ bits. */
  raiseJobIrq(bits: number): void;
  /** The command-stream interpreter the groups' streams run on. */
  readonly cs: CsEngine;
  /** Trace sink (requests, acknowledgements, events, firmware state), when tracing. */
  readonly trace?: (line: string) => void;
  /** Trace sink of the streams' instructions, when tracing them. */
  readonly traceInstructions?: (line: string) => void;
}

/** The firmware's state. */
export enum CsfFirmwareState {
  /** MCU disabled (or reset). */
  Off = 0,
  /** Enabled; writing the interface. */
  Booting = 1,
  /** Serving doorbells. */
  Running = 2,
  /** Halted through GLB_HALT (a fast restart can follow). */
  Halted = 3,
  /** An MCU access failed: MCU_STATUS FATAL. */
  Fatal = 4,
}

/** Configuration the global interface latched. */
export interface CsfGlobalConfig {
  /** progress_timer at the last CFG_PROGRESS_TIMER. */
  progressTimer: number;
  /** poweroff_timer at the last CFG_POWEROFF_TIMER. */
  poweroffTimer: number;
  /** core_en_mask (low word) at the last CFG_ALLOC_EN. */
  coreEnMask: number;
  /** idle_timer when the idle event was last enabled. */
  idleTimer: number;
  /** GLB_IDLE_EN as configured. */
  idleEnabled: boolean;
  /** GLB_COUNTER_EN as configured. */
  counterEnabled: boolean;
  /** PING requests answered. */
  pings: number;
}

/** The simulated CSF firmware. */
export class CsfFirmware {
  /** The state. */
  state = CsfFirmwareState.Off;
  /** Latched global configuration. */
  readonly config: CsfGlobalConfig = {
    progressTimer: 0,
    poweroffTimer: 0,
    coreEnMask: 0,
    idleTimer: 0,
    idleEnabled: false,
    counterEnabled: false,
    pings: 0,
  };
  /** Doorbells rung (any doorbell, while running). */
  doorbells = 0;
  /** Test hook: the MCU stops answering doorbells (a hung firmware, for watchdog tests). */
  unresponsive = false;
  /** The timing in use. */
  readonly timing: CsfFirmwareTiming;
  /** Where the group blocks are (from the profile's stream count). */
  readonly layout: CsfIfaceLayout;
  /** The CSG slots (created at boot). */
  groups: CsfGroupSlot[] = [];
  private readonly mem: McuMemory;
  private generation = 0;
  private readonly io: FwGroupIo;

  /**
   * @param host - the GPU around the firmware.
   * @param profile - what it reports about itself.
   * @param timing - overrides of {@link DEFAULT_CSF_FIRMWARE_TIMING}.
   */
  constructor(
    private readonly host: CsfFirmwareHost,
    readonly profile: CsfFirmwareProfile = CSF_G610_FIRMWARE,
    timing: Partial<CsfFirmwareTiming> = {},
  ) {
    this.timing = { ...DEFAULT_CSF_FIRMWARE_TIMING, ...timing };
    this.layout = csfIfaceLayout(profile);
    this.mem = new McuMemory(host.memory, host.port);
    this.io = {
      read: (va) => this.read(va),
      write: (words) => this.writeAll(words),
      raiseJobIrq: (bits) => host.raiseJobIrq(bits),
      cs: host.cs,
      profile,
      layout: this.layout,
      groupIdleChanged: () => this.updateGlobalIdle(),
      trace: host.trace,
      traceInstructions: host.traceInstructions,
    };
  }

  /** MCU VA of the global input block. */
  get glbInputVa(): number {
    return CSF_SHARED_SECTION_VA + FW_GLB_INPUT;
  }

  /** MCU VA of the global output block. */
  get glbOutputVa(): number {
    return CSF_SHARED_SECTION_VA + FW_GLB_OUTPUT;
  }

  /** MCU VA of group `i`'s page (its control block). */
  groupVa(i: number): number {
    return CSF_SHARED_SECTION_VA + CSF_GROUP_CONTROL_OFFSET + i * this.layout.groupStride;
  }

  /** MCU_CONTROL took effect: a disable stops the firmware, an enable boots it. */
  mcuControl(control: number): void {
    this.stop(CsfFirmwareState.Off);
    if (control === MCU_CONTROL_DISABLE) return;
    this.state = CsfFirmwareState.Booting;
    const gen = this.generation;
    this.host.loop.schedule(
      this.timing.bootNs,
      () => {
        if (gen === this.generation) this.boot();
      },
      "fw:boot",
    );
  }

  /** A write to doorbell `n`'s register: acted on after the doorbell latency. */
  doorbell(n: number): void {
    if (this.state !== CsfFirmwareState.Running || this.unresponsive) return;
    this.doorbells++;
    const gen = this.generation;
    this.host.loop.schedule(
      this.timing.doorbellNs,
      () => {
        if (gen !== this.generation || this.state !== CsfFirmwareState.Running) return;
        if (n === 0) this.processGlobal();
        else for (const g of this.groups) g.userDoorbell(n);
      },
      `fw:doorbell${n}`,
    );
  }

  /** The pending global-idle timer, if any. */
  private idleEvent: EventHandle | null = null;
  /** The global IDLE event was raised and no group has been busy since. */
  private idleRaised = false;

  /** Whether every CSG slot is idle or not running. */
  get allGroupsIdle(): boolean {
    return this.groups.every((g) => g.state !== CSG_STATE_START || g.idle);
  }

  /**
   * The global IDLE event: with GLB_IDLE_EN set, once every CSG slot has been idle (or not
   * running) for `idle_timer` (bits 30:0, in units of 1024 ticks of the system counter, or of
   * the GPU cycle counter with bit 31 set), GLB_IDLE toggles in the ack word with the global
   * interrupt under `ack_irq_mask`. Raised once per idle period: some group must become busy
   * before it is raised again.
   */
  private updateGlobalIdle(): void {
    const loop = this.host.loop;
    const idle = this.state === CsfFirmwareState.Running && this.allGroupsIdle;
    if (!idle) this.idleRaised = false;
    if (!idle || !this.config.idleEnabled || this.idleRaised) {
      if (this.idleEvent !== null) loop.cancel(this.idleEvent);
      this.idleEvent = null;
      return;
    }
    if (this.idleEvent !== null) return;
    const t = this.config.idleTimer;
    const hz =
      (t & GLB_TIMER_SOURCE_GPU_COUNTER) !== 0 ? GPU_CYCLE_COUNTER_HZ : SYSTEM_COUNTER_FREQUENCY_HZ;
    const ns = Math.ceil(((t & 0x7fff_ffff) * 1024 * 1e9) / hz);
    const gen = this.generation;
    this.idleEvent = loop.schedule(
      ns,
      () => {
        this.idleEvent = null;
        if (gen !== this.generation || !this.allGroupsIdle || !this.config.idleEnabled) return;
        this.idleRaised = true;
        this.globalEvent(GLB_IDLE);
      },
      "fw:idle",
    );
  }

  /** Raises global event `bit` (toggles its ack bit unless unacknowledged), with the interrupt under ack_irq_mask. */
  private globalEvent(bit: number): void {
    const req = this.read(this.glbInputVa + CSF_GLB_INPUT.req);
    const ack = this.read(this.glbOutputVa + CSF_GLB_OUTPUT.ack);
    const mask = this.read(this.glbInputVa + CSF_GLB_INPUT.ack_irq_mask);
    if (req < 0 || ack < 0 || mask < 0 || ((req ^ ack) & bit) !== 0) return;
    this.trace(`glb event 0x${bit.toString(16)}`);
    if (!this.writeAll([this.glbOutputVa + CSF_GLB_OUTPUT.ack, (ack ^ bit) >>> 0])) return;
    if ((mask & bit) !== 0) this.host.raiseJobIrq(JOB_INT_GLOBAL_IF);
  }

  private trace(line: string): void {
    this.host.trace?.(line);
  }

  /** GPU reset: the firmware stops; memory (the shared section) keeps its contents. */
  reset(): void {
    this.stop(CsfFirmwareState.Off);
  }

  /** Stops the firmware in `state`: pending work dropped, every group's streams terminated. */
  private stop(state: CsfFirmwareState): void {
    this.generation++;
    const changed = this.state !== state;
    this.state = state;
    for (const g of this.groups) g.stopAll();
    if (this.idleEvent !== null) this.host.loop.cancel(this.idleEvent);
    this.idleEvent = null;
    this.idleRaised = false;
    this.delayed.clear();
    if (changed) this.trace(`fw ${CsfFirmwareState[state]}`);
  }

  private fatal(): void {
    this.stop(CsfFirmwareState.Fatal);
    this.host.setMcuStatus(MCU_STATUS_FATAL);
  }

  /** Writes words at MCU VAs (pairs of address, value); false (firmware FATAL) on a failure. */
  private writeAll(words: readonly number[]): boolean {
    for (let i = 0; i < words.length; i += 2) {
      if (!this.mem.write32(words[i] as number, words[i + 1] as number)) {
        this.fatal();
        return false;
      }
    }
    return true;
  }

  /**
   * The image the MCU runs, or null (no check). With an image, the boot first reads every
   * section that carries data through AS 0 — instruction fetches for executable sections —
   * and fails (MCU_STATUS FATAL) when a section is not mapped, not executable, or holds
   * something else: the visible result of a loader that mapped the wrong pages.
   */
  image: CsfFirmwareImage | null = null;

  /** Whether the memory behind AS 0 holds the image's sections. */
  private imageLoaded(): boolean {
    for (const sec of this.image?.sections ?? []) {
      if (sec.data.length === 0) continue;
      if (this.mem.holds(sec.vaStart, sec.data, sec.executable) !== 1) {
        this.trace(`fw section ${sec.name} not loaded`);
        return false;
      }
    }
    return true;
  }

  /** Writes the control blocks (and clears the output blocks), then raises the global interrupt. */
  private boot(): void {
    if (!this.imageLoaded()) {
      this.fatal();
      return;
    }
    const p = this.profile;
    const s = CSF_SHARED_SECTION_VA;
    const glb = s + FW_GLB_CONTROL;
    const w: number[] = [
      glb + CSF_GLB_CONTROL.version,
      p.version,
      glb + CSF_GLB_CONTROL.features,
      p.features,
      glb + CSF_GLB_CONTROL.input_va,
      this.glbInputVa,
      glb + CSF_GLB_CONTROL.output_va,
      this.glbOutputVa,
      glb + CSF_GLB_CONTROL.group_num,
      p.groupNum,
      glb + CSF_GLB_CONTROL.group_stride,
      this.layout.groupStride,
      glb + CSF_GLB_CONTROL.perfcnt_size,
      p.perfcntSize,
      glb + CSF_GLB_CONTROL.instr_features,
      p.instrFeatures,
      this.glbOutputVa + CSF_GLB_OUTPUT.ack,
      0,
      this.glbOutputVa + CSF_GLB_OUTPUT.doorbell_ack,
      0,
      this.glbOutputVa + CSF_GLB_OUTPUT.halt_status,
      0,
    ];
    for (let g = 0; g < p.groupNum; g++) {
      const page = this.groupVa(g);
      w.push(
        page + CSF_CSG_CONTROL.features,
        p.csgFeatures,
        page + CSF_CSG_CONTROL.input_va,
        page + this.layout.csgInput,
        page + CSF_CSG_CONTROL.output_va,
        page + this.layout.csgOutput,
        page + CSF_CSG_CONTROL.suspend_size,
        p.suspendSize,
        page + CSF_CSG_CONTROL.protm_suspend_size,
        p.protmSuspendSize,
        page + CSF_CSG_CONTROL.stream_num,
        p.streamNum,
        page + CSF_CSG_CONTROL.stream_stride,
        FW_STREAM_STRIDE,
      );
      for (let j = 0; j < p.streamNum; j++) {
        const cs = page + CSF_STREAM_CONTROL_OFFSET + j * FW_STREAM_STRIDE;
        w.push(
          cs + CSF_CS_CONTROL.features,
          p.csFeatures,
          cs + CSF_CS_CONTROL.input_va,
          page + this.layout.csInput + j * FW_CS_INPUT_STRIDE,
          cs + CSF_CS_CONTROL.output_va,
          page + this.layout.csOutput + j * FW_CS_OUTPUT_STRIDE,
        );
      }
    }
    if (!this.writeAll(w)) return;
    this.groups = Array.from(
      { length: p.groupNum },
      (_, g) => new CsfGroupSlot(g, this.groupVa(g), this.io),
    );
    this.state = CsfFirmwareState.Running;
    this.trace("fw Running");
    this.host.raiseJobIrq(JOB_INT_GLOBAL_IF);
  }

  /**
   * Doorbell 0: acknowledges the global requests (toggled requests and configuration values
   * alike are copied into the ack word; GLB_HALT is never acknowledged), latches what they
   * configure, halts on GLB_HALT, and raises the global interrupt for acknowledged bits under
   * `ack_irq_mask`. An MCU access in a locked region is retried after the unlock; a fault
   * stops the firmware (MCU_STATUS FATAL).
   */
  private processGlobal(): void {
    const inp = this.glbInputVa;
    const out = this.glbOutputVa;
    const req = this.read(inp + CSF_GLB_INPUT.req);
    const ack = this.read(out + CSF_GLB_OUTPUT.ack);
    if (req < 0 || ack < 0) return;
    if ((req & GLB_HALT) !== 0) {
      if (!this.writeAll([out + CSF_GLB_OUTPUT.halt_status, PANTHOR_FW_HALT_OK])) return;
      this.stop(CsfFirmwareState.Halted);
      this.host.setMcuStatus(MCU_STATUS_HALT);
      return;
    }
    const words = [
      CSF_GLB_INPUT.progress_timer,
      CSF_GLB_INPUT.poweroff_timer,
      CSF_GLB_INPUT.core_en_mask,
      CSF_GLB_INPUT.idle_timer,
      CSF_GLB_INPUT.ack_irq_mask,
    ].map((o) => this.read(inp + o));
    if (words.some((v) => v < 0)) return;
    const [progressTimer, poweroffTimer, coreEnMask, idleTimer, irqMask] = words as [
      number,
      number,
      number,
      number,
      number,
    ];
    const handled = GLB_REQ_MASK & ~GLB_HALT;
    const newAck = ((ack & ~handled) | (req & handled)) >>> 0;
    const changed = (newAck ^ ack) >>> 0;
    const c = this.config;
    if ((changed & GLB_CFG_PROGRESS_TIMER) !== 0) c.progressTimer = progressTimer;
    if ((changed & GLB_CFG_POWEROFF_TIMER) !== 0) c.poweroffTimer = poweroffTimer;
    if ((changed & GLB_CFG_ALLOC_EN) !== 0) c.coreEnMask = coreEnMask;
    if ((changed & GLB_IDLE_EN) !== 0) {
      c.idleEnabled = (req & GLB_IDLE_EN) !== 0;
      c.idleTimer = idleTimer;
    }
    if ((changed & GLB_COUNTER_EN) !== 0) c.counterEnabled = (req & GLB_COUNTER_EN) !== 0;
    if ((changed & GLB_PING) !== 0) c.pings++;
    this.trace(`glb req 0x${req.toString(16)} ack 0x${newAck.toString(16)}`);
    if (!this.writeAll([out + CSF_GLB_OUTPUT.ack, newAck])) return;
    if ((changed & irqMask) !== 0) this.host.raiseJobIrq(JOB_INT_GLOBAL_IF);
    if ((changed & GLB_IDLE_EN) !== 0) this.updateGlobalIdle();
    // Groups whose doorbell bit the host toggled.
    const dbReq = this.read(inp + CSF_GLB_INPUT.doorbell_req);
    const dbAck = this.read(out + CSF_GLB_OUTPUT.doorbell_ack);
    if (dbReq < 0 || dbAck < 0) return;
    const pending = ((dbReq ^ dbAck) & slotMask(this.groups.length)) >>> 0;
    let done = 0;
    for (const g of this.groups) {
      const bit = 1 << g.index;
      if ((pending & bit) === 0) continue;
      if (g.stateChangePending() && this.timing.csgNs > 0) {
        this.processGroupLater(g);
        continue;
      }
      if (!g.process()) return;
      done |= bit;
    }
    if (done !== 0) this.ackGroupDoorbells(done);
  }

  /** Groups whose doorbell bits are being processed after a state-transition delay. */
  private readonly delayed = new Set<CsfGroupSlot>();

  /** Processes group `g` once its state transition took `csgNs`, then acknowledges its doorbell bit. */
  private processGroupLater(g: CsfGroupSlot): void {
    if (this.delayed.has(g)) return;
    this.delayed.add(g);
    const gen = this.generation;
    this.host.loop.schedule(
      this.timing.csgNs,
      () => {
        this.delayed.delete(g);
        if (gen !== this.generation || this.state !== CsfFirmwareState.Running) return;
        if (g.process()) this.ackGroupDoorbells(1 << g.index);
      },
      "fw:csg",
    );
  }

  /** Copies the doorbell request bits of the groups in `mask` into the global doorbell_ack. */
  private ackGroupDoorbells(mask: number): void {
    const out = this.glbOutputVa + CSF_GLB_OUTPUT.doorbell_ack;
    const ack = this.read(out);
    const req = this.read(this.glbInputVa + CSF_GLB_INPUT.doorbell_req);
    if (ack < 0 || req < 0) return;
    this.writeAll([out, ((ack & ~mask) | (req & mask)) >>> 0]);
  }

  /**
   * Reads an MCU word; -1 when the access failed — a locked region schedules the processing
   * again after the unlock, a fault or bus error stops the firmware.
   */
  private read(va: number): number {
    const v = this.mem.read32(va);
    if (v >= 0) return v;
    if (this.mem.failure !== TRANSLATE_LOCKED) {
      this.fatal();
      return -1;
    }
    const gen = this.generation;
    this.host.port.waitRetry(
      MCU_AS,
      () => {
        if (gen === this.generation && this.state === CsfFirmwareState.Running)
          this.processGlobal();
      },
      () => {
        if (gen === this.generation) this.fatal();
      },
    );
    return -1;
  }
}
