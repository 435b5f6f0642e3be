/**
 * The driver's side of the CSF firmware: load the image into the MCU VM, boot the MCU, find
 * and check the interface, initialise the global interface, keep a ping watchdog, and halt,
 * stop, restart (fast or slow) and unplug it. The job interrupt is the firmware's: its global
 * bit means "booted" and, later, events for the scheduler.
 */
import type { DrmGemDevice } from "@panmmu/drm";
import {
  CSF_CSG_INPUT,
  CSF_CSG_OUTPUT,
  CSF_FW_BINARY_IFACE_ENTRY_WR,
  CSF_GLB_INPUT,
  CSF_GLB_OUTPUT,
  CSG_REQ_MASK,
  CSG_STATE_MASK,
  csfDoorbell,
  type EventHandle,
  fwToggleReqs,
  fwUpdateReqs,
  GLB_CFG_ALLOC_EN,
  GLB_CFG_POWEROFF_TIMER,
  GLB_CFG_PROGRESS_TIMER,
  GLB_COUNTER_EN,
  GLB_HALT,
  GLB_IDLE,
  GLB_IDLE_EN,
  GLB_PING,
  GLB_REQ_MASK,
  type GpuPlatform,
  JOB_INT_CLEAR,
  JOB_INT_GLOBAL_IF,
  JOB_INT_MASK,
  JOB_INT_STAT,
  MCU_CONTROL,
  MCU_CONTROL_AUTO,
  MCU_CONTROL_DISABLE,
  MCU_STATUS,
  MCU_STATUS_DISABLED,
  MCU_STATUS_HALT,
} from "@panmmu/hw";
import { EINVAL, ETIMEDOUT } from "@panmmu/uapi";
import { panthorKernelBoDestroy } from "../gem/kernel-bo.js";
import type { PanthorVm } from "../vm/vm.js";
import { type PanthorFwIface, panthorFwInitIfaces } from "./fw-iface.js";
import {
  type PanthorFirmwareLoader,
  type PanthorFwLoadState,
  type PanthorFwSection,
  panthorFwInitSectionMem,
  panthorFwLoad,
} from "./fw-load.js";

/** Ping period of the watchdog: 12 s. Mirrors PING_INTERVAL_MS. */
export const PING_INTERVAL_NS = 12_000_000_000;
/** Progress timeout in GPU cycles. Mirrors PROGRESS_TIMEOUT_CYCLES. */
export const PROGRESS_TIMEOUT_CYCLES = 5 * 500 * 1024 * 1024;
/** Scale of the progress timer field. Mirrors PROGRESS_TIMEOUT_SCALE_SHIFT. */
export const PROGRESS_TIMEOUT_SCALE_SHIFT = 10;
/** Idle hysteresis before the global IDLE event: 800 µs. Mirrors IDLE_HYSTERESIS_US. */
export const IDLE_HYSTERESIS_US = 800;
/** Power-off hysteresis: 10 ms. Mirrors PWROFF_HYSTERESIS_US. */
export const PWROFF_HYSTERESIS_US = 10_000;
/** How long the driver waits for the MCU to halt: 1 s. Mirrors MCU_HALT_TIMEOUT_US. */
export const MCU_HALT_TIMEOUT_NS = 1_000_000_000;
/** How long the driver waits for the boot interrupt: 1 s. */
export const FW_BOOT_TIMEOUT_NS = 1_000_000_000;
/** How long panthor_fw_stop() polls MCU_STATUS: 100 ms. */
export const MCU_STOP_TIMEOUT_NS = 100_000_000;
/** The global doorbell. Mirrors CSF_GLB_DOORBELL_ID. */
export const CSF_GLB_DOORBELL_ID = 0;

/** What the firmware code needs of the device. */
export interface PanthorFwEnv {
  /** The platform (registers, the job interrupt line, the event loop, warnings). */
  readonly platform: GpuPlatform;
  /** GEM device kernel BOs are created on. */
  readonly drm: DrmGemDevice;
  /** The MCU VM. */
  readonly vm: PanthorVm;
  /** Makes a VM active on an AS (AS 0 for the MCU VM). Mirrors panthor_vm_active(). */
  vmActive(vm: PanthorVm): number;
  /** Powers the L2 on. Mirrors panthor_hw_l2_power_on(). */
  l2PowerOn(): number;
  /** SHADER_PRESENT (the cores to enable). */
  readonly shaderPresent: bigint;
  /** GPU_ID (the firmware path). */
  readonly gpuId: number;
  /** Frequency of the system counter the firmware timers count (arch timer). */
  readonly timerHz: number;
  /** Asks for a GPU reset. Mirrors panthor_device_schedule_reset(). */
  scheduleReset(): void;
  /** Whether a reset is pending. Mirrors panthor_device_reset_is_pending(). */
  resetPending(): boolean;
}

/** Counters of the firmware code. */
export interface PanthorFwCounters {
  /** Boots (first and after resets). */
  boots: number;
  /** Watchdog pings answered. */
  pings: number;
  /** Watchdog pings not answered in 100 ms. */
  pingTimeouts: number;
  /** Job interrupts handled. */
  irqs: number;
}

/**
 * A firmware timeout in the units of the global interface: `us` in 1024-tick units of the
 * system counter (the arch timer), rounded up. Mirrors panthor_fw_conv_timeout() on a system
 * with an arch timer.
 */
export function panthorFwConvTimeout(us: number, timerHz: number): number {
  const cycles = Math.ceil((us * timerHz) / (1_000_000 * 1024));
  return Math.min(cycles, 0x7fff_ffff);
}

/** The firmware, as the driver runs it. Mirrors `struct panthor_fw`. */
export class PanthorFw {
  /** Loaded sections, in file order. */
  readonly sections: PanthorFwSection[];
  /** The section the interface lives in. */
  readonly shared: PanthorFwSection;
  /** The interface, once booted and checked. */
  iface: PanthorFwIface | null = null;
  /** Set by the job interrupt when the global interface signalled (boot done). */
  booted = false;
  /** Whether the last halt succeeded, so the next restart can be fast. Mirrors `ptdev->reset.fast`. */
  fastReset = false;
  /** Whether the job interrupt is suspended. */
  irqSuspended = true;
  /** Counters. */
  readonly counters: PanthorFwCounters = { boots: 0, pings: 0, pingTimeouts: 0, irqs: 0 };
  /** Called with the job interrupt status once booted (the scheduler's events). */
  onEvents: ((status: number) => void) | null = null;
  private pingWork: EventHandle | null = null;
  private pingDisabled = false;

  private constructor(
    private readonly env: PanthorFwEnv,
    state: PanthorFwLoadState & { shared: PanthorFwSection },
  ) {
    this.sections = state.sections;
    this.shared = state.shared;
  }

  /**
   * Brings the firmware up: job interrupt handler, L2 on, the image loaded into the MCU VM,
   * the MCU VM active on AS 0, the MCU booted, the interface found and checked, the global
   * interface initialised and the watchdog started. On failure everything is undone (sections
   * destroyed, MCU stopped) and the errno returned. Mirrors panthor_fw_init().
   */
  static init(env: PanthorFwEnv, loader: PanthorFirmwareLoader): PanthorFw | number {
    const { mmio } = env.platform;
    env.platform.irqs.job.setHandler(() => fw?.jobIrq());
    let fw: PanthorFw | null = null;
    const state: PanthorFwLoadState = { sections: [], shared: null };
    const fail = (ret: number): number => {
      if (fw !== null) fw.unplug();
      else {
        for (const s of state.sections) panthorKernelBoDestroy(s.mem);
        env.platform.irqs.job.clearHandler();
        mmio.write32(JOB_INT_MASK, 0);
      }
      return ret;
    };
    let ret = env.l2PowerOn();
    if (ret !== 0) return fail(ret);
    ret = panthorFwLoad(env.drm, env.vm, loader, env.gpuId, state);
    if (ret !== 0 || state.shared === null) return fail(ret !== 0 ? ret : -EINVAL);
    fw = new PanthorFw(env, { sections: state.sections, shared: state.shared });
    ret = env.vmActive(env.vm);
    if (ret !== 0) return fail(ret);
    ret = fw.start();
    if (ret !== 0) return fail(ret);
    const iface = panthorFwInitIfaces(fw.shared.mem);
    if (typeof iface === "number") return fail(iface);
    fw.iface = iface;
    fw.initGlobalIface();
    return fw;
  }

  /**
   * Boots the MCU: the job interrupt enabled for every event, MCU_CONTROL AUTO, then up to 1 s
   * for the global interrupt (-ETIMEDOUT without it). Mirrors panthor_fw_start().
   */
  start(): number {
    const { mmio, loop } = this.env.platform;
    this.booted = false;
    // panthor_job_irq_resume(): stale events are cleared before the line is unmasked.
    this.irqSuspended = false;
    mmio.write32(JOB_INT_CLEAR, 0xffff_ffff);
    mmio.write32(JOB_INT_MASK, 0xffff_ffff);
    mmio.write32(MCU_CONTROL, MCU_CONTROL_AUTO);
    if (!loop.runUntil(() => this.booted, FW_BOOT_TIMEOUT_NS)) {
      if (!this.booted && (mmio.read32(JOB_INT_STAT) & JOB_INT_GLOBAL_IF) === 0) return -ETIMEDOUT;
    }
    this.counters.boots++;
    return 0;
  }

  /** MCU_CONTROL DISABLE, then up to 100 ms for MCU_STATUS DISABLED (a WARN otherwise). Mirrors panthor_fw_stop(). */
  stop(): void {
    const { mmio, loop, warnings } = this.env.platform;
    mmio.write32(MCU_CONTROL, MCU_CONTROL_DISABLE);
    const stopped = (): boolean => mmio.read32(MCU_STATUS) === MCU_STATUS_DISABLED;
    if (!stopped() && !loop.runUntil(stopped, MCU_STOP_TIMEOUT_NS)) {
      warnings.warn("panthor_fw_stop", "Failed to stop MCU");
    }
  }

  /** The job interrupt: cleared, "booted" on the global bit, then the events. Mirrors panthor_job_irq_handler(). */
  private jobIrq(): void {
    if (this.irqSuspended) return;
    const { mmio } = this.env.platform;
    const status = mmio.read32(JOB_INT_STAT) >>> 0;
    if (status === 0) return;
    this.counters.irqs++;
    mmio.write32(JOB_INT_CLEAR, status);
    if (!this.booted && (status & JOB_INT_GLOBAL_IF) !== 0) this.booted = true;
    if (!this.booted) return;
    this.onEvents?.(status);
  }

  /** Masks the job interrupt and ignores it until {@link start}. Mirrors panthor_job_irq_suspend(). */
  private irqSuspend(): void {
    this.irqSuspended = true;
    this.env.platform.mmio.write32(JOB_INT_MASK, 0);
  }

  // ---- the global interface ---------------------------------------------------------------

  private get glb(): PanthorFwIface["global"] {
    const iface = this.iface;
    if (iface === null) throw new Error("panthor fw: interface used before boot");
    return iface.global;
  }

  /** Toggles `mask` in the global req word against the ack word. Mirrors panthor_fw_toggle_reqs(glb). */
  glbToggleReqs(mask: number): void {
    const g = this.glb;
    const req = g.input.read(CSF_GLB_INPUT.req);
    g.input.write(CSF_GLB_INPUT.req, fwToggleReqs(req, g.output.read(CSF_GLB_OUTPUT.ack), mask));
  }

  /** Sets the `mask` bits of the global req word to `value`. Mirrors panthor_fw_update_reqs(glb). */
  glbUpdateReqs(value: number, mask: number): void {
    const g = this.glb;
    g.input.write(CSF_GLB_INPUT.req, fwUpdateReqs(g.input.read(CSF_GLB_INPUT.req), value, mask));
  }

  /** Writes doorbell `id`. Mirrors panthor_fw_ring_doorbell(). */
  ringDoorbell(id: number): void {
    this.env.platform.mmio.write32(csfDoorbell(id), 1);
  }

  /** Toggles the groups of `csgMask` in the global doorbell request and rings doorbell 0. Mirrors panthor_fw_ring_csg_doorbells(). */
  ringCsgDoorbells(csgMask: number): void {
    const g = this.glb;
    const req = g.input.read(CSF_GLB_INPUT.doorbell_req);
    const ack = g.output.read(CSF_GLB_OUTPUT.doorbell_ack);
    g.input.write(CSF_GLB_INPUT.doorbell_req, fwToggleReqs(req, ack, csgMask));
    this.ringDoorbell(CSF_GLB_DOORBELL_ID);
  }

  /**
   * Waits up to `timeoutMs` for the global requests of `mask` to be acknowledged: 0, or
   * -ETIMEDOUT; `acked` (when given) receives the acknowledged subset. GLB_HALT and bits
   * outside GLB_REQ_MASK are never acknowledged (a WARN, -EINVAL). Mirrors panthor_fw_glb_wait_acks().
   */
  glbWaitAcks(mask: number, timeoutMs: number, acked?: { value: number }): number {
    if ((mask & (~GLB_REQ_MASK | GLB_HALT)) !== 0) {
      this.env.platform.warnings.warn("panthor_fw_glb_wait_acks", "request never acknowledged");
      return -EINVAL;
    }
    const g = this.glb;
    const req = g.input.read(CSF_GLB_INPUT.req) & mask;
    const done = (): boolean => (g.output.read(CSF_GLB_OUTPUT.ack) & mask) === req;
    if (done() || this.env.platform.loop.runUntil(done, timeoutMs * 1_000_000) || done()) {
      if (acked !== undefined) acked.value = mask;
      return 0;
    }
    if (acked !== undefined) acked.value = ~(req ^ g.output.read(CSF_GLB_OUTPUT.ack)) & mask;
    return -ETIMEDOUT;
  }

  /**
   * Waits up to `timeoutMs` for the CSG requests of `mask` on slot `csgId` to be acknowledged:
   * `ret` 0 or -ETIMEDOUT, `acked` the acknowledged subset (the state field counts only when
   * all of it matches). Bits outside CSG_REQ_MASK are a WARN and -EINVAL.
   * Mirrors panthor_fw_csg_wait_acks().
   */
  csgWaitAcks(csgId: number, mask: number, timeoutMs: number): { ret: number; acked: number } {
    if ((mask & ~CSG_REQ_MASK) !== 0) {
      this.env.platform.warnings.warn("panthor_fw_csg_wait_acks", "unknown request bits");
      return { ret: -EINVAL, acked: 0 };
    }
    const csg = this.iface?.groups[csgId];
    if (csg === undefined) return { ret: -EINVAL, acked: 0 };
    const req = csg.input.read(CSF_CSG_INPUT.req) & mask;
    const done = (): boolean => (csg.output.read(CSF_CSG_OUTPUT.ack) & mask) === req;
    let ret = 0;
    let acked = mask;
    if (!(done() || this.env.platform.loop.runUntil(done, timeoutMs * 1_000_000) || done())) {
      ret = -ETIMEDOUT;
      acked = ~(req ^ csg.output.read(CSF_CSG_OUTPUT.ack)) & mask;
    }
    if ((acked & CSG_STATE_MASK) !== CSG_STATE_MASK) acked &= ~CSG_STATE_MASK;
    return { ret, acked: acked >>> 0 };
  }

  /**
   * Cores, timers, interrupt mask, IDLE_EN and COUNTER_EN, then the configuration requests
   * toggled and doorbell 0 rung (no wait), and the watchdog armed. Mirrors
   * panthor_fw_init_global_iface().
   */
  private initGlobalIface(): void {
    const g = this.glb;
    const env = this.env;
    g.input.write(CSF_GLB_INPUT.core_en_mask, Number(env.shaderPresent & 0xffff_ffffn));
    g.input.write(CSF_GLB_INPUT.core_en_mask + 4, Number(env.shaderPresent >> 32n));
    g.input.write(
      CSF_GLB_INPUT.poweroff_timer,
      panthorFwConvTimeout(PWROFF_HYSTERESIS_US, env.timerHz),
    );
    g.input.write(
      CSF_GLB_INPUT.progress_timer,
      Math.floor(PROGRESS_TIMEOUT_CYCLES / 2 ** PROGRESS_TIMEOUT_SCALE_SHIFT),
    );
    g.input.write(CSF_GLB_INPUT.idle_timer, panthorFwConvTimeout(IDLE_HYSTERESIS_US, env.timerHz));
    g.input.write(
      CSF_GLB_INPUT.ack_irq_mask,
      GLB_CFG_ALLOC_EN |
        GLB_PING |
        GLB_CFG_PROGRESS_TIMER |
        GLB_CFG_POWEROFF_TIMER |
        GLB_IDLE_EN |
        GLB_IDLE,
    );
    this.glbUpdateReqs(GLB_IDLE_EN | GLB_COUNTER_EN, GLB_IDLE_EN | GLB_COUNTER_EN);
    this.glbToggleReqs(GLB_CFG_ALLOC_EN | GLB_CFG_POWEROFF_TIMER | GLB_CFG_PROGRESS_TIMER);
    this.ringDoorbell(CSF_GLB_DOORBELL_ID);
    this.armWatchdog();
  }

  // ---- watchdog -----------------------------------------------------------------------------

  /** (Re)arms the ping work 12 s from now. Mirrors mod_delayed_work(ping_work). */
  private armWatchdog(): void {
    if (this.pingDisabled) return;
    const loop = this.env.platform.loop;
    if (this.pingWork !== null) loop.cancel(this.pingWork);
    this.pingWork = loop.schedule(PING_INTERVAL_NS, () => this.ping(), "panthor:fw-ping");
  }

  private cancelWatchdog(): void {
    if (this.pingWork !== null) this.env.platform.loop.cancel(this.pingWork);
    this.pingWork = null;
  }

  /**
   * The watchdog: unless a reset is pending, toggles GLB_PING, rings doorbell 0 and waits
   * 100 ms for the ack; no ack schedules a reset, an ack re-arms the watchdog. Mirrors
   * panthor_fw_ping_work().
   */
  private ping(): void {
    this.pingWork = null;
    if (this.env.resetPending() || this.iface === null) return;
    this.glbToggleReqs(GLB_PING);
    this.ringDoorbell(CSF_GLB_DOORBELL_ID);
    if (this.glbWaitAcks(GLB_PING, 100) !== 0) {
      this.counters.pingTimeouts++;
      this.env.scheduleReset();
    } else {
      this.counters.pings++;
      this.armWatchdog();
    }
  }

  // ---- halt, reset, unplug --------------------------------------------------------------------

  /** Requests GLB_HALT and rings doorbell 0. Mirrors panthor_fw_halt_mcu(). */
  haltMcu(): void {
    this.glbUpdateReqs(GLB_HALT, GLB_HALT);
    this.ringDoorbell(CSF_GLB_DOORBELL_ID);
  }

  /** Waits up to 1 s for MCU_STATUS HALT; false (a warning) otherwise. Mirrors panthor_fw_wait_mcu_halted(). */
  waitMcuHalted(): boolean {
    const { mmio, loop } = this.env.platform;
    const halted = (): boolean => mmio.read32(MCU_STATUS) === MCU_STATUS_HALT;
    return halted() || loop.runUntil(halted, MCU_HALT_TIMEOUT_NS);
  }

  /**
   * Before a reset: the watchdog stopped; unless the reset is for a hang, the MCU is halted
   * (a fast restart is then possible); the job interrupt suspended and the MCU stopped.
   * Mirrors panthor_fw_pre_reset().
   */
  preReset(onHang: boolean): void {
    this.cancelWatchdog();
    this.fastReset = false;
    if (!onHang) {
      this.haltMcu();
      this.fastReset = this.waitMcuHalted();
    }
    this.irqSuspend();
    this.stop();
  }

  /**
   * After a reset: the MCU VM active again; a slow restart reloads every section, a fast one
   * clears GLB_HALT; the MCU booted and the global interface initialised again. Mirrors
   * panthor_fw_post_reset().
   */
  postReset(): number {
    let ret = this.env.vmActive(this.env.vm);
    if (ret !== 0) return ret;
    if (!this.fastReset) this.reloadSections(true);
    else this.glbUpdateReqs(0, GLB_HALT);
    ret = this.start();
    if (ret !== 0) return ret;
    this.initGlobalIface();
    return 0;
  }

  /** Re-initialises the writable sections, or every one with `full`. Mirrors panthor_reload_fw_sections(). */
  reloadSections(full: boolean): void {
    for (const s of this.sections) {
      if (!full && (s.flags & CSF_FW_BINARY_IFACE_ENTRY_WR) === 0) continue;
      panthorFwInitSectionMem(s);
    }
  }

  /**
   * Unplug: the watchdog disabled for good, the job interrupt suspended and the MCU stopped,
   * every section's BO destroyed. The MCU VM's AS stays for the MMU's unplug to release.
   * Mirrors panthor_fw_unplug().
   */
  unplug(): void {
    this.pingDisabled = true;
    this.cancelWatchdog();
    this.irqSuspend();
    this.stop();
    this.env.platform.irqs.job.clearHandler();
    for (const s of this.sections) panthorKernelBoDestroy(s.mem);
    this.sections.length = 0;
    this.iface = null;
  }
}
