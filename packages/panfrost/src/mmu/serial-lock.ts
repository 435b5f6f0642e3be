/**
 * The AS lock: serialises address-space assignment with MMU register operations.
 *
 * The kernel holds a spinlock around `panfrost_mmu_as_get()` and around each MMU operation, so
 * an AS can never be reassigned while a command is being issued to it. Here work is synchronous
 * but polling (`wait_ready`) runs other events on the virtual clock; an event that needs the lock
 * while it is held is deferred and re-run once it is released, instead of interleaving. Work that
 * stands for a kernel waiter spinning on the lock (a TLB flush) runs at the release itself.
 */
import type { EventLoop } from "@panmmu/hw";

/** A mutual-exclusion flag with deferred retry on release. */
export class AsLock {
  private held = false;
  private readonly deferred: Array<() => void> = [];
  /** Work to run as the lock is released, before the releasing call returns. */
  private readonly onRelease: Array<() => void> = [];
  private draining = false;
  private kickPending = false;
  /** How many times a caller found the lock held and was deferred (observability). */
  contended = 0;

  /** @param loop - the event loop on which deferred work is re-run. */
  constructor(private readonly loop: EventLoop) {}

  /** Whether some operation currently holds the lock. */
  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Runs `fn` under the lock and returns its result, or returns `undefined` without running it
   * when the lock is held (the caller decides whether to defer with {@link whenFree}).
   */
  tryWith<T>(fn: () => T): T | undefined {
    if (this.held) {
      this.contended++;
      return undefined;
    }
    this.held = true;
    try {
      return fn();
    } finally {
      this.held = false;
      this.drainOnRelease();
      if (this.deferred.length > 0) this.kick();
    }
  }

  /**
   * Runs `fn` now if the lock is free, else as soon as it is released, before the call that
   * releases it returns: the model of a waiter spinning on the lock (a TLB flush after an unmap
   * must reach the hardware before the unmapped pages are freed).
   */
  whenReleased(fn: () => void): void {
    if (!this.held) {
      fn();
      return;
    }
    this.onRelease.push(fn);
  }

  private drainOnRelease(): void {
    // Work that takes the lock itself releases it again; the outermost release runs the queue.
    if (this.draining || this.onRelease.length === 0) return;
    this.draining = true;
    try {
      for (let fn = this.onRelease.shift(); fn !== undefined; fn = this.onRelease.shift()) fn();
    } finally {
      this.draining = false;
    }
  }

  /** Queues `fn` to run (as an event) once the lock is free. */
  whenFree(fn: () => void): void {
    this.deferred.push(fn);
    if (!this.held) this.kick();
  }

  private kick(): void {
    if (this.kickPending) return;
    this.kickPending = true;
    this.loop.schedule(
      0,
      () => {
        this.kickPending = false;
        const work = this.deferred.splice(0, this.deferred.length);
        for (const fn of work) fn();
      },
      "panfrost:as-lock-release",
    );
  }
}
