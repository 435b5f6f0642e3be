/**
 * The AS lock: serialises address-space assignment with MMU register operations.
 *
 * The kernel holds a spinlock (`as_lock`) around `panfrost_mmu_as_get()` and around each MMU
 * operation, so an AS can never be reassigned while a command is being issued to it. Here work is
 * synchronous, but an MMU operation polls (`wait_ready`), which runs other events on the virtual
 * clock nested inside the holder: the model of what other CPUs and the GPU do meanwhile. An event
 * that needs the lock while it is held is a CPU spinning on it. It registers a waiter and returns;
 * the waiter runs when the holder releases the lock, before the releasing call returns, exactly
 * where the spinning CPU would take it. A waiter is registered at most once until it has run, so
 * contention costs one entry per waiter, however often the waiter retried.
 */
import type { WorkqueueGate } from "@panmmu/drm";

/** A mutual-exclusion flag whose waiters run at release. */
export class AsLock implements WorkqueueGate {
  private held = false;
  /** Waiters, in registration order (a Set: registering a queued waiter again is a no-op). */
  private readonly waiters = new Set<() => void>();
  private draining = false;
  /** How many times a caller found the lock held (observability). */
  contended = 0;

  /** Whether some operation currently holds the lock. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Whether the lock is free (the {@link WorkqueueGate} view). */
  get isOpen(): boolean {
    return !this.held;
  }

  /** Waiters registered and not run yet. */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Runs `fn` under the lock and returns its result, or returns `undefined` without running it
   * when the lock is held (the caller then registers a waiter with {@link whenReleased}).
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
      this.drainWaiters();
    }
  }

  /**
   * Runs `fn` now if the lock is free, else once, when it is released, before the releasing call
   * returns: a CPU spinning on the lock takes it as soon as the holder lets go. Registering a
   * function that is already waiting does nothing.
   */
  whenReleased(fn: () => void): void {
    if (!this.held) {
      fn();
      return;
    }
    this.waiters.add(fn);
  }

  /** {@link WorkqueueGate}: `wake` runs once at the next release. */
  whenOpen(wake: () => void): void {
    this.whenReleased(wake);
  }

  private drainWaiters(): void {
    // A waiter that takes the lock releases it again; the outermost release runs the waiters,
    // including those registered meanwhile. A waiter finding the lock held re-registers.
    if (this.draining) return;
    this.draining = true;
    try {
      while (!this.held && this.waiters.size > 0) {
        const fn = this.waiters.values().next().value as () => void;
        this.waiters.delete(fn);
        fn();
      }
    } finally {
      this.draining = false;
    }
  }
}
