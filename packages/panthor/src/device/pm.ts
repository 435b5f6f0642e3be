/**
 * The panthor device's power management: its PM state (what the USER page maps), runtime
 * suspend and resume of the hardware blocks in the kernel's order, the reference helper that
 * clears a failed resume, and system sleep through the runtime callbacks.
 */
import { RuntimePm } from "@panmmu/drm";
import type { EventLoop } from "@panmmu/hw";
import { EAGAIN, EINVAL } from "@panmmu/uapi";

/** Autosuspend delay: 50 ms ("~3 frames"). Mirrors the pm_runtime_set_autosuspend_delay() of panthor_device_init(). */
export const PANTHOR_AUTOSUSPEND_DELAY_MS = 50;

/**
 * What the USER page's LATEST_FLUSH_ID reads while the device is not active: 1, so a submit
 * made then skips its cache flush (0 would mean "always flush"). Mirrors the first word of
 * `ptdev->pm.dummy_latest_flush`.
 */
export const PANTHOR_DUMMY_LATEST_FLUSH = 1;

/** The device's PM state. Mirrors `enum panthor_device_pm_state`. */
export enum PanthorPmState {
  /** Powered down. */
  Suspended = 0,
  /** Coming up: USER mappings still read the dummy page. */
  Resuming = 1,
  /** Powered and usable. */
  Active = 2,
  /** Going down: USER mappings already read the dummy page. */
  Suspending = 3,
}

/** The hardware blocks the PM callbacks drive, in the kernel's order. */
export interface PanthorPmBlocks {
  /** Whether the device finished its init (firmware booted). Mirrors panthor_device_is_initialized(). */
  initialized(): boolean;
  /** Whether the device was unplugged (`drm_dev_enter()` fails). */
  unplugged(): boolean;
  /** Whether a reset is pending; clearing it forces a slow restart. */
  resetPending(): boolean;
  /** Clears the pending reset (the resume does a slow restart instead). */
  clearResetPending(): void;
  /** Cancels a queued reset work. Mirrors cancel_work_sync(&ptdev->reset.work). */
  cancelResetWork(): void;
  /** Whether the next firmware restart may be fast (`ptdev->reset.fast`). */
  fastReset(): boolean;
  /** Forces the next firmware restart to be slow. */
  forceSlowReset(): void;
  /** Mirrors panthor_sched_suspend(). */
  schedSuspend(): void;
  /** Mirrors panthor_sched_resume(). */
  schedResume(): void;
  /** Mirrors panthor_fw_suspend(): halt the MCU (a fast restart is then possible). */
  fwSuspend(): void;
  /** Mirrors panthor_fw_resume(): 0 or a negative errno. */
  fwResume(): number;
  /** Mirrors panthor_mmu_suspend(). */
  mmuSuspend(): void;
  /** Mirrors panthor_mmu_resume(). */
  mmuResume(): void;
  /** Mirrors panthor_gpu_suspend(). */
  gpuSuspend(): void;
  /** Mirrors panthor_gpu_resume(). */
  gpuResume(): void;
  /**
   * A VM operation in progress (its `op_lock`), or null: the suspend takes the MMU's
   * `slots_lock`, which such an operation holds across each AS command it waits on.
   */
  busyVmLock(): { whenFree(fn: () => void): void } | null;
}

/** Counters of the device's power management. */
export interface PanthorPmCounters {
  /** Resumes that fell back from a fast to a slow firmware restart. */
  slowFallbacks: number;
  /** Resumes that failed (the device stays suspended, `recoveryNeeded` set). */
  failedResumes: number;
}

/** The device's power management. Mirrors `ptdev->pm` and the panthor_device PM callbacks. */
export class PanthorPm {
  /** The PM state. Mirrors `ptdev->pm.state`. */
  state = PanthorPmState.Suspended;
  /** A resume failed: the next reference clears the runtime error first. Mirrors `pm.recovery_needed`. */
  recoveryNeeded = false;
  /** The runtime-PM core of the device. */
  readonly rpm: RuntimePm;
  /** Counters. */
  readonly counters: PanthorPmCounters = { slowFallbacks: 0, failedResumes: 0 };

  constructor(
    loop: EventLoop,
    private readonly blocks: PanthorPmBlocks,
  ) {
    this.rpm = new RuntimePm(
      loop,
      {
        suspend: () => this.suspend(),
        resume: () => this.resume(),
        suspendBlocker: () => blocks.busyVmLock(),
      },
      PANTHOR_AUTOSUSPEND_DELAY_MS,
      "panthor:rpm",
    );
  }

  /** Whether the device is active (what the USER page's fault handler checks). */
  get active(): boolean {
    return this.state === PanthorPmState.Active;
  }

  /**
   * Takes a runtime-PM reference, resuming the device: 0 or a negative errno (-EAGAIN while a
   * PM callback runs: wait with {@link whenSettled}). After a failed resume the runtime error
   * is cleared so a later call retries. Mirrors panthor_device_resume_and_get().
   */
  resumeAndGet(): number {
    const ret = this.rpm.resumeAndGet();
    if (ret !== 0 && ret !== -EAGAIN && this.recoveryNeeded) this.recoveryNeeded = false;
    return ret;
  }

  /** Drops a reference; the device suspends after the autosuspend delay. Mirrors pm_runtime_put_autosuspend(). */
  put(): void {
    this.rpm.markLastBusy();
    this.rpm.putAutosuspend();
  }

  /** Takes a reference on an active device. Mirrors pm_runtime_get() (no resume needed). */
  get(): void {
    this.rpm.getNoresume();
  }

  /** Runs `fn` once no PM callback runs. */
  whenSettled(fn: () => void): void {
    this.rpm.whenSettled(fn);
  }

  /**
   * Runtime suspend: USER mappings switched to the dummy page, then (on an initialized device)
   * the reset work cancelled, the scheduler, firmware (MCU halted), MMU and GPU suspended.
   * Mirrors panthor_device_suspend().
   */
  suspend(): number {
    if (this.state !== PanthorPmState.Active) return -EINVAL;
    this.state = PanthorPmState.Suspending;
    const b = this.blocks;
    if (b.initialized() && !b.unplugged()) {
      b.cancelResetWork();
      b.schedSuspend();
      b.fwSuspend();
      b.mmuSuspend();
      b.gpuSuspend();
    }
    this.state = PanthorPmState.Suspended;
    return 0;
  }

  /**
   * Runtime resume: a reset pending at suspend time forces a slow restart; the GPU, MMU and
   * firmware resumed (a failed fast restart retried slow; a failure undoes MMU and GPU and
   * leaves the device suspended with `recoveryNeeded`), then the scheduler; USER mappings go
   * back to the register. Mirrors panthor_device_resume() and
   * panthor_device_resume_hw_components().
   */
  resume(): number {
    if (this.state !== PanthorPmState.Suspended) return -EINVAL;
    this.state = PanthorPmState.Resuming;
    const b = this.blocks;
    if (b.initialized() && !b.unplugged()) {
      if (b.resetPending()) {
        b.forceSlowReset();
        b.clearResetPending();
      }
      let ret = this.resumeHw();
      if (ret !== 0 && b.fastReset()) {
        this.counters.slowFallbacks++;
        b.forceSlowReset();
        ret = this.resumeHw();
      }
      if (ret !== 0) {
        this.counters.failedResumes++;
        this.state = PanthorPmState.Suspended;
        this.recoveryNeeded = true;
        return ret;
      }
      b.schedResume();
    }
    this.state = PanthorPmState.Active;
    return 0;
  }

  private resumeHw(): number {
    const b = this.blocks;
    b.gpuResume();
    b.mmuResume();
    const ret = b.fwResume();
    if (ret === 0) return 0;
    b.mmuSuspend();
    b.gpuSuspend();
    return ret;
  }
}
