/**
 * The AS lock: serialises address-space assignment with MMU register operations.
 *
 * The kernel holds a spinlock around `panfrost_mmu_as_get()` and around each MMU operation, so
 * an AS can never be reassigned while a command is being issued to it. Here work is synchronous
 * but polling (`wait_ready`) runs other events on the virtual clock; an event that needs the lock
 * while it is held is deferred and re-run once it is released, instead of interleaving.
 */
import type { EventLoop } from "@panmmu/hw";

/** A mutual-exclusion flag with deferred retry on release. */
export class AsLock {
  private held = false;
  private readonly deferred: Array<() => void> = [];
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
      if (this.deferred.length > 0) this.kick();
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
