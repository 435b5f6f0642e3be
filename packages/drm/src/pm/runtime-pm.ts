/**
 * Runtime power management of one device, as the driver core does it: a usage count, the
 * device's status, and autosuspend (the device suspends once it has been idle for the delay
 * after the last `mark_last_busy`). The driver's `runtime_suspend`/`runtime_resume` callbacks
 * run synchronously; a callback that waits lets other events run (the event loop nests), and
 * anyone asking for the device meanwhile is told to wait ({@link RuntimePm.whenSettled}).
 */
import type { EventHandle, EventLoop } from "@panmmu/hw";
import { EACCES, EAGAIN } from "@panmmu/uapi";

/** A device's runtime-PM status. Mirrors `enum rpm_status`. */
export enum RpmStatus {
  /** Powered and usable. */
  Active = "active",
  /** The resume callback is running. */
  Resuming = "resuming",
  /** The suspend callback is running. */
  Suspending = "suspending",
  /** Powered down. */
  Suspended = "suspended",
}

/** The driver's callbacks. Mirrors the runtime half of `struct dev_pm_ops`. */
export interface RuntimePmCallbacks {
  /** Powers the device down: 0, or a negative errno (the device stays active). */
  suspend(): number;
  /** Powers the device up: 0, or a negative errno (the device stays suspended). */
  resume(): number;
  /**
   * What an autosuspend would have to wait for (a lock the suspend callback takes, held by
   * code that is waiting on the hardware), or null: the suspend then starts once it is free.
   */
  suspendBlocker?(): { whenFree(fn: () => void): void } | null;
}

/** Counters of a device's runtime PM. */
export interface RuntimePmCounters {
  /** Runtime suspends completed. */
  suspends: number;
  /** Runtime resumes completed. */
  resumes: number;
  /** Resume callbacks that failed. */
  resumeErrors: number;
  /** Suspend callbacks that failed. */
  suspendErrors: number;
}

/** One transition, for traces and tests. */
export interface RuntimePmEvent {
  /** Virtual time (ns). */
  readonly at: number;
  /** The status entered. */
  readonly status: RpmStatus;
}

/**
 * One device's runtime PM. Mirrors the subset of drivers/base/power/runtime.c a DRM driver
 * uses: pm_runtime_set_active/enable, pm_runtime_resume_and_get, pm_runtime_get_noresume,
 * pm_runtime_mark_last_busy, pm_runtime_put_autosuspend, pm_runtime_force_suspend/resume.
 */
export class RuntimePm {
  /** The status. Mirrors `dev->power.runtime_status`. */
  status: RpmStatus = RpmStatus.Suspended;
  /** References held. Mirrors `dev->power.usage_count`. */
  usageCount = 0;
  /** When the device was last marked busy (virtual ns). Mirrors `dev->power.last_busy`. */
  lastBusy = 0;
  /** Autosuspend delay (ns); negative: never autosuspend. */
  autosuspendDelayNs: number;
  /** Whether runtime PM is enabled (between {@link enable} and {@link disable}). */
  enabled = false;
  /** Counters. */
  readonly counters: RuntimePmCounters = {
    suspends: 0,
    resumes: 0,
    resumeErrors: 0,
    suspendErrors: 0,
  };
  /** Every status change, oldest first. */
  readonly history: RuntimePmEvent[] = [];
  private timer: EventHandle | null = null;
  /** An autosuspend waits for its {@link RuntimePmCallbacks.suspendBlocker} to be free. */
  private blocked = false;
  private readonly settledWaiters: (() => void)[] = [];
  /** Set by {@link forceSuspend}: {@link forceResume} resumes only what it suspended. */
  private forced = false;

  /**
   * @param loop - the event loop (autosuspend timer, callbacks' waits).
   * @param callbacks - the driver's runtime suspend/resume.
   * @param autosuspendDelayMs - pm_runtime_set_autosuspend_delay().
   * @param name - label of the timer's events.
   */
  constructor(
    private readonly loop: EventLoop,
    private readonly callbacks: RuntimePmCallbacks,
    autosuspendDelayMs: number,
    private readonly name = "rpm",
  ) {
    this.autosuspendDelayNs = autosuspendDelayMs * 1_000_000;
  }

  /**
   * Changes the autosuspend delay (sysfs `power/autosuspend_delay_ms`); an idle device
   * re-evaluates at once. Mirrors pm_runtime_set_autosuspend_delay().
   */
  setAutosuspendDelay(ms: number): void {
    this.autosuspendDelayNs = ms * 1_000_000;
    this.cancelTimer();
    this.armIdle();
  }

  /** Whether the device is powered and usable. */
  get active(): boolean {
    return this.status === RpmStatus.Active;
  }

  /** Whether a callback is running (someone asking for the device must wait). */
  get transitioning(): boolean {
    return this.status === RpmStatus.Resuming || this.status === RpmStatus.Suspending;
  }

  /** Declares the device powered (probe powered it). Mirrors pm_runtime_set_active(). */
  setActive(): void {
    this.setStatus(RpmStatus.Active);
  }

  /** Enables runtime PM. Mirrors pm_runtime_enable(). */
  enable(): void {
    this.enabled = true;
    this.armIdle();
  }

  /** Disables runtime PM: no more autosuspend, the status frozen. Mirrors pm_runtime_disable(). */
  disable(): void {
    this.enabled = false;
    this.cancelTimer();
  }

  /**
   * Takes a reference and resumes the device if it is suspended: 0, or the resume callback's
   * errno (the reference dropped again). Called while a callback runs (from an event nested in
   * its wait) it returns -EAGAIN: the caller must wait with {@link whenSettled}, as it would
   * sleep in the kernel. With runtime PM disabled (system suspend) a device that is not active
   * gives -EACCES. Mirrors pm_runtime_resume_and_get().
   */
  resumeAndGet(): number {
    if (this.transitioning) return -EAGAIN;
    if (this.status === RpmStatus.Active) {
      this.usageCount++;
      this.cancelTimer();
      return 0;
    }
    if (!this.enabled) return -EACCES;
    this.usageCount++;
    this.cancelTimer();
    this.setStatus(RpmStatus.Resuming);
    const ret = this.callbacks.resume();
    if (ret !== 0) {
      this.counters.resumeErrors++;
      this.usageCount--;
      this.setStatus(RpmStatus.Suspended);
      this.settle();
      return ret;
    }
    this.counters.resumes++;
    this.lastBusy = this.loop.now;
    this.setStatus(RpmStatus.Active);
    this.settle();
    return 0;
  }

  /** Whether user space forbade runtime PM (sysfs `power/control` = "on"). Mirrors `!runtime_auto`. */
  forbidden = false;

  /**
   * sysfs `power/control` = "on": the device resumed and kept active (a reference held) until
   * {@link allow}. Mirrors pm_runtime_forbid().
   */
  forbid(): number {
    if (this.forbidden) return 0;
    const ret = this.resumeAndGet();
    if (ret === 0) this.forbidden = true;
    return ret;
  }

  /** sysfs `power/control` = "auto": the reference {@link forbid} took dropped. Mirrors pm_runtime_allow(). */
  allow(): void {
    if (!this.forbidden) return;
    this.forbidden = false;
    this.putAutosuspend();
  }

  /** Takes a reference without resuming. Mirrors pm_runtime_get_noresume(). */
  getNoresume(): void {
    this.usageCount++;
    this.cancelTimer();
  }

  /** Records activity now: the autosuspend delay counts from here. Mirrors pm_runtime_mark_last_busy(). */
  markLastBusy(): void {
    this.lastBusy = this.loop.now;
  }

  /**
   * Drops a reference; at zero the device suspends once idle for the autosuspend delay after
   * the last busy mark. Mirrors pm_runtime_put_autosuspend().
   */
  putAutosuspend(): void {
    if (this.usageCount <= 0) return;
    this.usageCount--;
    this.armIdle();
  }

  /** Drops a reference without any idle check. Mirrors pm_runtime_put_noidle(). */
  putNoidle(): void {
    if (this.usageCount > 0) this.usageCount--;
  }

  /**
   * System suspend: the device is suspended now whatever its usage count (the callback's
   * errno returned, the device left active on failure), runtime PM disabled until
   * {@link forceResume}. Mirrors pm_runtime_force_suspend().
   */
  forceSuspend(): number {
    this.disable();
    if (this.status === RpmStatus.Suspended) return 0;
    this.setStatus(RpmStatus.Suspending);
    const ret = this.callbacks.suspend();
    if (ret !== 0) {
      this.counters.suspendErrors++;
      this.setStatus(RpmStatus.Active);
      this.enable();
      this.settle();
      return ret;
    }
    this.counters.suspends++;
    this.forced = true;
    this.setStatus(RpmStatus.Suspended);
    this.settle();
    return 0;
  }

  /**
   * System resume: the device resumed if {@link forceSuspend} suspended it (or someone holds a
   * reference), runtime PM enabled again. Mirrors pm_runtime_force_resume().
   */
  forceResume(): number {
    let ret = 0;
    if (this.status === RpmStatus.Suspended && (this.forced || this.usageCount > 0)) {
      this.setStatus(RpmStatus.Resuming);
      ret = this.callbacks.resume();
      if (ret !== 0) {
        this.counters.resumeErrors++;
        this.setStatus(RpmStatus.Suspended);
      } else {
        this.counters.resumes++;
        this.lastBusy = this.loop.now;
        this.setStatus(RpmStatus.Active);
      }
    }
    this.forced = false;
    this.enable();
    this.settle();
    return ret;
  }

  /** Runs `fn` once no callback runs any more (now if none does). */
  whenSettled(fn: () => void): void {
    if (!this.transitioning) fn();
    else this.settledWaiters.push(fn);
  }

  /** Stops the timer for good (device removed). */
  shutdown(): void {
    this.disable();
    this.settledWaiters.length = 0;
  }

  private setStatus(status: RpmStatus): void {
    this.status = status;
    this.history.push({ at: this.loop.now, status });
  }

  private settle(): void {
    for (const fn of this.settledWaiters.splice(0))
      this.loop.schedule(0, fn, `${this.name}:settled`);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.loop.cancel(this.timer);
    this.timer = null;
  }

  /** Arms the autosuspend timer if the device could suspend. Mirrors rpm_idle() + rpm_suspend(RPM_AUTO). */
  private armIdle(): void {
    if (!this.enabled || this.usageCount > 0 || this.status !== RpmStatus.Active) return;
    if (this.autosuspendDelayNs < 0 || this.timer !== null || this.blocked) return;
    const due = Math.max(this.lastBusy + this.autosuspendDelayNs, this.loop.now);
    this.timer = this.loop.schedule(
      due - this.loop.now,
      () => this.autosuspend(),
      `${this.name}:autosuspend`,
    );
  }

  /** The timer fired: suspend if still idle and the delay has passed, else re-arm. Mirrors pm_suspend_timer_fn(). */
  private autosuspend(): void {
    this.timer = null;
    if (!this.enabled || this.usageCount > 0 || this.status !== RpmStatus.Active) return;
    if (this.loop.now < this.lastBusy + this.autosuspendDelayNs) {
      this.armIdle();
      return;
    }
    const blocker = this.callbacks.suspendBlocker?.() ?? null;
    if (blocker !== null) {
      // The suspend work would sleep on that lock: it starts when the holder lets go.
      this.blocked = true;
      blocker.whenFree(() => {
        this.blocked = false;
        this.armIdle();
      });
      return;
    }
    this.setStatus(RpmStatus.Suspending);
    const ret = this.callbacks.suspend();
    if (ret !== 0) {
      // rpm_suspend(): a failed callback leaves the device active.
      this.counters.suspendErrors++;
      this.setStatus(RpmStatus.Active);
      this.settle();
      return;
    }
    this.counters.suspends++;
    this.setStatus(RpmStatus.Suspended);
    this.settle();
    // Someone took a reference while the callback waited: resume for them at once.
    if (this.usageCount > 0) {
      this.usageCount--;
      this.resumeAndGet();
    }
  }
}
